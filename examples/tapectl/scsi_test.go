package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapekit/tapekit/simulator"
)

// The tests in this file run tapectl's real-device code — the SMC and SSC
// drivers, the drive ↔ element matching by serial number, the SCSI
// commands of inquiry — against the simulator's in-process SCSI targets,
// named sim-sg:DIR (the changer) and sim-sg:DIR:N (drive N). Only SG_IO
// itself is left out.

// scsiLib is the -changer flag of the simulated library in dir.
func scsiLib(dir string) []string { return []string{"-changer", simSG + ":" + dir} }

// scsiDrive is the -f flag of drive n of the simulated library in dir.
func scsiDrive(dir string, n int) []string {
	return []string{"-f", fmt.Sprintf("%s:%s:%d", simSG, dir, n)}
}

func withFlags(flags []string, args ...string) []string {
	return append(append([]string{}, flags...), args...)
}

// TestSCSIInventory checks that the library read through SMC is the
// library the native driver reports: same elements, addresses, barcodes,
// sources and drive serial numbers.
func TestSCSIInventory(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, dir, nil, "load", "3", "1")
	want := inventory(t, dir)
	out := mustRun(t, "", nil, withFlags(scsiLib(dir), "inventory", "-json")...)
	var got []invElement
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("inventory -json through SMC: %v\n%s", err, out)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("inventory through SMC differs from the native one (-native +SMC):\n%s", diff)
	}
}

// TestSCSIDriveCommands runs the drive commands through the SSC driver,
// the drive found by its serial number (-changer alone), named by -f alone,
// and named by both.
func TestSCSIDriveCommands(t *testing.T) {
	dir := t.TempDir()
	lib := scsiLib(dir)
	mustRun(t, "", nil, withFlags(lib, "load", "2", "1")...)
	if out := mustRun(t, "", strings.NewReader("first file\n"), withFlags(lib, "write", "1")...); out != "wrote tape file 1 on TK0002L9: 11 bytes in 1 block\n" {
		t.Errorf("write: %q", out)
	}
	mustRun(t, "", strings.NewReader("second file\n"), withFlags(scsiDrive(dir, 1), "write")...)
	both := append(append([]string{}, lib...), scsiDrive(dir, 1)...)
	if out := mustRun(t, "", nil, withFlags(both, "read", "1", "2")...); out != "second file\n" {
		t.Errorf("read 1 2 with -changer and -f: %q", out)
	}
	if out := mustRun(t, "", nil, withFlags(scsiDrive(dir, 1), "read", "1")...); out != "first file\n" {
		t.Errorf("read 1 with -f alone: %q", out)
	}
	mustRun(t, "", nil, withFlags(lib, "rewind", "1")...)

	var st statusJSON
	if err := json.Unmarshal([]byte(mustRun(t, "", nil, withFlags(lib, "status", "1", "-json")...)), &st); err != nil {
		t.Fatal(err)
	}
	want := statusJSON{
		Drive: 1, Vendor: "IBM", Product: "ULT3580-TD9", Serial: "10WT000101", Revision: "SIM1",
		Loaded: true, BOT: true, MediaType: "LTO-9", DensityCode: 0x60, Barcode: "TK0002L9",
		// The drive takes 8 MiB, the simulated host adapter 512 KiB.
		MaxBlockSize: simulator.DefaultHostMaxTransfer,
	}
	if diff := cmp.Diff(want, st, cmpIgnoreCapacity); diff != "" {
		t.Errorf("status -json through SSC (-want +got):\n%s", diff)
	}
	// With -f and the library, DRIVE may be left out: the drive -f names
	// is found among the library's by its serial number.
	if out := mustRun(t, "", nil, withFlags(both, "status")...); !strings.HasPrefix(out, "Drive 1: IBM ULT3580-TD9, serial 10WT000101") {
		t.Errorf("status with -f and -changer, no DRIVE:\n%s", out)
	}
	if out := mustRun(t, "", nil, withFlags(lib, "unload", "1")...); out != "unloaded TK0002L9 from drive 1 to slot 2\n" {
		t.Errorf("unload: %q", out)
	}
	checkCartridges(t, dir, defaultBarcodes())
}

// cmpIgnoreCapacity leaves out what depends on the simulator's accounting
// of the data written, which its own tests check.
var cmpIgnoreCapacity = cmp.Transformer("capacity", func(s statusJSON) statusJSON {
	s.Capacity, s.Remaining, s.Position, s.EOD = 0, 0, positionJSON{}, false
	return s
})

