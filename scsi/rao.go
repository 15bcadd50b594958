package scsi

import (
	"encoding/binary"
	"fmt"
)

// Recommended Access Order (SSC-5, and the LTO drives' SCSI references):
// the host describes the user data segments (UDS) it wants to read with
// GENERATE RECOMMENDED ACCESS ORDER (MAINTENANCE OUT, service action 1Dh),
// then fetches them back in the order the drive reads fastest with RECEIVE
// RECOMMENDED ACCESS ORDER (MAINTENANCE IN, service action 1Dh).

// OpMaintenanceOut is the MAINTENANCE OUT operation code.
const OpMaintenanceOut = 0xA4

// ServiceActionRAO is the service action of both RAO commands.
const ServiceActionRAO = 0x1D

// RAOProcessGenerate asks the drive to compute a recommended order for the
// segments (RAO PROCESS 2 in the GENERATE command).
const RAOProcessGenerate = 2

// UDSDescriptorLen is the length of one UDS descriptor, 30 bytes after its
// 2-byte length field.
const UDSDescriptorLen = 32

// UDS is a user data segment: a run of logical objects to read, named by
// the host.
type UDS struct {
	Name      [10]byte
	Partition byte
	Begin     uint64 // first logical object identifier
	End       uint64 // last logical object identifier
}

// GenerateRAO returns the 12-byte GENERATE RECOMMENDED ACCESS ORDER CDB
// for a parameter list of paramLen bytes.
func GenerateRAO(process, udsType byte, paramLen uint32) []byte {
	c := make([]byte, 12)
	c[0], c[1] = OpMaintenanceOut, ServiceActionRAO
	c[2] = process & 0x07
	c[3] = udsType & 0x07
	binary.BigEndian.PutUint32(c[6:], paramLen)
	return c
}

// ReceiveRAO returns the 12-byte RECEIVE RECOMMENDED ACCESS ORDER CDB.
// With limits set, the drive answers with its UDS limits (how many
// segments it takes, and how large) instead of the list.
func ReceiveRAO(limits bool, listOffset, alloc uint32, udsType byte) []byte {
	c := make([]byte, 12)
	c[0], c[1] = OpMaintenanceIn, ServiceActionRAO
	if limits {
		c[1] |= 0x80
	}
	binary.BigEndian.PutUint32(c[2:], listOffset)
	binary.BigEndian.PutUint32(c[6:], alloc)
	c[10] = udsType & 0x07
	return c
}

// AppendRAOParams appends the GENERATE RAO parameter list for segs: four
// reserved bytes, the length of the UDS list, then one descriptor per
// segment.
func AppendRAOParams(dst []byte, segs []UDS) ([]byte, error) {
	n := len(segs) * UDSDescriptorLen
	if uint64(n) > 0xFFFFFFFF-8 {
		return nil, fmt.Errorf("%w: %d segments", ErrRange, len(segs))
	}
	dst = append(dst, 0, 0, 0, 0)
	dst = binary.BigEndian.AppendUint32(dst, uint32(n))
	for _, s := range segs {
		dst = appendUDS(dst, s)
	}
	return dst, nil
}

func appendUDS(dst []byte, s UDS) []byte {
	dst = binary.BigEndian.AppendUint16(dst, UDSDescriptorLen-2)
	dst = append(dst, 0, 0, 0)
	dst = append(dst, s.Name[:]...)
	dst = append(dst, s.Partition)
	dst = binary.BigEndian.AppendUint64(dst, s.Begin)
	return binary.BigEndian.AppendUint64(dst, s.End)
}

// parseUDSList parses n bytes of UDS descriptors.
func parseUDSList(b []byte, what string, base int) ([]UDS, error) {
	var out []UDS
	for off := 0; off < len(b); off += UDSDescriptorLen {
		if len(b)-off < UDSDescriptorLen {
			return nil, &ParseError{What: what, Offset: base + off, Err: fmt.Errorf("%w: %d bytes left of a %d-byte descriptor", ErrTruncated, len(b)-off, UDSDescriptorLen)}
		}
		d := b[off : off+UDSDescriptorLen]
		if l := binary.BigEndian.Uint16(d); l != UDSDescriptorLen-2 {
			return nil, &ParseError{What: what, Offset: base + off, Err: fmt.Errorf("%w: descriptor length %d, want %d", ErrMalformed, l, UDSDescriptorLen-2)}
		}
		var u UDS
		copy(u.Name[:], d[5:15])
		u.Partition = d[15]
		u.Begin = binary.BigEndian.Uint64(d[16:])
		u.End = binary.BigEndian.Uint64(d[24:])
		if u.End < u.Begin {
			return nil, &ParseError{What: what, Offset: base + off + 16, Err: fmt.Errorf("%w: segment ends at %d before it begins at %d", ErrMalformed, u.End, u.Begin)}
		}
		out = append(out, u)
	}
	return out, nil
}

// ParseRAOParams parses a GENERATE RAO parameter list (what a target
// receives).
func ParseRAOParams(b []byte) ([]UDS, error) {
	const what = "RAO parameter list"
	if len(b) < 8 {
		return nil, &ParseError{What: what, Err: fmt.Errorf("%w: %d bytes, need 8", ErrTruncated, len(b))}
	}
	n := binary.BigEndian.Uint32(b[4:])
	if uint64(n) > uint64(len(b)-8) {
		return nil, &ParseError{What: what, Offset: 4, Err: fmt.Errorf("%w: UDS list of %d bytes, have %d", ErrTruncated, n, len(b)-8)}
	}
	return parseUDSList(b[8:8+n], what, 8)
}

// RAOList is a RECEIVE RAO response: the segments in recommended order.
type RAOList struct {
	Process  byte
	Status   byte
	Segments []UDS
}

// ParseRAOList parses a RECEIVE RAO response (list form).
func ParseRAOList(b []byte) (*RAOList, error) {
	const what = "RAO list"
	if len(b) < 8 {
		return nil, &ParseError{What: what, Err: fmt.Errorf("%w: %d bytes, need 8", ErrTruncated, len(b))}
	}
	l := &RAOList{Process: b[0] & 0x07, Status: b[1] & 0x07}
	n := binary.BigEndian.Uint32(b[4:])
	if uint64(n) > uint64(len(b)-8) {
		return nil, &ParseError{What: what, Offset: 4, Err: fmt.Errorf("%w: descriptor list of %d bytes, have %d", ErrTruncated, n, len(b)-8)}
	}
	var err error
	l.Segments, err = parseUDSList(b[8:8+n], what, 8)
	return l, err
}

// UDSLimits is the RECEIVE RAO answer with the limits bit set.
type UDSLimits struct {
	MaxSegments uint16 // most segments one GENERATE takes
	MaxSize     uint16 // vendor-defined bound on a segment's size
}

// ParseUDSLimits parses the UDS limits page.
func ParseUDSLimits(b []byte) (UDSLimits, error) {
	if len(b) < 4 {
		return UDSLimits{}, &ParseError{What: "UDS limits", Err: fmt.Errorf("%w: %d bytes, need 4", ErrTruncated, len(b))}
	}
	return UDSLimits{MaxSegments: binary.BigEndian.Uint16(b), MaxSize: binary.BigEndian.Uint16(b[2:])}, nil
}
