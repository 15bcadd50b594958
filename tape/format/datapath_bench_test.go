//go:build linux

package format_test

import (
	"context"
	"crypto/md5"
	"errors"
	"hash"
	"io"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tapekit/tapekit/scsi"
	"github.com/tapekit/tapekit/tape"
	"github.com/tapekit/tapekit/tape/format"
	"github.com/tapekit/tapekit/tape/ssc"
)

// The data-path benchmarks run tapekit's format writer and reader through
// the SSC driver against the simulator's SCSI target made as slow as an
// LTO drive (costedTarget), and compare them, in the same run, with the
// loop dd runs: raw Write or Read calls of 256 KiB blocks on the same
// costed target. The metric vs-dd is the baseline's time over tapekit's,
// that is tapekit's throughput as a fraction of dd's; the goal is 0.95 or
// more. extra-cmds counts the commands tapekit sent beyond dd's in a run
// (per file, never per block), dd-ms/cmd what a command of the baseline
// really took. They are Linux-only because the cost is slept with
// nanosleep(2): Go's timers wake up to a millisecond late when the process
// is idle, which is more than a whole command.
//
//	go test -run '^$' -bench DataPath -count 3 ./tape/format

// Cost of one command on the costed target: about an LTO-9 moving a
// 256 KiB block at 400 MB/s (655 µs) plus command overhead, 0.7 ms in all.
const (
	costPerCommand = 50 * time.Microsecond
	costPerByte    = 2.5 // ns: 400 MB/s
	dataPathSize   = 64 << 20
	ddBlock        = 256 << 10
)

// costedTarget sends each command to the simulator's target and then
// blocks its goroutine's thread in nanosleep until the command has taken
// costPerCommand plus costPerByte for each byte moved: the CPU is free
// meanwhile, as while a real drive moves the data by DMA and the SG_IO
// ioctl blocks. The simulator's own work counts toward that time.
type costedTarget struct {
	t        scsi.Transport
	commands atomic.Int64
}

// MaxTransfer passes on the simulated host's limit, as a wrapping
// transport must (scsi.TransferLimiter).
func (c *costedTarget) MaxTransfer() int { return scsi.MaxTransfer(c.t) }

func (c *costedTarget) Do(ctx context.Context, cmd *scsi.Command) (scsi.Result, error) {
	start := time.Now()
	res, err := c.t.Do(ctx, cmd)
	n := len(cmd.Data)
	if cmd.Direction == scsi.DirIn && err == nil {
		n = res.Transferred(cmd)
	}
	c.commands.Add(1)
	sleepUntil(start.Add(costPerCommand + time.Duration(costPerByte*float64(n))))
	return res, err
}

func sleepUntil(t time.Time) {
	for d := time.Until(t); d > 0; d = time.Until(t) {
		ts := syscall.NsecToTimespec(int64(d))
		syscall.Nanosleep(&ts, nil)
	}
}

// costedDrive is a labelled cartridge in drive 0 of a fresh simulated
// library, driven by the SSC driver through a costedTarget. It is the one
// place that gets the simulator's SCSI target.
func costedDrive(b *testing.B) (*mounted, *ssc.Drive, *costedTarget) {
	m := labelled(b, nil)
	target, err := m.lib.DriveTarget(0)
	if err != nil {
		b.Fatal(err)
	}
	c := &costedTarget{t: target}
	return m, ssc.New(c, nil), c
}

// side is one side of a comparison: run does one run, calling start where
// its measured part begins; it ends when run returns.
type side struct {
	run            func(start func())
	total, fastest time.Duration
	runs, commands int64
}

func (s *side) once(c *costedTarget) {
	runtime.GC() // start without the other side's garbage to collect
	var t0 time.Time
	var n0 int64
	s.run(func() { t0, n0 = time.Now(), c.commands.Load() })
	d := time.Since(t0)
	s.commands += c.commands.Load() - n0
	if s.runs == 0 || d < s.fastest {
		s.fastest = d
	}
	s.total += d
	s.runs++
}

