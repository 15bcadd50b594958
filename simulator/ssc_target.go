package simulator

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"syscall"

	"github.com/tapekit/tapekit/scsi"
	"github.com/tapekit/tapekit/tape"
)

// DriveTarget is a simulated drive answering SCSI (SPC and SSC) commands
// in process: a scsi.Transport, so the SSC driver and any other SCSI code
// run end to end without hardware. Get one from Library.DriveTarget.
//
// It answers TEST UNIT READY, REQUEST SENSE, INQUIRY (standard and VPD
// 0x00, 0x80, 0x83), MODE SENSE/SELECT(6/10), READ BLOCK LIMITS, READ(6),
// WRITE(6), WRITE FILEMARKS(6), SPACE(6/16), LOCATE(10/16), READ POSITION
// (short, long, extended), REWIND, LOAD UNLOAD, ERASE, LOG SENSE (supported
// pages, write and read error counters, TapeAlert), PREVENT ALLOW MEDIUM
// REMOVAL, READ ATTRIBUTE (cartridge memory) and GENERATE/RECEIVE
// RECOMMENDED ACCESS ORDER (computed from the simulated geometry), in
// variable-block mode,
// with the sense data of real drives: a UNIT ATTENTION 29/00 after power-on
// and 28/00 after a cartridge is loaded, filemark, EOM and ILI bits, and
// the INFORMATION field holding the residue.
type DriveTarget struct {
	d       *Drive
	last    []byte // sense of the last CHECK CONDITION, for REQUEST SENSE
	prevent bool
	rao     []scsi.UDS // the last recommended access order generated
}

var (
	_ scsi.Transport       = (*DriveTarget)(nil)
	_ scsi.TransferLimiter = (*DriveTarget)(nil)
)

// MaxTransfer returns the simulated host adapter's limit
// (Options.HostMaxTransfer), as the Linux transport reports the kernel's.
func (t *DriveTarget) MaxTransfer() int { return t.d.s.lib.hostMax }

// hostRefuses returns the error a Linux host gives a command whose data is
// longer than its limit: EINVAL from SG_IO, the command never sent.
func hostRefuses(cmd *scsi.Command, limit int) error {
	if limit > 0 && len(cmd.Data) > limit {
		op := byte(0)
		if len(cmd.CDB) > 0 {
			op = cmd.CDB[0]
		}
		return fmt.Errorf("simulator: host adapter: opcode %#02x with %d data bytes, above its %d-byte limit: %w", op, len(cmd.Data), limit, syscall.EINVAL)
	}
	return nil
}

// DriveTarget returns a SCSI target for drive i (0-based). Drives power on
// with the library (and again after PowerLoss): the first SCSI command
// after that gets UNIT ATTENTION 29/00, through whichever target sends it.
func (l *Library) DriveTarget(i int) (*DriveTarget, error) {
	d, err := l.Drive(i)
	if err != nil {
		return nil, err
	}
	return &DriveTarget{d: d}, nil
}

// SCSI operation codes the target answers.
const (
	opTestUnitReady   = 0x00
	opRewind          = 0x01
	opRequestSense    = 0x03
	opReadBlockLimits = 0x05
	opRead6           = 0x08
	opWrite6          = 0x0A
	opWriteFilemarks  = 0x10
	opSpace6          = 0x11
	opInquiry         = 0x12
	opModeSelect6     = 0x15
	opErase           = 0x19
	opModeSense6      = 0x1A
	opLoadUnload      = 0x1B
	opPreventAllow    = 0x1E
	opLocate10        = 0x2B
	opReadPosition    = 0x34
	opLogSense        = 0x4D
	opModeSelect10    = 0x55
	opModeSense10     = 0x5A
	opReadAttribute   = 0x8C
	opSpace16         = 0x91
	opLocate16        = 0x92
	opMaintenanceIn   = 0xA3
	opMaintenanceOut  = 0xA4
)

// raoMaxSegments is the most segments one GENERATE RAO takes, as the UDS
// limits page reports it.
const raoMaxSegments = 2000

// senseData is fixed-format sense (response code 0x70) as a target builds
// it.
type senseData struct {
	key, asc, ascq     byte
	filemark, eom, ili bool
	info               int64
	infoValid          bool
}

