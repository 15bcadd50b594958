package simulator

import (
	"context"
	"encoding/binary"
	"errors"
	"sync"

	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/scsi"
)

// ChangerTarget is the simulated library's robot answering SCSI media
// changer (SMC-3) commands in process: a scsi.Transport, so the SMC driver
// runs end to end without hardware. Get one from Library.ChangerTarget.
//
// It answers TEST UNIT READY, REQUEST SENSE, INQUIRY (standard and VPD
// 0x00, 0x80), MODE SENSE(6/10) of the element address assignment page
// (0x1D), READ ELEMENT STATUS (per element type or all, with volume tags
// and device identifiers, truncated to the allocation length with the full
// byte count reported, as libraries do), MOVE MEDIUM, EXCHANGE MEDIUM and
// INITIALIZE ELEMENT STATUS (with and without range), with the sense data
// of real libraries; its first command gets UNIT ATTENTION 29/00.
type ChangerTarget struct {
	l *Library

	mu      sync.Mutex
	powerOn bool
	last    []byte
	serial  string
}

var _ scsi.Transport = (*ChangerTarget)(nil)

// ChangerTarget returns a SCSI target for the library's robot.
func (l *Library) ChangerTarget() (*ChangerTarget, error) {
	l.mu.Lock()
	closed := l.closed
	l.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	return &ChangerTarget{l: l, powerOn: true, serial: "SIMLIB0001"}, nil
}

const (
	opInitElementStatus      = 0x07
	opInitElementStatusRange = 0x37
	opMoveMedium             = 0xA5
	opExchangeMedium         = 0xA6
	opReadElementStatus      = 0xB8
)

