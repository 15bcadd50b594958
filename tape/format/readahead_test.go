package format_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/tapekit/tapekit/checksum"
	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/tape"
	"github.com/tapekit/tapekit/tape/format"
)

// recorder passes every command to the simulated drive and logs it, with
// how it ended, so that tests compare what the drive gets with and without
// reading ahead. It reports a test error when two goroutines use the drive
// at once. The log is not locked: when the reader hands the drive from one
// goroutine to another without synchronising, the race detector sees it.
type recorder struct {
	d    *simulator.Drive
	t    interface{ Errorf(string, ...any) }
	busy atomic.Bool
	log  []string
}

var (
	_ tape.Drive       = (*recorder)(nil)
	_ tape.FileLocator = (*recorder)(nil)
)

func (r *recorder) enter() {
	if !r.busy.CompareAndSwap(false, true) {
		r.t.Errorf("two goroutines use the drive at once")
	}
}

func (r *recorder) done(entry string, err error) {
	switch {
	case err == nil:
	case errors.Is(err, tape.ErrFilemark):
		entry += ": filemark"
	case errors.Is(err, tape.ErrEndOfData):
		entry += ": end of data"
	case errors.Is(err, tape.ErrBlockTooLong):
		entry += ": too long"
	case errors.Is(err, tape.ErrMediumError):
		entry += ": medium error"
	default:
		entry += ": " + err.Error()
	}
	r.log = append(r.log, entry)
	r.busy.Store(false)
}

func (r *recorder) Read(ctx context.Context, p []byte) (int, error) {
	r.enter()
	n, err := r.d.Read(ctx, p)
	r.done(fmt.Sprintf("read %d", n), err)
	return n, err
}

func (r *recorder) Write(ctx context.Context, p []byte) error {
	r.enter()
	err := r.d.Write(ctx, p)
	r.done(fmt.Sprintf("write %d", len(p)), err)
	return err
}

func (r *recorder) WriteFilemarks(ctx context.Context, count int, sync bool) error {
	r.enter()
	err := r.d.WriteFilemarks(ctx, count, sync)
	r.done(fmt.Sprintf("write filemarks %d %v", count, sync), err)
	return err
}

func (r *recorder) Space(ctx context.Context, kind tape.SpaceKind, count int64) error {
	r.enter()
	err := r.d.Space(ctx, kind, count)
	r.done(fmt.Sprintf("space %v %d", kind, count), err)
	return err
}

func (r *recorder) Locate(ctx context.Context, pos tape.Position) error {
	r.enter()
	err := r.d.Locate(ctx, pos)
	r.done(fmt.Sprintf("locate %d", pos.Block), err)
	return err
}

func (r *recorder) LocateFile(ctx context.Context, part int, file int64) error {
	r.enter()
	err := r.d.LocateFile(ctx, part, file)
	r.done(fmt.Sprintf("locate file %d", file), err)
	return err
}

func (r *recorder) Rewind(ctx context.Context) error {
	r.enter()
	err := r.d.Rewind(ctx)
	r.done("rewind", err)
	return err
}

func (r *recorder) Position(ctx context.Context) (tape.Position, error) {
	r.enter()
	p, err := r.d.Position(ctx)
	r.done("position", err)
	return p, err
}

func (r *recorder) Status(ctx context.Context) (tape.Status, error) {
	r.enter()
	st, err := r.d.Status(ctx)
	r.done("status", err)
	return st, err
}

func (r *recorder) Load(ctx context.Context) error   { return r.d.Load(ctx) }
func (r *recorder) Unload(ctx context.Context) error { return r.d.Unload(ctx) }
func (r *recorder) Close() error                     { return nil }

// isUndo says whether a log entry is one readAhead gives back an object
// read ahead with.
func isUndo(e string) bool {
	return e == "space blocks -1" || e == "space filemarks -1" || strings.HasPrefix(e, "locate ") && !strings.HasPrefix(e, "locate file")
}

