package main

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/tapekit/tapekit/simulator"
)

// TestCutShortFile: a tape whose last file lost its closing filemark (a
// write interrupted) still reads, with a warning, and the next write
// closes that file rather than merging into it.
func TestCutShortFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	lib, err := simulator.Open(dir, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := lib.Changer().Move(ctx, lib.SlotAddress(1), lib.DriveAddress(0)); err != nil {
		t.Fatal(err)
	}
	d, err := lib.Drive(0)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Write(ctx, []byte("partial")); err != nil {
		t.Fatal(err)
	}
	if err := lib.Close(); err != nil {
		t.Fatal(err)
	}

	r := tapectl(t, dir, nil, "read", "0", "1")
	if r.code != 0 || r.stdout != "partial" || !strings.Contains(r.stderr, "ends at end of data without a filemark") {
		t.Errorf("read of a cut-short file: %+v", r)
	}
	r = tapectl(t, dir, strings.NewReader("next"), "write", "0")
	if r.code != 0 || r.stdout != "wrote tape file 2 on TK0001L9: 4 bytes in 1 block\n" || !strings.Contains(r.stderr, "tape file 1 on TK0001L9 had no closing filemark") {
		t.Errorf("write after a cut-short file: %+v", r)
	}
	for file, want := range map[string]string{"1": "partial", "2": "next"} {
		if r := tapectl(t, dir, nil, "read", "0", file); r.code != 0 || r.stdout != want || r.stderr != "" {
			t.Errorf("read 0 %s: %+v, want %q and no warning", file, r, want)
		}
	}
}

func TestEmptyFile(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, dir, nil, "load", "1", "0")
	if got, want := mustRun(t, dir, nil, "write", "0"), "wrote tape file 1 on TK0001L9: 0 bytes in 0 blocks\n"; got != want {
		t.Errorf("write of nothing: got %q, want %q", got, want)
	}
	mustRun(t, dir, strings.NewReader("x"), "write", "0")
	if got := mustRun(t, dir, nil, "read", "0", "1"); got != "" {
		t.Errorf("read of the empty file = %q", got)
	}
	if got := mustRun(t, dir, nil, "read", "0", "2"); got != "x" {
		t.Errorf("read of the file after it = %q", got)
	}
}

// TestBlockSize: -b sets the block size, and read needs no flag to get the
// file back whatever it was.
func TestBlockSize(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, dir, nil, "load", "1", "0")
	data := strings.Repeat("0123456789", 1000)
	if got, want := mustRun(t, dir, strings.NewReader(data), "write", "-b", "4K", "0"), "wrote tape file 1 on TK0001L9: 10000 bytes in 3 blocks\n"; got != want {
		t.Errorf("write -b 4K: got %q, want %q", got, want)
	}
	if got := mustRun(t, dir, nil, "read", "0", "1"); got != data {
		t.Errorf("read back %d bytes, want the %d written", len(got), len(data))
	}
}

// TestSimSpeed: with -sim-speed the library runs on the real clock, so a
// robot move (12 s of library time) takes 12 ms at 1000×.
func TestSimSpeed(t *testing.T) {
	dir := t.TempDir()
	start := time.Now()
	mustRun(t, dir, nil, "-sim-speed", "1000", "load", "1", "0")
	if el := time.Since(start); el < 12*time.Millisecond {
		t.Errorf("a load at -sim-speed 1000 took %v, less than its 12 ms robot move", el)
	}
	mustRun(t, dir, nil, "-sim-speed", "1000", "unload", "0")
	checkCartridges(t, dir, defaultBarcodes())
}

// TestInputError: when standard input fails, what was written stays on
// tape as a file without its filemark, which read reports as incomplete.
func TestInputError(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, dir, nil, "load", "1", "0")
	in := io.MultiReader(strings.NewReader("abc"), iotest.ErrReader(errors.New("disk gone")))
	r := tapectl(t, dir, in, "write", "0")
	want := "tapectl write: reading standard input after 3 bytes: disk gone; tape file 1 on TK0001L9 is left incomplete, without its closing filemark\n"
	if r.code != 1 || r.stderr != want {
		t.Errorf("write with failing input: exit %d, stderr %q; want exit 1, %q", r.code, r.stderr, want)
	}
	r = tapectl(t, dir, nil, "read", "0", "1")
	if r.code != 0 || r.stdout != "abc" || !strings.Contains(r.stderr, "may be incomplete") {
		t.Errorf("read of the incomplete file: %+v", r)
	}
}

// TestInterruptWhileWaiting: an interrupt is seen even while the input
// blocks, and the message says what is on tape.
func TestInterruptWhileWaiting(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, dir, nil, "load", "1", "0")
	pr, pw := io.Pipe()
	defer pw.Close()
	go pw.Write([]byte("not yet a block"))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel) // as SIGINT does
	var stdout, stderr strings.Builder
	code := run(ctx, []string{"-sim", dir, "write", "0"}, pr, &stdout, &stderr)
	want := "tapectl write: interrupted while waiting for standard input: context canceled; nothing was written\n"
	if code != 1 || stderr.String() != want || stdout.String() != "" {
		t.Errorf("interrupted write: exit %d, stdout %q, stderr %q; want exit 1, stderr %q", code, stdout.String(), stderr.String(), want)
	}
	if st := mustRun(t, dir, nil, "status", "0"); !strings.Contains(st, "Flags:          BOT EOD\n") {
		t.Errorf("status after the interrupted write:\n%s", st)
	}
}
