package format_test

import (
	"context"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/tapekit/tapekit/tape"
	"github.com/tapekit/tapekit/tape/format"
)

// pattern is a reader of n bytes repeating a random 1 MiB buffer: cheap to
// produce, so the benchmarks measure the writing.
type pattern struct {
	buf []byte
	off int
	n   int64
}

var patternBuf = content(7, 1<<20)

func newPattern(n int64) *pattern { return &pattern{buf: patternBuf, n: n} }

func (p *pattern) Read(b []byte) (int, error) {
	if p.n == 0 {
		return 0, io.EOF
	}
	if int64(len(b)) > p.n {
		b = b[:p.n]
	}
	k := copy(b, p.buf[p.off:])
	p.off = (p.off + k) % len(p.buf)
	p.n -= int64(k)
	return k, nil
}

// BenchmarkArchiveSmallFiles archives 1 GiB as 1,000 files of 1 MiB to a
// simulated LTO-9 in virtual time, with the default options, and reports
// the share of drive time spent streaming: DriveStats.Streaming /
// (Streaming + Positioning), counted from after the mount (load, label
// check and positioning at end of data, done by Writer.Start) to after
// Close's final synchronisation.
func BenchmarkArchiveSmallFiles(b *testing.B) {
	const files, size = 1000, 1 << 20
	ctx := context.Background()
	var streaming, positioning time.Duration
	var backhitches int
	b.SetBytes(files * size)
	for b.Loop() {
		b.StopTimer()
		m := labelled(b, nil)
		w, err := format.NewWriter(m.drive, nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := w.Start(ctx); err != nil {
			b.Fatal(err)
		}
		before := m.drive.Stats()
		b.StartTimer()
		for i := range files {
			if _, err := w.WriteFile(ctx, format.Meta{FileID: "f", Path: "/small/f", Size: size}, newPattern(size)); err != nil {
				b.Fatalf("file %d: %v", i, err)
			}
		}
		recs, err := w.Close(ctx)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if len(recs) != files {
			b.Fatalf("%d files committed, want %d", len(recs), files)
		}
		after := m.drive.Stats()
		streaming += after.Streaming - before.Streaming
		positioning += after.Positioning - before.Positioning
		backhitches += after.Backhitches - before.Backhitches
		m.lib.Close()
		b.StartTimer()
	}
	b.ReportMetric(100*float64(streaming)/float64(streaming+positioning), "streaming-%")
	b.ReportMetric(float64(backhitches)/float64(b.N), "backhitches/op")
}

// BenchmarkArchiveLargeFile writes one 256 MiB file through the format
// writer and the same bytes as raw 256 KiB blocks, each to a fresh
// simulated LTO-9, and reports vs-raw: the raw wall time over the
// format's (1 means no overhead), over all iterations, and
// vs-raw-fastest, the same ratio for the fastest run of each, which other
// processes on a shared machine disturb least. The default checksums
// (adler32) are measured, and adler32 with crc32c for comparison.
func BenchmarkArchiveLargeFile(b *testing.B) {
	for _, c := range []struct {
		name string
		sums []string
	}{{"checksums=default", nil}, {"checksums=adler32+crc32c", []string{"adler32", "crc32c"}}} {
		b.Run(c.name, func(b *testing.B) { benchLargeFile(b, c.sums) })
	}
}

func benchLargeFile(b *testing.B, sums []string) {
	const size = 256 << 20
	ctx := context.Background()
	// One labelled cartridge for every run: each run first erases what the
	// last one wrote after the label, so both paths write into memory the
	// simulator has already allocated, and the ratio measures the format
	// writer rather than page faults of fresh memory.
	m := labelled(b, nil)
	defer m.lib.Close()
	var eraser tape.Eraser = m.drive
	reset := func() {
		if err := tape.LocateFile(ctx, m.drive, 0, 1); err != nil {
			b.Fatal(err)
		}
		if err := eraser.Erase(ctx, false); err != nil {
			b.Fatal(err)
		}
		runtime.GC() // start without the last run's garbage to collect
	}
	var raw, formatted time.Duration
	fastestRaw, fastestFormatted := time.Duration(1<<62), time.Duration(1<<62)
	// runFormatted archives the file through the format writer.
	runFormatted := func() {
		reset()
		w, err := format.NewWriter(m.drive, &format.WriterOptions{Checksums: sums})
		if err != nil {
			b.Fatal(err)
		}
		if err := w.Start(ctx); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if _, err := w.WriteFile(ctx, format.Meta{FileID: "big", Path: "/big", Size: size}, newPattern(size)); err != nil {
			b.Fatal(err)
		}
		if _, err := w.Close(ctx); err != nil {
			b.Fatal(err)
		}
		t := time.Since(start)
		formatted, fastestFormatted = formatted+t, min(fastestFormatted, t)
	}
	// runRaw writes the same bytes as raw blocks of the same size.
	runRaw := func() {
		reset()
		start := time.Now()
		src, buf := newPattern(size), make([]byte, format.DefaultBlockSize)
		for {
			n, err := io.ReadFull(src, buf)
			if n > 0 {
				if werr := m.drive.Write(ctx, buf[:n]); werr != nil {
					b.Fatal(werr)
				}
			}
			if err != nil {
				break
			}
		}
		if err := m.drive.WriteFilemarks(ctx, 1, true); err != nil {
			b.Fatal(err)
		}
		t := time.Since(start)
		raw, fastestRaw = raw+t, min(fastestRaw, t)
	}
	runRaw() // the first run allocates the cartridge's memory; not counted
	raw, fastestRaw = 0, time.Duration(1<<62)
	b.SetBytes(size)
	for i := 0; b.Loop(); i++ {
		// Alternate which runs first, so neither always follows the other.
		if i%2 == 0 {
			runFormatted()
			runRaw()
		} else {
			runRaw()
			runFormatted()
		}
	}
	b.ReportMetric(float64(raw)/float64(formatted), "vs-raw")
	b.ReportMetric(float64(fastestRaw)/float64(fastestFormatted), "vs-raw-fastest")
}
