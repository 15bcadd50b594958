package catalogtest

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/tapekit/tapekit/catalog"
)

// BenchmarkIngest measures what a writer does per batch: create batch
// files, then commit one copy of each to a volume with its new fill level.
// c must be empty. It reports files/s.
func BenchmarkIngest(b *testing.B, c catalog.Catalog, batch int) {
	ctx := context.Background()
	if err := setup(ctx, c, 1); err != nil {
		b.Fatal(err)
	}
	const vol = "p1V001"
	files := make([]catalog.File, batch)
	copies := make([]catalog.Copy, batch)
	var seq int64
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	cpu0, cpuOK := cpuTime()
	for i := 0; b.Loop(); i++ {
		for j := range files {
			files[j] = file(fmt.Sprintf("/ingest/%06d/%05d.dat", i, j), int64(j)+1)
		}
		created, err := c.CreateFiles(ctx, files)
		if err != nil {
			b.Fatal(err)
		}
		for j, f := range created {
			seq++
			copies[j] = catalog.Copy{FileID: f.ID, CopyNo: 1, FileSeq: seq, BlockID: seq * 8, Format: "tapekit-pax-1", Size: f.Size + 1024}
		}
		if err := c.CommitCopies(ctx, vol, copies, seq*4096, seq); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(seq)/time.Since(start).Seconds(), "files/s")
	if cpu1, _ := cpuTime(); cpuOK {
		b.ReportMetric(float64(seq)/(cpu1-cpu0).Seconds(), "files/cpu-s")
	}
}

// FillVolume gives volume p1V001 of the empty catalog c n copies, in
// batches, and returns its barcode.
func FillVolume(ctx context.Context, c catalog.Catalog, n int) (string, error) {
	if err := setup(ctx, c, 1); err != nil {
		return "", err
	}
	const vol, batch = "p1V001", 5000
	var seq int64
	for done := 0; done < n; done += batch {
		k := min(batch, n-done)
		files := make([]catalog.File, k)
		for j := range files {
			files[j] = file(fmt.Sprintf("/fill/%09d", done+j), 1)
		}
		created, err := c.CreateFiles(ctx, files)
		if err != nil {
			return "", err
		}
		copies := make([]catalog.Copy, k)
		for j, f := range created {
			seq++
			copies[j] = catalog.Copy{FileID: f.ID, CopyNo: 1, FileSeq: seq, BlockID: seq, Format: "tapekit-pax-1"}
		}
		if err := c.CommitCopies(ctx, vol, copies, seq, seq); err != nil {
			return "", err
		}
	}
	return vol, nil
}

// BenchmarkVolumeListing lists a volume that FillVolume filled with n
// copies, in tape order. It reports ms/listing and, from one extra
// untimed listing that collects garbage as it goes, peak-live-B: the most
// heap the listing kept alive at once, which must not grow with n.
func BenchmarkVolumeListing(b *testing.B, c catalog.Catalog, vol string, n int) {
	ctx := context.Background()
	list := func(probe func(i int)) {
		var i int
		var last int64
		for cp, err := range c.VolumeCopies(ctx, vol) {
			if err != nil {
				b.Fatal(err)
			}
			if cp.FileSeq <= last {
				b.Fatalf("copy %d out of tape order: %d after %d", i, cp.FileSeq, last)
			}
			last = cp.FileSeq
			i++
			if probe != nil {
				probe(i)
			}
		}
		if i != n {
			b.Fatalf("listed %d copies, want %d", i, n)
		}
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapAlloc, ms.HeapAlloc
	list(func(i int) {
		if i%(n/10+1) == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	})
	b.ReportAllocs()
	b.ResetTimer()
	cpu0, cpuOK := cpuTime()
	for b.Loop() {
		list(nil)
	}
	cpu1, _ := cpuTime()
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/listing")
	if cpuOK {
		// The process's CPU time only: for a server database its own
		// work is not included.
		b.ReportMetric(float64((cpu1-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/listing")
	}
	b.ReportMetric(float64(peak-base), "peak-live-B")
}