func (s senseData) bytes() []byte {
	b := make([]byte, 18)
	b[0] = 0x70
	if s.infoValid {
		b[0] |= 0x80
		binary.BigEndian.PutUint32(b[3:], uint32(int32(s.info)))
	}
	b[2] = s.key & 0x0F
	if s.filemark {
		b[2] |= 0x80
	}
	if s.eom {
		b[2] |= 0x40
	}
	if s.ili {
		b[2] |= 0x20
	}
	b[7] = 10
	b[12], b[13] = s.asc, s.ascq
	return b
}

// Do implements scsi.Transport.
func (t *DriveTarget) Do(ctx context.Context, cmd *scsi.Command) (scsi.Result, error) {
	if err := ctx.Err(); err != nil {
		return scsi.Result{}, err
	}
	if err := hostRefuses(cmd, t.MaxTransfer()); err != nil {
		return scsi.Result{}, err
	}
	if len(cmd.CDB) < 6 {
		return t.check(cmd, senseData{key: 0x05, asc: 0x20}, len(cmd.Data)), nil
	}
	op := cmd.CDB[0]
	if op != opInquiry && op != opRequestSense {
		if s, ok := t.unitAttention(); ok {
			return t.check(cmd, s, len(cmd.Data)), nil
		}
	}
	res, err := t.exec(ctx, cmd)
	if err != nil && ctx.Err() != nil {
		return scsi.Result{}, ctx.Err()
	}
	if res.Status == scsi.StatusGood {
		t.last = nil
	}
	return res, nil
}

// unitAttention reports, once, a power-on or a medium change.
func (t *DriveTarget) unitAttention() (senseData, bool) {
	s := t.d.s
	ctx := context.Background()
	s.op.Acquire(ctx)
	defer s.op.Release(ctx)
	switch {
	case s.poweredOn:
		s.poweredOn, s.mediumChanged = false, false
		return senseData{key: 0x06, asc: 0x29, ascq: 0x00}, true
	case s.mediumChanged:
		s.mediumChanged = false
		return senseData{key: 0x06, asc: 0x28, ascq: 0x00}, true
	}
	return senseData{}, false
}

func (t *DriveTarget) check(cmd *scsi.Command, s senseData, residual int) scsi.Result {
	t.last = s.bytes()
	return scsi.Result{Status: scsi.StatusCheckCondition, Sense: t.last, Residual: residual}
}

func good(residual int) scsi.Result { return scsi.Result{Status: scsi.StatusGood, Residual: residual} }

var errInvalidCDB = errors.New("invalid field in CDB")

// senseFor turns a drive error into the sense a real drive returns.
func senseFor(err error, write bool) senseData {
	s := senseData{key: 0x04, asc: 0x44} // internal target failure
	switch {
	case errors.Is(err, errInvalidCDB):
		s = senseData{key: 0x05, asc: 0x24}
	case errors.Is(err, tape.ErrNoMedium):
		s = senseData{key: 0x02, asc: 0x3A}
	case errors.Is(err, tape.ErrCleaningCartridge):
		s = senseData{key: 0x02, asc: 0x30, ascq: 0x03}
	case errors.Is(err, tape.ErrNotReady):
		s = senseData{key: 0x02, asc: 0x04, ascq: 0x02} // initializing command required
	case errors.Is(err, tape.ErrFilemark):
		s = senseData{key: 0x00, asc: 0x00, ascq: 0x01, filemark: true}
	case errors.Is(err, tape.ErrEndOfData):
		s = senseData{key: 0x08, asc: 0x00, ascq: 0x05}
	case errors.Is(err, tape.ErrBeginningOfMedium):
		s = senseData{key: 0x00, asc: 0x00, ascq: 0x04, eom: true}
	case errors.Is(err, tape.ErrEarlyWarning):
		s = senseData{key: 0x00, asc: 0x00, ascq: 0x02, eom: true}
	case errors.Is(err, tape.ErrEndOfMedium):
		s = senseData{key: 0x0D, asc: 0x00, ascq: 0x02, eom: true}
	case errors.Is(err, tape.ErrWriteProtected):
		s = senseData{key: 0x07, asc: 0x27}
	case errors.Is(err, tape.ErrIncompatibleMedium):
		s = senseData{key: 0x03, asc: 0x30, ascq: 0x00}
	case errors.Is(err, tape.ErrMediumError) && write:
		s = senseData{key: 0x03, asc: 0x0C}
	case errors.Is(err, tape.ErrMediumError):
		s = senseData{key: 0x03, asc: 0x11}
	case errors.Is(err, tape.ErrIllegalRequest):
		s = senseData{key: 0x05, asc: 0x24}
	case errors.Is(err, tape.ErrHardwareError):
		s = senseData{key: 0x04, asc: 0x44}
	}
	var te *tape.Error
	if errors.As(err, &te) && te.Residue != 0 {
		s.info, s.infoValid = te.Residue, true
	}
	return s
}