// TestSCSIWrongDrive checks that -f naming another drive than DRIVE is
// refused before anything is done to either.
func TestSCSIWrongDrive(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "", nil, withFlags(scsiLib(dir), "load", "1", "0")...)
	args := append(append([]string{}, scsiLib(dir)...), scsiDrive(dir, 2)...)
	r := tapectl(t, "", nil, withFlags(args, "unload", "0")...)
	if r.code != 1 || !strings.Contains(r.stderr, "is the drive with serial number 10WT000102, but drive 0 of the library is serial 10WT000100") {
		t.Errorf("unload 0 with -f naming drive 2: %+v", r)
	}
	if inv := mustRun(t, dir, nil, "inventory"); !strings.Contains(inv, "Drive 0: Full (Slot 1 Loaded) TK0001L9\n") {
		t.Errorf("the refused unload moved the cartridge:\n%s", inv)
	}
}

// TestSCSIDriveOnly checks -f without a changer: drive commands work on
// drive 0, changer commands say a changer is missing.
func TestSCSIDriveOnly(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, dir, nil, "load", "5", "3")
	f := scsiDrive(dir, 3)
	if out := mustRun(t, "", nil, withFlags(f, "status", "0")...); !strings.Contains(out, "TK0005L9, LTO-9") {
		t.Errorf("status 0 with -f: %s", out)
	}
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"status", "1"}, 2, "-f names one drive, drive 0"},
		{[]string{"inventory"}, 2, "no changer given"},
		{[]string{"load", "1", "0"}, 2, "no changer given"},
		{[]string{"unload", "0", "5"}, 2, "needs a library"},
	} {
		r := tapectl(t, "", nil, withFlags(f, c.args...)...)
		if r.code != c.code || !strings.Contains(r.stderr, c.msg) {
			t.Errorf("tapectl -f … %s: exit %d, stderr %q; want exit %d and %q", strings.Join(c.args, " "), r.code, r.stderr, c.code, c.msg)
		}
	}
	// Without a changer, unload ejects and the cartridge stays in the
	// drive for the library or an operator.
	if out := mustRun(t, "", nil, withFlags(f, "unload")...); !strings.HasPrefix(out, "ejected the cartridge of drive 0") {
		t.Errorf("unload with -f alone: %q", out)
	}
	if r := tapectl(t, "", nil, withFlags(f, "read", "1")...); r.code != 1 || !strings.Contains(r.stderr, "not ready") && !strings.Contains(r.stderr, "empty") {
		t.Errorf("read after eject: %+v", r)
	}
}

func TestSCSITapeAlert(t *testing.T) {
	dir := t.TempDir()
	prepare(t, dir, nil, func(l *simulator.Library) error {
		if err := l.RaiseTapeAlert(0, 20); err != nil { // Clean now
			return err
		}
		return l.RaiseTapeAlert(0, 4) // Media
	})
	out := mustRun(t, "", nil, withFlags(scsiLib(dir), "tapealert", "0")...)
	want := "Drive 0: 2 TapeAlert flags set (now cleared on the drive)\n" +
		"   4  Media      critical\n" +
		"  20  Clean now  critical\n"
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("tapealert (-want +got):\n%s", diff)
	}
	// Reading cleared them.
	out = mustRun(t, "", nil, withFlags(scsiDrive(dir, 0), "tapealert", "-json")...)
	if diff := cmp.Diff("{\n  \"drive\": 0,\n  \"flags\": []\n}\n", out); diff != "" {
		t.Errorf("tapealert -json after a read (-want +got):\n%s", diff)
	}
}

