package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// defaultInventory is `inventory -json` for a new default library: element
// addresses as simulator.DefaultConfig places them, drives numbered from 0,
// slots and ports from 1.
func defaultInventory() []invElement {
	els := []invElement{{Type: "transport", Address: 1, Number: 0, Accessible: true}}
	for i := range 4 {
		els = append(els, invElement{Type: "drive", Address: 500 + i, Number: i, Serial: fmt.Sprintf("10WT%06d", 100+i), Accessible: true})
	}
	for n := 1; n <= 20; n++ {
		el := invElement{Type: "slot", Address: 999 + n, Number: n, Accessible: true}
		switch {
		case n <= 16:
			el.Full, el.Barcode = true, fmt.Sprintf("TK%04dL9", n)
		case n == 20:
			el.Full, el.Barcode = true, "CLN001L1"
		}
		els = append(els, el)
	}
	for n := 1; n <= 2; n++ {
		els = append(els, invElement{Type: "ie", Address: 9 + n, Number: n, Accessible: true})
	}
	return els
}

func TestInventoryJSON(t *testing.T) {
	dir := t.TempDir()
	want := defaultInventory()
	if diff := cmp.Diff(want, inventory(t, dir)); diff != "" {
		t.Fatalf("inventory -json of a new library (-want +got):\n%s", diff)
	}

	// A loaded drive names the slot its cartridge came from; the slot is
	// empty until the cartridge comes back.
	mustRun(t, dir, nil, "load", "3", "1")
	slot3 := 3
	want[2].Full, want[2].Barcode, want[2].Source, want[2].SourceType = true, "TK0003L9", &slot3, "slot"
	want[5+3-1].Full, want[5+3-1].Barcode = false, ""
	if diff := cmp.Diff(want, inventory(t, dir)); diff != "" {
		t.Errorf("inventory -json after load 3 1 (-want +got):\n%s", diff)
	}

	// One element per line, so grep works as well as a JSON parser.
	out := mustRun(t, dir, nil, "inventory", "-json")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(want)+2 || lines[0] != "[" || lines[len(lines)-1] != "]" {
		t.Errorf("inventory -json is not one element per line between [ and ]:\n%s", out)
	}
}

func TestInventoryText(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, dir, nil, "load", "2", "3")
	var want strings.Builder
	fmt.Fprintf(&want, "simulated library %s: 4 drives, 20 slots, 2 I/E ports, 17 cartridges\n", dir)
	want.WriteString("Drive 0: Empty\nDrive 1: Empty\nDrive 2: Empty\nDrive 3: Full (Slot 2 Loaded) TK0002L9\n")
	for n := 1; n <= 20; n++ {
		switch {
		case n == 2, n > 16 && n < 20:
			fmt.Fprintf(&want, "Slot %d: Empty\n", n)
		case n == 20:
			want.WriteString("Slot 20: Full CLN001L1\n")
		default:
			fmt.Fprintf(&want, "Slot %d: Full TK%04dL9\n", n, n)
		}
	}
	want.WriteString("Port 1: Empty\nPort 2: Empty\n")
	if diff := cmp.Diff(want.String(), mustRun(t, dir, nil, "inventory")); diff != "" {
		t.Errorf("inventory (-want +got):\n%s", diff)
	}
}
