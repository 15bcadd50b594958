package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapekit/tapekit/simulator"
)

// TestBadInput runs each mistake an operator can make on a library that a
// setup prepared, and checks the exit status, the message, and that no
// cartridge was lost or duplicated.
func TestBadInput(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup [][]string // tapectl invocations that must succeed first
		args  []string
		stdin string
		code  int
		msg   string // a substring of standard error
		not   string // what standard error must not say
	}{
		{name: "no library", args: []string{"inventory"}, code: 2, msg: "use -sim DIR"},
		{name: "slot not a number", args: []string{"load", "x", "0"}, code: 2, msg: `slot "x" is not a number`},
		{name: "drive not a number", args: []string{"load", "1", "zero"}, code: 2, msg: `drive "zero" is not a number`},
		{name: "missing drive", args: []string{"load", "1"}, code: 2, msg: "usage: tapectl load SLOT DRIVE"},
		{name: "extra argument", args: []string{"rewind", "0", "1"}, code: 2, msg: "too many arguments: 1"},
		{name: "unknown flag", args: []string{"status", "0", "-xml"}, code: 2, msg: "flag provided but not defined: -xml"},
		{name: "unknown slot", args: []string{"load", "25", "0"}, code: 1, msg: "no slot 25: the library has slots 1 to 20"},
		{name: "slot 0", args: []string{"load", "0", "0"}, code: 1, msg: "no slot 0: the library has slots 1 to 20"},
		{name: "negative slot", args: []string{"load", "-1", "0"}, code: 1, msg: "no slot -1"},
		{name: "unknown drive", args: []string{"load", "1", "4"}, code: 1, msg: "no drive 4: the library has drives 0 to 3"},
		{name: "status of unknown drive", args: []string{"status", "7"}, code: 1, msg: "no drive 7"},
		{name: "load from empty slot", args: []string{"load", "17", "0"}, code: 1, msg: "slot 17 is empty"},
		{name: "load into full drive", setup: [][]string{{"load", "1", "0"}}, args: []string{"load", "2", "0"}, code: 1,
			msg: "drive 0 already holds TK0001L9: unload it first (tapectl unload 0)"},
		{name: "unload to full slot", setup: [][]string{{"load", "1", "0"}}, args: []string{"unload", "0", "2"}, code: 1,
			msg: "slot 2 already holds TK0002L9"},
		{name: "unload to unknown slot", setup: [][]string{{"load", "1", "0"}}, args: []string{"unload", "0", "21"}, code: 1,
			msg: "no slot 21"},
		{name: "unload empty drive", args: []string{"unload", "1"}, code: 1, msg: "drive 1 is empty: there is nothing to unload"},
		{name: "read without cartridge", args: []string{"read", "0", "1"}, code: 1,
			msg: "drive 0 is empty: load a cartridge first (tapectl load SLOT 0)"},
		{name: "write without cartridge", args: []string{"write", "2"}, stdin: "data", code: 1,
			msg: "drive 2 is empty: load a cartridge first (tapectl load SLOT 2)"},
		{name: "rewind without cartridge", args: []string{"rewind", "3"}, code: 1, msg: "drive 3 is empty"},
		{name: "read file 0", setup: [][]string{{"load", "1", "0"}}, args: []string{"read", "0", "0"}, code: 2,
			msg: "tape files are numbered from 1"},
		{name: "read from blank tape", setup: [][]string{{"load", "1", "0"}}, args: []string{"read", "0", "1"}, code: 1,
			msg: "there is no tape file 1: TK0001L9 in drive 0 is empty"},
		{name: "block too large", setup: [][]string{{"load", "1", "0"}}, args: []string{"write", "-b", "16M", "0"}, stdin: "data", code: 2,
			msg: "drive 0 takes blocks of at most 8388608 bytes"},
		{name: "bad block size", setup: [][]string{{"load", "1", "0"}}, args: []string{"write", "-b", "lots", "0"}, code: 2,
			msg: "want a positive size"},
		{name: "write to cleaning cartridge", setup: [][]string{{"load", "20", "0"}}, args: []string{"write", "0"}, stdin: "data", code: 1,
			msg: "drive 0 is not ready"},
		{name: "negative speed", args: []string{"-sim-speed", "-2", "inventory"}, code: 2, msg: "-sim-speed"},
		{name: "speed NaN", args: []string{"-sim-speed", "NaN", "inventory"}, code: 2, msg: "-sim-speed NaN: want 0"},
		{name: "speed infinite", args: []string{"-sim-speed", "Inf", "inventory"}, code: 2, msg: "-sim-speed +Inf: want 0"},
		{name: "speed minus infinite", args: []string{"-sim-speed", "-Inf", "inventory"}, code: 2, msg: "-sim-speed -Inf: want 0"},
		// A speed this small overflowed the scaled waits, which then took
		// no time at all.
		{name: "speed too small", args: []string{"-sim-speed", "1e-10", "inventory"}, code: 2, msg: "-sim-speed 1e-10: want 0 (virtual time) or a speed-up of at least 0.001"},
		{name: "label with an empty barcode", setup: [][]string{{"load", "1", "0"}}, args: []string{"label", "0", ""}, code: 2,
			msg: "the barcode is empty"},
		{name: "label with another barcode", setup: [][]string{{"load", "1", "0"}}, args: []string{"label", "0", "TK 2"}, code: 1,
			msg: `drive 0 holds TK0001L9, not "TK 2": check the cartridge, or use -force to label it "TK 2" anyway`},
		{name: "scan past the last file of an empty tape", setup: [][]string{{"load", "1", "0"}, {"label", "0", "TK0001L9"}}, args: []string{"scan", "-from", "2", "0"}, code: 1,
			msg: "there is no file 2 on TK0001L9: it holds no archived files (tapectl archive 0 FILE adds one)"},
		{name: "scan past the last file", setup: [][]string{{"load", "1", "0"}, {"label", "0", "TK0001L9"}, {"archive", "0", "doc.go"}}, args: []string{"scan", "-from", "2", "0"}, code: 1,
			msg: "there is no file 2 on TK0001L9: it holds 1 archived file"},
		{name: "scan -json past the last file", setup: [][]string{{"load", "1", "0"}, {"label", "0", "TK0001L9"}, {"archive", "0", "doc.go", "main.go"}}, args: []string{"scan", "-json", "-from", "5", "0"}, code: 1,
			msg: "there is no file 5 on TK0001L9: it holds archived files 1 to 2"},
		{name: "restore past the last file", setup: [][]string{{"load", "1", "0"}, {"label", "0", "TK0001L9"}, {"archive", "0", "doc.go", "main.go"}}, args: []string{"restore", "0", "3"}, code: 1,
			msg: "there is no file 3 on TK0001L9: it holds archived files 1 to 2"},
		{name: "scan of a mislabelled tape", setup: [][]string{{"load", "1", "0"}, {"label", "-force", "0", "TK0002L9"}}, args: []string{"scan", "0"}, code: 1,
			msg: "the cartridge in drive 0 is labelled TK0002L9 but the library says it is TK0001L9", not: "written"},
		{name: "archive to a mislabelled tape", setup: [][]string{{"load", "1", "0"}, {"label", "-force", "0", "TK0002L9"}}, args: []string{"archive", "0", "doc.go"}, code: 1,
			msg: "the cartridge in drive 0 is labelled TK0002L9 but the library says it is TK0001L9: it may be in the wrong slot or mislabelled; nothing was written"},
		{name: "sense longer than stdin is read", args: []string{"sense"}, stdin: "70 00 03" + strings.Repeat(" 00", 30000), code: 2,
			msg: "standard input holds more than 64 KiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, s := range tc.setup {
				mustRun(t, dir, nil, s...)
			}
			libDir := dir
			if tc.name == "no library" {
				libDir = ""
			}
			r := tapectl(t, libDir, strings.NewReader(tc.stdin), tc.args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.msg) {
				t.Errorf("tapectl %s: exit %d, stderr %q; want exit %d and %q", strings.Join(tc.args, " "), r.code, r.stderr, tc.code, tc.msg)
			}
			if tc.not != "" && strings.Contains(r.stderr, tc.not) {
				t.Errorf("tapectl %s: stderr %q says %q", strings.Join(tc.args, " "), r.stderr, tc.not)
			}
			if r.stdout != "" {
				t.Errorf("a failed command wrote to standard output: %q", r.stdout)
			}
			checkCartridges(t, dir, defaultBarcodes())
		})
	}
}