func (t *DriveTarget) fail(cmd *scsi.Command, err error, write bool, residual int) (scsi.Result, error) {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return scsi.Result{}, err
	}
	return t.check(cmd, senseFor(err, write), residual), nil
}

func be24(b []byte) int64 { return int64(b[0])<<16 | int64(b[1])<<8 | int64(b[2]) }

// signed24 reads a 24-bit two's complement count (SPACE(6)).
func signed24(b []byte) int64 {
	v := be24(b)
	if v&0x800000 != 0 {
		v -= 1 << 24
	}
	return v
}

func (t *DriveTarget) exec(ctx context.Context, cmd *scsi.Command) (scsi.Result, error) {
	c := cmd.CDB
	d := t.d
	switch c[0] {
	case opTestUnitReady:
		st, err := d.Status(ctx)
		if err != nil {
			return t.fail(cmd, err, false, 0)
		}
		switch {
		case st.Cleaning:
			return t.check(cmd, senseData{key: 0x02, asc: 0x30, ascq: 0x03}, 0), nil
		case !st.Loaded && d.s.cart() != nil:
			return t.check(cmd, senseData{key: 0x02, asc: 0x04, ascq: 0x02}, 0), nil
		case !st.Loaded:
			return t.check(cmd, senseData{key: 0x02, asc: 0x3A}, 0), nil
		}
		return good(0), nil

	case opRequestSense:
		s := t.last
		if s == nil {
			s = senseData{}.bytes()
		}
		t.last = nil
		return t.dataIn(cmd, s), nil

	case opInquiry:
		return t.inquiry(ctx, cmd)

	case opModeSense6, opModeSense10:
		return t.modeSense(ctx, cmd)

	case opModeSelect6, opModeSelect10:
		return good(0), nil

	case opReadBlockLimits:
		b := make([]byte, 6)
		max := d.s.typ.MaxBlockSize
		b[1], b[2], b[3] = byte(max>>16), byte(max>>8), byte(max)
		binary.BigEndian.PutUint16(b[4:], 1)
		return t.dataIn(cmd, b), nil

	case opRead6:
		if c[1]&0x01 != 0 {
			return t.fail(cmd, errInvalidCDB, false, len(cmd.Data)) // fixed-block mode is not offered
		}
		sili := c[1]&0x02 != 0
		want := int(be24(c[2:5]))
		buf := cmd.Data[:min(want, len(cmd.Data))]
		n, err := d.Read(ctx, buf)
		switch {
		case err == nil && n < want:
			if sili {
				return good(len(cmd.Data) - n), nil
			}
			// A shorter block: ILI with a positive residue.
			return t.check(cmd, senseData{key: 0x00, ili: true, info: int64(want - n), infoValid: true}, len(cmd.Data)-n), nil
		case err == nil:
			return good(len(cmd.Data) - n), nil
		case errors.Is(err, tape.ErrBlockTooLong):
			// A longer block: ILI with a negative residue.
			var te *tape.Error
			errors.As(err, &te)
			return t.check(cmd, senseData{key: 0x00, ili: true, info: -te.Residue, infoValid: true}, len(cmd.Data)-n), nil
		case errors.Is(err, tape.ErrFilemark), errors.Is(err, tape.ErrEndOfData), errors.Is(err, tape.ErrMediumError):
			s := senseFor(err, false)
			s.info, s.infoValid = int64(want), true
			return t.check(cmd, s, len(cmd.Data)), nil
		}
		return t.fail(cmd, err, false, len(cmd.Data))

	case opWrite6:
		if c[1]&0x01 != 0 {
			return t.fail(cmd, errInvalidCDB, true, len(cmd.Data))
		}
		n := int(be24(c[2:5]))
		if n > len(cmd.Data) {
			return t.fail(cmd, errInvalidCDB, true, len(cmd.Data))
		}
		err := d.Write(ctx, cmd.Data[:n])
		switch {
		case err == nil:
			return good(len(cmd.Data) - n), nil
		case errors.Is(err, tape.ErrEarlyWarning):
			return t.check(cmd, senseData{key: 0x00, asc: 0x00, ascq: 0x02, eom: true, infoValid: true}, len(cmd.Data)-n), nil
		case errors.Is(err, tape.ErrEndOfMedium):
			return t.check(cmd, senseData{key: 0x0D, asc: 0x00, ascq: 0x02, eom: true, info: int64(n), infoValid: true}, len(cmd.Data)), nil
		}
		return t.fail(cmd, err, true, len(cmd.Data))

	case opWriteFilemarks:
		immed := c[1]&0x01 != 0
		n := int(be24(c[2:5]))
		err := d.WriteFilemarks(ctx, n, !immed)
		switch {
		case err == nil:
			return good(0), nil
		case errors.Is(err, tape.ErrEarlyWarning):
			return t.check(cmd, senseData{key: 0x00, asc: 0x00, ascq: 0x02, eom: true, infoValid: true}, 0), nil
		case errors.Is(err, tape.ErrEndOfMedium):
			return t.check(cmd, senseData{key: 0x0D, asc: 0x00, ascq: 0x02, eom: true, info: int64(n), infoValid: true}, 0), nil
		}
		return t.fail(cmd, err, true, 0)

	case opSpace6, opSpace16:
		code := c[1] & 0x0F
		var count int64
		if c[0] == opSpace6 {
			count = signed24(c[2:5])
		} else {
			if len(c) < 16 {
				return t.fail(cmd, errInvalidCDB, false, 0)
			}
			count = int64(binary.BigEndian.Uint64(c[4:12]))
		}
		kind := map[byte]tape.SpaceKind{0: tape.SpaceBlocks, 1: tape.SpaceFilemarks, 3: tape.SpaceEndOfData}
		k, ok := kind[code]
		if !ok {
			return t.fail(cmd, errInvalidCDB, false, 0)
		}
		if err := d.Space(ctx, k, count); err != nil {
			return t.fail(cmd, err, false, 0)
		}
		return good(0), nil

	case opLocate10, opLocate16:
		return t.locate(ctx, cmd)

	case opReadPosition:
		return t.readPosition(ctx, cmd)

	case opRewind:
		if err := d.Rewind(ctx); err != nil {
			return t.fail(cmd, err, false, 0)
		}
		return good(0), nil

	case opLoadUnload:
		var err error
		switch {
		case c[4]&0x01 != 0:
			err = d.Load(ctx)
		case t.prevent:
			return t.check(cmd, senseData{key: 0x05, asc: 0x53, ascq: 0x02}, 0), nil // medium removal prevented
		default:
			err = d.Unload(ctx)
		}
		if err != nil {
			return t.fail(cmd, err, false, 0)
		}
		return good(0), nil

	case opErase:
		if err := d.Erase(ctx, c[1]&0x01 != 0); err != nil {
			return t.fail(cmd, err, true, 0)
		}
		return good(0), nil

	case opPreventAllow:
		t.prevent = c[4]&0x03 != 0
		return good(0), nil

	case opLogSense:
		return t.logSense(ctx, cmd)

	case opReadAttribute:
		return t.readAttribute(ctx, cmd)

	case opMaintenanceOut, opMaintenanceIn:
		if len(c) < 12 || c[1]&0x1F != scsi.ServiceActionRAO {
			break
		}
		if c[0] == opMaintenanceOut {
			return t.generateRAO(ctx, cmd)
		}
		return t.receiveRAO(cmd)
	}
	return t.check(cmd, senseData{key: 0x05, asc: 0x20}, len(cmd.Data)), nil // invalid command operation code
}

