package ssc

import (
	"context"
	"errors"
	"fmt"

	"github.com/tapekit/tapekit/scsi"
	"github.com/tapekit/tapekit/tape"
)

// Read reads one block with READ(6) in variable-block mode. SILI is left
// clear so the drive reports a block of another length with ILI and the
// residue: shorter blocks return their length, longer ones
// tape.ErrBlockTooLong with the bytes lost.
//
// A buffer longer than the host adapter transfers in one command is used
// up to that limit; a block longer than the limit then gives an error
// wrapping a *tape.HostLimitError (and ErrBlockTooLong) with the block's
// length.
func (d *Drive) Read(ctx context.Context, p []byte) (int, error) {
	const op = "read"
	if d.hostMax > 0 && len(p) > d.hostMax {
		p = p[:d.hostMax]
	}
	cdb, err := scsi.Read6(len(p), false, false)
	if err != nil || len(p) == 0 {
		return 0, &tape.Error{Op: op, Err: fmt.Errorf("%w: read buffer of %d bytes", tape.ErrIllegalRequest, len(p))}
	}
	cmd := &scsi.Command{CDB: cdb, Direction: scsi.DirIn, Data: p, Timeout: d.io}
	res, err := d.do(ctx, op, cmd)
	if err == nil {
		d.advance(1, 0)
		d.atEOD = false
		return res.Transferred(cmd), nil
	}
	var se *scsi.SenseError
	if !errors.As(err, &se) {
		d.forget()
		return 0, &tape.Error{Op: op, Err: err}
	}
	s := &se.Sense
	switch sen := sentinel(s); {
	case sen == tape.ErrFilemark:
		d.advance(0, 1)
		return 0, &tape.Error{Op: op, Err: wrap(tape.ErrFilemark, err)}
	case s.ILI && (sen == nil || sen == tape.ErrEarlyWarning):
		// INFORMATION is requested minus actual length.
		d.advance(1, 0)
		r := s.Residue()
		if !s.InfoValid {
			r = int64(res.Residual)
		}
		if r >= 0 {
			return len(p) - int(min(r, int64(len(p)))), nil
		}
		if d.hostMax > 0 && len(p) == d.hostMax {
			// No larger buffer would do on this host.
			return len(p), &tape.Error{Op: op, Residue: -r, Err: wrap(&tape.HostLimitError{Length: int64(len(p)) - r, Limit: d.hostMax}, err)}
		}
		return len(p), &tape.Error{Op: op, Residue: -r, Err: wrap(tape.ErrBlockTooLong, err)}
	case sen == tape.ErrEndOfData:
		d.atEOD = true
		return 0, &tape.Error{Op: op, Err: wrap(sen, err)}
	case sen == nil:
		d.advance(1, 0)
		return res.Transferred(cmd), nil
	default:
		e := fail(op, err)
		d.forget()
		if errors.Is(e, tape.ErrMediumError) {
			if pos, perr := d.readPosition(context.WithoutCancel(ctx)); perr == nil {
				e.Pos, e.PosValid = pos, true
			}
		}
		return 0, e
	}
}

// Write writes p as one block with WRITE(6) in variable-block mode.
func (d *Drive) Write(ctx context.Context, p []byte) error {
	const op = "write"
	cdb, err := scsi.Write6(len(p), false)
	if err != nil || len(p) == 0 {
		return &tape.Error{Op: op, Err: fmt.Errorf("%w: block of %d bytes", tape.ErrIllegalRequest, len(p))}
	}
	if d.hostMax > 0 && len(p) > d.hostMax {
		return &tape.Error{Op: op, Err: &tape.HostLimitError{Length: int64(len(p)), Limit: d.hostMax, Write: true}}
	}
	_, err = d.do(ctx, op, &scsi.Command{CDB: cdb, Direction: scsi.DirOut, Data: p, Timeout: d.io})
	return d.wrote(ctx, op, 1, 0, err)
}

// WriteFilemarks writes count filemarks; sync false sets IMMED so the
// drive buffers them.
func (d *Drive) WriteFilemarks(ctx context.Context, count int, sync bool) error {
	const op = "write filemarks"
	cdb, err := scsi.WriteFilemarks6(count, !sync)
	if err != nil {
		return &tape.Error{Op: op, Err: fmt.Errorf("%w: %d filemarks", tape.ErrIllegalRequest, count)}
	}
	_, err = d.do(ctx, op, &scsi.Command{CDB: cdb, Timeout: d.io})
	return d.wrote(ctx, op, 0, int64(count), err)
}

// wrote interprets the outcome of a write of blocks blocks or filemarks
// filemarks.
func (d *Drive) wrote(ctx context.Context, op string, blocks, filemarks int64, err error) error {
	if err == nil {
		d.advance(blocks, filemarks)
		d.atEOD = true
		return nil
	}
	var se *scsi.SenseError
	if !errors.As(err, &se) {
		return d.resolveWrite(ctx, op, blocks, filemarks, err)
	}
	s := &se.Sense
	switch sen := sentinel(s); sen {
	case nil:
		d.advance(blocks, filemarks)
		d.atEOD = true
		return nil
	case tape.ErrEarlyWarning:
		if r := residue(s); r != 0 {
			// Past early warning and the request was not (fully) done.
			d.forget()
			return &tape.Error{Op: op, Residue: r, Err: wrap(tape.ErrEndOfMedium, err)}
		}
		d.advance(blocks, filemarks)
		d.atEOD = true
		return &tape.Error{Op: op, Err: wrap(tape.ErrEarlyWarning, err)}
	case tape.ErrEndOfMedium:
		d.forget()
		return &tape.Error{Op: op, Residue: residue(s), Err: wrap(sen, err)}
	case tape.ErrWriteProtected, tape.ErrIllegalRequest, tape.ErrNoMedium, tape.ErrNotReady,
		tape.ErrCleaningCartridge, tape.ErrIncompatibleMedium:
		// Rejected before anything was written: the position stands.
		return &tape.Error{Op: op, Err: wrap(sen, err)}
	default:
		// The drive says the write failed (medium or hardware error): the
		// medium may hold part of it. Report where the drive now is.
		e := fail(op, err)
		d.forget()
		if pos, perr := d.readPosition(context.WithoutCancel(ctx)); perr == nil {
			e.Pos, e.PosValid = pos, true
		}
		return e
	}
}

// resolveWrite handles a write that ended without a SCSI status: the drive
// may or may not have executed it. READ POSITION tells: if the position
// moved by exactly what was written, the write landed and succeeded.
func (d *Drive) resolveWrite(ctx context.Context, op string, blocks, filemarks int64, cause error) error {
	before, known := d.pos, d.posKnown
	d.forget()
	// The caller's context may be what ended the command; the question
	// still needs asking, within the short timeout.
	pos, err := d.readPosition(context.WithoutCancel(ctx))
	if err != nil {
		d.log.Warn("write outcome unknown: READ POSITION failed", "op", op, "cause", cause, "err", err)
		return &tape.Error{Op: op, Err: cause}
	}
	if known && pos.Partition == before.Partition && pos.Block == before.Block+blocks+filemarks {
		d.log.Warn("write reported a failure but the position shows it landed", "op", op, "cause", cause, "pos", pos)
		d.atEOD = true
		return nil
	}
	return &tape.Error{Op: op, Pos: pos, PosValid: true, Err: cause}
}