// compare runs both sides once per iteration, alternating which goes
// first so that neither always follows the other, and reports vs-dd (the
// baseline's total time over tapekit's), vs-dd-fastest (the same for the
// fastest run of each, which other processes disturb least), both
// throughputs, extra-cmds and dd-ms/cmd.
func compare(b *testing.B, c *costedTarget, size int64, tapekit, dd *side) {
	dd.once(c) // the simulator settles its memory; not counted
	*dd = side{run: dd.run}
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			tapekit.once(c)
			dd.once(c)
		} else {
			dd.once(c)
			tapekit.once(c)
		}
	}
	mbps := func(s *side) float64 { return float64(size*s.runs) / 1e6 / s.total.Seconds() }
	b.ReportMetric(float64(dd.total)/float64(tapekit.total), "vs-dd")
	b.ReportMetric(float64(dd.fastest)/float64(tapekit.fastest), "vs-dd-fastest")
	b.ReportMetric(mbps(tapekit), "tapekit-MB/s")
	b.ReportMetric(mbps(dd), "dd-MB/s")
	b.ReportMetric(float64(tapekit.commands-dd.commands)/float64(tapekit.runs), "extra-cmds")
	b.ReportMetric(float64(dd.total.Microseconds())/1000/float64(dd.commands), "dd-ms/cmd")
	b.ReportMetric(0, "ns/op") // the ratios are the result, not the time of both sides
}

// BenchmarkDataPathWrite writes 64 MiB through the format writer (tar
// headers, checksums, pipelined batches) and, as the baseline, as raw
// 256 KiB blocks already in memory, each followed by a synchronising
// filemark, both through the SSC driver on the costed target.
func BenchmarkDataPathWrite(b *testing.B) {
	for _, c := range []struct {
		name string
		sums []string
	}{{"checksums=default", nil}, {"checksums=adler32+crc32c", []string{"adler32", "crc32c"}}, {"checksums=adler32+md5", []string{"adler32", "md5"}}} {
		b.Run(c.name, func(b *testing.B) { benchDataPathWrite(b, c.sums) })
	}
}

func benchDataPathWrite(b *testing.B, sums []string) {
	ctx := context.Background()
	m, d, c := costedDrive(b)
	defer m.lib.Close()
	// Each run first erases what the last one wrote after the label, so
	// both sides write into memory the simulator already holds.
	reset := func() {
		if err := tape.LocateFile(ctx, d, 0, 1); err != nil {
			b.Fatal(err)
		}
		if err := d.Erase(ctx, false); err != nil {
			b.Fatal(err)
		}
	}
	tapekit := &side{run: func(start func()) {
		reset()
		w, err := format.NewWriter(d, &format.WriterOptions{Checksums: sums})
		if err != nil {
			b.Fatal(err)
		}
		if err := w.Start(ctx); err != nil {
			b.Fatal(err)
		}
		start()
		if _, err := w.WriteFile(ctx, format.Meta{FileID: "big", Path: "/big", Size: dataPathSize}, newPattern(dataPathSize)); err != nil {
			b.Fatal(err)
		}
		if _, err := w.Close(ctx); err != nil {
			b.Fatal(err)
		}
	}}
	block := patternBuf[:ddBlock]
	dd := &side{run: func(start func()) {
		reset()
		start()
		for range dataPathSize / ddBlock {
			if err := d.Write(ctx, block); err != nil {
				b.Fatal(err)
			}
		}
		if err := d.WriteFilemarks(ctx, 1, true); err != nil {
			b.Fatal(err)
		}
	}}
	compare(b, c, dataPathSize, tapekit, dd)
}

// BenchmarkDataPathRead reads back a 64 MiB file: tapekit opens it and
// reads it through (32 KiB at a time, as io.Copy does), verifying its
// checksums; the baseline reads the same tape file as raw blocks into a
// 256 KiB buffer, as `dd bs=256k` does. Both through the SSC driver on the
// costed target, both positioning first. The read buffers are the drive's
// maximum block size, given as tapectl restore gives it from the Status it
// has anyway; with max-block=ask, Open asks the drive itself (a Status: a
// few commands per file).
func BenchmarkDataPathRead(b *testing.B) {
	for _, c := range []struct {
		name string
		sums []string
		ask  bool
	}{
		{"checksums=default", nil, false},
		{"checksums=adler32+crc32c", []string{"adler32", "crc32c"}, false},
		{"checksums=adler32+md5", []string{"adler32", "md5"}, false},
		{"checksums=default/max-block=ask", nil, true},
	} {
		b.Run(c.name, func(b *testing.B) { benchDataPathRead(b, c.sums, c.ask) })
	}
}

