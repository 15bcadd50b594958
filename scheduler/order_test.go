package scheduler_test

import (
	cmpx "cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"

	"github.com/tapekit/tapekit/scheduler"
	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/tape"
)

// hashCost is an arbitrary asymmetric cost model: every (from, to) pair has
// its own pseudo-random price, so no triangle inequality helps an orderer.
type hashCost struct{ seed uint64 }

func (h hashCost) Locate(_ string, from, to int64) time.Duration {
	if from == to {
		return 0
	}
	x := h.seed ^ uint64(from)*0x9e3779b97f4a7c15 ^ uint64(to)*0xc2b2ae3d27d4eb4f
	x ^= x >> 31
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 29
	return time.Duration(x%100_000) * time.Millisecond
}

// geoCost prices blocks of a fixed size laid from the beginning of an
// LTO-9 tape with the simulator's own cost model.
type geoCost struct {
	g     *simulator.CostModel
	block int64
}

func (c geoCost) Locate(_ string, from, to int64) time.Duration {
	return c.g.Locate(from*c.block, to*c.block)
}

func newGeoCost() geoCost {
	return geoCost{g: simulator.NewCostModel(simulator.LTO9), block: 8 << 20}
}

// randomSegs returns n segments of 1 to 20 blocks at random places among
// the first max blocks.
func randomSegs(r *rand.Rand, n int, max int64) []tape.Segment {
	segs := make([]tape.Segment, n)
	for i := range segs {
		first := r.Int64N(max)
		segs[i] = tape.Segment{ID: uint64(i), FirstBlock: first, LastBlock: first + r.Int64N(20)}
	}
	return segs
}

// sameSegments reports why got is not a permutation of want, or "".
func sameSegments(want, got []tape.Segment) string {
	less := func(a, b tape.Segment) int {
		return cmpx.Or(cmpx.Compare(a.ID, b.ID), cmpx.Compare(a.Partition, b.Partition),
			cmpx.Compare(a.FirstBlock, b.FirstBlock), cmpx.Compare(a.LastBlock, b.LastBlock))
	}
	w, g := slices.Clone(want), slices.Clone(got)
	slices.SortFunc(w, less)
	slices.SortFunc(g, less)
	return cmp.Diff(w, g, cmpopts.EquateEmpty())
}

// raoDrive is a drive whose RAO returns what the test says.
type raoDrive struct {
	tape.Drive
	rao func([]tape.Segment) ([]tape.Segment, error)
}

func (d raoDrive) RecommendedAccessOrder(_ context.Context, segs []tape.Segment) ([]tape.Segment, error) {
	return d.rao(segs)
}

func orderers() map[string]scheduler.Orderer {
	c := newGeoCost()
	return map[string]scheduler.Orderer{
		"block":           scheduler.BlockOrder{},
		"rao":             scheduler.RAOOrder{},
		"rao-greedy":      scheduler.RAOOrder{Fallback: scheduler.GreedyOrder{Cost: c}},
		"greedy":          scheduler.GreedyOrder{Cost: c},
		"best":            scheduler.BestOrder{Cost: c, Seed: 1},
		"best-asymmetric": scheduler.BestOrder{Cost: hashCost{7}, Seed: 2},
	}
}

// TestOrderPermutation checks that every orderer returns each segment
// exactly once, duplicates included, whatever the input.
func TestOrderPermutation(t *testing.T) {
	ctx := context.Background()
	for name, o := range orderers() {
		t.Run(name, func(t *testing.T) {
			rapid.Check(t, func(rt *rapid.T) {
				n := rapid.IntRange(0, 60).Draw(rt, "n")
				segs := make([]tape.Segment, n)
				for i := range segs {
					first := rapid.Int64Range(0, 2_000_000).Draw(rt, "first")
					segs[i] = tape.Segment{ID: rapid.Uint64Range(0, 10).Draw(rt, "id"), FirstBlock: first, LastBlock: first + rapid.Int64Range(0, 100).Draw(rt, "len")}
				}
				from := rapid.Int64Range(0, 2_000_000).Draw(rt, "from")
				in := slices.Clone(segs)
				got, err := o.Order(ctx, nil, "TK0001L9", from, segs)
				if err != nil {
					rt.Fatal(err)
				}
				if d := sameSegments(segs, got); d != "" {
					rt.Fatalf("not a permutation (-in +out):\n%s", d)
				}
				if d := cmp.Diff(in, segs); d != "" {
					rt.Fatalf("the input was modified:\n%s", d)
				}
			})
		})
	}
}

// TestBestOrderExact checks Held–Karp against every permutation on small
// random asymmetric instances.
func TestBestOrderExact(t *testing.T) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(3, 4))
	for trial := range 60 {
		n := 1 + trial%8
		c := hashCost{uint64(trial)}
		segs := randomSegs(r, n, 1000)
		from := r.Int64N(1000)
		got, err := scheduler.BestOrder{Cost: c}.Order(ctx, nil, "V", from, segs)
		if err != nil {
			t.Fatal(err)
		}
		want := time.Duration(math.MaxInt64)
		perm := slices.Clone(segs)
		var all func(k int)
		all = func(k int) {
			if k == len(perm) {
				want = min(want, scheduler.OrderCost(c, "V", from, perm))
				return
			}
			for i := k; i < len(perm); i++ {
				perm[k], perm[i] = perm[i], perm[k]
				all(k + 1)
				perm[k], perm[i] = perm[i], perm[k]
			}
		}
		all(0)
		if cost := scheduler.OrderCost(c, "V", from, got); cost != want {
			t.Fatalf("trial %d, %d segments: BestOrder costs %v, the optimum %v", trial, n, cost, want)
		}
	}
}

