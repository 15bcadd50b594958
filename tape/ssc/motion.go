package ssc

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/tapekit/tapekit/scsi"
	"github.com/tapekit/tapekit/tape"
)

// Space moves over blocks or filemarks, or to end of data, with SPACE(6)
// or, for counts beyond 24 bits, SPACE(16).
func (d *Drive) Space(ctx context.Context, kind tape.SpaceKind, count int64) error {
	const op = "space"
	var code scsi.SpaceCode
	switch kind {
	case tape.SpaceBlocks:
		code = scsi.SpaceBlocks
	case tape.SpaceFilemarks:
		code = scsi.SpaceFilemarks
	case tape.SpaceEndOfData:
		code, count = scsi.SpaceEndOfData, 0
	default:
		return &tape.Error{Op: op, Err: fmt.Errorf("%w: space kind %v", tape.ErrIllegalRequest, kind)}
	}
	if count == 0 && kind != tape.SpaceEndOfData {
		return nil
	}
	cdb, err := scsi.Space6(code, count)
	if err != nil {
		cdb = scsi.Space16(code, count)
	}
	_, err = d.do(ctx, op, &scsi.Command{CDB: cdb, Timeout: d.long})
	if err == nil {
		switch kind {
		case tape.SpaceBlocks:
			d.pos.Block += count
			d.atEOD = false
		case tape.SpaceFilemarks:
			// The block number after spacing over files is not known.
			d.pos.File += count
			d.posKnown, d.atEOD = false, false
		case tape.SpaceEndOfData:
			d.forget()
			d.atEOD = true
		}
		return nil
	}
	d.forget()
	var se *scsi.SenseError
	if !errors.As(err, &se) {
		return &tape.Error{Op: op, Err: err}
	}
	s := &se.Sense
	sen := sentinel(s)
	switch sen {
	case tape.ErrEndOfData:
		d.atEOD = true
	case tape.ErrEarlyWarning:
		// EOM while spacing forward: the end of the partition.
		sen = tape.ErrEndOfMedium
	case nil:
		sen = tape.ErrHardwareError
	}
	return &tape.Error{Op: op, Residue: residue(s), Err: wrap(sen, err)}
}

// Locate moves to a logical object in a partition: LOCATE(10) when the
// object identifier fits 32 bits, LOCATE(16) otherwise.
func (d *Drive) Locate(ctx context.Context, pos tape.Position) error {
	const op = "locate"
	if pos.Block < 0 || pos.Partition < 0 || pos.Partition > math.MaxUint8 {
		return &tape.Error{Op: op, Err: fmt.Errorf("%w: position %v", tape.ErrIllegalRequest, pos)}
	}
	cdb, err := scsi.Locate10(pos.Block, byte(pos.Partition), true, false)
	if err != nil {
		cdb = scsi.Locate16(scsi.LocateObject, uint64(pos.Block), byte(pos.Partition), true, false)
	}
	// At block 0 the file number is 0 as well.
	return d.located(op, tape.Position{Partition: pos.Partition, Block: pos.Block}, true, pos.Block == 0,
		d.locate(ctx, op, cdb))
}

func (d *Drive) locate(ctx context.Context, op string, cdb []byte) error {
	_, err := d.do(ctx, op, &scsi.Command{CDB: cdb, Timeout: d.long})
	return err
}

// located records the outcome of a LOCATE to want; blockKnown and
// fileKnown say which of want's fields are meaningful.
func (d *Drive) located(op string, want tape.Position, blockKnown, fileKnown bool, err error) error {
	d.forget()
	if err == nil {
		d.pos, d.posKnown, d.fileKnown = want, blockKnown, fileKnown
		return nil
	}
	var se *scsi.SenseError
	if !errors.As(err, &se) {
		return &tape.Error{Op: op, Err: err}
	}
	e := fail(op, err)
	if errors.Is(e, tape.ErrEndOfData) {
		d.atEOD = true
	}
	return e
}

// LocateFile moves to the start of file file in partition part with
// LOCATE(16) to a logical file identifier. Drives that reject that command
// get a locate to the partition's beginning and a SPACE over filemarks.
func (d *Drive) LocateFile(ctx context.Context, part int, file int64) error {
	const op = "locate file"
	if file < 0 || part < 0 || part > math.MaxUint8 {
		return &tape.Error{Op: op, Err: fmt.Errorf("%w: partition %d file %d", tape.ErrIllegalRequest, part, file)}
	}
	if !d.noLocateFile {
		err := d.locate(ctx, op, scsi.Locate16(scsi.LocateFile, uint64(file), byte(part), true, false))
		var se *scsi.SenseError
		if !errors.As(err, &se) || se.Sense.Key != scsi.KeyIllegalRequest || (se.Sense.ASC != 0x20 && se.Sense.ASC != 0x24) {
			return d.located(op, tape.Position{Partition: part, File: file}, file == 0, true, err)
		}
		d.log.Info("drive rejects LOCATE(16) to a file; spacing over filemarks instead", "sense", se.Error())
		d.noLocateFile = true
	}
	if err := d.Locate(ctx, tape.Position{Partition: part}); err != nil {
		return err
	}
	return d.Space(ctx, tape.SpaceFilemarks, file)
}

// Rewind moves to the beginning of partition 0.
func (d *Drive) Rewind(ctx context.Context) error {
	const op = "rewind"
	_, err := d.do(ctx, op, &scsi.Command{CDB: scsi.Rewind(false), Timeout: d.long})
	d.forget()
	if err != nil {
		return fail(op, err)
	}
	d.pos, d.posKnown, d.fileKnown = tape.Position{}, true, true
	return nil
}

// Load threads the cartridge. A drive that is already ready is left alone
// (LOAD would rewind it).
func (d *Drive) Load(ctx context.Context) error {
	const op = "load"
	_, err := d.do(ctx, op, &scsi.Command{CDB: scsi.TestUnitReady(), Timeout: d.short})
	var se *scsi.SenseError
	if err == nil {
		return nil
	} else if !errors.As(err, &se) {
		return fail(op, err)
	}
	_, err = d.do(ctx, op, &scsi.Command{CDB: scsi.LoadUnload(scsi.LoadUnloadOptions{Load: true}), Timeout: d.long})
	d.forget()
	if err != nil {
		return fail(op, err)
	}
	d.pos, d.posKnown, d.fileKnown = tape.Position{}, true, true
	return nil
}

// Unload rewinds and ejects the cartridge.
func (d *Drive) Unload(ctx context.Context) error {
	const op = "unload"
	_, err := d.do(ctx, op, &scsi.Command{CDB: scsi.LoadUnload(scsi.LoadUnloadOptions{}), Timeout: d.long})
	d.forget()
	if err != nil {
		return fail(op, err)
	}
	return nil
}

// Erase erases from the position to the end of the partition (long) or
// writes end of data at the position (short).
func (d *Drive) Erase(ctx context.Context, long bool) error {
	const op = "erase"
	_, err := d.do(ctx, op, &scsi.Command{CDB: scsi.Erase6(long, false), Timeout: d.long})
	if err != nil {
		d.forget()
		return fail(op, err)
	}
	d.atEOD = true
	return nil
}
