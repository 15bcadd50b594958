package ssc

import (
	"context"
	"errors"
	"fmt"

	"github.com/tapekit/tapekit/scsi"
	"github.com/tapekit/tapekit/tape"
)

// Position reports the position with READ POSITION (long form).
func (d *Drive) Position(ctx context.Context) (tape.Position, error) {
	pos, err := d.readPosition(ctx)
	if err != nil {
		return tape.Position{}, err
	}
	d.pos, d.posKnown, d.fileKnown = pos, true, true
	return pos, nil
}

func (d *Drive) readPosition(ctx context.Context) (tape.Position, error) {
	p, err := d.readPositionRaw(ctx)
	if err != nil {
		return tape.Position{}, err
	}
	return tape.Position{Partition: int(p.Partition), Block: int64(p.FirstObject), File: int64(p.File)}, nil
}

func (d *Drive) readPositionRaw(ctx context.Context) (*scsi.Position, error) {
	const op = "position"
	buf := make([]byte, 32)
	if _, err := d.do(ctx, op, &scsi.Command{CDB: scsi.ReadPosition(scsi.PositionLong, 0), Direction: scsi.DirIn, Data: buf, Timeout: d.short}); err != nil {
		return nil, fail(op, err)
	}
	p, err := scsi.ParseReadPositionLong(buf)
	if err != nil {
		return nil, &tape.Error{Op: op, Err: err}
	}
	if p.PositionUnknown || p.FileUnknown {
		return nil, &tape.Error{Op: op, Err: errors.New("ssc: the drive reports its position unknown")}
	}
	return p, nil
}

// Status asks the drive about itself (INQUIRY, unit serial number) and,
// with a cartridge loaded, about the medium: position, write protection,
// density and block size (MODE SENSE), block limits, and capacity and
// barcode from the cartridge memory when the drive has MAM.
func (d *Drive) Status(ctx context.Context) (tape.Status, error) {
	const op = "status"
	var st tape.Status
	if d.inq == nil {
		buf := make([]byte, 96)
		cmd := &scsi.Command{CDB: scsi.Inquiry(false, 0, uint16(len(buf))), Direction: scsi.DirIn, Data: buf, Timeout: d.short}
		res, err := d.do(ctx, op, cmd)
		if err != nil {
			return st, fail(op, err)
		}
		inq, err := scsi.ParseInquiry(buf[:res.Transferred(cmd)])
		if err != nil {
			return st, &tape.Error{Op: op, Err: err}
		}
		d.inq = inq
		// The serial number is optional (VPD 80h).
		sbuf := make([]byte, 255)
		cmd = &scsi.Command{CDB: scsi.Inquiry(true, scsi.VPDUnitSerial, uint16(len(sbuf))), Direction: scsi.DirIn, Data: sbuf, Timeout: d.short}
		if res, err := d.do(ctx, op, cmd); err == nil {
			if s, err := scsi.ParseUnitSerial(sbuf[:res.Transferred(cmd)]); err == nil {
				d.serial = s
			}
		}
	}
	st.Vendor, st.Product, st.Revision, st.Serial = d.inq.Vendor, d.inq.Product, d.inq.Revision, d.serial

	_, err := d.do(ctx, op, &scsi.Command{CDB: scsi.TestUnitReady(), Timeout: d.short})
	if err != nil {
		var se *scsi.SenseError
		if !errors.As(err, &se) {
			return st, &tape.Error{Op: op, Err: err}
		}
		switch sentinel(&se.Sense) {
		case tape.ErrNoMedium, tape.ErrNotReady:
			st.MaxBlockSize, _ = d.maxBlock(ctx)
			return st, nil
		case tape.ErrCleaningCartridge:
			st.Loaded, st.Cleaning = true, true
			st.MaxBlockSize, _ = d.maxBlock(ctx)
			return st, nil
		default:
			return st, fail(op, err)
		}
	}
	st.Loaded = true

	p, err := d.readPositionRaw(ctx)
	if err != nil {
		return st, err
	}
	st.Position = tape.Position{Partition: int(p.Partition), Block: int64(p.FirstObject), File: int64(p.File)}
	d.pos, d.posKnown, d.fileKnown = st.Position, true, true
	st.BOT = p.BOP && p.Partition == 0
	st.EarlyWarning = p.EOP || p.BPEW
	st.EOD = d.atEOD

	mbuf := make([]byte, 256)
	cmd := &scsi.Command{CDB: scsi.ModeSense10(scsi.ModePageDeviceConfig, 0, scsi.PCCurrent, false, uint16(len(mbuf))), Direction: scsi.DirIn, Data: mbuf, Timeout: d.short}
	res, err := d.do(ctx, op, cmd)
	if err != nil {
		return st, fail(op, err)
	}
	mp, err := scsi.ParseModeParameters10(mbuf[:res.Transferred(cmd)])
	if err != nil {
		return st, &tape.Error{Op: op, Err: err}
	}
	st.WriteProtected = mp.WriteProtected()
	if len(mp.Blocks) > 0 {
		st.DensityCode = mp.Blocks[0].DensityCode
		st.BlockSize = int(mp.Blocks[0].BlockLength)
		st.MediaType = MediaType(st.DensityCode)
	}

	if st.MaxBlockSize, err = d.maxBlock(ctx); err != nil {
		return st, err
	}

	d.readMAM(ctx, &st, byte(p.Partition))
	return st, nil
}