// TestBestOrderBeatsGreedy checks that the local search never loses to
// greedy, on the simulator's cost model and on arbitrary asymmetric costs,
// and that the same input gives the same order.
func TestBestOrderBeatsGreedy(t *testing.T) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(5, 6))
	for _, c := range []scheduler.CostModel{newGeoCost(), hashCost{9}} {
		for _, n := range []int{13, 40, 200, 600} {
			segs := randomSegs(r, n, 2_000_000)
			from := r.Int64N(2_000_000)
			g, err := scheduler.GreedyOrder{Cost: c}.Order(ctx, nil, "V", from, segs)
			if err != nil {
				t.Fatal(err)
			}
			best := scheduler.BestOrder{Cost: c, Seed: 1, Budget: time.Minute}
			b, err := best.Order(ctx, nil, "V", from, segs)
			if err != nil {
				t.Fatal(err)
			}
			gc, bc := scheduler.OrderCost(c, "V", from, g), scheduler.OrderCost(c, "V", from, b)
			t.Logf("%T, %d segments: greedy %v, best %v (%.3fx)", c, n, gc, bc, gc.Seconds()/bc.Seconds())
			if bc > gc {
				t.Errorf("%T, %d segments: best %v > greedy %v", c, n, bc, gc)
			}
			again, err := best.Order(ctx, nil, "V", from, segs)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(b, again); d != "" {
				t.Errorf("%T, %d segments: a second run differs:\n%s", c, n, d)
			}
		}
	}
}

// TestBestOrderLarge covers the search without a cost matrix.
func TestBestOrderLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("orders 3,200 segments")
	}
	ctx := context.Background()
	r := rand.New(rand.NewPCG(7, 8))
	c := newGeoCost()
	segs := randomSegs(r, 3200, 2_000_000)
	g, err := scheduler.GreedyOrder{Cost: c}.Order(ctx, nil, "V", 0, segs)
	if err != nil {
		t.Fatal(err)
	}
	b, err := scheduler.BestOrder{Cost: c, Budget: time.Minute}.Order(ctx, nil, "V", 0, segs)
	if err != nil {
		t.Fatal(err)
	}
	if d := sameSegments(segs, b); d != "" {
		t.Fatalf("not a permutation:\n%s", d)
	}
	gc, bc := scheduler.OrderCost(c, "V", 0, g), scheduler.OrderCost(c, "V", 0, b)
	t.Logf("3,200 segments: greedy %v, best %v", gc, bc)
	if bc > gc {
		t.Fatalf("best %v > greedy %v", bc, gc)
	}
}

// TestRAOOrder checks that a drive's RAO is used when it is sound, and that
// an error, a lost, an extra or a changed segment falls back.
func TestRAOOrder(t *testing.T) {
	ctx := context.Background()
	segs := []tape.Segment{{ID: 1, FirstBlock: 30, LastBlock: 31}, {ID: 2, FirstBlock: 10, LastBlock: 12}, {ID: 3, FirstBlock: 20, LastBlock: 20}}
	byBlock := []tape.Segment{segs[1], segs[2], segs[0]}
	reversed := []tape.Segment{segs[2], segs[1], segs[0]}
	tests := []struct {
		name string
		rao  func([]tape.Segment) ([]tape.Segment, error)
		want []tape.Segment
	}{
		{"ok", func([]tape.Segment) ([]tape.Segment, error) { return slices.Clone(reversed), nil }, reversed},
		{"error", func([]tape.Segment) ([]tape.Segment, error) {
			return nil, fmt.Errorf("rao: %w", tape.ErrIllegalRequest)
		}, byBlock},
		{"unsupported", func([]tape.Segment) ([]tape.Segment, error) { return nil, errors.ErrUnsupported }, byBlock},
		{"lost", func(s []tape.Segment) ([]tape.Segment, error) { return s[:2], nil }, byBlock},
		{"duplicate", func(s []tape.Segment) ([]tape.Segment, error) { return []tape.Segment{s[0], s[0], s[1]}, nil }, byBlock},
		{"changed", func(s []tape.Segment) ([]tape.Segment, error) {
			s[0].LastBlock++
			return s, nil
		}, byBlock},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := scheduler.RAOOrder{}.Order(ctx, raoDrive{rao: tt.rao}, "V", 0, segs)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Fatalf("(-want +got):\n%s", d)
			}
		})
	}
	// A drive without RAO uses the fallback.
	c := newGeoCost()
	got, err := scheduler.RAOOrder{Fallback: scheduler.GreedyOrder{Cost: c}}.Order(ctx, nil, "V", 25, segs)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := scheduler.GreedyOrder{Cost: c}.Order(ctx, nil, "V", 25, segs)
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("fallback (-want +got):\n%s", d)
	}
}

// TestOrderCost checks the locates OrderCost adds up.
func TestOrderCost(t *testing.T) {
	c := hashCost{1}
	segs := []tape.Segment{{FirstBlock: 10, LastBlock: 12}, {FirstBlock: 5, LastBlock: 5}}
	want := c.Locate("V", 3, 10) + c.Locate("V", 13, 5)
	if got := scheduler.OrderCost(c, "V", 3, segs); got != want {
		t.Fatalf("OrderCost = %v, want %v", got, want)
	}
	if got := scheduler.OrderCost(c, "V", 3, nil); got != 0 {
		t.Fatalf("OrderCost of nothing = %v", got)
	}
}
