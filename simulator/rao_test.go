package simulator_test

import (
	"context"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/tape"
)

// TestRecommendedAccessOrder checks that the simulator's order is a
// permutation of the request and cheaper in library time than reading in
// block order, which on serpentine tape zigzags between wraps.
func TestRecommendedAccessOrder(t *testing.T) {
	ctx := context.Background()
	l, err := simulator.New(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	// 2,000 files of 5 GB fill 10 TB: 155 wraps of an LTO-9 cartridge.
	if err := l.FillSynthetic("TK0001L9", 2000, 5e9, 8<<20); err != nil {
		t.Fatal(err)
	}
	d := mustLoad(t, l, 1, 0)
	r := rand.New(rand.NewPCG(1, 2))
	const perFile = int64(5e9)/(8<<20) + 2 // full blocks, the short last one, the filemark
	var segs []tape.Segment
	for i, f := range r.Perm(2000)[:100] {
		first := int64(f) * perFile
		segs = append(segs, tape.Segment{ID: uint64(i), FirstBlock: first, LastBlock: first + 9})
	}
	got, err := d.RecommendedAccessOrder(ctx, segs)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[uint64]bool{}
	for _, s := range got {
		ids[s.ID] = true
	}
	if len(got) != len(segs) || len(ids) != len(segs) {
		t.Fatalf("order has %d segments (%d distinct), want %d", len(got), len(ids), len(segs))
	}
	byBlock := append([]tape.Segment(nil), segs...)
	sort.Slice(byBlock, func(i, j int) bool { return byBlock[i].FirstBlock < byBlock[j].FirstBlock })
	rao, linear := d.RAOCost(got), d.RAOCost(byBlock)
	t.Logf("100 reads across 10 TB: RAO %v, block order %v (%.2fx)", rao, linear, linear.Seconds()/rao.Seconds())
	if rao >= linear {
		t.Fatalf("RAO order costs %v, block order %v", rao, linear)
	}
	if _, err := d.RecommendedAccessOrder(ctx, []tape.Segment{{FirstBlock: 5, LastBlock: 1}}); err == nil {
		t.Fatal("a segment ending before it begins was accepted")
	}
}