// dataIn copies a response into the command's buffer, as far as it goes.
func (t *DriveTarget) dataIn(cmd *scsi.Command, b []byte) scsi.Result {
	n := copy(cmd.Data, b)
	return good(len(cmd.Data) - n)
}

func padded(s string, n int) []byte {
	b := []byte(fmt.Sprintf("%-*s", n, s))
	return b[:n]
}

func (t *DriveTarget) inquiry(ctx context.Context, cmd *scsi.Command) (scsi.Result, error) {
	c := cmd.CDB
	s := t.d.s
	if c[1]&0x01 == 0 {
		if c[2] != 0 {
			return t.fail(cmd, errInvalidCDB, false, len(cmd.Data))
		}
		b := make([]byte, 36)
		b[0] = 0x01 // sequential-access device
		b[1] = 0x80 // removable medium
		b[2] = 0x06 // SPC-4
		b[3] = 0x02 // response data format
		b[4] = byte(36 - 5)
		copy(b[8:], padded(s.typ.Vendor, 8))
		copy(b[16:], padded(s.typ.Product, 16))
		copy(b[32:], padded("SIM1", 4))
		return t.dataIn(cmd, b), nil
	}
	var page []byte
	switch c[2] {
	case 0x00:
		page = []byte{0x01, 0x00, 0x00, 3, 0x00, 0x80, 0x83}
	case 0x80:
		page = append([]byte{0x01, 0x80, 0x00, byte(len(s.serial))}, s.serial...)
	case 0x83:
		// One T10 vendor identification designator: vendor, product, serial.
		id := append(padded(s.typ.Vendor, 8), padded(s.typ.Product, 16)...)
		id = append(id, s.serial...)
		desc := append([]byte{0x02, 0x01, 0x00, byte(len(id))}, id...)
		page = append([]byte{0x01, 0x83, 0x00, byte(len(desc))}, desc...)
	default:
		return t.fail(cmd, errInvalidCDB, false, len(cmd.Data))
	}
	return t.dataIn(cmd, page), nil
}

