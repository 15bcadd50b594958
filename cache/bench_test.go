package cache_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/tapekit/tapekit/cache"
)

// pattern is a reader of synthetic data that is neither a file nor a
// WriterTo, as a network body is.
type pattern struct {
	left int64
	buf  []byte
}

func (p *pattern) Read(b []byte) (int, error) {
	if p.left == 0 {
		return 0, io.EOF
	}
	n := copy(b, p.buf[:min(int64(len(p.buf)), p.left, int64(len(b)))])
	p.left -= int64(n)
	return n, nil
}

func newPattern(n int64) *pattern { return &pattern{left: n, buf: content("bench", 1<<20)} }

// BenchmarkIngest writes the same bytes with a plain io.Copy to a file on
// the same disk (made durable with fsync, as a cache must) and through the
// cache (checksums, fsync, journal, rename), and reports
// ratio = plain time / cache time: the goal is ≥ 0.9.
//
// The two are measured in pairs, one right after the other, in
// alternating order (plain first in even iterations, the cache first in
// odd ones), and ratio is the median of the pairs' ratios: a disk whose
// speed drifts, or another process taking the disk or a core for a
// while, moves both sides of a pair alike, and one disturbed pair does
// not move the median. (Totals over all iterations, as before, swung from
// 0.4 to 1.26 between runs on a busy machine.) Use -benchtime Nx with N
// ≥ 5. ratio_nosync compares with a copy that skips fsync, the least a
// plain write costs.
//
// Each file pays a fixed cost for durability besides its data's fsync (the
// journal's fsync, the rename and the directory's fsync), so the ratio
// grows with the file size: it is measured at 256 MiB and 1 GiB.
func BenchmarkIngest(b *testing.B) {
	for _, size := range []int64{256 << 20, 1 << 30} {
		b.Run(fmt.Sprintf("size=%dMiB", size>>20), func(b *testing.B) { benchmarkIngest(b, size) })
	}
}

func benchmarkIngest(b *testing.B, size int64) {
	dir := b.TempDir()
	c, err := cache.Open(filepath.Join(dir, "cache"), &cache.Options{Quota: 1 << 40, Logger: quietLogger()})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	plainFile := filepath.Join(dir, "plain")
	copyPlain := func(sync bool) time.Duration {
		settle()
		start := time.Now()
		f, err := os.Create(plainFile)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(f, newPattern(size)); err != nil {
			b.Fatal(err)
		}
		if sync {
			if err := f.Sync(); err != nil {
				b.Fatal(err)
			}
		}
		f.Close()
		took := time.Since(start)
		os.Remove(plainFile)
		return took
	}
	copyCache := func() time.Duration {
		settle()
		start := time.Now()
		w, err := c.Create(context.Background(), "f", size, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(w, newPattern(size)); err != nil {
			b.Fatal(err)
		}
		if _, err := w.Commit(); err != nil {
			b.Fatal(err)
		}
		took := time.Since(start)
		if err := c.Remove("f"); err != nil {
			b.Fatal(err)
		}
		return took
	}
	var ratios, nosync []float64
	var plainTotal, cacheTotal time.Duration
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		var plain, cached time.Duration
		if i%2 == 0 {
			plain = copyPlain(true)
			cached = copyCache()
		} else {
			cached = copyCache()
			plain = copyPlain(true)
		}
		ratios = append(ratios, plain.Seconds()/cached.Seconds())
		nosync = append(nosync, copyPlain(false).Seconds()/cached.Seconds())
		plainTotal += plain
		cacheTotal += cached
	}
	b.ReportMetric(median(ratios), "ratio")
	b.ReportMetric(slices.Min(ratios), "ratio_min")
	b.ReportMetric(median(nosync), "ratio_nosync")
	b.ReportMetric(float64(b.N)*float64(size)/cacheTotal.Seconds()/1e6, "cache_MB/s")
	b.ReportMetric(float64(b.N)*float64(size)/plainTotal.Seconds()/1e6, "plain_MB/s")
}

// median returns the median of xs (the mean of the middle two for an even
// count).
func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// settle writes back every dirty page before a timed copy, so that no copy
// pays for the writeback of the one before it (without it the ratio swung
// from 0.56 to 0.96 between runs).
func settle() { syscall.Sync() }

// BenchmarkOpenMillion opens a cache whose index holds 1,000,000 files and
// reports the open time and the heap the index keeps (goals: < 2 s,
// < 200 MB).
func BenchmarkOpenMillion(b *testing.B) {
	const n = 1_000_000
	dir := b.TempDir()
	c, err := cache.Open(dir, &cache.Options{Quota: 1 << 50, Logger: quietLogger()})
	if err != nil {
		b.Fatal(err)
	}
	if err := cache.FillForTest(c, n); err != nil {
		b.Fatal(err)
	}
	var heap uint64
	var open time.Duration
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		c, err := cache.Open(dir, &cache.Options{Quota: 1 << 50, Logger: quietLogger()})
		if err != nil {
			b.Fatal(err)
		}
		open += time.Since(start)
		runtime.GC()
		runtime.ReadMemStats(&after)
		heap = after.HeapAlloc - before.HeapAlloc
		if got := c.Stats().Files[cache.Online]; got != n {
			b.Fatalf("%d files after open", got)
		}
		cache.Abandon(c) // no snapshot rewrite: measure opening only
		runtime.KeepAlive(c)
	}
	b.ReportMetric(open.Seconds()/float64(b.N), "open_s")
	b.ReportMetric(float64(heap)/1e6, "index_MB")
}
