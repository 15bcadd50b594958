package simulator

import (
	"context"
	"fmt"
	"time"

	"github.com/tapekit/tapekit/tape"
)

var _ tape.RAOer = (*Drive)(nil)

// RecommendedAccessOrder implements tape.RAOer from the cartridge's own
// geometry: starting where the drive is, it repeatedly takes the segment
// whose start is cheapest to locate to, and goes on from that segment's
// end. Nearest-next is what drives' firmware approximates too; it beats
// block order whenever segments lie on different wraps.
func (d *Drive) RecommendedAccessOrder(ctx context.Context, segs []tape.Segment) ([]tape.Segment, error) {
	s, err := d.enter(ctx, "recommended access order")
	if err != nil {
		return nil, err
	}
	defer s.op.Release(ctx)
	c, err := s.ready("recommended access order")
	if err != nil {
		return nil, err
	}
	for _, g := range segs {
		if g.Partition != 0 || g.FirstBlock < 0 || g.LastBlock < g.FirstBlock {
			return nil, s.errAt("recommended access order", fmt.Errorf("%w: segment %d: partition %d blocks %d..%d", tape.ErrIllegalRequest, g.ID, g.Partition, g.FirstBlock, g.LastBlock))
		}
	}
	left := append([]tape.Segment(nil), segs...)
	out := make([]tape.Segment, 0, len(segs))
	at := c.content.tapeOffset(s.pos)
	for len(left) > 0 {
		best, bestCost := 0, time.Duration(-1)
		for i, g := range left {
			if cost := c.geo.Locate(at, c.content.tapeOffset(g.FirstBlock)); bestCost < 0 || cost < bestCost {
				best, bestCost = i, cost
			}
		}
		g := left[best]
		out = append(out, g)
		at = c.content.tapeOffset(g.LastBlock + 1)
		left = append(left[:best], left[best+1:]...)
	}
	return out, nil
}

// raoCost prices reading segs in the given order from the drive's current
// position: locates between segments plus streaming their bytes. It lets
// tests and benchmarks compare orders in library time.
func (d *Drive) raoCost(segs []tape.Segment) time.Duration {
	s := d.s
	ctx := context.Background()
	s.op.Acquire(ctx)
	defer s.op.Release(ctx)
	c := s.cart()
	if c == nil || c.geo == nil {
		return 0
	}
	var t time.Duration
	at := c.content.tapeOffset(s.pos)
	for _, g := range segs {
		start, end := c.content.tapeOffset(g.FirstBlock), c.content.tapeOffset(g.LastBlock+1)
		t += c.geo.Locate(at, start) + c.geo.Read(end-start)
		at = end
	}
	return t
}