func (t *DriveTarget) modeSense(ctx context.Context, cmd *scsi.Command) (scsi.Result, error) {
	c := cmd.CDB
	st, err := t.d.Status(ctx)
	if err != nil {
		return t.fail(cmd, err, false, len(cmd.Data))
	}
	dbd := c[1]&0x08 != 0
	page := c[2] & 0x3F
	var pages []byte
	switch page {
	case 0x10, 0x3F: // device configuration
		p := make([]byte, 16)
		p[0], p[1] = 0x10, 14
		p[8] = 0x01 // report setmarks/ gap size: none; BIS-era fields left zero
		pages = append(pages, p...)
		if page == 0x10 {
			break
		}
		fallthrough
	case 0x0F: // data compression
		p := make([]byte, 16)
		p[0], p[1] = 0x0F, 14
		p[2] = 0xC0 // DCE, DCC
		pages = append(pages, p...)
	case 0x00:
	default:
		return t.fail(cmd, errInvalidCDB, false, len(cmd.Data))
	}
	var bd []byte
	if !dbd {
		bd = make([]byte, 8)
		bd[0] = st.DensityCode // number of blocks 0, block length 0: variable
	}
	dev := byte(0x10) // buffered mode 1
	if st.WriteProtected {
		dev |= 0x80
	}
	var b []byte
	if c[0] == opModeSense6 {
		b = []byte{0, 0, dev, byte(len(bd))}
		b = append(append(b, bd...), pages...)
		b[0] = byte(len(b) - 1)
	} else {
		b = []byte{0, 0, 0, dev, 0, 0, 0, byte(len(bd))}
		b = append(append(b, bd...), pages...)
		binary.BigEndian.PutUint16(b, uint16(len(b)-2))
	}
	return t.dataIn(cmd, b), nil
}

