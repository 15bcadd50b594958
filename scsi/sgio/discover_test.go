package sgio_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapekit/tapekit/scsi/sgio"
)

// fakeDevice builds the sysfs entries of one SCSI device the way the
// kernel lays them out:
//
//	devices/.../hostH/targetH:C:T/H:C:T:L/{type,vendor,model,rev,vpd_pg80}
//	devices/.../H:C:T:L/scsi_generic/sgN/device -> ../../../H:C:T:L
//	devices/.../H:C:T:L/scsi_tape/{st0,nst0,nst0a,...}
//	class/scsi_generic/sgN -> ../../devices/.../H:C:T:L/scsi_generic/sgN
//	class/scsi_tape/nst0   -> ../../devices/.../H:C:T:L/scsi_tape/nst0
type fakeDevice struct {
	hctl, typ, vendor, model, rev string
	vpd80                         []byte
	sg                            string
	classDir                      string   // "scsi_tape" or "scsi_changer"
	nodes                         []string // entries of classDir
}

func mkfake(t *testing.T, root string, d fakeDevice) {
	t.Helper()
	host := "host" + d.hctl[:1]
	dev := filepath.Join(root, "devices", "pci0000:00", "0000:00:1f.2", host, "target"+d.hctl[:len(d.hctl)-2], d.hctl)
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dev, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := func(target, name string) {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, name); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dev, "scsi_generic", d.sg), 0o755); err != nil {
		t.Fatal(err)
	}
	write("type", d.typ+"\n")
	write("vendor", d.vendor+"\n")
	write("model", d.model+"\n")
	write("rev", d.rev+"\n")
	if d.vpd80 != nil {
		write("vpd_pg80", string(d.vpd80))
	}
	rel := func(from string) string {
		r, err := filepath.Rel(from, dev)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	link("../../../"+d.hctl, filepath.Join(dev, "scsi_generic", d.sg, "device"))
	link(filepath.Join(rel(filepath.Join(root, "class", "scsi_generic")), "scsi_generic", d.sg), filepath.Join(root, "class", "scsi_generic", d.sg))
	for _, n := range d.nodes {
		if err := os.MkdirAll(filepath.Join(dev, d.classDir, n), 0o755); err != nil {
			t.Fatal(err)
		}
		link(filepath.Join(rel(filepath.Join(root, "class", d.classDir)), d.classDir, n), filepath.Join(root, "class", d.classDir, n))
	}
}

func TestDiscover(t *testing.T) {
	root := t.TempDir()
	serial := append([]byte{0x01, 0x80, 0x00, 0x0a}, []byte("1068012345")...)
	mkfake(t, root, fakeDevice{hctl: "2:0:1:0", typ: "1", vendor: "IBM     ", model: "ULT3580-TD9     ", rev: "Q3F5",
		vpd80: serial, sg: "sg10", classDir: "scsi_tape", nodes: []string{"st0", "st0a", "st0l", "st0m", "nst0", "nst0a", "nst0l", "nst0m"}})
	mkfake(t, root, fakeDevice{hctl: "2:0:0:0", typ: "8", vendor: "STK", model: "L700", rev: "0106",
		sg: "sg2", classDir: "scsi_changer", nodes: []string{"sch0"}})
	mkfake(t, root, fakeDevice{hctl: "0:0:0:0", typ: "0", vendor: "ATA", model: "Samsung SSD", rev: "1B6Q", sg: "sg0"})
	// A drive not bound to st: no tape node.
	mkfake(t, root, fakeDevice{hctl: "3:0:2:0", typ: "1", vendor: "HP", model: "Ultrium 8-SCSI", rev: "J4DB", sg: "sg3"})

	got, err := sgio.Discover(root)
	if err != nil {
		t.Fatal(err)
	}
	want := []sgio.DeviceInfo{
		{HCTL: "0:0:0:0", Type: 0, Vendor: "ATA", Model: "Samsung SSD", Revision: "1B6Q", Generic: "/dev/sg0"},
		{HCTL: "2:0:0:0", Type: 8, Vendor: "STK", Model: "L700", Revision: "0106", Generic: "/dev/sg2", Changer: "/dev/sch0"},
		{HCTL: "3:0:2:0", Type: 1, Vendor: "HP", Model: "Ultrium 8-SCSI", Revision: "J4DB", Generic: "/dev/sg3"},
		{HCTL: "2:0:1:0", Type: 1, Vendor: "IBM", Model: "ULT3580-TD9", Revision: "Q3F5", Serial: "1068012345", Generic: "/dev/sg10", Tape: "/dev/nst0"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestDiscoverEmpty(t *testing.T) {
	got, err := sgio.Discover(t.TempDir())
	if err != nil || len(got) != 0 {
		t.Errorf("Discover(empty) = %v, %v", got, err)
	}
}

func TestDiscoverBadType(t *testing.T) {
	root := t.TempDir()
	mkfake(t, root, fakeDevice{hctl: "1:0:0:0", typ: "tape", sg: "sg1"})
	if _, err := sgio.Discover(root); err == nil {
		t.Error("no error for a non-numeric device type")
	}
}

// Kernels built with CONFIG_SYSFS_DEPRECATED put "scsi_tape:nst0" links
// in the device directory instead of a scsi_tape/ subdirectory.
func TestDiscoverDeprecatedLinks(t *testing.T) {
	root := t.TempDir()
	mkfake(t, root, fakeDevice{hctl: "4:0:0:0", typ: "1", vendor: "QUANTUM", model: "ULTRIUM 6", rev: "3210", sg: "sg4"})
	dev := filepath.Join(root, "devices", "pci0000:00", "0000:00:1f.2", "host4", "target4:0:0", "4:0:0:0")
	for _, n := range []string{"scsi_tape:st1", "scsi_tape:nst1"} {
		if err := os.Symlink("../../../../class/scsi_tape/"+n[len("scsi_tape:"):], filepath.Join(dev, n)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := sgio.Discover(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Tape != "/dev/nst1" {
		t.Errorf("got %+v, want tape /dev/nst1", got)
	}
}
