package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/checksum"
	"github.com/tapekit/tapekit/scheduler"
	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/tape"
)

// errVerify is a tape file whose blocks are not those the catalog
// recorded: the fast path's stand-in for a checksum mismatch.
var errVerify = errors.New("recallbench: block ids do not match the catalog")

// readFast reads the tape file that starts at block and spans blocks
// blocks through the simulator's fast path (simulator.BlocksReader),
// which charges the library time of reading every byte and moves none.
// It calls deliver with the byte count of each run, the first one after
// the first block alone, so that the time to first byte is that of one
// block, as on the byte path, and stops at deliver's first error. Instead of checksums it verifies what
// synthetic data allows: the blocks read are exactly block..block+blocks-1,
// ending at a filemark. The drive must be positioned at block.
func readFast(ctx context.Context, d tape.Drive, block, blocks int64, deliver func(n int64) error) error {
	br, ok := d.(simulator.BlocksReader)
	if !ok {
		return fmt.Errorf("recallbench: drive %T has no fast path: %w", d, errors.ErrUnsupported)
	}
	next, max := block, int64(1)
	for {
		run, err := br.ReadBlocks(ctx, max)
		if run.Blocks > 0 {
			if run.First != next {
				return fmt.Errorf("%w: read block %d, want %d", errVerify, run.First, next)
			}
			next += run.Blocks
			if err := deliver(run.Bytes); err != nil {
				return err
			}
		}
		switch {
		case errors.Is(err, tape.ErrFilemark):
			if next != block+blocks {
				return fmt.Errorf("%w: file at block %d ends after %d blocks, want %d", errVerify, block, next-block, blocks)
			}
			return nil
		case err != nil:
			return err
		case next > block+blocks:
			return fmt.Errorf("%w: file at block %d runs past %d blocks", errVerify, block, blocks)
		}
		max = 1 << 20
	}
}

// fastIO is the benchmark's scheduler.TapeIO: recalls go through the
// simulator's fast path (readFast), which charges the library time of
// every byte and moves none, into a sink that counts them
// (scheduler.Discarder); archives are written by the scheduler's
// FormatIO, byte for byte (W6's archives are small).
type fastIO struct {
	scheduler.FormatIO
	// blocks is the length of every laid-out tape file, by volume and
	// first block: what the catalog recorded, to verify against.
	blocks map[volBlock]int64
}

// ReadFile implements scheduler.TapeIO: it locates to the copy and reads
// its tape file, checking the blocks instead of checksums, and returns the
// catalog's checksums as verified.
func (x fastIO) ReadFile(ctx context.Context, d tape.Drive, f catalog.File, c catalog.Copy, w io.Writer) ([]checksum.Value, error) {
	dw, ok := w.(scheduler.Discarder)
	if !ok {
		return nil, fmt.Errorf("recallbench: the sink cannot count bytes it does not see: %w", errors.ErrUnsupported)
	}
	blocks, ok := x.blocks[volBlock{c.Volume, c.BlockID}]
	if !ok {
		return nil, fmt.Errorf("recallbench: no tape file at block %d of %s", c.BlockID, c.Volume)
	}
	if err := d.Locate(ctx, tape.Position{Block: c.BlockID}); err != nil {
		return nil, err
	}
	if err := readFast(ctx, d, c.BlockID, blocks, dw.Discard); err != nil {
		return nil, err
	}
	return scheduler.ExpectedChecksums(f)
}
