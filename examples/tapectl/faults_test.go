package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tapekit/tapekit/simulator"
)

// prepare creates a library in dir with cfg (nil for the default), lets
// fault arrange it, and closes it for tapectl to open.
func prepare(t *testing.T, dir string, cfg *simulator.Config, fault func(*simulator.Library) error) {
	t.Helper()
	lib, err := simulator.Open(dir, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := fault(lib); err != nil {
		t.Fatal(err)
	}
	if err := lib.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestRobotFailure(t *testing.T) {
	dir := t.TempDir()
	prepare(t, dir, nil, func(l *simulator.Library) error { return l.FailRobot(true) })
	r := tapectl(t, dir, nil, "load", "1", "0")
	if r.code != 1 || !strings.Contains(r.stderr, "the robot failed moving from slot 1 to drive 0") {
		t.Errorf("load with a failed robot: %+v", r)
	}
	if inv := mustRun(t, dir, nil, "inventory"); !strings.Contains(inv, "Drive 0: Empty\n") || !strings.Contains(inv, "Slot 1: Full TK0001L9\n") {
		t.Errorf("the cartridge moved although the robot failed:\n%s", inv)
	}
	checkCartridges(t, dir, defaultBarcodes())
}

func TestDriveFailure(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, dir, nil, "load", "1", "0")
	prepare(t, dir, nil, func(l *simulator.Library) error { return l.FailDrive(0, true) })
	for _, args := range [][]string{{"unload", "0"}, {"read", "0", "1"}, {"status", "0"}} {
		r := tapectl(t, dir, nil, args...)
		if r.code != 1 || !strings.Contains(r.stderr, "drive 0 failed") || !strings.Contains(r.stderr, "needs an operator") {
			t.Errorf("tapectl %s on a failed drive: %+v", strings.Join(args, " "), r)
		}
	}
	if inv := mustRun(t, dir, nil, "inventory"); !strings.Contains(inv, "Drive 0: Full (Slot 1 Loaded) TK0001L9\n") {
		t.Errorf("the cartridge left the failed drive:\n%s", inv)
	}
	checkCartridges(t, dir, defaultBarcodes())
}

func TestMediaError(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, dir, nil, "load", "1", "0")
	mustRun(t, dir, strings.NewReader(strings.Repeat("x", 10000)), "write", "-b", "1000", "0")
	prepare(t, dir, nil, func(l *simulator.Library) error {
		return l.InjectMediaError("TK0001L9", 5, 5, simulator.FaultRead)
	})
	r := tapectl(t, dir, nil, "read", "0", "1")
	if r.code != 1 || !strings.Contains(r.stderr, "after 5000 bytes: medium error on cartridge TK0001L9 in drive 0") {
		t.Errorf("read over a media error: exit %d, stderr %q", r.code, r.stderr)
	}
	if len(r.stdout) != 5000 {
		t.Errorf("read over a media error wrote %d bytes, want the 5000 before it", len(r.stdout))
	}
}

func TestUnreadableBarcode(t *testing.T) {
	dir := t.TempDir()
	prepare(t, dir, nil, func(l *simulator.Library) error { return l.SetBarcodeUnreadable("TK0005L9", true) })
	if inv := mustRun(t, dir, nil, "inventory"); !strings.Contains(inv, "Slot 5: Full [exception 83/00] barcode unreadable\n") {
		t.Errorf("inventory with an unreadable label:\n%s", inv)
	}
	els := inventory(t, dir)
	if i := slices.IndexFunc(els, func(e invElement) bool { return e.Type == "slot" && e.Number == 5 }); i < 0 || !els[i].Full || els[i].Barcode != "" || els[i].Exception != "83/00" {
		t.Errorf("inventory -json of slot 5 with an unreadable label: %+v", els)
	}
	if got, want := mustRun(t, dir, nil, "load", "5", "0"), "loaded the cartridge from slot 5 into drive 0\n"; got != want {
		t.Errorf("load of an unlabelled cartridge: got %q, want %q", got, want)
	}
}

// tinyConfig is the default library plus a 1 MB cartridge in slot 17 whose
// early warning starts 200 kB before its end.
func tinyConfig() *simulator.Config {
	cfg := simulator.DefaultConfig()
	cfg.Media = append(cfg.Media, &simulator.MediaType{
		Name: "TINY", Family: "LTO", Generation: 9, DensityCode: 0x60,
		Capacity: 1_000_000, EarlyWarning: 200_000, Rate: 400_000_000,
		Load: time.Second, Unload: time.Second, AvgLocate: time.Second, AvgRewind: time.Second,
		Wraps: 4, Bands: 1, Length: 10,
	})
	cfg.Cartridges = append(cfg.Cartridges, simulator.CartridgeConfig{Barcode: "TINY01", Media: "TINY", Slot: 17})
	return cfg
}

func TestEndOfMedium(t *testing.T) {
	dir := t.TempDir()
	prepare(t, dir, tinyConfig(), func(*simulator.Library) error { return nil })
	mustRun(t, dir, nil, "load", "17", "0")

	// Past early warning, the file is still written whole.
	r := tapectl(t, dir, strings.NewReader(strings.Repeat("a", 900_000)), "write", "-b", "10000", "0")
	if r.code != 0 || r.stdout != "wrote tape file 1 on TINY01: 900000 bytes in 90 blocks\n" || !strings.Contains(r.stderr, "TINY01 is past its early-warning point") {
		t.Errorf("write into the early-warning zone: %+v", r)
	}
	// At the end of the medium, the operator learns what is on tape.
	r = tapectl(t, dir, strings.NewReader(strings.Repeat("b", 500_000)), "write", "-b", "10000", "0")
	if r.code != 1 || !strings.Contains(r.stderr, "TINY01 is full: tape file 2 is incomplete, 90000 bytes in 9 blocks were written") {
		t.Errorf("write past the end of the medium: %+v", r)
	}
	if got := mustRun(t, dir, nil, "read", "0", "1"); got != strings.Repeat("a", 900_000) {
		t.Errorf("file 1 after the failed write: %d bytes", len(got))
	}
	mustRun(t, dir, nil, "unload", "0")
	checkCartridges(t, dir, append(defaultBarcodes(), "TINY01"))
}
