package scsi

import "encoding/binary"

// Position is a READ POSITION response in any of its forms. Fields a form
// does not carry are zero.
type Position struct {
	BOP  bool // at the beginning of the partition
	EOP  bool // between early warning and end of partition
	BPEW bool // beyond the programmable early warning point
	// PositionUnknown: the logical object position is not known (short and
	// extended form LOLU, formerly BPU; long form LONU). The identifiers
	// are then meaningless.
	PositionUnknown bool
	// FileUnknown: the file number is not known (long form MPU).
	FileUnknown bool
	// ObjectCountUnknown and ByteCountUnknown: the buffer counts are not
	// reported (LOCU, BYCU).
	ObjectCountUnknown, ByteCountUnknown bool
	// PERR (short form): a field overflowed its 4 bytes; use the long or
	// extended form.
	PERR      bool
	Partition uint32
	// FirstObject is the logical object identifier of the next object to
	// be read or written: the current position. LastObject (short and
	// extended forms) is that of the next object to go from the buffer to
	// the medium.
	FirstObject, LastObject uint64
	// File is the logical file identifier (long form): filemarks between
	// the beginning of the partition and the position.
	File uint64
	// BufferedObjects and BufferedBytes are what sits in the drive's
	// buffer, not yet on the medium.
	BufferedObjects uint64
	BufferedBytes   uint64
}

// ParseReadPositionShort decodes the 20-byte short form (service action 00h).
func ParseReadPositionShort(b []byte) (*Position, error) {
	if len(b) < 20 {
		return nil, truncated("READ POSITION short form", len(b))
	}
	p := &Position{Partition: uint32(b[1])}
	shortFlags(p, b[0])
	p.FirstObject = uint64(binary.BigEndian.Uint32(b[4:]))
	p.LastObject = uint64(binary.BigEndian.Uint32(b[8:]))
	p.BufferedObjects = uint64(b[13])<<16 | uint64(b[14])<<8 | uint64(b[15])
	p.BufferedBytes = uint64(binary.BigEndian.Uint32(b[16:]))
	return p, nil
}

func shortFlags(p *Position, f byte) {
	p.BOP = f&0x80 != 0
	p.EOP = f&0x40 != 0
	p.ObjectCountUnknown = f&0x20 != 0
	p.ByteCountUnknown = f&0x10 != 0
	p.PositionUnknown = f&0x04 != 0
	p.PERR = f&0x02 != 0
	p.BPEW = f&0x01 != 0
}

// ParseReadPositionLong decodes the 32-byte long form (service action 06h).
func ParseReadPositionLong(b []byte) (*Position, error) {
	if len(b) < 32 {
		return nil, truncated("READ POSITION long form", len(b))
	}
	return &Position{
		BOP:             b[0]&0x80 != 0,
		EOP:             b[0]&0x40 != 0,
		FileUnknown:     b[0]&0x08 != 0,
		PositionUnknown: b[0]&0x04 != 0,
		BPEW:            b[0]&0x01 != 0,
		Partition:       binary.BigEndian.Uint32(b[4:]),
		FirstObject:     binary.BigEndian.Uint64(b[8:]),
		File:            binary.BigEndian.Uint64(b[16:]),
	}, nil
}

// ParseReadPositionExtended decodes the extended form (service action 08h).
func ParseReadPositionExtended(b []byte) (*Position, error) {
	const what = "READ POSITION extended form"
	if len(b) < 4 {
		return nil, truncated(what, len(b))
	}
	if n := 4 + int(binary.BigEndian.Uint16(b[2:])); n < 32 {
		return nil, malformed(what, 2, "additional length %d, want at least 28", n-4)
	}
	if len(b) < 32 {
		return nil, truncated(what, len(b))
	}
	p := &Position{Partition: uint32(b[1])}
	shortFlags(p, b[0])
	p.PERR = false // not defined in this form
	p.BufferedObjects = uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
	p.FirstObject = binary.BigEndian.Uint64(b[8:])
	p.LastObject = binary.BigEndian.Uint64(b[16:])
	p.BufferedBytes = binary.BigEndian.Uint64(b[24:])
	return p, nil
}
