package scheduler

import (
	"context"
	"sort"

	"github.com/tapekit/tapekit/tape"
)

// BlockOrder reads segments in block order: the order a tape was written
// in, and the best a scheduler can do knowing nothing of the geometry.
type BlockOrder struct{}

// Order implements Orderer.
func (BlockOrder) Order(_ context.Context, _ tape.Drive, _ string, _ int64, segs []tape.Segment) ([]tape.Segment, error) {
	out := append([]tape.Segment(nil), segs...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].FirstBlock < out[j].FirstBlock })
	return out, nil
}
