package simulator

import (
	"context"
	"fmt"

	"github.com/tapekit/tapekit/tape"
)

// BlocksWriter is the simulator's fast path for writing, the mirror of
// BlocksReader: WriteTapeFile writes the blocks of one tape file whose
// data is synthetic, charging the time writing them with Write costs, but
// moving and storing only its head and tail. A repack or migration
// benchmark copies terabytes with it; code that holds a tape.Drive
// discovers it with a type assertion.
type BlocksWriter interface {
	WriteTapeFile(ctx context.Context, f TapeFile) (BlockRun, error)
}

var _ BlocksWriter = (*Drive)(nil)

// WriteTapeFile implements BlocksWriter: at the current position, as
// Write would, it writes the stream f.Head ‖ f.Data ‖ f.Tail cut into
// blocks of f.BlockSize bytes (the last one shorter), and returns the
// blocks written. It writes no filemark: follow it with WriteFilemarks,
// as after Write. Reading the blocks back gives the stream's bytes
// (Read) or their ids (ReadBlocks). Errors are Write's: a block size the
// drive does not take, no room (tape.ErrEndOfMedium, nothing written), an
// injected write fault among the blocks (tape.ErrMediumError, nothing
// written); past early warning the blocks are written and the error is
// tape.ErrEarlyWarning.
func (d *Drive) WriteTapeFile(ctx context.Context, f TapeFile) (BlockRun, error) {
	s, err := d.enter(ctx, "write")
	if err != nil {
		return BlockRun{}, err
	}
	defer s.op.Release(ctx)
	c, err := s.ready("write")
	if err != nil {
		return BlockRun{}, err
	}
	if err := s.writable("write", c); err != nil {
		return BlockRun{}, err
	}
	if f.BlockSize <= 0 || f.BlockSize > s.typ.MaxBlockSize || f.Data.Size < 0 {
		return BlockRun{}, s.errAt("write", fmt.Errorf("%w: %d bytes of data in %d-byte blocks (the drive takes 1 to %d)",
			tape.ErrIllegalRequest, f.Data.Size, f.BlockSize, s.typ.MaxBlockSize))
	}
	total := int64(len(f.Head)) + f.Data.Size + int64(len(f.Tail))
	if total == 0 {
		return BlockRun{First: s.pos}, nil
	}
	bs := int64(f.BlockSize)
	blocks := (total + bs - 1) / bs
	for _, fl := range c.faults {
		if fl.op&FaultWrite != 0 && fl.first < s.pos+blocks && fl.last >= s.pos {
			s.alerts = s.alerts.With(alertMedia).With(alertWriteFailure)
			return BlockRun{}, s.errAt("write", fmt.Errorf("%w: write error (injected)", tape.ErrMediumError))
		}
	}
	warn, err := s.checkRoom("write", c, total)
	if err != nil {
		return BlockRun{}, err
	}
	if err := s.resume(ctx); err != nil {
		return BlockRun{}, err
	}
	b, err := s.lib.data(c)
	if err == nil {
		err = s.lib.truncateAt(c, s.pos)
	}
	off := c.content.dataEnd()
	if err == nil {
		_, err = b.WriteAt(f.Head, off)
	}
	if err == nil {
		_, err = b.WriteAt(f.Tail, off+int64(len(f.Head)))
	}
	if err != nil {
		return BlockRun{}, s.errAt("write", fmt.Errorf("%w: %v", tape.ErrHardwareError, err))
	}
	run := BlockRun{First: s.pos, Blocks: blocks, Bytes: total}
	c.content.appendStream(&stream{Head: int64(len(f.Head)), Tail: int64(len(f.Tail)), Seed: f.Data.Seed, Size: f.Data.Size}, bs)
	s.pos += blocks
	s.stats.BytesWritten += total
	// What writing the blocks one by one costs.
	t := c.geo.Read(bs) * timeMul(total/bs)
	if rest := total % bs; rest > 0 {
		t += c.geo.Read(rest)
	}
	s.stats.Streaming += t
	s.debt += t
	if s.debt >= s.settleEvery() {
		if err := s.spend(ctx, 0); err != nil {
			return run, err
		}
	}
	if warn {
		return run, s.errAt("write", tape.ErrEarlyWarning)
	}
	return run, nil
}
