package main

import (
	"context"
	"errors"

	"github.com/tapekit/tapekit/tape"
)

// endOfData moves d to end of data and counts the tape files before it. A
// last file without its closing filemark (a write cut short) counts too,
// and open says it is one: appending right after it would merge the next
// file into it.
func endOfData(ctx context.Context, d tape.Drive) (files int64, open bool, err error) {
	if err := d.Space(ctx, tape.SpaceEndOfData, 0); err != nil {
		return 0, false, err
	}
	pos, err := d.Position(ctx)
	if err != nil {
		return 0, false, err
	}
	if pos.Block == 0 {
		return 0, false, nil
	}
	// Spacing back one block stops before a filemark: that is how a drive
	// tells whether the last object is one.
	switch err := d.Space(ctx, tape.SpaceBlocks, -1); {
	case errors.Is(err, tape.ErrFilemark):
	case err == nil:
		open = true
	default:
		return 0, false, err
	}
	if err := d.Space(ctx, tape.SpaceEndOfData, 0); err != nil {
		return 0, false, err
	}
	if open {
		return pos.File + 1, true, nil
	}
	return pos.File, false, nil
}