// TestBadState runs tapectl on a state directory that something outside
// tapectl changed: an index restored from a backup, a file edited by hand,
// a tapectl that died. A directory the simulator refuses must be left byte
// for byte as it was, and the message must name the file at fault and say
// what to do.
func TestBadState(t *testing.T) {
	index := filepath.Join("tapes", "TK0001L9.index.json")
	for _, tc := range []struct {
		name    string
		prepare func(t *testing.T, dir string)
		args    []string
		changes bool // the command may change the directory: it opens
		msg     []string
		not     []string
	}{
		{
			name: "index older than its data",
			prepare: func(t *testing.T, dir string) {
				mustRun(t, dir, nil, "load", "1", "0")
				mustRun(t, dir, strings.NewReader("first"), "write", "0")
				old := readFile(t, filepath.Join(dir, index))
				mustRun(t, dir, strings.NewReader("second"), "write", "0")
				replaceFile(t, filepath.Join(dir, index), old)
			},
			args: []string{"read", "0", "1"},
			msg: []string{"the simulated library in ", "was left as it is: " + index + ": records 5 bytes of data, but TK0001L9.data holds 11",
				"the index is older than the data", "from one backup", "truncate -s 5 "},
			not: []string{"outside cartridge"},
		},
		{
			name: "index with null runs",
			prepare: func(t *testing.T, dir string) {
				mustRun(t, dir, nil, "load", "1", "0")
				mustRun(t, dir, strings.NewReader("first"), "write", "0")
				replaceFile(t, filepath.Join(dir, index), []byte(`{"version":1,"runs":null}`))
			},
			args: []string{"inventory"},
			msg:  []string{index + `: has no "runs"`, "restore TK0001L9.index.json and TK0001L9.data from one backup"},
		},
		{
			name: "corrupt index",
			prepare: func(t *testing.T, dir string) {
				mustRun(t, dir, nil, "load", "1", "0")
				mustRun(t, dir, strings.NewReader("first"), "write", "0")
				replaceFile(t, filepath.Join(dir, index), []byte(`{"version":1,"runs":[{`))
			},
			args: []string{"status", "0"},
			msg:  []string{index + ": not valid JSON", "or remove both, and TK0001L9 becomes a blank cartridge"},
			not:  []string{"library.json", "corrupt state directory"},
		},
		{
			name: "state without config",
			prepare: func(t *testing.T, dir string) {
				mustRun(t, dir, nil, "inventory")
				replaceFile(t, filepath.Join(dir, "library.json"), []byte(`{"version":1}`))
			},
			args: []string{"inventory"},
			msg:  []string{`library.json: has no "config"`},
			not:  []string{"want 1"},
		},
		{
			name: "tapectl died",
			prepare: func(t *testing.T, dir string) {
				mustRun(t, dir, nil, "load", "1", "0")
				mustRun(t, dir, strings.NewReader("first"), "write", "0")
				crash(t, dir)
			},
			args:    []string{"read", "0", "1"},
			changes: true,
			msg: []string{"drive 0 lost power with cartridge TK0001L9 loaded: the simulated library recovered as after a power loss",
				"unload it (tapectl unload 0) and load it again"},
			not: []string{"ejected"},
		},
		{
			name: "tapectl died, then a command failed",
			prepare: func(t *testing.T, dir string) {
				mustRun(t, dir, nil, "load", "1", "0")
				crash(t, dir)
				tapectl(t, dir, nil, "rewind", "0")
			},
			args:    []string{"read", "0", "1"},
			changes: true,
			msg:     []string{"drive 0 lost power with cartridge TK0001L9 loaded"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.prepare(t, dir)
			before := hashDir(t, dir)
			r := tapectl(t, dir, nil, tc.args...)
			if r.code != 1 {
				t.Errorf("tapectl %s: exit %d, want 1", strings.Join(tc.args, " "), r.code)
			}
			for _, m := range tc.msg {
				if !strings.Contains(r.stderr, m) {
					t.Errorf("tapectl %s: stderr %q\nlacks %q", strings.Join(tc.args, " "), r.stderr, m)
				}
			}
			for _, m := range tc.not {
				if strings.Contains(r.stderr, m) {
					t.Errorf("tapectl %s: stderr %q\nsays %q", strings.Join(tc.args, " "), r.stderr, m)
				}
			}
			if r.stdout != "" {
				t.Errorf("a failed command wrote to standard output: %q", r.stdout)
			}
			if tc.changes {
				checkCartridges(t, dir, defaultBarcodes())
			} else if diff := cmp.Diff(before, hashDir(t, dir)); diff != "" {
				t.Errorf("tapectl changed a directory it refused (-before +after):\n%s", diff)
			}
		})
	}
}