// Do implements scsi.Transport.
func (t *ChangerTarget) Do(ctx context.Context, cmd *scsi.Command) (scsi.Result, error) {
	if err := ctx.Err(); err != nil {
		return scsi.Result{}, err
	}
	if err := hostRefuses(cmd, t.l.hostMax); err != nil {
		return scsi.Result{}, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(cmd.CDB) < 6 {
		return t.check(senseData{key: 0x05, asc: 0x20}, len(cmd.Data)), nil
	}
	op := cmd.CDB[0]
	if t.powerOn && op != opInquiry && op != opRequestSense {
		t.powerOn = false
		return t.check(senseData{key: 0x06, asc: 0x29}, len(cmd.Data)), nil
	}
	res, err := t.exec(ctx, cmd)
	if err != nil {
		return scsi.Result{}, err
	}
	if res.Status == scsi.StatusGood {
		t.last = nil
	}
	return res, nil
}

func (t *ChangerTarget) check(s senseData, residual int) scsi.Result {
	t.last = s.bytes()
	return scsi.Result{Status: scsi.StatusCheckCondition, Sense: t.last, Residual: residual}
}

func dataIn(cmd *scsi.Command, b []byte) scsi.Result {
	n := copy(cmd.Data, b)
	return good(len(cmd.Data) - n)
}

// moveSense is what a library returns when a move fails.
func moveSense(err error) senseData {
	switch {
	case errors.Is(err, changer.ErrSourceEmpty):
		return senseData{key: 0x05, asc: 0x3B, ascq: 0x0E}
	case errors.Is(err, changer.ErrDestinationFull):
		return senseData{key: 0x05, asc: 0x3B, ascq: 0x0D}
	case errors.Is(err, changer.ErrIncompatibleMedium):
		return senseData{key: 0x05, asc: 0x30, ascq: 0x00}
	case errors.Is(err, changer.ErrInvalidElement):
		return senseData{key: 0x05, asc: 0x21, ascq: 0x01}
	case errors.Is(err, changer.ErrDriveLoaded):
		return senseData{key: 0x05, asc: 0x53, ascq: 0x02}
	case errors.Is(err, changer.ErrRobotFailure):
		return senseData{key: 0x04, asc: 0x15, ascq: 0x01} // mechanical positioning error
	case errors.Is(err, changer.ErrNotReady):
		return senseData{key: 0x02, asc: 0x04, ascq: 0x01}
	}
	return senseData{key: 0x04, asc: 0x44}
}

func (t *ChangerTarget) exec(ctx context.Context, cmd *scsi.Command) (scsi.Result, error) {
	c := cmd.CDB
	ch := t.l.Changer()
	switch c[0] {
	case opTestUnitReady:
		return good(0), nil
	case opRequestSense:
		s := t.last
		if s == nil {
			s = senseData{}.bytes()
		}
		t.last = nil
		return dataIn(cmd, s), nil
	case opInquiry:
		if c[1]&0x01 == 0 {
			b := make([]byte, 36)
			b[0] = 0x08 // medium changer
			b[1] = 0x80
			b[2], b[3], b[4] = 0x06, 0x02, 31
			copy(b[8:], padded("TAPEKIT", 8))
			copy(b[16:], padded("SIMLIBRARY", 16))
			copy(b[32:], padded("SIM1", 4))
			return dataIn(cmd, b), nil
		}
		switch c[2] {
		case 0x00:
			return dataIn(cmd, []byte{0x08, 0x00, 0x00, 2, 0x00, 0x80}), nil
		case 0x80:
			return dataIn(cmd, append([]byte{0x08, 0x80, 0x00, byte(len(t.serial))}, t.serial...)), nil
		}
		return t.check(senseData{key: 0x05, asc: 0x24}, len(cmd.Data)), nil
	case opModeSense6, opModeSense10:
		return t.modeSense(cmd), nil
	case opReadElementStatus:
		return t.readElementStatus(ctx, cmd)
	case opMoveMedium:
		if len(c) < 12 {
			return t.check(senseData{key: 0x05, asc: 0x24}, 0), nil
		}
		if c[10]&0x01 != 0 { // INVERT: tape cartridges have one side
			return t.check(senseData{key: 0x05, asc: 0x24}, 0), nil
		}
		tr := changer.Address(binary.BigEndian.Uint16(c[2:]))
		if tr != t.l.cfg.TransportBase && tr != 0 {
			return t.check(senseData{key: 0x05, asc: 0x21, ascq: 0x01}, 0), nil
		}
		src, dst := changer.Address(binary.BigEndian.Uint16(c[4:])), changer.Address(binary.BigEndian.Uint16(c[6:]))
		if err := ch.Move(ctx, src, dst); err != nil {
			if ctx.Err() != nil {
				return scsi.Result{}, ctx.Err()
			}
			return t.check(moveSense(err), 0), nil
		}
		return good(0), nil
	case opExchangeMedium:
		// The simulated robot has one gripper: it cannot hold two
		// cartridges at once.
		return t.check(senseData{key: 0x05, asc: 0x20}, 0), nil
	case opInitElementStatus, opInitElementStatusRange:
		if err := ch.Reinventory(ctx); err != nil {
			if ctx.Err() != nil {
				return scsi.Result{}, ctx.Err()
			}
			return t.check(moveSense(err), 0), nil
		}
		return good(0), nil
	}
	return t.check(senseData{key: 0x05, asc: 0x20}, len(cmd.Data)), nil
}

// modeSense answers the element address assignment page (0x1D), alone or
// as part of all pages (0x3F).
func (t *ChangerTarget) modeSense(cmd *scsi.Command) scsi.Result {
	c := cmd.CDB
	page := c[2] & 0x3F
	if page != 0x1D && page != 0x3F {
		return t.check(senseData{key: 0x05, asc: 0x24}, len(cmd.Data))
	}
	cfg := t.l.cfg
	p := make([]byte, 20)
	p[0], p[1] = 0x1D, 18
	put := func(off int, first changer.Address, n int) {
		binary.BigEndian.PutUint16(p[off:], uint16(first))
		binary.BigEndian.PutUint16(p[off+2:], uint16(n))
	}
	put(2, cfg.TransportBase, 1)
	put(6, cfg.SlotBase, cfg.Slots)
	put(10, cfg.PortBase, cfg.Ports)
	put(14, cfg.DriveBase, len(cfg.Drives))
	var b []byte
	if c[0] == opModeSense6 {
		b = append([]byte{byte(3 + len(p)), 0, 0, 0}, p...)
	} else {
		b = append([]byte{0, 0, 0, 0, 0, 0, 0, 0}, p...)
		binary.BigEndian.PutUint16(b, uint16(len(b)-2))
	}
	return dataIn(cmd, b)
}

func (t *ChangerTarget) readElementStatus(ctx context.Context, cmd *scsi.Command) (scsi.Result, error) {
	c := cmd.CDB
	if len(c) < 12 {
		return t.check(senseData{key: 0x05, asc: 0x24}, len(cmd.Data)), nil
	}
	typ := changer.ElementType(c[1] & 0x0F)
	voltag := c[1]&0x10 != 0
	start := changer.Address(binary.BigEndian.Uint16(c[2:]))
	count := int(binary.BigEndian.Uint16(c[4:]))
	dvcid := c[6]&0x01 != 0
	alloc := int(c[7])<<16 | int(c[8])<<8 | int(c[9])
	if typ > changer.DataTransfer {
		return t.check(senseData{key: 0x05, asc: 0x24}, len(cmd.Data)), nil
	}
	inv, err := t.l.Changer().Inventory(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return scsi.Result{}, ctx.Err()
		}
		return t.check(moveSense(err), len(cmd.Data)), nil
	}
	// The elements asked for: of the type (or all), from start on, at most
	// count, in address order within each type.
	var pages []byte
	var n int
	var firstReported changer.Address
	for _, et := range []changer.ElementType{changer.Transport, changer.Storage, changer.ImportExport, changer.DataTransfer} {
		if typ != 0 && typ != et {
			continue
		}
		descLen := baseDesc
		if voltag {
			descLen += 2 * volTag
		}
		if dvcid && et == changer.DataTransfer {
			descLen += 4 + 32
		}
		var descs []byte
		for _, e := range inv {
			if e.Type != et || e.Address < start || n >= count {
				continue
			}
			if n == 0 {
				firstReported = e.Address
			}
			n++
			descs = append(descs, t.descriptor(e, voltag, dvcid && et == changer.DataTransfer, descLen)...)
		}
		if len(descs) == 0 {
			continue
		}
		h := make([]byte, 8)
		h[0] = byte(et)
		if voltag {
			h[1] = 0xC0 // PVolTag, AVolTag
		}
		binary.BigEndian.PutUint16(h[2:], uint16(descLen))
		h[5], h[6], h[7] = byte(len(descs)>>16), byte(len(descs)>>8), byte(len(descs))
		pages = append(append(pages, h...), descs...)
	}
	if n == 0 && count > 0 {
		// No element at or after the starting address.
		return t.check(senseData{key: 0x05, asc: 0x21, ascq: 0x01}, len(cmd.Data)), nil
	}
	h := make([]byte, 8)
	binary.BigEndian.PutUint16(h[0:], uint16(firstReported))
	binary.BigEndian.PutUint16(h[2:], uint16(n))
	h[5], h[6], h[7] = byte(len(pages)>>16), byte(len(pages)>>8), byte(len(pages))
	resp := append(h, pages...)
	// A library returns what fits in the allocation; the header still says
	// how much there was, so the initiator can ask again.
	resp = resp[:min(len(resp), alloc)]
	return dataIn(cmd, resp), nil
}

