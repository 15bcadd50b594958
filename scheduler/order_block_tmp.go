package scheduler

import (
	"context"
	"sort"

	"github.com/tapekit/tapekit/tape"
)

// BlockOrder reads segments by ascending first block.
//
// This is a temporary copy of the BlockOrder of scheduler/order_block.go,
// so that this branch builds on its own; it is deleted at merge.
type BlockOrder struct{}

// Order returns segs sorted by FirstBlock, keeping the input order of ties.
func (BlockOrder) Order(_ context.Context, _ tape.Drive, _ string, _ int64, segs []tape.Segment) ([]tape.Segment, error) {
	out := append([]tape.Segment(nil), segs...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].FirstBlock < out[j].FirstBlock })
	return out, nil
}