func TestSCSIInquiry(t *testing.T) {
	dir := t.TempDir()
	var got inquiryJSON
	if err := json.Unmarshal([]byte(mustRun(t, "", nil, withFlags(scsiLib(dir), "inquiry", "2", "-json")...)), &got); err != nil {
		t.Fatal(err)
	}
	want := inquiryJSON{
		Drive: 2, Device: simSG + ":" + dir + ":2", Source: "inquiry",
		Vendor: "IBM", Product: "ULT3580-TD9", Revision: "SIM1", Serial: "10WT000102",
		DeviceType: "tape", Removable: true, VPDPages: []string{"00", "80", "83"},
		Designators: []designatorJSON{{Type: "T10 vendor ID", Association: "logical unit", CodeSet: "ASCII", Value: "IBM     ULT3580-TD9     10WT000102"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("inquiry -json through SCSI (-want +got):\n%s", diff)
	}
	// The native simulator has no SCSI: inquiry says where its answer
	// comes from instead.
	out := mustRun(t, dir, nil, "inquiry", "2")
	if !strings.Contains(out, "Serial:         10WT000102\n") || !strings.Contains(out, "from the drive's status") {
		t.Errorf("inquiry on -sim:\n%s", out)
	}
}

// TestSCSIDriveConformance runs `tapectl test -f sim-sg:DIR:0
// -overwrite-cartridge`: tapetest through tapectl, the SSC driver and the
// simulator's SCSI target.
func TestSCSIDriveConformance(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, dir, nil, "load", "1", "0")
	r := tapectl(t, "", nil, "test", "-f", simSG+":"+dir+":0", "-overwrite-cartridge")
	if r.code != 0 {
		t.Fatalf("tapectl test -overwrite-cartridge: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, line := range []string{
		"tapetest on drive 0 (IBM ULT3580-TD9, serial 10WT000100) with cartridge TK0001L9, which it overwrites\n",
		"ok    write-read-blocks\n",
		"skip  write-protect                needs a write-protected cartridge; tapectl tests the loaded one\n",
		"tapetest PASS: 17 passed, 0 failed, 2 skipped\n",
	} {
		if !strings.Contains(r.stdout, line) {
			t.Errorf("output lacks %q:\n%s", line, r.stdout)
		}
	}
	// The drive of a library, named by number, works the same.
	mustRun(t, "", nil, withFlags(scsiLib(dir), "test", "-overwrite-cartridge", "0")...)
}

// TestSCSIChangerConformance runs `tapectl test -changer sim-sg:DIR
// -move-cartridges`: changertest through tapectl, the SMC driver and the
// simulator's SCSI target, drives ejected through their own devices.
func TestSCSIChangerConformance(t *testing.T) {
	dir := t.TempDir()
	cfg := simulator.DefaultConfig()
	cfg.Media = append(cfg.Media, simulator.LTO5)
	cfg.Cartridges = append(cfg.Cartridges, simulator.CartridgeConfig{Barcode: "OLD001L5", Slot: 17})
	prepare(t, dir, cfg, func(*simulator.Library) error { return nil })
	mustRun(t, dir, nil, "load", "4", "2") // a loaded drive must stay loaded
	r := tapectl(t, "", nil, "-changer", simSG+":"+dir, "test", "-move-cartridges", "-incompatible", "OLD001L5")
	if r.code != 0 {
		t.Fatalf("tapectl test -move-cartridges: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "changertest PASS: 11 passed, 0 failed, 0 skipped\n") || !strings.HasSuffix(r.stdout, "every cartridge is back where it was\n") {
		t.Errorf("output:\n%s", r.stdout)
	}
	if inv := mustRun(t, dir, nil, "inventory"); !strings.Contains(inv, "Drive 2: Full (Slot 4 Loaded) TK0004L9\n") {
		t.Errorf("drive 2 lost its cartridge:\n%s", inv)
	}
}

// TestTestRefuses checks that neither suite runs without the flag that
// says what it does to the cartridges.
func TestTestRefuses(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, dir, nil, "load", "1", "0")
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"test", "-f", simSG + ":" + dir + ":0"}, "add -overwrite-cartridge"},
		{[]string{"-f", simSG + ":" + dir + ":0", "test"}, "add -overwrite-cartridge"},
		{[]string{"-changer", simSG + ":" + dir, "test"}, "add -move-cartridges"},
		{[]string{"-changer", simSG + ":" + dir, "test", "0"}, "add -overwrite-cartridge"},
		{[]string{"-sim", dir, "test"}, "add -move-cartridges"},
		{[]string{"test", "-overwrite-cartridge"}, "name what to test"},
		{[]string{"-changer", simSG + ":" + dir, "test", "-overwrite-cartridge"}, "give DRIVE"},
		{[]string{"-f", simSG + ":" + dir + ":0", "test", "-move-cartridges"}, "name its changer with -changer"},
	} {
		r := tapectl(t, "", nil, c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.msg) || r.stdout != "" {
			t.Errorf("tapectl %s: exit %d, stdout %q, stderr %q; want exit 2 and %q", strings.Join(c.args, " "), r.code, r.stdout, r.stderr, c.msg)
		}
	}
	// Nothing was written: the cartridge still holds no file.
	if r := tapectl(t, dir, nil, "read", "0", "1"); r.code != 1 || !strings.Contains(r.stderr, "there is no tape file 1") {
		t.Errorf("after the refusals: %+v", r)
	}
}