// givenBack checks that ahead, the log with read-ahead, is plain, the log
// without it, with at most max pairs inserted of a read and the move that
// gives that read back, and returns how many.
func givenBack(plain, ahead []string, max int) (int, error) {
	type key struct{ i, j int }
	memo := map[key]int{}
	// match returns the fewest pairs that make ahead[i:] of plain[j:],
	// or -1.
	var match func(i, j int) int
	match = func(i, j int) int {
		if i == len(ahead) && j == len(plain) {
			return 0
		}
		if v, ok := memo[key{i, j}]; ok {
			return v
		}
		best := -1
		if i < len(ahead) && j < len(plain) && ahead[i] == plain[j] {
			best = match(i+1, j+1)
		}
		if i+1 < len(ahead) && strings.HasPrefix(ahead[i], "read ") && isUndo(ahead[i+1]) {
			if v := match(i+2, j); v >= 0 && (best < 0 || v+1 < best) {
				best = v + 1
			}
		}
		memo[key{i, j}] = best
		return best
	}
	n := match(0, 0)
	if n < 0 || n > max {
		return n, fmt.Errorf("the commands with read-ahead are not those without it plus at most %d read given back:\n%s", max, cmp.Diff(plain, ahead))
	}
	return n, nil
}

// bothWays runs f with reading ahead off, then on, each time on a fresh
// recorder over d, and returns both logs and positions after.
func bothWays(t interface {
	Errorf(string, ...any)
	Fatal(...any)
}, d *simulator.Drive, f func(tape.Drive)) (plain, ahead []string, plainPos, aheadPos tape.Position) {
	ctx := context.Background()
	run := func(on bool) ([]string, tape.Position) {
		was := format.SetReadAhead(on)
		defer format.SetReadAhead(was)
		r := &recorder{d: d, t: t}
		f(r)
		pos, err := d.Position(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return r.log, pos
	}
	plain, plainPos = run(false)
	ahead, aheadPos = run(true)
	return plain, ahead, plainPos, aheadPos
}

// readSome opens fseq with opts, reads up to stop bytes (all when stop <
// 0) in reads of chunk bytes, then closes the file. It returns the data,
// Read's last error and Close's.
func readSome(d tape.Drive, open func(context.Context, tape.Drive, int64, *format.ReaderOptions) (*format.File, error), fseq int64, opts *format.ReaderOptions, chunk, stop int) ([]byte, string, string) {
	f, err := open(context.Background(), d, fseq, opts)
	if err != nil {
		return nil, "open: " + err.Error(), ""
	}
	var got bytes.Buffer
	buf := make([]byte, chunk)
	rerr := "none"
	for stop < 0 || got.Len() < stop {
		p := buf
		if stop >= 0 {
			p = buf[:min(len(buf), stop-got.Len())]
		}
		n, err := f.Read(p)
		got.Write(p[:n])
		if err != nil {
			rerr = err.Error()
			break
		}
	}
	cerr := "none"
	if err := f.Close(); err != nil {
		cerr = err.Error()
	}
	return got.Bytes(), rerr, cerr
}

// TestReadAheadSameCommands: a file read to its end gets exactly the
// commands it got without reading ahead: every block once, then the
// filemark, and the drive stops at the start of the next file.
func TestReadAheadSameCommands(t *testing.T) {
	m := labelled(t, nil)
	recs, data := archive(t, m.drive, &format.WriterOptions{BlockSize: 8 << 10}, 100_000, 3, 8<<10)
	opts := &format.ReaderOptions{MaxBlockSize: 64 << 10} // no Status
	for i, rec := range recs {
		var raw bytes.Buffer
		if _, _, err := format.DumpTapeFile(context.Background(), m.drive, rec.FSeq, &raw, 0); err != nil {
			t.Fatal(err)
		}
		plain, ahead, plainPos, aheadPos := bothWays(t, m.drive, func(d tape.Drive) {
			got, rerr, cerr := readSome(d, format.Open, rec.FSeq, opts, 32<<10, -1)
			if !bytes.Equal(got, data[i]) || rerr != io.EOF.Error() || cerr != "none" {
				t.Errorf("file %d: %d bytes, Read %s, Close %s", rec.FSeq, len(got), rerr, cerr)
			}
		})
		want := []string{fmt.Sprintf("locate file %d", rec.FSeq), "position"}
		for range rec.Blocks - 1 {
			want = append(want, "read 8192")
		}
		// The tar stream of each file ends in a short block.
		want = append(want, fmt.Sprintf("read %d", raw.Len()-int(rec.Blocks-1)*8<<10), "read 0: filemark")
		if diff := cmp.Diff(want, ahead); diff != "" {
			t.Errorf("file %d, commands with read-ahead (-want +got):\n%s", rec.FSeq, diff)
		}
		if diff := cmp.Diff(plain, ahead); diff != "" {
			t.Errorf("file %d, commands (-without +with read-ahead):\n%s", rec.FSeq, diff)
		}
		if wantPos := (tape.Position{Block: rec.Block + rec.Blocks + 1, File: rec.FSeq + 1}); plainPos != wantPos || aheadPos != wantPos {
			t.Errorf("file %d: position after %+v without read-ahead, %+v with, want %+v", rec.FSeq, plainPos, aheadPos, wantPos)
		}
	}
}

// TestCloseGivesBack: a File closed before its end gives back the object
// it read ahead, so the drive is where it was without reading ahead: the
// next object read is the one after the last block the File used (a
// block, or the filemark when the File was in the last block). Before the
// data spans a second block, nothing was read ahead.
func TestCloseGivesBack(t *testing.T) {
	ctx := context.Background()
	m := labelled(t, nil)
	_, data := archive(t, m.drive, &format.WriterOptions{BlockSize: 8 << 10}, 100_000)
	opts := &format.ReaderOptions{MaxBlockSize: 64 << 10}
	for _, c := range []struct {
		stop  int
		given string // the command that gives back, if any
	}{
		{1, ""},                             // in the first block, read without read-ahead
		{8 << 10, "space blocks -1"},        // in the second
		{50_000, "space blocks -1"},         // in the middle
		{100_000 - 1, "space filemarks -1"}, // in the last block: the filemark was read ahead
	} {
		var next []string
		plain, ahead, plainPos, aheadPos := bothWays(t, m.drive, func(d tape.Drive) {
			got, rerr, cerr := readSome(d, format.Open, 1, opts, 4096, c.stop)
			if !bytes.Equal(got, data[0][:c.stop]) || rerr != "none" || cerr != "none" {
				t.Errorf("stop at %d: %d bytes, Read %s, Close %s", c.stop, len(got), rerr, cerr)
			}
			b := make([]byte, 64<<10)
			n, err := d.Read(ctx, b)
			next = append(next, fmt.Sprintf("%x %v", b[:n], err))
		})
		if next[0] != next[1] {
			t.Errorf("stop at %d: the object after Close differs with read-ahead", c.stop)
		}
		want := 0
		if c.given != "" {
			want = 1
		}
		if n, err := givenBack(plain, ahead, 1); err != nil || n != want {
			t.Errorf("stop at %d: %d given back, want %d (%v)", c.stop, n, want, err)
		} else if n == 1 && !slices.Contains(ahead, c.given) {
			t.Errorf("stop at %d: given back without %q:\n%s", c.stop, c.given, strings.Join(ahead, "\n"))
		}
		if plainPos != aheadPos {
			t.Errorf("stop at %d: position %+v without read-ahead, %+v with", c.stop, plainPos, aheadPos)
		}
	}
}

// TestFailureGivesBackFilemark: a checksum that does not match fails the
// File at its trailer, where the filemark after it has been read ahead:
// the failure gives it back, so the drive is still before the filemark,
// as without read-ahead, and Scan spaces on from there to the next file.
func TestFailureGivesBackFilemark(t *testing.T) {
	m := labelled(t, nil)
	// 20,000 bytes take three blocks, the trailer at the end of the third.
	recs, _ := archive(t, m.drive, &format.WriterOptions{BlockSize: 8 << 10}, 20_000, 10)
	wrong := &format.ReaderOptions{Expected: []checksum.Value{{Algorithm: "adler32", Bytes: []byte{0, 0, 0, 1}}}}
	plain, ahead, plainPos, aheadPos := bothWays(t, m.drive, func(d tape.Drive) {
		_, rerr, cerr := readSome(d, format.Open, 1, wrong, 32<<10, -1)
		if !strings.Contains(rerr, "adler32") || cerr != "none" {
			t.Errorf("read with a wrong checksum: Read %s, Close %s", rerr, cerr)
		}
	})
	if n, err := givenBack(plain, ahead, 1); err != nil || n != 1 {
		t.Errorf("%d given back, %v", n, err)
	} else if got := ahead[len(ahead)-2:]; !slices.Equal(got, []string{"read 0: filemark", "space filemarks -1"}) {
		t.Errorf("the last commands are %q, want the filemark read ahead and given back", got)
	}
	if want := (tape.Position{Block: recs[0].Block + recs[0].Blocks, File: 1}); plainPos != want || aheadPos != want {
		t.Errorf("position %+v without read-ahead, %+v with, want %+v (before the filemark)", plainPos, aheadPos, want)
	}
}

// TestReadAheadErrorsInOrder: a medium error in the middle of a file comes
// after exactly the data before it, with the same error and position as
// without read-ahead, and nothing is read past it.
func TestReadAheadErrorsInOrder(t *testing.T) {
	m := labelled(t, nil)
	recs, data := archive(t, m.drive, &format.WriterOptions{BlockSize: 8 << 10}, 100_000)
	bad := recs[0].Block + 5
	if err := m.lib.InjectMediaError(barcode, bad, bad, simulator.FaultRead); err != nil {
		t.Fatal(err)
	}
	var outs [2]string
	i := 0
	plain, ahead, plainPos, aheadPos := bothWays(t, m.drive, func(d tape.Drive) {
		got, rerr, cerr := readSome(d, format.Open, 1, nil, 1000, -1)
		if !bytes.Equal(got, data[0][:len(got)]) || !strings.Contains(rerr, fmt.Sprintf("at block %d", bad)) || cerr != "none" {
			t.Errorf("%d bytes, Read %s, Close %s", len(got), rerr, cerr)
		}
		outs[i] = fmt.Sprintf("%d bytes, %s", len(got), rerr)
		i++
	})
	if outs[0] != outs[1] {
		t.Errorf("without read-ahead: %s\nwith: %s", outs[0], outs[1])
	}
	if diff := cmp.Diff(plain, ahead); diff != "" {
		t.Errorf("commands (-without +with read-ahead):\n%s", diff)
	}
	if plainPos != aheadPos {
		t.Errorf("position %+v without read-ahead, %+v with", plainPos, aheadPos)
	}
}

// TestCloseLocatesBack: when the block read ahead is unreadable, Close
// locates back to it, so the drive is where it was without read-ahead and
// the medium error is met by whoever reads on, not by the File that never
// asked for the block.
func TestCloseLocatesBack(t *testing.T) {
	m := labelled(t, nil)
	recs, data := archive(t, m.drive, &format.WriterOptions{BlockSize: 8 << 10}, 100_000)
	bad := recs[0].Block + 5
	if err := m.lib.InjectMediaError(barcode, bad, bad, simulator.FaultRead); err != nil {
		t.Fatal(err)
	}
	// The data byte 31,332 is in block 4 (after 1,536 bytes of headers).
	const stop = 4*8<<10 + 100 - 1536
	plain, ahead, plainPos, aheadPos := bothWays(t, m.drive, func(d tape.Drive) {
		got, rerr, cerr := readSome(d, format.Open, 1, nil, 4096, stop)
		if !bytes.Equal(got, data[0][:stop]) || rerr != "none" || cerr != "none" {
			t.Errorf("%d bytes, Read %s, Close %s", len(got), rerr, cerr)
		}
	})
	if n, err := givenBack(plain, ahead, 1); err != nil || n != 1 || !slices.Contains(ahead, fmt.Sprintf("locate %d", bad)) {
		t.Errorf("%d given back (%v), want a locate to block %d:\n%s", n, err, bad, strings.Join(ahead, "\n"))
	}
	if want := (tape.Position{Block: bad, File: 1}); plainPos != want || aheadPos != want {
		t.Errorf("position %+v without read-ahead, %+v with, want %+v", plainPos, aheadPos, want)
	}
}

// failingWriter takes n writes, then fails.
type failingWriter struct{ n int }

var errFull = errors.New("disk full")

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.n == 0 {
		return 0, errFull
	}
	w.n--
	return len(p), nil
}

