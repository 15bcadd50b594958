package smc

import (
	"encoding/binary"
	"fmt"

	"github.com/tapekit/tapekit/changer"
)

// Operation codes of the SMC-3 commands this package builds.
const (
	OpInitializeElementStatus          = 0x07
	OpModeSense6                       = 0x1A
	OpPositionToElement                = 0x2B
	OpInitializeElementStatusWithRange = 0x37
	OpModeSense10                      = 0x5A
	OpMoveMedium                       = 0xA5
	OpExchangeMedium                   = 0xA6
	OpReadElementStatus                = 0xB8
)

// PageElementAddressAssignment is the mode page that says where each
// element type's addresses start and how many there are.
const PageElementAddressAssignment = 0x1D

// AllElements, as ReadElementStatus.Type, asks for every element type.
const AllElements changer.ElementType = 0

// ReadElementStatus describes a READ ELEMENT STATUS command (SMC-3 6.11).
type ReadElementStatus struct {
	Type  changer.ElementType // AllElements or one type
	Start changer.Address     // starting element address
	Count uint16              // number of elements
	// AllocationLength is the size of the response buffer, at most
	// 0xFFFFFF (a 24-bit field).
	AllocationLength uint32
	// VolTag asks for primary and alternate volume tags (barcodes).
	VolTag bool
	// DVCID asks for device identifiers (drive serial numbers) in data
	// transfer element descriptors.
	DVCID bool
	// CurData lets the library answer from its memory rather than moving
	// the robot to check.
	CurData bool
}

// CDB returns the 12-byte CDB.
func (r ReadElementStatus) CDB() ([]byte, error) {
	if r.Type > changer.DataTransfer {
		return nil, fmt.Errorf("%w: element type code %d", ErrInvalidArgument, r.Type)
	}
	if r.AllocationLength > 0xFFFFFF {
		return nil, fmt.Errorf("%w: allocation length %d exceeds 24 bits", ErrInvalidArgument, r.AllocationLength)
	}
	c := make([]byte, 12)
	c[0] = OpReadElementStatus
	c[1] = byte(r.Type) & 0x0F
	if r.VolTag {
		c[1] |= 0x10
	}
	binary.BigEndian.PutUint16(c[2:], uint16(r.Start))
	binary.BigEndian.PutUint16(c[4:], r.Count)
	if r.CurData {
		c[6] |= 0x02
	}
	if r.DVCID {
		c[6] |= 0x01
	}
	c[7], c[8], c[9] = byte(r.AllocationLength>>16), byte(r.AllocationLength>>8), byte(r.AllocationLength)
	return c, nil
}

// MoveMediumCDB returns MOVE MEDIUM (SMC-3 6.6): the transport element
// moves the cartridge at src to dst, turned over when invert is set (for
// two-sided media; tape libraries refuse it).
func MoveMediumCDB(transport, src, dst changer.Address, invert bool) []byte {
	c := make([]byte, 12)
	c[0] = OpMoveMedium
	binary.BigEndian.PutUint16(c[2:], uint16(transport))
	binary.BigEndian.PutUint16(c[4:], uint16(src))
	binary.BigEndian.PutUint16(c[6:], uint16(dst))
	if invert {
		c[10] = 0x01
	}
	return c
}

// ExchangeMediumCDB returns EXCHANGE MEDIUM (SMC-3 6.2): the cartridge at
// src goes to dst1, and the one at dst1 to dst2 (dst2 == src swaps them).
func ExchangeMediumCDB(transport, src, dst1, dst2 changer.Address, inv1, inv2 bool) []byte {
	c := make([]byte, 12)
	c[0] = OpExchangeMedium
	binary.BigEndian.PutUint16(c[2:], uint16(transport))
	binary.BigEndian.PutUint16(c[4:], uint16(src))
	binary.BigEndian.PutUint16(c[6:], uint16(dst1))
	binary.BigEndian.PutUint16(c[8:], uint16(dst2))
	if inv1 {
		c[10] |= 0x01
	}
	if inv2 {
		c[10] |= 0x02
	}
	return c
}

// InitializeElementStatusCDB returns INITIALIZE ELEMENT STATUS (SMC-3 6.3):
// the library rescans every element.
func InitializeElementStatusCDB() []byte {
	return []byte{OpInitializeElementStatus, 0, 0, 0, 0, 0}
}

// InitializeElementStatusWithRangeCDB returns INITIALIZE ELEMENT STATUS
// WITH RANGE (SMC-3 6.4) for count elements from start. With fast set the
// library checks only elements whose state it does not know.
func InitializeElementStatusWithRangeCDB(start changer.Address, count uint16, fast bool) []byte {
	c := make([]byte, 10)
	c[0] = OpInitializeElementStatusWithRange
	c[1] = 0x01 // RANGE: use the fields below rather than all elements
	if fast {
		c[1] |= 0x02
	}
	binary.BigEndian.PutUint16(c[2:], uint16(start))
	binary.BigEndian.PutUint16(c[6:], count)
	return c
}

// PositionToElementCDB returns POSITION TO ELEMENT (SMC-3 6.8): the
// transport moves in front of dst without moving a cartridge.
func PositionToElementCDB(transport, dst changer.Address, invert bool) []byte {
	c := make([]byte, 10)
	c[0] = OpPositionToElement
	binary.BigEndian.PutUint16(c[2:], uint16(transport))
	binary.BigEndian.PutUint16(c[4:], uint16(dst))
	if invert {
		c[8] = 0x01
	}
	return c
}

// ModeSense6CDB returns MODE SENSE(6) of the current values of page, with
// block descriptors disabled (DBD), as mtx sends it for page 0x1D.
func ModeSense6CDB(page uint8, alloc uint8) []byte {
	return []byte{OpModeSense6, 0x08, page & 0x3F, 0, alloc, 0}
}

// ModeSense10CDB returns MODE SENSE(10) of the current values of page,
// with block descriptors disabled.
func ModeSense10CDB(page uint8, alloc uint16) []byte {
	c := make([]byte, 10)
	c[0] = OpModeSense10
	c[1] = 0x08
	c[2] = page & 0x3F
	binary.BigEndian.PutUint16(c[7:], alloc)
	return c
}
