package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapekit/tapekit/changer/mtx"
)

// buildMTXSim builds simulator/mtxsim, an mtx that drives a directory
// simulator, and returns its path.
func buildMTXSim(t *testing.T) string {
	t.Helper()
	gotool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gotool); err != nil {
		var lerr error
		if gotool, lerr = exec.LookPath("go"); lerr != nil {
			t.Skipf("building mtxsim needs the go tool, which is not on PATH: %v", lerr)
		}
	}
	bin := filepath.Join(t.TempDir(), "mtxsim")
	out, err := exec.Command(gotool, "build", "-o", bin, "github.com/tapekit/tapekit/simulator/mtxsim").CombinedOutput()
	if err != nil {
		t.Fatalf("go build mtxsim: %v\n%s", err, out)
	}
	return bin
}

// mtxInventory is `inventory -json` of the default library as the mtx
// driver reports it: no transport, no serial numbers, mtx's numbering as
// addresses (slots 1–20, I/E ports 21–22, drives from mtx.DriveBase).
func mtxInventory() []invElement {
	var els []invElement
	for _, el := range defaultInventory() {
		switch el.Type {
		case "transport":
			continue
		case "drive":
			el.Address, el.Serial = int(mtx.DriveBase)+el.Number, ""
		case "slot":
			el.Address = el.Number
		case "ie":
			el.Address = 20 + el.Number
		}
		els = append(els, el)
	}
	return els
}