// writerOnly hides io.Discard's ReadFrom, so io.Copy reads through its own
// 32 KiB buffer as it does into a file or a socket.
type writerOnly struct{ io.Writer }

// writeBig writes the 64 MiB file without cost, through the simulator's
// own drive, and returns its record.
func writeBig(b *testing.B, m *mounted, sums []string) format.Record {
	ctx := context.Background()
	w, err := format.NewWriter(m.drive, &format.WriterOptions{Checksums: sums})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := w.WriteFile(ctx, format.Meta{FileID: "big", Path: "/big", Size: dataPathSize}, newPattern(dataPathSize)); err != nil {
		b.Fatal(err)
	}
	recs, err := w.Close(ctx)
	if err != nil {
		b.Fatal(err)
	}
	return recs[0]
}

// ddRead is the baseline of the read benchmarks: position, then raw reads
// into a 256 KiB buffer to the filemark.
func ddRead(b *testing.B, d tape.Drive) *side {
	ctx := context.Background()
	buf := make([]byte, ddBlock)
	return &side{run: func(start func()) {
		start()
		if err := tape.LocateFile(ctx, d, 0, 1); err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := d.Read(ctx, buf); err != nil {
				if errors.Is(err, tape.ErrFilemark) {
					break
				}
				b.Fatal(err)
			}
		}
	}}
}

func benchDataPathRead(b *testing.B, sums []string, ask bool) {
	ctx := context.Background()
	m, d, c := costedDrive(b)
	defer m.lib.Close()
	rec := writeBig(b, m, sums)
	opts := &format.ReaderOptions{Expected: rec.Checksums}
	if !ask {
		st, err := d.Status(ctx)
		if err != nil {
			b.Fatal(err)
		}
		opts.MaxBlockSize = st.MaxBlockSize
	}
	tapekit := &side{run: func(start func()) {
		start()
		f, err := format.Open(ctx, d, 1, opts)
		if err != nil {
			b.Fatal(err)
		}
		if n, err := io.Copy(writerOnly{io.Discard}, f); err != nil || n != dataPathSize {
			b.Fatalf("read %d bytes: %v", n, err)
		}
	}}
	compare(b, c, dataPathSize, tapekit, ddRead(b, d))
}

// BenchmarkDataPathCopy is the read path of tapectl read and dump:
// CopyTapeFile of the tape file into a writer, against the same raw-read
// baseline (which writes nothing). The writer copies each block, as
// writing to a pipe does (sink=copy), or also hashes it with MD5, as a
// consumer at the other end of the pipe as busy as the drive would
// (sink=md5).
func BenchmarkDataPathCopy(b *testing.B) {
	for _, c := range []struct {
		name string
		hash bool
	}{{"sink=copy", false}, {"sink=md5", true}} {
		b.Run(c.name, func(b *testing.B) { benchDataPathCopy(b, c.hash) })
	}
}

func benchDataPathCopy(b *testing.B, hash bool) {
	ctx := context.Background()
	m, d, c := costedDrive(b)
	defer m.lib.Close()
	writeBig(b, m, nil)
	st, err := d.Status(ctx)
	if err != nil {
		b.Fatal(err)
	}
	sink := &pipeSink{buf: make([]byte, st.MaxBlockSize)}
	if hash {
		sink.h = md5.New()
	}
	tapekit := &side{run: func(start func()) {
		start()
		if err := tape.LocateFile(ctx, d, 0, 1); err != nil {
			b.Fatal(err)
		}
		if _, _, err := format.CopyTapeFile(ctx, d, sink, st.MaxBlockSize); err != nil {
			b.Fatal(err)
		}
	}}
	compare(b, c, dataPathSize, tapekit, ddRead(b, d))
}

// pipeSink copies what it is given, as writing to a pipe or a file does,
// and hashes it when h is set.
type pipeSink struct {
	buf []byte
	h   hash.Hash
}

func (s *pipeSink) Write(p []byte) (int, error) {
	copy(s.buf, p)
	if s.h != nil {
		s.h.Write(p)
	}
	return len(p), nil
}