const (
	baseDesc = 12
	volTag   = 36
)

// descriptor encodes one element descriptor (SMC-3 6.11.2).
func (t *ChangerTarget) descriptor(e changer.Element, voltag, dvcid bool, descLen int) []byte {
	d := make([]byte, descLen)
	binary.BigEndian.PutUint16(d, uint16(e.Address))
	var flags byte
	if e.Full {
		flags |= 0x01
	}
	if e.Exception {
		flags |= 0x04
	}
	if e.Accessible && e.Type != changer.Transport {
		flags |= 0x08
	}
	if e.Type == changer.ImportExport {
		flags |= 0x30 // INENAB, EXENAB
	}
	d[2] = flags
	d[4], d[5] = e.ASC, e.ASCQ
	if e.SourceValid {
		d[9] |= 0x80
		binary.BigEndian.PutUint16(d[10:], uint16(e.Source))
	}
	if e.Full {
		d[9] |= 0x01 // medium type: data
		if IsCleaning(e.Barcode) {
			d[9] = d[9]&^0x07 | 0x02
		}
	}
	p := baseDesc
	if voltag {
		copy(d[p:p+32], padded(e.Barcode, 32))
		if !e.Full {
			copy(d[p:p+32], make([]byte, 32))
		}
		p += 2 * volTag // no alternate volume tags: left blank
	}
	if dvcid {
		id := padded(e.DriveSerial, 32)
		d[p], d[p+1], d[p+3] = 0x02, 0x00, byte(len(id)) // ASCII, vendor specific: the serial
		copy(d[p+4:], id)
	}
	return d
}