// TestMTXChanger drives a simulated library through the mtx driver and
// mtxsim, as `tapectl -changer mtx:/dev/sgN` drives a real one through mtx.
func TestMTXChanger(t *testing.T) {
	bin := buildMTXSim(t)
	dir := t.TempDir()
	lib := []string{"-mtx", bin, "-changer", "mtx:" + dir}
	invJSON := func() []invElement {
		t.Helper()
		out := mustRun(t, "", nil, withFlags(lib, "inventory", "-json")...)
		var els []invElement
		if err := json.Unmarshal([]byte(out), &els); err != nil {
			t.Fatalf("inventory -json: %v\n%s", err, out)
		}
		return els
	}
	want := mtxInventory()
	if diff := cmp.Diff(want, invJSON()); diff != "" {
		t.Fatalf("inventory -json through mtx (-want +got):\n%s", diff)
	}

	steps := []struct {
		args []string
		out  string
	}{
		{[]string{"load", "3", "1"}, "loaded TK0003L9 from slot 3 into drive 1\n"},
		{[]string{"transfer", "4", "18"}, "moved TK0004L9 from slot 4 to slot 18\n"},
		{[]string{"export", "TK0005L9"}, "exported TK0005L9 from slot 5 to I/E port 1\n"},
		{[]string{"export", "6"}, "exported TK0006L9 from slot 6 to I/E port 2\n"},
		{[]string{"import", "2"}, "imported TK0006L9 from I/E port 2 to slot 3\n"},
	}
	for _, s := range steps {
		if out := mustRun(t, "", nil, withFlags(lib, s.args...)...); out != s.out {
			t.Errorf("%s: %q, want %q", strings.Join(s.args, " "), out, s.out)
		}
	}
	els := invJSON()
	slot3 := 3
	for i, el := range want {
		switch {
		case el.Type == "drive" && el.Number == 1:
			want[i].Full, want[i].Barcode, want[i].Source, want[i].SourceType = true, "TK0003L9", &slot3, "slot"
		case el.Type == "slot" && el.Number == 3:
			want[i].Barcode = "TK0006L9"
		case el.Type == "slot" && (el.Number == 4 || el.Number == 5 || el.Number == 6):
			want[i].Full, want[i].Barcode = false, ""
		case el.Type == "slot" && el.Number == 18:
			want[i].Full, want[i].Barcode = true, "TK0004L9"
		case el.Type == "ie" && el.Number == 1:
			want[i].Full, want[i].Barcode = true, "TK0005L9"
		}
	}
	if diff := cmp.Diff(want, els); diff != "" {
		t.Errorf("inventory after the moves (-want +got):\n%s", diff)
	}

	// mtx does not report drive serial numbers, so a drive command needs
	// -f; unload leaves ejecting to the library, which mtxsim's does. Its
	// source slot 3 is full now, so the cartridge goes to the first empty
	// slot. (-f sim-sg:DIR:N cannot join mtxsim here: both would open the
	// simulator's directory, which one process at a time may hold.)
	if r := tapectl(t, "", nil, withFlags(lib, "status", "1")...); r.code != 1 || !strings.Contains(r.stderr, "mtx does not report drive serial numbers): name it with -f DEVICE") {
		t.Errorf("status 1 through mtx: %+v", r)
	}
	if out := mustRun(t, "", nil, withFlags(lib, "unload", "1")...); out != "unloaded TK0003L9 from drive 1 to slot 4\n" {
		t.Errorf("unload 1: %q", out)
	}

	// Errors keep mtx's meaning.
	if r := tapectl(t, "", nil, withFlags(lib, "transfer", "5", "19")...); r.code != 1 || !strings.Contains(r.stderr, "slot 5 is empty") {
		t.Errorf("transfer from an empty slot: %+v", r)
	}
	if r := tapectl(t, "", nil, withFlags(lib, "transfer", "1", "2")...); r.code != 1 || !strings.Contains(r.stderr, "slot 2 already holds TK0002L9") {
		t.Errorf("transfer to a full slot: %+v", r)
	}
	if r := tapectl(t, "", nil, withFlags(lib, "export", "NOSUCHL9")...); r.code != 1 || !strings.Contains(r.stderr, "no cartridge with barcode NOSUCHL9") {
		t.Errorf("export of an unknown barcode: %+v", r)
	}

	r := tapectl(t, "", nil, withFlags(lib, "test", "-move-cartridges")...)
	if r.code != 0 {
		t.Fatalf("tapectl test -changer mtx:DIR -move-cartridges: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "changertest PASS:") || !strings.HasSuffix(r.stdout, "every cartridge is back where it was\n") {
		t.Errorf("changertest through mtx:\n%s", r.stdout)
	}
	if r := tapectl(t, "", nil, "-changer", "mtx:"+dir, "-mtx", filepath.Join(t.TempDir(), "no-mtx"), "inventory"); r.code != 1 || !strings.Contains(r.stderr, "cannot run mtx") {
		t.Errorf("without an mtx program: %+v", r)
	}
}

// sharedFixture returns the path of a file in ../shared/fixtures, beside the
// repository, or skips the test when the fixtures are not there.
func sharedFixture(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join("..", "..", "..", "shared", "fixtures", name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("fixture %s not found beside the repository: %v", name, err)
	}
	p, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestMTXRealLibrary runs `tapectl -changer mtx:/dev/sg5 inventory -json`
// with an mtx that prints the status of a real QUANTUM library (4 drives,
// 80 slots, 4 I/E ports, drives 0 and 1 loaded from slots 9 and 1).
func TestMTXRealLibrary(t *testing.T) {
	status := sharedFixture(t, filepath.Join("mtx", "QUANTUM_4drives_84slots_4IE_LTO6.txt"))
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skipf("the fake mtx is a shell script, and there is no sh: %v", err)
	}
	bin := t.TempDir()
	// The fixture's first line says where it comes from; mtx prints the rest.
	script := fmt.Sprintf("#!/bin/sh\nexec tail -n +2 '%s'\n", status)
	if err := os.WriteFile(filepath.Join(bin, "mtx"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))

	out := mustRun(t, "", nil, "-changer", "mtx:/dev/sg5", "inventory", "-json")
	var els []invElement
	if err := json.Unmarshal([]byte(out), &els); err != nil {
		t.Fatalf("inventory -json: %v\n%s", err, out)
	}
	count := map[string]int{}
	loaded := map[int]string{}
	for _, el := range els {
		count[el.Type]++
		if el.Type == "drive" && el.Full {
			if el.Source == nil || el.SourceType != "slot" {
				t.Errorf("drive %d is full but has no source slot: %+v", el.Number, el)
				continue
			}
			loaded[el.Number] = fmt.Sprintf("slot %d %s", *el.Source, el.Barcode)
		}
	}
	if diff := cmp.Diff(map[string]int{"drive": 4, "slot": 80, "ie": 4}, count); diff != "" {
		t.Errorf("element counts (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[int]string{0: "slot 9 VIT008L6", 1: "slot 1 VIT000L6"}, loaded); diff != "" {
		t.Errorf("loaded drives (-want +got):\n%s", diff)
	}
	text := mustRun(t, "", nil, "-changer", "mtx:/dev/sg5", "inventory")
	if first := strings.SplitN(text, "\n", 2)[0]; first != "library /dev/sg5 (mtx): 4 drives, 80 slots, 4 I/E ports, "+fmt.Sprint(countFull(els))+" cartridges" {
		t.Errorf("inventory header: %q", first)
	}
}

func countFull(els []invElement) int {
	n := 0
	for _, el := range els {
		if el.Full {
			n++
		}
	}
	return n
}