// TestCopyTapeFileWriterFails: when the writer fails, CopyTapeFile gives
// back the object it read ahead: the drive is after the block the writer
// refused, as without read-ahead. An unreadable block read ahead is given
// back by locating to where the medium error says it is.
func TestCopyTapeFileWriterFails(t *testing.T) {
	ctx := context.Background()
	m := labelled(t, nil)
	recs, _ := archive(t, m.drive, &format.WriterOptions{BlockSize: 8 << 10}, 100_000)
	for _, c := range []struct {
		writes int
		bad    bool // the block after the one refused is unreadable
		given  string
	}{
		{0, false, "space blocks -1"},
		{3, false, "space blocks -1"},
		{int(recs[0].Blocks) - 1, false, "space filemarks -1"},
		{3, true, fmt.Sprintf("locate %d", recs[0].Block+4)},
	} {
		if err := m.lib.ClearMediaErrors(barcode); err != nil {
			t.Fatal(err)
		}
		if c.bad {
			bad := recs[0].Block + int64(c.writes) + 1
			if err := m.lib.InjectMediaError(barcode, bad, bad, simulator.FaultRead); err != nil {
				t.Fatal(err)
			}
		}
		plain, ahead, plainPos, aheadPos := bothWays(t, m.drive, func(d tape.Drive) {
			if err := tape.LocateFile(ctx, d, 0, 1); err != nil {
				t.Fatal(err)
			}
			n, blocks, err := format.CopyTapeFile(ctx, d, &failingWriter{n: c.writes}, 64<<10)
			if err != errFull || blocks != int64(c.writes) || n != int64(c.writes)*8<<10 {
				t.Errorf("writer failing after %d writes: %d bytes, %d blocks, %v", c.writes, n, blocks, err)
			}
		})
		if n, err := givenBack(plain, ahead, 1); err != nil || n != 1 || !slices.Contains(ahead, c.given) {
			t.Errorf("writer failing after %d writes: %d given back (%v), want with %q:\n%s", c.writes, n, err, c.given, strings.Join(ahead, "\n"))
		}
		if want := (tape.Position{Block: recs[0].Block + int64(c.writes) + 1, File: 1}); plainPos != want || aheadPos != want {
			t.Errorf("writer failing after %d writes: position %+v without read-ahead, %+v with, want %+v", c.writes, plainPos, aheadPos, want)
		}
	}
}

