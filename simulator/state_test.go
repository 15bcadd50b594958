package simulator_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/tape"
)

// closedLibrary makes a directory library in which SCR001L9 sits in drive
// 0, threaded at end of data after two synchronised tape files ("first",
// then "second file"), and closes it cleanly. It returns SCR001L9's index as
// it was after the first file: what a backup taken then holds.
func closedLibrary(t *testing.T) (dir string, oldIndex []byte) {
	t.Helper()
	ctx := context.Background()
	dir = t.TempDir()
	l, err := simulator.Open(dir, testConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	d := mustLoad(t, l, 1, 0)
	writeFile := func(s string) {
		if err := d.Write(ctx, []byte(s)); err != nil {
			t.Fatal(err)
		}
		if err := d.WriteFilemarks(ctx, 1, true); err != nil {
			t.Fatal(err)
		}
	}
	writeFile("first")
	oldIndex, err = os.ReadFile(filepath.Join(dir, "tapes", "SCR001L9.index.json"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile("second file")
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, oldIndex
}

// hashDir returns the SHA-256 of every file under dir, by relative path.
func hashDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	sums := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		sum := sha256.Sum256(b)
		sums[rel] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sums
}

// editState rewrites library.json in dir through edit, which gets it
// decoded as generic JSON.
func editState(t *testing.T, dir string, edit func(st map[string]any)) {
	t.Helper()
	p := filepath.Join(dir, "library.json")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	edit(st)
	if b, err = json.Marshal(st); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestOpenRefusesBadState: Open refuses a state directory that does not
// hold together, with a CorruptStateError naming the file at fault and
// what to do, and changes no byte of any file in it. The data of
// acknowledged writes must never be cut on the word of a stale index.
func TestOpenRefusesBadState(t *testing.T) {
	const (
		index = "tapes/SCR001L9.index.json"
		data  = "tapes/SCR001L9.data"
		state = "library.json"
	)
	for _, tc := range []struct {
		name    string
		corrupt func(t *testing.T, dir string, oldIndex []byte)
		path    string   // the file the error names, relative to the directory
		want    []string // substrings of the message
	}{
		{
			name: "index older than its data",
			corrupt: func(t *testing.T, dir string, oldIndex []byte) {
				writeFile(t, filepath.Join(dir, index), string(oldIndex))
			},
			path: index,
			want: []string{"records 5 bytes of data, but SCR001L9.data holds 16", "closed cleanly", "from one backup", "truncate -s 5 "},
		},
		{
			name: "index without runs",
			corrupt: func(t *testing.T, dir string, _ []byte) {
				writeFile(t, filepath.Join(dir, index), `{"version":1}`)
			},
			path: index,
			want: []string{`no "runs"`, "from one backup"},
		},
		{
			name: "index with null runs",
			corrupt: func(t *testing.T, dir string, _ []byte) {
				writeFile(t, filepath.Join(dir, index), `{"version":1,"runs":null}`)
			},
			path: index,
			want: []string{`no "runs"`},
		},
		{
			name: "index not JSON",
			corrupt: func(t *testing.T, dir string, _ []byte) {
				writeFile(t, filepath.Join(dir, index), `{"version":1,"runs":[`)
			},
			path: index,
			want: []string{"not valid JSON", "remove both"},
		},
		{
			name: "index of another version",
			corrupt: func(t *testing.T, dir string, _ []byte) {
				writeFile(t, filepath.Join(dir, index), `{"version":2,"runs":[]}`)
			},
			path: index,
			want: []string{"version 2", "reads version 1"},
		},
		{
			name: "index with a gap",
			corrupt: func(t *testing.T, dir string, _ []byte) {
				writeFile(t, filepath.Join(dir, index), `{"version":1,"runs":[{"first":5,"count":1,"len":3}]}`)
			},
			path: index,
			want: []string{"run 0 starts at object 5, want 0"},
		},
		{
			name: "index with a run too long to add up",
			corrupt: func(t *testing.T, dir string, _ []byte) {
				writeFile(t, filepath.Join(dir, index), `{"version":1,"runs":[{"first":0,"count":4611686018427387904,"len":4}]}`)
			},
			path: index,
			want: []string{"run 0"},
		},
		{
			name: "index with a stream shorter than its blocks",
			corrupt: func(t *testing.T, dir string, _ []byte) {
				writeFile(t, filepath.Join(dir, index), `{"version":1,"runs":[{"first":0,"count":3,"len":4,"stream":{"off":0,"head":4,"tail":0,"seed":1,"size":4}}]}`)
			},
			path: index,
			want: []string{"run 0: 3 blocks of 4 bytes from 0 do not fit a stream of 8 bytes"},
		},
		{
			name: "index with a stream of negative size",
			corrupt: func(t *testing.T, dir string, _ []byte) {
				writeFile(t, filepath.Join(dir, index), `{"version":1,"runs":[{"first":0,"count":1,"len":4,"stream":{"off":0,"head":4,"tail":0,"seed":1,"size":-4}}]}`)
			},
			path: index,
			want: []string{"run 0: stream"},
		},
		{
			name: "data file cut short",
			corrupt: func(t *testing.T, dir string, _ []byte) {
				if err := os.Truncate(filepath.Join(dir, data), 7); err != nil {
					t.Fatal(err)
				}
			},
			path: index,
			want: []string{"records 16 bytes of data, but SCR001L9.data holds only 7", "missing"},
		},
		{
			name: "data file removed",
			corrupt: func(t *testing.T, dir string, _ []byte) {
				if err := os.Remove(filepath.Join(dir, data)); err != nil {
					t.Fatal(err)
				}
			},
			path: index,
			want: []string{"records 16 bytes of data, but there is no SCR001L9.data"},
		},
		{
			name: "index removed",
			corrupt: func(t *testing.T, dir string, _ []byte) {
				if err := os.Remove(filepath.Join(dir, index)); err != nil {
					t.Fatal(err)
				}
			},
			path: index,
			want: []string{"is missing, but SCR001L9.data holds 16 bytes", "closed cleanly"},
		},
		{
			// A crash never loses data the index records: the data file is
			// synchronised before the index that points into it.
			name: "data file cut short after a crash",
			corrupt: func(t *testing.T, dir string, _ []byte) {
				editState(t, dir, func(st map[string]any) { st["running"] = true })
				if err := os.Truncate(filepath.Join(dir, data), 7); err != nil {
					t.Fatal(err)
				}
			},
			path: index,
			want: []string{"holds only 7"},
		},
		{
			name: "state not JSON",
			corrupt: func(t *testing.T, dir string, _ []byte) {
				writeFile(t, filepath.Join(dir, state), "{not json")
			},
			path: state,
			want: []string{"not valid JSON", "from one backup"},
		},
		{
			name: "state without config",
			corrupt: func(t *testing.T, dir string, _ []byte) {
				writeFile(t, filepath.Join(dir, state), `{"version":1}`)
			},
			path: state,
			want: []string{`no "config"`},
		},
		{
			name: "state without version",
			corrupt: func(t *testing.T, dir string, _ []byte) {
				editState(t, dir, func(st map[string]any) { delete(st, "version") })
			},
			path: state,
			want: []string{`no "version"`},
		},
		{
			name: "state of another version",
			corrupt: func(t *testing.T, dir string, _ []byte) {
				editState(t, dir, func(st map[string]any) { st["version"] = 7 })
			},
			path: state,
			want: []string{"version 7", "reads version 1", "release that wrote it"},
		},
		{
			name: "invalid config",
			corrupt: func(t *testing.T, dir string, _ []byte) {
				editState(t, dir, func(st map[string]any) { st["config"].(map[string]any)["slots"] = -1 })
			},
			path: state,
			want: []string{"config", "negative slot"},
		},
		{
			name: "cartridge in two places",
			corrupt: func(t *testing.T, dir string, _ []byte) {
				editState(t, dir, func(st map[string]any) {
					for _, e := range st["elements"].([]any) {
						if e := e.(map[string]any); e["address"] == 1005.0 {
							e["barcode"] = "SCR001L9"
						}
					}
				})
			},
			path: state,
			want: []string{`cartridge "SCR001L9" is in element 1005 and in element 500`},
		},
		{
			name: "barcode that is a path",
			corrupt: func(t *testing.T, dir string, _ []byte) {
				editState(t, dir, func(st map[string]any) {
					for _, c := range st["cartridges"].([]any) {
						if c := c.(map[string]any); c["barcode"] == "SCR001L9" {
							c["barcode"] = "../SCR001L9"
						}
					}
				})
			},
			path: state,
			want: []string{`cartridge "../SCR001L9": a barcode is`},
		},
		{
			name: "drive past the end of its cartridge",
			corrupt: func(t *testing.T, dir string, _ []byte) {
				editState(t, dir, func(st map[string]any) { st["drives"].([]any)[0].(map[string]any)["pos"] = 40 })
			},
			path: state,
			want: []string{"drive 0 is at object 40", "SCR001L9 has 4", `"threaded" to false`},
		},
		{
			name: "drive before the beginning of tape",
			corrupt: func(t *testing.T, dir string, _ []byte) {
				editState(t, dir, func(st map[string]any) { st["drives"].([]any)[0].(map[string]any)["pos"] = -1 })
			},
			path: state,
			want: []string{"drive 0 is at object -1"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, oldIndex := closedLibrary(t)
			tc.corrupt(t, dir, oldIndex)
			before := hashDir(t, dir)
			l, err := simulator.Open(dir, nil, nil)
			if err == nil {
				l.Close()
				t.Fatal("Open accepted the directory")
			}
			if diff := cmp.Diff(before, hashDir(t, dir)); diff != "" {
				t.Errorf("a refused Open changed the directory (-before +after):\n%s", diff)
			}
			var ce *simulator.CorruptStateError
			if !errors.Is(err, simulator.ErrCorruptState) || !errors.As(err, &ce) {
				t.Fatalf("Open: %v; want a CorruptStateError", err)
			}
			if want := filepath.Join(dir, filepath.FromSlash(tc.path)); ce.Path != want {
				t.Errorf("the error names %s, want %s", ce.Path, want)
			}
			if ce.Remedy == "" {
				t.Error("the error says nothing of what to do")
			}
			msg := err.Error()
			t.Log(msg)
			if strings.Count(msg, "corrupt state directory") != 1 {
				t.Errorf("the message says \"corrupt state directory\" %d times: %s", strings.Count(msg, "corrupt state directory"), msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q\nlacks %q", msg, w)
				}
			}
		})
	}
}

// TestOpenValidatesBeforeRecovering: a crashed library whose state is
// refused keeps the bytes a crash recovery would have cut, since the
// refusal may be the sign that they are not what a crash left.
func TestOpenValidatesBeforeRecovering(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	l, err := simulator.Open(dir, testConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	d := mustLoad(t, l, 1, 0)
	d.Write(ctx, []byte("synced"))
	d.WriteFilemarks(ctx, 1, true)
	d.Write(ctx, []byte("not yet"))
	crashed := t.TempDir()
	copyDir(t, dir, crashed)
	l.Close()
	// SML001S9 sorts after SCR001L9: its index is read after SCR001L9's
	// was found to need cutting.
	writeFile(t, filepath.Join(crashed, "tapes", "SML001S9.index.json"), "garbage")
	before := hashDir(t, crashed)
	if _, err := simulator.Open(crashed, nil, nil); !errors.Is(err, simulator.ErrCorruptState) {
		t.Fatalf("Open: %v, want ErrCorruptState", err)
	}
	if diff := cmp.Diff(before, hashDir(t, crashed)); diff != "" {
		t.Errorf("a refused Open changed the directory (-before +after):\n%s", diff)
	}
}

// TestStaleIndexRemedy follows what the errors say for an index restored
// from an older backup, one step at a time, until the library opens with
// what the index records.
func TestStaleIndexRemedy(t *testing.T) {
	ctx := context.Background()
	dir, oldIndex := closedLibrary(t)
	writeFile(t, filepath.Join(dir, "tapes", "SCR001L9.index.json"), string(oldIndex))

	_, err := simulator.Open(dir, nil, nil)
	var ce *simulator.CorruptStateError
	if !errors.As(err, &ce) || !strings.Contains(ce.Remedy, "truncate -s 5 "+filepath.Join(dir, "tapes", "SCR001L9.data")) {
		t.Fatalf("Open with a stale index: %v", err)
	}
	if err := os.Truncate(filepath.Join(dir, "tapes", "SCR001L9.data"), 5); err != nil {
		t.Fatal(err)
	}
	// Drive 0 was at end of data, past what the old index records.
	_, err = simulator.Open(dir, nil, nil)
	if !errors.As(err, &ce) || ce.Path != filepath.Join(dir, "library.json") || !strings.Contains(ce.Remedy, `"threaded" to false`) {
		t.Fatalf("Open with the data cut: %v", err)
	}
	editState(t, dir, func(st map[string]any) { st["drives"].([]any)[0].(map[string]any)["threaded"] = false })

	l, err := simulator.Open(dir, nil, nil)
	if err != nil {
		t.Fatalf("Open after following the advice: %v", err)
	}
	defer l.Close()
	d, _ := l.Drive(0)
	if err := d.Load(ctx); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, err := d.Read(ctx, buf)
	if err != nil || string(buf[:n]) != "first" {
		t.Fatalf("first block %q, %v", buf[:n], err)
	}
	if _, err := d.Read(ctx, buf); !errors.Is(err, tape.ErrFilemark) {
		t.Fatalf("after the first file: %v, want a filemark", err)
	}
	if _, err := d.Read(ctx, buf); !errors.Is(err, tape.ErrEndOfData) {
		t.Fatalf("after the first file's filemark: %v, want end of data", err)
	}
}

// TestCrashBeforeFirstSync: a process that dies before a new cartridge's
// first synchronisation leaves a data file and no index. Recovery cuts the
// data file to nothing, so that what is written next and closed cleanly
// opens again.
func TestCrashBeforeFirstSync(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	l, err := simulator.Open(dir, testConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	d := mustLoad(t, l, 1, 0)
	d.Write(ctx, []byte("lost in the crash"))
	crashed := t.TempDir()
	copyDir(t, dir, crashed)
	l.Close()

	l, err = simulator.Open(crashed, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(crashed, "tapes", "SCR001L9.data")
	if fi, err := os.Stat(data); err != nil {
		t.Fatal(err)
	} else if fi.Size() != 0 {
		t.Fatalf("the data file holds %d bytes after recovery, want 0", fi.Size())
	}
	d, _ = l.Drive(0)
	if err := d.Load(ctx); err != nil {
		t.Fatal(err)
	}
	d.Write(ctx, []byte("kept"))
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l, err = simulator.Open(crashed, nil, nil)
	if err != nil {
		t.Fatalf("Open after a clean close: %v", err)
	}
	defer l.Close()
	d, _ = l.Drive(0)
	if err := d.Rewind(ctx); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	if n, err := d.Read(ctx, buf); err != nil || string(buf[:n]) != "kept" {
		t.Fatalf("first block %q, %v", buf[:n], err)
	}
}

// TestCloseFailingToSync: a Close that cannot synchronise a cartridge
// leaves the library to recover as after a power loss, not as cleanly
// closed with data its index does not record.
func TestCloseFailingToSync(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	l, err := simulator.Open(dir, testConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	d := mustLoad(t, l, 1, 0)
	d.Write(ctx, []byte("never synchronised"))
	// A directory where the index goes makes writing it fail.
	index := filepath.Join(dir, "tapes", "SCR001L9.index.json")
	if err := os.Mkdir(index, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err == nil {
		t.Fatal("Close synchronised a cartridge whose index cannot be written")
	}
	if err := os.Remove(index); err != nil {
		t.Fatal(err)
	}
	l, err = simulator.Open(dir, nil, nil)
	if err != nil {
		t.Fatalf("Open after a failed Close: %v", err)
	}
	defer l.Close()
	d, _ = l.Drive(0)
	if _, err := d.Position(ctx); !errors.Is(err, tape.ErrNotReady) || !errors.Is(err, simulator.ErrPowerLoss) {
		t.Fatalf("drive after a failed Close: %v, want ErrNotReady and ErrPowerLoss", err)
	}
}