func (t *DriveTarget) locate(ctx context.Context, cmd *scsi.Command) (scsi.Result, error) {
	c := cmd.CDB
	d := t.d
	var dest byte
	var id uint64
	var part byte
	cp := c[1]&0x02 != 0
	if c[0] == opLocate10 {
		if len(c) < 10 || c[1]&0x04 != 0 { // BT: device-specific block addresses are not offered
			return t.fail(cmd, errInvalidCDB, false, 0)
		}
		id, part = uint64(binary.BigEndian.Uint32(c[3:7])), c[8]
	} else {
		if len(c) < 16 {
			return t.fail(cmd, errInvalidCDB, false, 0)
		}
		dest, part, id = (c[1]>>3)&0x07, c[3], binary.BigEndian.Uint64(c[4:12])
	}
	if !cp {
		part = 0
	}
	var err error
	switch dest {
	case 0:
		err = d.Locate(ctx, tape.Position{Partition: int(part), Block: int64(id)})
	case 1:
		err = d.LocateFile(ctx, int(part), int64(id))
	case 3:
		if err = d.Locate(ctx, tape.Position{Partition: int(part)}); err == nil {
			err = d.Space(ctx, tape.SpaceEndOfData, 0)
		}
	default:
		err = errInvalidCDB
	}
	if err != nil {
		return t.fail(cmd, err, false, 0)
	}
	return good(0), nil
}

func (t *DriveTarget) readPosition(ctx context.Context, cmd *scsi.Command) (scsi.Result, error) {
	st, err := t.d.Status(ctx)
	if err == nil && !st.Loaded {
		err = &tape.Error{Op: "read position", Err: tape.ErrNoMedium}
		if t.d.s.cart() != nil {
			err = &tape.Error{Op: "read position", Err: tape.ErrNotReady}
		}
	}
	if err != nil {
		return t.fail(cmd, err, false, len(cmd.Data))
	}
	p := st.Position
	var flags byte
	if p.Block == 0 {
		flags |= 0x80 // BOP
	}
	if st.EarlyWarning {
		flags |= 0x01 // BPEW
	}
	var b []byte
	switch sa := cmd.CDB[1] & 0x1F; sa {
	case 0x00, 0x01: // short form; no objects are held back in the buffer
		b = make([]byte, 20)
		b[0] = flags
		if p.Block > 0xFFFFFFFF {
			b[0] |= 0x02 // PERR
		}
		b[1] = byte(p.Partition)
		binary.BigEndian.PutUint32(b[4:], uint32(p.Block))
		binary.BigEndian.PutUint32(b[8:], uint32(p.Block))
	case 0x06: // long form
		b = make([]byte, 32)
		b[0] = flags
		binary.BigEndian.PutUint32(b[4:], uint32(p.Partition))
		binary.BigEndian.PutUint64(b[8:], uint64(p.Block))
		binary.BigEndian.PutUint64(b[16:], uint64(p.File))
	case 0x08: // extended form
		b = make([]byte, 32)
		b[0] = flags
		b[1] = byte(p.Partition)
		binary.BigEndian.PutUint16(b[2:], 0x1C)
		binary.BigEndian.PutUint64(b[8:], uint64(p.Block))
		binary.BigEndian.PutUint64(b[16:], uint64(p.Block))
	default:
		return t.fail(cmd, errInvalidCDB, false, len(cmd.Data))
	}
	return t.dataIn(cmd, b), nil
}

func (t *DriveTarget) logSense(ctx context.Context, cmd *scsi.Command) (scsi.Result, error) {
	page := cmd.CDB[2] & 0x3F
	var params []byte
	param := func(code uint16, v []byte) {
		params = binary.BigEndian.AppendUint16(params, code)
		params = append(params, 0x03, byte(len(v))) // binary list parameter
		params = append(params, v...)
	}
	s := t.d.s
	switch page {
	case 0x00:
		params = []byte{0x00, 0x02, 0x03, 0x2E}
	case 0x02, 0x03: // write and read error counters
		if err := s.op.Acquire(ctx); err != nil {
			return scsi.Result{}, err
		}
		bytes := s.stats.BytesWritten
		if page == 0x03 {
			bytes = s.stats.BytesRead
		}
		s.op.Release(ctx)
		for _, code := range []uint16{0, 1, 2, 3, 4, 6} {
			param(code, binary.BigEndian.AppendUint32(nil, 0))
		}
		param(5, binary.BigEndian.AppendUint64(nil, uint64(bytes)))
	case 0x2E:
		flags, err := t.d.TapeAlerts(ctx)
		if err != nil {
			return t.fail(cmd, err, false, len(cmd.Data))
		}
		for n := 1; n <= 64; n++ {
			v := byte(0)
			if flags.Has(n) {
				v = 1
			}
			param(uint16(n), []byte{v})
		}
	default:
		return t.fail(cmd, errInvalidCDB, false, len(cmd.Data))
	}
	b := []byte{page, 0, 0, 0}
	binary.BigEndian.PutUint16(b[2:], uint16(len(params)))
	return t.dataIn(cmd, append(b, params...)), nil
}

