//go:build linux

package main

import (
	"context"
	"io"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tapekit/tapekit/scsi"
	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/tape/ssc"
)

// BenchmarkDataPathWrite compares tapectl write's loop (writeFile: standard
// input read one block ahead on its own goroutine, 256 KiB blocks, a
// synchronising filemark) with dd's (raw writes of blocks already in
// memory), in the same run, through the SSC driver on the simulator's SCSI
// target made as slow as an LTO drive. vs-dd is dd's time over tapectl's:
// tapectl's throughput as a fraction of dd's, goal 0.95. The read side of
// tapectl (read, dump) is format.CopyTapeFile, measured by
// BenchmarkDataPathCopy in tape/format, whose costed target this one
// copies; see there for the cost model.
//
//	go test -run '^$' -bench DataPath -count 3 ./examples/tapectl
func BenchmarkDataPathWrite(b *testing.B) {
	const size = 64 << 20
	ctx := context.Background()
	lib, err := simulator.New(nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer lib.Close()
	if err := lib.Changer().Move(ctx, lib.SlotAddress(1), lib.DriveAddress(0)); err != nil {
		b.Fatal(err)
	}
	target, err := lib.DriveTarget(0)
	if err != nil {
		b.Fatal(err)
	}
	c := &costedTarget{t: target}
	d := ssc.New(c, nil)
	if err := d.Load(ctx); err != nil {
		b.Fatal(err)
	}
	reset := func() {
		if err := d.Rewind(ctx); err != nil {
			b.Fatal(err)
		}
		if err := d.Erase(ctx, false); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
	}
	in := make([]byte, 1<<20)
	for i := range in {
		in[i] = byte(i * 7)
	}
	var tapectl, dd, fastTapectl, fastDD time.Duration
	var runs int
	var extra int64
	timed := func(f func()) (time.Duration, int64) {
		reset()
		n0, t0 := c.commands.Load(), time.Now()
		f()
		return time.Since(t0), c.commands.Load() - n0
	}
	runTapectl := func() {
		t, n := timed(func() {
			if _, _, _, err := writeFile(ctx, d, &repeatReader{buf: in, n: size}, defaultBlockSize); err != nil {
				b.Fatal(err)
			}
		})
		tapectl, fastTapectl, extra = tapectl+t, min(fastTapectl, t), extra+n
	}
	runDD := func() {
		t, n := timed(func() {
			for range size / defaultBlockSize {
				if err := d.Write(ctx, in[:defaultBlockSize]); err != nil {
					b.Fatal(err)
				}
			}
			if err := d.WriteFilemarks(ctx, 1, true); err != nil {
				b.Fatal(err)
			}
		})
		dd, fastDD, extra = dd+t, min(fastDD, t), extra-n
	}
	runDD() // the simulator allocates the cartridge's memory; not counted
	dd, extra = 0, 0
	fastTapectl, fastDD = time.Hour, time.Hour
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			runTapectl()
			runDD()
		} else {
			runDD()
			runTapectl()
		}
		runs++
	}
	b.ReportMetric(float64(dd)/float64(tapectl), "vs-dd")
	b.ReportMetric(float64(fastDD)/float64(fastTapectl), "vs-dd-fastest")
	b.ReportMetric(float64(size*runs)/1e6/tapectl.Seconds(), "tapectl-MB/s")
	b.ReportMetric(float64(extra)/float64(runs), "extra-cmds")
	b.ReportMetric(0, "ns/op")
}

// repeatReader gives n bytes repeating buf, copied as a read of a file or
// a pipe copies them.
type repeatReader struct {
	buf []byte
	off int
	n   int64
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), r.n)]
	k := copy(p, r.buf[r.off:])
	r.off = (r.off + k) % len(r.buf)
	r.n -= int64(k)
	return k, nil
}

// costedTarget is tape/format's (datapath_bench_test.go): each command
// takes 50 us plus 2.5 ns a byte moved, slept in nanosleep so the CPU is
// free meanwhile.
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
	deadline := start.Add(50*time.Microsecond + time.Duration(2.5*float64(n)))
	for left := time.Until(deadline); left > 0; left = time.Until(deadline) {
		ts := syscall.NsecToTimespec(int64(left))
		syscall.Nanosleep(&ts, nil)
	}
	return res, err
}