// TestReadAheadRapid compares reading with and without read-ahead on random
// tapes: both formats, random block and file sizes, a medium error
// anywhere or none, a wrong expected checksum or not, and a reader that
// stops anywhere, a scan, or a copy to a writer that fails. Data, errors
// and the final position must be the same; the commands too, but for at
// most one read given back per file.
func TestReadAheadRapid(t *testing.T) {
	m := labelled(t, nil)
	rapid.Check(t, func(rt *rapid.T) {
		ctx := context.Background()
		if err := m.lib.ClearMediaErrors(barcode); err != nil {
			rt.Fatal(err)
		}
		fmtName := rapid.SampledFrom([]string{format.FormatPAX, format.FormatANSI}).Draw(rt, "format")
		if _, err := format.Label(ctx, m.drive, barcode, &format.LabelOptions{Force: true, Format: fmtName}); err != nil {
			rt.Fatal(err)
		}
		bs := 512 * rapid.IntRange(1, 32).Draw(rt, "blocks of 512")
		w, err := format.NewWriter(m.drive, &format.WriterOptions{Format: fmtName, BlockSize: bs})
		if err != nil {
			rt.Fatal(err)
		}
		n := rapid.IntRange(1, 4).Draw(rt, "files")
		for i := range n {
			size := rapid.SampledFrom([]int{0, 1, 511, 513, bs - 1, bs, bs + 1, 3*bs + 100, 40_000}).Draw(rt, "size")
			if _, err := w.WriteFile(ctx, format.Meta{FileID: fmt.Sprint(i + 1), Path: fmt.Sprintf("/r/%d", i), Size: int64(size)}, bytes.NewReader(content(uint64(i), size))); err != nil {
				rt.Fatal(err)
			}
		}
		recs, err := w.Close(ctx)
		if err != nil {
			rt.Fatal(err)
		}
		eod, err := m.drive.Position(ctx)
		if err != nil {
			rt.Fatal(err)
		}
		rec := recs[rapid.IntRange(0, len(recs)-1).Draw(rt, "file")]
		if rapid.Bool().Draw(rt, "medium error") {
			// In the file read, or anywhere for a scan.
			bad := rapid.Int64Range(rec.Block, min(rec.Block+rec.Blocks+1, eod.Block-1)).Draw(rt, "bad block")
			if err := m.lib.InjectMediaError(barcode, bad, bad, simulator.FaultRead); err != nil {
				rt.Fatal(err)
			}
		}
		var opts *format.ReaderOptions
		if rapid.Bool().Draw(rt, "wrong checksum") {
			opts = &format.ReaderOptions{Expected: []checksum.Value{{Algorithm: "adler32", Bytes: []byte{0, 0, 0, 1}}}}
		}
		open := format.Open
		switch {
		case fmtName == format.FormatANSI:
			open = format.OpenANSI
		case rapid.Bool().Draw(rt, "by block id"):
			open = func(ctx context.Context, d tape.Drive, fseq int64, o *format.ReaderOptions) (*format.File, error) {
				return format.OpenAt(ctx, d, rec.Block, fseq, o)
			}
		}
		var outs []string
		var max int
		switch what := rapid.SampledFrom([]string{"read", "scan", "copy"}).Draw(rt, "what"); what {
		case "read":
			chunk := rapid.SampledFrom([]int{1, 100, 512, 4096, 32 << 10, 70_000}).Draw(rt, "read size")
			stop := rapid.IntRange(-1, int(rec.Size)+1).Draw(rt, "stop after")
			max = 1
			plain, ahead, plainPos, aheadPos := bothWays(rt, m.drive, func(d tape.Drive) {
				got, rerr, cerr := readSome(d, open, rec.FSeq, opts, chunk, stop)
				outs = append(outs, fmt.Sprintf("%x\nRead: %s\nClose: %s", got, rerr, cerr))
			})
			compareRuns(rt, outs, plain, ahead, plainPos, aheadPos, max)
		case "scan":
			plain, ahead, plainPos, aheadPos := bothWays(rt, m.drive, func(d tape.Drive) {
				var s []string
				for r, err := range format.Scan(ctx, d, 1, nil) {
					s = append(s, fmt.Sprintf("%d %s %v %v", r.FSeq, r.Status, r.Err, err))
				}
				outs = append(outs, strings.Join(s, "\n"))
			})
			compareRuns(rt, outs, plain, ahead, plainPos, aheadPos, len(recs))
		case "copy":
			writes := rapid.IntRange(-1, int(rec.Blocks)+1).Draw(rt, "writes before failing")
			file := rec.FSeq
			if fmtName == format.FormatANSI {
				file = format.ANSITapeFile(rec.FSeq) + 1
			}
			plain, ahead, plainPos, aheadPos := bothWays(rt, m.drive, func(d tape.Drive) {
				var out io.Writer = &failingWriter{n: writes}
				if writes < 0 {
					out = io.Discard
				}
				nb, blocks, err := format.DumpTapeFile(ctx, d, file, out, 0)
				outs = append(outs, fmt.Sprintf("%d %d %v", nb, blocks, err))
			})
			compareRuns(rt, outs, plain, ahead, plainPos, aheadPos, 1)
		}
	})
}

// compareRuns checks that a run with read-ahead gave what the run without
// it did.
func compareRuns(t *rapid.T, outs, plain, ahead []string, plainPos, aheadPos tape.Position, max int) {
	if diff := cmp.Diff(outs[0], outs[1]); diff != "" {
		t.Fatalf("results (-without +with read-ahead):\n%s", diff)
	}
	if _, err := givenBack(plain, ahead, max); err != nil {
		t.Fatal(err)
	}
	if plainPos != aheadPos {
		t.Fatalf("position %+v without read-ahead, %+v with\ncommands without:\n%s\nwith:\n%s", plainPos, aheadPos, strings.Join(plain, "\n"), strings.Join(ahead, "\n"))
	}
}