// crash leaves in dir what a tapectl that died in the middle of a command
// would: the library as it is while open.
func crash(t *testing.T, dir string) {
	t.Helper()
	lib, err := simulator.Open(dir, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	snapshot := t.TempDir()
	if err := os.CopyFS(snapshot, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	if err := lib.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(dir, os.DirFS(snapshot)); err != nil {
		t.Fatal(err)
	}
}

// hashDir returns the SHA-256 of every file under dir, by relative path.
func hashDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	sums := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		sum := sha256.Sum256(readFile(t, p))
		rel, _ := filepath.Rel(dir, p)
		sums[rel] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sums
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func replaceFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestWriteProtected(t *testing.T) {
	dir := t.TempDir()
	cfg := simulator.DefaultConfig()
	cfg.Cartridges = append(cfg.Cartridges, simulator.CartridgeConfig{Barcode: "WP0001L9", Slot: 18, WriteProtected: true})
	lib, err := simulator.Open(dir, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := lib.Close(); err != nil {
		t.Fatal(err)
	}
	mustRun(t, dir, nil, "load", "18", "1")
	r := tapectl(t, dir, strings.NewReader("precious data"), "write", "1")
	want := "cartridge WP0001L9 in drive 1 is write protected: nothing was written; write to another cartridge"
	if r.code != 1 || !strings.Contains(r.stderr, want) {
		t.Errorf("write to a write-protected cartridge: exit %d, stderr %q; want exit 1 and %q", r.code, r.stderr, want)
	}
	if st := mustRun(t, dir, nil, "status", "1"); !strings.Contains(st, "Flags:          BOT EOD WP\n") {
		t.Errorf("status of the write-protected, still blank cartridge:\n%s", st)
	}
	mustRun(t, dir, nil, "unload", "1")
	checkCartridges(t, dir, append(defaultBarcodes(), "WP0001L9"))
}

func TestCorruptState(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, dir, nil, "inventory")
	garbage := []byte("{this is not a library")
	path := filepath.Join(dir, "library.json")
	if err := os.WriteFile(path, garbage, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"inventory"}, {"load", "1", "0"}, {"status", "0", "-json"}} {
		r := tapectl(t, dir, nil, args...)
		if r.code != 1 || !strings.Contains(r.stderr, "cannot be read, and was left as it is: library.json: not valid JSON") || !strings.Contains(r.stderr, "from one backup") {
			t.Errorf("tapectl %s on a corrupt library: exit %d, stderr %q", strings.Join(args, " "), r.code, r.stderr)
		}
	}
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, garbage) {
		t.Errorf("library.json after failed opens = %q, %v; want it untouched", got, err)
	}
}

func TestLibraryInUse(t *testing.T) {
	dir := t.TempDir()
	lib, err := simulator.Open(dir, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := tapectl(t, dir, nil, "load", "1", "0")
	lib.Close()
	if r.code != 1 || !strings.Contains(r.stderr, "is in use by another process") {
		t.Errorf("load on a library in use: exit %d, stderr %q", r.code, r.stderr)
	}
	checkCartridges(t, dir, defaultBarcodes())
}