// readAttribute returns cartridge memory (MAM) attribute values.
func (t *DriveTarget) readAttribute(ctx context.Context, cmd *scsi.Command) (scsi.Result, error) {
	if cmd.CDB[1]&0x1F != 0x00 { // only the ATTRIBUTE VALUES service action
		return t.fail(cmd, errInvalidCDB, false, len(cmd.Data))
	}
	st, err := t.d.Status(ctx)
	if err == nil && !st.Loaded {
		err = &tape.Error{Op: "read attribute", Err: tape.ErrNoMedium}
	}
	if err != nil {
		return t.fail(cmd, err, false, len(cmd.Data))
	}
	var attrs []byte
	attr := func(id uint16, format byte, v []byte) {
		attrs = binary.BigEndian.AppendUint16(attrs, id)
		attrs = append(attrs, format)
		attrs = binary.BigEndian.AppendUint16(attrs, uint16(len(v)))
		attrs = append(attrs, v...)
	}
	const mib = 1 << 20
	attr(0x0000, 0x80, binary.BigEndian.AppendUint64(nil, uint64(st.Remaining/mib))) // remaining capacity, read-only binary
	attr(0x0001, 0x80, binary.BigEndian.AppendUint64(nil, uint64(st.Capacity/mib)))  // maximum capacity
	attr(0x0400, 0x81, padded("SIMULATR", 8))                                        // medium manufacturer, ASCII
	attr(0x0401, 0x81, padded(st.Barcode, 32))                                       // medium serial number
	attr(0x0806, 0x01, padded(st.Barcode, 32))                                       // barcode
	b := binary.BigEndian.AppendUint32(nil, uint32(len(attrs)))
	return t.dataIn(cmd, append(b, attrs...)), nil
}

// generateRAO orders the segments of a GENERATE RECOMMENDED ACCESS ORDER
// parameter list with the drive's RecommendedAccessOrder.
func (t *DriveTarget) generateRAO(ctx context.Context, cmd *scsi.Command) (scsi.Result, error) {
	c := cmd.CDB
	n := int(binary.BigEndian.Uint32(c[6:10]))
	if c[2]&0x07 != scsi.RAOProcessGenerate || n > len(cmd.Data) {
		return t.fail(cmd, errInvalidCDB, false, 0)
	}
	uds, err := scsi.ParseRAOParams(cmd.Data[:n])
	if err != nil || len(uds) > raoMaxSegments {
		return t.check(cmd, senseData{key: 0x05, asc: 0x26}, 0), nil // invalid field in parameter list
	}
	segs := make([]tape.Segment, len(uds))
	for i, u := range uds {
		segs[i] = tape.Segment{ID: uint64(i), Partition: int(u.Partition), FirstBlock: int64(u.Begin), LastBlock: int64(u.End)}
		if u.Begin > 1<<62 || u.End > 1<<62 {
			return t.check(cmd, senseData{key: 0x05, asc: 0x26}, 0), nil
		}
	}
	order, err := t.d.RecommendedAccessOrder(ctx, segs)
	if err != nil {
		return t.fail(cmd, err, false, 0)
	}
	t.rao = t.rao[:0]
	for _, g := range order {
		t.rao = append(t.rao, uds[g.ID])
	}
	return good(len(cmd.Data) - n), nil
}

// receiveRAO returns the UDS limits, or the order the last GENERATE made.
func (t *DriveTarget) receiveRAO(cmd *scsi.Command) (scsi.Result, error) {
	c := cmd.CDB
	if c[1]&0x80 != 0 {
		return t.dataIn(cmd, []byte{raoMaxSegments >> 8, raoMaxSegments & 0xFF, 0, 0}), nil
	}
	if binary.BigEndian.Uint32(c[2:6]) != 0 {
		return t.fail(cmd, errInvalidCDB, false, len(cmd.Data)) // list offsets are not offered
	}
	list, _ := scsi.AppendRAOParams(nil, t.rao)
	list[0] = scsi.RAOProcessGenerate
	return t.dataIn(cmd, list), nil
}
