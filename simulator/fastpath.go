package simulator

import (
	"context"
	"fmt"
	"time"

	"github.com/tapekit/tapekit/tape"
)

// BlocksReader is the simulator's fast path for reading: ReadBlocks reads
// blocks as Read does, charging the same time, but moves none of their
// bytes. Benchmarks and workloads that move terabytes of synthetic data
// use it; the content of a synthetic block follows from its object id
// (see Library.FillSynthetic), so a verifier checks ids instead of bytes.
// Code that holds a tape.Drive discovers it with a type assertion.
type BlocksReader interface {
	ReadBlocks(ctx context.Context, max int64) (BlockRun, error)
}

var _ BlocksReader = (*Drive)(nil)

// BlockRun is what one ReadBlocks call read: Blocks consecutive blocks
// from object id First on, Bytes bytes in all.
type BlockRun struct {
	First, Blocks, Bytes int64
}

// ReadBlocks implements BlocksReader: it reads up to max blocks from the
// current position, stopping before a filemark, end of data or a block
// with an injected read fault. When it stops there without having read a
// block, it returns what Read would: tape.ErrFilemark (and moves past the
// filemark), tape.ErrEndOfData, or the medium error (and moves past the
// block). The time charged is what reading the blocks one by one with
// Read costs.
func (d *Drive) ReadBlocks(ctx context.Context, max int64) (BlockRun, error) {
	s, err := d.enter(ctx, "read")
	if err != nil {
		return BlockRun{}, err
	}
	defer s.op.Release(ctx)
	c, err := s.ready("read")
	if err != nil {
		return BlockRun{}, err
	}
	o, ok := c.content.object(s.pos)
	switch {
	case !ok:
		return BlockRun{}, s.errAt("read", tape.ErrEndOfData)
	case o.mark:
		e := s.errAt("read", tape.ErrFilemark)
		s.pos++
		return BlockRun{}, e
	case c.faultAt(s.pos, FaultRead):
		s.alerts = s.alerts.With(alertMedia).With(alertReadFailure)
		e := s.errAt("read", fmt.Errorf("%w: unrecovered read error (injected)", tape.ErrMediumError))
		s.pos++
		return BlockRun{}, e
	}
	run := BlockRun{First: s.pos}
	limit := s.pos + max
	for _, f := range c.faults {
		if f.op&FaultRead != 0 && f.first > s.pos && f.first < limit {
			limit = f.first
		}
	}
	for i := c.content.find(s.pos); i >= 0 && i < len(c.content.runs) && s.pos < limit; i++ {
		r := c.content.runs[i]
		if r.Mark {
			break
		}
		k := min(r.end(), limit) - s.pos
		t := c.geo.Read(r.Len) * timeMul(k)
		s.pos += k
		run.Blocks += k
		run.Bytes += k * r.Len
		s.stats.Streaming += t
		s.debt += t
	}
	s.stats.BytesRead += run.Bytes
	return run, s.spend(ctx, 0)
}

// timeMul converts a count to a multiplier of durations.
func timeMul(k int64) time.Duration { return time.Duration(k) }
