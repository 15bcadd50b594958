package simulator_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/tape"
)

// BenchmarkDirectoryStreaming writes and reads a directory-backed cartridge
// and, in the same iteration, the same bytes as a plain sequential file on
// the same disk. It reports the simulator's throughput as a fraction of the
// plain file's (write-ratio, read-ratio; the target is ≥ 0.8) and the heap
// in use after the run, which must not grow with the bytes moved.
func BenchmarkDirectoryStreaming(b *testing.B) {
	const blockSize = 256 << 10
	const total = 256 << 20
	ctx := context.Background()
	dir := b.TempDir()
	l, err := simulator.Open(filepath.Join(dir, "lib"), nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	if err := l.Changer().Move(ctx, l.SlotAddress(1), l.DriveAddress(0)); err != nil {
		b.Fatal(err)
	}
	d, _ := l.Drive(0)
	buf := make([]byte, blockSize)
	for i := range buf {
		buf[i] = byte(i * 7)
	}
	var simW, simR, fileW, fileR time.Duration
	b.SetBytes(total)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		// Plain file: write, fsync, read back.
		t0 := time.Now()
		p := filepath.Join(dir, "plain")
		f, err := os.Create(p)
		if err != nil {
			b.Fatal(err)
		}
		for n := 0; n < total; n += blockSize {
			if _, err := f.Write(buf); err != nil {
				b.Fatal(err)
			}
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
		fileW += time.Since(t0)
		t0 = time.Now()
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := io.ReadFull(f, buf); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				b.Fatal(err)
			}
		}
		fileR += time.Since(t0)
		f.Close()
		os.Remove(p)

		// Simulated cartridge: write from the beginning, synchronise, read.
		t0 = time.Now()
		if err := d.Rewind(ctx); err != nil {
			b.Fatal(err)
		}
		for n := 0; n < total; n += blockSize {
			if err := d.Write(ctx, buf); err != nil {
				b.Fatal(err)
			}
		}
		if err := d.WriteFilemarks(ctx, 1, true); err != nil {
			b.Fatal(err)
		}
		simW += time.Since(t0)
		t0 = time.Now()
		if err := d.Rewind(ctx); err != nil {
			b.Fatal(err)
		}
		for {
			_, err := d.Read(ctx, buf)
			if errors.Is(err, tape.ErrFilemark) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		simR += time.Since(t0)
	}
	b.StopTimer()
	b.ReportMetric(fileW.Seconds()/simW.Seconds(), "write-ratio")
	b.ReportMetric(fileR.Seconds()/simR.Seconds(), "read-ratio")
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
}
