package scheduler_test

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/tapekit/tapekit/scheduler"
	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/tape"
)

// libCost is the CostModel a scheduler would build on the simulator: a
// block's place on tape from Library.TapeOffset, priced with the
// cartridge's published CostModel.
type libCost struct {
	lib *simulator.Library
	mu  sync.Mutex
	off map[int64]int64 // TapeOffset takes the library's locks: ask once per block
	geo *simulator.CostModel
}

func (c *libCost) offset(volume string, block int64) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if off, ok := c.off[block]; ok {
		return off
	}
	off, err := c.lib.TapeOffset(volume, block)
	if err != nil {
		panic(err)
	}
	c.off[block] = off
	return off
}

func (c *libCost) Locate(volume string, from, to int64) time.Duration {
	return c.geo.Locate(c.offset(volume, from), c.offset(volume, to))
}

// readTime is the library time of reading segs in order from block from:
// each locate and the streaming of each segment's bytes, as the simulated
// drive charges them.
func (c *libCost) readTime(volume string, from int64, segs []tape.Segment) time.Duration {
	var t time.Duration
	at := c.offset(volume, from)
	for _, s := range segs {
		start, end := c.offset(volume, s.FirstBlock), c.offset(volume, s.LastBlock+1)
		t += c.geo.Locate(at, start) + c.geo.Read(end-start)
		at = end
	}
	return t
}

const (
	w3Barcode = "TK0001L9"
	w3Block   = 8 << 20
	w3Size    = 100_000_000 // bytes per file
	w3Slots   = 175_000     // 17.5 TB of 100 MB files: a nearly full LTO-9
	w3Files   = 1000
)

// w3 sets up workload W3: 1,000 files of 100 MB at random places on a
// nearly full LTO-9 cartridge, mounted in a drive at the beginning of tape.
func w3(tb testing.TB) (*simulator.Drive, *libCost, []tape.Segment) {
	tb.Helper()
	lib, err := simulator.New(nil, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { lib.Close() })
	if err := lib.FillSynthetic(w3Barcode, w3Slots, w3Size, w3Block); err != nil {
		tb.Fatal(err)
	}
	if err := lib.Changer().Move(context.Background(), lib.SlotAddress(1), lib.DriveAddress(0)); err != nil {
		tb.Fatal(err)
	}
	d, err := lib.Drive(0)
	if err != nil {
		tb.Fatal(err)
	}
	if err := d.Load(context.Background()); err != nil {
		tb.Fatal(err)
	}
	geo, err := lib.CostModel(w3Barcode)
	if err != nil {
		tb.Fatal(err)
	}
	const perFile = (w3Size+w3Block-1)/w3Block + 1 // blocks and the filemark
	r := rand.New(rand.NewPCG(12, 3))
	segs := make([]tape.Segment, w3Files)
	for i, f := range r.Perm(w3Slots)[:w3Files] {
		first := int64(f) * perFile
		segs[i] = tape.Segment{ID: uint64(i), FirstBlock: first, LastBlock: first + perFile - 2}
	}
	return d, &libCost{lib: lib, off: map[int64]int64{}, geo: geo}, segs
}

// w3Result is the library time of W3 under each order.
type w3Result struct {
	block, rao, greedy, best time.Duration
	compute                  time.Duration // wall time of BestOrder
}

func runW3(tb testing.TB, d *simulator.Drive, c *libCost, segs []tape.Segment, best scheduler.BestOrder) w3Result {
	tb.Helper()
	ctx := context.Background()
	order := func(o scheduler.Orderer) ([]tape.Segment, time.Duration) {
		start := time.Now()
		got, err := o.Order(ctx, d, w3Barcode, 0, segs)
		if err != nil {
			tb.Fatal(err)
		}
		return got, time.Since(start)
	}
	var r w3Result
	b, _ := order(scheduler.BlockOrder{})
	ra, _ := order(scheduler.RAOOrder{})
	g, _ := order(scheduler.GreedyOrder{Cost: c})
	be, took := order(best)
	r.block, r.rao, r.greedy, r.best, r.compute = c.readTime(w3Barcode, 0, b), c.readTime(w3Barcode, 0, ra), c.readTime(w3Barcode, 0, g), c.readTime(w3Barcode, 0, be), took
	return r
}

// TestOrderW3 is the acceptance of workload W3: on one LTO-9 cartridge,
// 1,000 files of 100 MB read in BestOrder take less than half the library
// time of block order, and less than greedy shortest-locate-first.
func TestOrderW3(t *testing.T) {
	d, c, segs := w3(t)
	// A generous Budget: under -race or a loaded machine the safety cap
	// must not cut the search.
	r := runW3(t, d, c, segs, scheduler.BestOrder{Cost: c, Seed: 1, Budget: time.Minute})
	t.Logf("W3: block %v, RAO %v, greedy %v, best %v (block/best %.2f, greedy/best %.3f), best computed in %v",
		r.block.Round(time.Second), r.rao.Round(time.Second), r.greedy.Round(time.Second), r.best.Round(time.Second),
		r.block.Seconds()/r.best.Seconds(), r.greedy.Seconds()/r.best.Seconds(), r.compute)
	// The adapter prices what the drive charges: locating the drive from
	// segment to segment advances the library's clock by exactly the
	// adapter's sum. (The first locate, which also settles the mount, is
	// not counted.)
	ctx := context.Background()
	clk := c.lib.Clock()
	at := segs[0].FirstBlock
	if err := d.Locate(ctx, tape.Position{Block: at}); err != nil {
		t.Fatal(err)
	}
	var want time.Duration
	t0 := clk.Now()
	for _, s := range segs[1:100] {
		if err := d.Locate(ctx, tape.Position{Block: s.FirstBlock}); err != nil {
			t.Fatal(err)
		}
		want += c.Locate(w3Barcode, at, s.FirstBlock)
		at = s.FirstBlock
	}
	if got := clk.Now().Sub(t0); got != want {
		t.Errorf("99 locates took %v of library time, the adapter says %v", got, want)
	}
	if r.block < 2*r.best {
		t.Errorf("best %v is not 2x faster than block order %v", r.best, r.block)
	}
	if r.best >= r.greedy {
		t.Errorf("best %v is not faster than greedy %v", r.best, r.greedy)
	}
}

// BenchmarkOrderW3 reports the library time of W3 under each order, the
// ratios to BestOrder and the wall time BestOrder takes to compute.
func BenchmarkOrderW3(b *testing.B) {
	d, c, segs := w3(b)
	var r w3Result
	b.ResetTimer()
	for b.Loop() {
		r = runW3(b, d, c, segs, scheduler.BestOrder{Cost: c, Seed: 1})
	}
	b.ReportMetric(r.block.Seconds(), "block-s")
	b.ReportMetric(r.rao.Seconds(), "rao-s")
	b.ReportMetric(r.greedy.Seconds(), "greedy-s")
	b.ReportMetric(r.best.Seconds(), "best-s")
	b.ReportMetric(r.block.Seconds()/r.best.Seconds(), "block/best")
	b.ReportMetric(r.greedy.Seconds()/r.best.Seconds(), "greedy/best")
	b.ReportMetric(float64(r.compute.Microseconds())/1000, "best-ms")
}
