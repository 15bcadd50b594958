package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapekit/tapekit/tape"
)

func TestStatusText(t *testing.T) {
	dir := t.TempDir()
	want := `Drive 1: IBM ULT3580-TD9, serial 10WT000101, revision SIM1
Cartridge:      none (drive empty)
Block size:     variable, up to 8388608 bytes
`
	if diff := cmp.Diff(want, mustRun(t, dir, nil, "status", "1")); diff != "" {
		t.Errorf("status of an empty drive (-want +got):\n%s", diff)
	}

	mustRun(t, dir, nil, "load", "4", "1")
	mustRun(t, dir, strings.NewReader("hello"), "write", "1")
	// 5 bytes and a filemark, which takes 4 KiB of simulated tape.
	want = `Drive 1: IBM ULT3580-TD9, serial 10WT000101, revision SIM1
Cartridge:      TK0004L9, LTO-9 (density code 0x60), loaded
Position:       file 2, logical block 2 (SCSI file number 1, partition 0)
Flags:          EOD
Capacity:       18.00 TB, 18.00 TB remaining (17999999995899 of 18000000000000 bytes)
Block size:     variable, up to 8388608 bytes
`
	if diff := cmp.Diff(want, mustRun(t, dir, nil, "status", "1")); diff != "" {
		t.Errorf("status after writing one file (-want +got):\n%s", diff)
	}
	mustRun(t, dir, nil, "rewind", "1")
	if got := mustRun(t, dir, nil, "status", "1"); !strings.Contains(got, "Position:       file 1, logical block 0 (SCSI file number 0, partition 0)\nFlags:          BOT\n") {
		t.Errorf("status after rewind:\n%s", got)
	}
}

func TestStatusJSON(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, dir, nil, "load", "1", "0")
	mustRun(t, dir, strings.NewReader("hello"), "write", "0")
	// The JSON reports the drive's own numbers: SCSI file number 1 is
	// tapectl's file 2, where the next write goes. Remaining counts the
	// 5 bytes and the simulator's 4 KiB filemark.
	want := `{
		"drive": 0, "vendor": "IBM", "product": "ULT3580-TD9", "serial": "10WT000100", "revision": "SIM1",
		"loaded": true, "position": {"partition": 0, "block": 2, "file": 1},
		"bot": false, "eod": true, "early_warning": false, "write_protected": false, "cleaning": false,
		"media_type": "LTO-9", "density_code": 96, "barcode": "TK0001L9",
		"block_size": 0, "max_block_size": 8388608,
		"capacity": 18000000000000, "remaining": 17999999995899, "cleaning_needed": false
	}`
	// Flags may come before or after the drive.
	for _, args := range [][]string{{"status", "0", "-json"}, {"status", "-json", "0"}} {
		var got, wantv any
		if err := json.Unmarshal([]byte(mustRun(t, dir, nil, args...)), &got); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(want), &wantv); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantv, got); diff != "" {
			t.Errorf("tapectl %s (-want +got):\n%s", strings.Join(args, " "), diff)
		}
	}
}

// TestStatusTextUnknownLimit: a drive that does not report its block limit
// (an empty real drive may refuse READ BLOCK LIMITS) is not shown as
// taking blocks "up to 0 bytes".
func TestStatusTextUnknownLimit(t *testing.T) {
	var b strings.Builder
	if err := writeStatusText(&b, 0, tape.Status{Vendor: "IBM", Product: "ULT3580-TD8"}, false, ""); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); !strings.Contains(got, "Block size:     variable (the drive does not say its limit)\n") || strings.Contains(got, "up to 0") {
		t.Errorf("status text:\n%s", got)
	}
}