// maxBlock returns the largest block this drive reads and writes through
// this host: the smaller of the drive's READ BLOCK LIMITS and the host
// adapter's transfer limit, so that no block is written that could not be
// read back here. Without a medium a drive may refuse READ BLOCK LIMITS;
// the host's limit alone is then returned with the error.
func (d *Drive) maxBlock(ctx context.Context) (int, error) {
	const op = "status"
	lbuf := make([]byte, 6)
	if _, err := d.do(ctx, op, &scsi.Command{CDB: scsi.ReadBlockLimits(), Direction: scsi.DirIn, Data: lbuf, Timeout: d.short}); err != nil {
		return d.hostMax, fail(op, err)
	}
	bl, err := scsi.ParseBlockLimits(lbuf)
	if err != nil {
		return d.hostMax, &tape.Error{Op: op, Err: err}
	}
	switch m := int(bl.MaxLength); {
	case m == 0:
		return d.hostMax, nil
	case d.hostMax > 0:
		return min(m, d.hostMax), nil
	default:
		return m, nil
	}
}

// readMAM fills capacity and barcode from the cartridge memory. MAM is
// optional: a drive or cartridge without it leaves the fields zero.
func (d *Drive) readMAM(ctx context.Context, st *tape.Status, part byte) {
	buf := make([]byte, 8192)
	cmd := &scsi.Command{CDB: scsi.ReadAttribute(scsi.AttrValues, 0, part, 0, uint32(len(buf)), false), Direction: scsi.DirIn, Data: buf, Timeout: d.short}
	res, err := d.do(ctx, "status", cmd)
	if err != nil {
		d.log.Debug("no medium auxiliary memory", "err", err)
		return
	}
	attrs, err := scsi.ParseAttributes(buf[:res.Transferred(cmd)])
	if err != nil {
		d.log.Debug("unreadable medium auxiliary memory", "err", err)
		return
	}
	const mib = 1 << 20
	for _, a := range attrs {
		switch a.ID {
		case scsi.AttrRemainingCapacity:
			if v, ok := a.Uint(); ok {
				st.Remaining = int64(v) * mib
			}
		case scsi.AttrMaximumCapacity:
			if v, ok := a.Uint(); ok {
				st.Capacity = int64(v) * mib
			}
		case scsi.AttrBarcode:
			st.Barcode = a.String()
		}
	}
}

// TapeAlerts reads LOG SENSE page 2Eh. Reading clears the flags on the
// drive.
func (d *Drive) TapeAlerts(ctx context.Context) (tape.TapeAlertFlags, error) {
	const op = "tapealerts"
	buf := make([]byte, 4+64*5+64)
	cmd := &scsi.Command{CDB: scsi.LogSense(scsi.LogPageTapeAlert, 0, scsi.PCLogCumulative, 0, uint16(len(buf))), Direction: scsi.DirIn, Data: buf, Timeout: d.short}
	res, err := d.do(ctx, op, cmd)
	if err != nil {
		return 0, fail(op, err)
	}
	f, err := scsi.TapeAlertsFromLog(buf[:res.Transferred(cmd)])
	if err != nil {
		return 0, &tape.Error{Op: op, Err: err}
	}
	return tape.TapeAlertFlags(f), nil
}

// MediaType names the LTO generation of a density code as LTO drives
// report it in the mode parameter block descriptor; other codes are shown
// in hex.
func MediaType(density byte) string {
	switch density {
	case 0x00:
		return ""
	case 0x40:
		return "LTO-1"
	case 0x42:
		return "LTO-2"
	case 0x44:
		return "LTO-3"
	case 0x46:
		return "LTO-4"
	case 0x58:
		return "LTO-5"
	case 0x5A:
		return "LTO-6"
	case 0x5C:
		return "LTO-7"
	case 0x5D:
		return "LTO-7 Type M"
	case 0x5E:
		return "LTO-8"
	case 0x60:
		return "LTO-9"
	}
	return fmt.Sprintf("density %#02x", density)
}
