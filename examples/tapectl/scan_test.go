package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/tape/format"
)

// TestScanDamaged: a media error inside file 2 makes scan report it
// damaged with its position and exit 1, restore of it fail without leaving
// a file, and file 3 restore fine.
func TestScanDamaged(t *testing.T) {
	dir, src := t.TempDir(), t.TempDir()
	var paths []string
	for i, n := range []int{10_000, 50_000, 7} {
		p := filepath.Join(src, string(rune('a'+i)))
		if err := os.WriteFile(p, bytes.Repeat([]byte{byte('a' + i)}, n), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	mustRun(t, dir, nil, "load", "1", "0")
	mustRun(t, dir, nil, "label", "0", "TK0001L9")
	out := mustRun(t, dir, nil, append([]string{"archive", "-b", "8K", "0"}, paths...)...)
	// File 2 starts at block 5 (label, filemark, file 1's two blocks and
	// filemark): its third block is 7.
	if !strings.Contains(out, "fseq 2 block 5 ") {
		t.Fatalf("archive:\n%s", out)
	}
	prepare(t, dir, nil, func(l *simulator.Library) error {
		return l.InjectMediaError("TK0001L9", 7, 7, simulator.FaultRead)
	})
	r := tapectl(t, dir, nil, "scan", "0")
	t.Logf("scan:\n%s%s", r.stdout, r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 1 || len(lines) != 3 || !strings.HasPrefix(lines[1], "fseq 2 block 5 damaged") || !strings.Contains(lines[1], "block 7") || !strings.HasPrefix(lines[2], "fseq 3 block ") || !strings.Contains(lines[2], " ok ") {
		t.Errorf("scan of a damaged tape: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	t.Chdir(t.TempDir())
	r = tapectl(t, dir, nil, "restore", "0", "2")
	if r.code != 1 || !strings.Contains(r.stderr, "medium error") {
		t.Errorf("restore of the damaged file: exit %d, %s", r.code, r.stderr)
	}
	if ents, _ := os.ReadDir("."); len(ents) != 0 {
		t.Errorf("a failed restore left %v", ents)
	}
	mustRun(t, dir, nil, "restore", "0", "3")
	if b, _ := os.ReadFile("c"); string(b) != "ccccccc" {
		t.Errorf("restored file 3: %q", b)
	}
}

// TestScanPastLastFileANSI: on an ANSI tape, where each file takes three
// tape files, scan -from past the last file says how many files there are,
// and -from the last one scans it.
func TestScanPastLastFileANSI(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	prepare(t, dir, nil, func(l *simulator.Library) error {
		if err := l.Changer().Move(ctx, l.SlotAddress(1), l.DriveAddress(0)); err != nil {
			return err
		}
		d, err := l.Drive(0)
		if err != nil {
			return err
		}
		if _, err := format.Label(ctx, d, "TK0001L9", &format.LabelOptions{Format: format.FormatANSI}); err != nil {
			return err
		}
		w, err := format.NewWriter(d, &format.WriterOptions{Format: format.FormatANSI})
		if err != nil {
			return err
		}
		for i, data := range []string{"one", "two"} {
			meta := format.Meta{FileID: strconv.Itoa(100 + i), Path: "/f/" + data, Size: int64(len(data))}
			if _, err := w.WriteFile(ctx, meta, strings.NewReader(data)); err != nil {
				return err
			}
		}
		_, err = w.Close(ctx)
		return err
	})
	r := tapectl(t, dir, nil, "scan", "-from", "3", "0")
	if want := "there is no file 3 on TK0001L9: it holds archived files 1 to 2"; r.code != 1 || !strings.Contains(r.stderr, want) || r.stdout != "" {
		t.Errorf("scan -from 3: %+v; want exit 1 and %q", r, want)
	}
	out := mustRun(t, dir, nil, "scan", "-from", "2", "0")
	if !strings.HasPrefix(out, "fseq 2 ") || strings.Count(out, "\n") != 1 || !strings.Contains(out, " ok size 3 ") {
		t.Errorf("scan -from 2:\n%s", out)
	}
}

// TestScanDamagedLastFileSCSI: through the SSC driver, a media error in
// the last file makes scan report that file damaged once, and no file
// after it.
func TestScanDamagedLastFileSCSI(t *testing.T) {
	dir, src := t.TempDir(), t.TempDir()
	var paths []string
	for i, n := range []int{10_000, 50_000} {
		p := filepath.Join(src, string(rune('a'+i)))
		if err := os.WriteFile(p, bytes.Repeat([]byte{byte('a' + i)}, n), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	mustRun(t, dir, nil, "load", "1", "0")
	mustRun(t, dir, nil, "label", "0", "TK0001L9")
	mustRun(t, dir, nil, append([]string{"archive", "-b", "8K", "0"}, paths...)...)
	prepare(t, dir, nil, func(l *simulator.Library) error {
		return l.InjectMediaError("TK0001L9", 7, 7, simulator.FaultRead) // file 2 starts at block 5
	})
	for _, flags := range [][]string{scsiLib(dir), scsiDrive(dir, 0)} {
		r := tapectl(t, "", nil, withFlags(flags, "scan", "0")...)
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		if r.code != 1 || len(lines) != 2 || !strings.HasPrefix(lines[0], "fseq 1 block 2 ok") || !strings.HasPrefix(lines[1], "fseq 2 block 5 damaged") ||
			!strings.Contains(r.stderr, "1 file on TK0001L9 is not ok") {
			t.Errorf("tapectl %s scan 0: exit %d\n%s%s", strings.Join(flags, " "), r.code, r.stdout, r.stderr)
		}
	}
}
