package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tapekit/tapekit/changer/changertest"
	"github.com/tapekit/tapekit/changer/mtx"
	"github.com/tapekit/tapekit/simulator"
)

// TestMain lets the test binary act as mtxsim when the mtx driver runs it
// as its mtx binary: `TEST-BINARY -f DIR COMMAND …`.
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == "-f" {
		os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	}
	// Children inherit this: under the race detector each would otherwise
	// wait a second before exiting.
	os.Setenv("GORACE", "atexit_sleep_ms=0")
	os.Exit(m.Run())
}

func testConfig() *simulator.Config {
	cfg := &simulator.Config{Slots: 6, Ports: 2, Drives: []simulator.DriveConfig{{Product: "ULT3580-TD9"}, {Product: "ULT3580-TD9"}}}
	for i, bc := range []string{"AAA001L9", "AAA002L9", "OLD001L5", "CLN001L1"} {
		cfg.Cartridges = append(cfg.Cartridges, simulator.CartridgeConfig{Barcode: bc, Slot: i + 1})
	}
	return cfg
}

func newLibrary(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "lib")
	l, err := simulator.Open(dir, testConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestMtxDriverConformance runs changertest end to end: the changer/mtx
// driver runs this binary as mtx, which drives a directory simulator.
func TestMtxDriverConformance(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	err = changertest.TestChanger(context.Background(), changertest.Config{
		New: func(ctx context.Context) (changertest.Library, error) {
			c, err := mtx.New(newLibrary(t), &mtx.Options{Path: exe})
			if err != nil {
				return changertest.Library{}, err
			}
			return changertest.Library{Changer: c, Incompatible: "OLD001L5"}, nil
		},
		Report: func(check string, err error) { t.Logf("%-22s %v", check, err) },
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestStatusParses checks that mtxsim's status is what the mtx parser
// reads as the simulator's inventory.
func TestStatusParses(t *testing.T) {
	dir := newLibrary(t)
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"-f", dir, "load", "2", "1"}, &out, &errb); code != 0 {
		t.Fatalf("load: %d %s", code, errb.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"-f", dir, "status"}, &out, &errb); code != 0 {
		t.Fatalf("status: %d %s", code, errb.String())
	}
	st, err := mtx.Parse(strings.NewReader(out.String()))
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if len(st.Drives) != 2 || len(st.Slots) != 8 || st.ImportExport != 2 {
		t.Fatalf("parsed %d drives, %d slots, %d I/E from\n%s", len(st.Drives), len(st.Slots), st.ImportExport, out.String())
	}
	if d := st.Drives[1]; !d.Full || d.Source != 2 || d.VolumeTag != "AAA002L9" {
		t.Fatalf("drive 1: %+v", d)
	}
	if s := st.Slots[1]; s.Full {
		t.Fatalf("slot 2 still full: %+v", s)
	}
	if !st.Slots[6].ImportExport || st.Slots[5].ImportExport {
		t.Fatalf("I/E ports are not storage elements 7 and 8")
	}
	// A failed load says why, as mtx does.
	errb.Reset()
	if code := run(context.Background(), []string{"-f", dir, "load", "3", "0"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "Additional Sense Code = 30") {
		t.Fatalf("incompatible load: exit %d, stderr:\n%s", code, errb.String())
	}
}
