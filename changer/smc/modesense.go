package smc

import (
	"encoding/binary"
	"fmt"

	"github.com/tapekit/tapekit/changer"
)

// AddressAssignment is the Element Address Assignment mode page (0x1D,
// SMC-3 7.3.3): where each element type's addresses start and how many
// elements of each type the library has.
type AddressAssignment struct {
	FirstTransport    changer.Address
	NumTransport      int
	FirstStorage      changer.Address
	NumStorage        int
	FirstImportExport changer.Address
	NumImportExport   int
	FirstDataTransfer changer.Address
	NumDataTransfer   int
}

// Total is the number of elements of all types.
func (a AddressAssignment) Total() int {
	return a.NumTransport + a.NumStorage + a.NumImportExport + a.NumDataTransfer
}

// ModePage returns the mode page with code page from a MODE SENSE
// response: ten selects the MODE SENSE(10) header, otherwise MODE
// SENSE(6). It skips the header and any block descriptors and checks every
// length against the data.
func ModePage(resp []byte, ten bool, page uint8) ([]byte, error) {
	const what = "mode parameter data"
	hdr, dataLen, bdLen := 4, 0, 0
	if ten {
		hdr = 8
	}
	if len(resp) < hdr {
		return nil, truncated(what, len(resp), 0, "%d bytes, need the %d-byte header", len(resp), hdr)
	}
	if ten {
		// The mode data length counts the bytes after itself.
		dataLen = int(binary.BigEndian.Uint16(resp)) + 2
		bdLen = int(binary.BigEndian.Uint16(resp[6:]))
	} else {
		dataLen = int(resp[0]) + 1
		bdLen = int(resp[3])
	}
	if dataLen < hdr {
		return nil, malformed(what, 0, "mode data length %d is shorter than the header", dataLen)
	}
	if dataLen > len(resp) {
		return nil, truncated(what, len(resp), dataLen, "mode data length says %d bytes, have %d", dataLen, len(resp))
	}
	off := hdr + bdLen
	if off > dataLen {
		return nil, malformed(what, hdr-1, "block descriptor length %d overruns the mode data", bdLen)
	}
	for off < dataLen {
		if dataLen-off < 2 {
			return nil, malformed(what, off, "%d byte left, need a page header", dataLen-off)
		}
		code, n, plen := resp[off]&0x3F, 2, int(resp[off+1])
		if resp[off]&0x40 != 0 { // SPF: a subpage, with a 2-byte length
			if dataLen-off < 4 {
				return nil, malformed(what, off, "subpage header cut")
			}
			n, plen = 4, int(binary.BigEndian.Uint16(resp[off+2:]))
		}
		if off+n+plen > dataLen {
			return nil, malformed(what, off+1, "page 0x%02X length %d overruns the mode data", code, plen)
		}
		if code == page && n == 2 {
			return resp[off : off+n+plen], nil
		}
		off += n + plen
	}
	return nil, malformed(what, off, "no page 0x%02X", page)
}

// ParseAddressAssignment parses the Element Address Assignment page,
// starting at its page code byte. Ranges that wrap past address 0xFFFF or
// overlap another type's are ErrMalformed: addresses from such a page
// would name the wrong elements.
func ParseAddressAssignment(page []byte) (AddressAssignment, error) {
	const what = "element address assignment page"
	var a AddressAssignment
	if len(page) < 2 {
		return a, truncated(what, len(page), 0, "%d bytes", len(page))
	}
	if page[0]&0x3F != PageElementAddressAssignment {
		return a, malformed(what, 0, "page code 0x%02X", page[0]&0x3F)
	}
	if plen := int(page[1]); plen < 0x12 {
		return a, malformed(what, 1, "page length %d, want at least 18", plen)
	} else if len(page) < 2+plen {
		return a, truncated(what, len(page), 2+plen, "page length %d, have %d bytes", plen, len(page)-2)
	}
	u := func(i int) int { return int(binary.BigEndian.Uint16(page[i:])) }
	a = AddressAssignment{
		FirstTransport: changer.Address(u(2)), NumTransport: u(4),
		FirstStorage: changer.Address(u(6)), NumStorage: u(8),
		FirstImportExport: changer.Address(u(10)), NumImportExport: u(12),
		FirstDataTransfer: changer.Address(u(14)), NumDataTransfer: u(16),
	}
	type span struct {
		name        string
		first, num  int
		fieldOffset int
	}
	spans := []span{
		{"transport", int(a.FirstTransport), a.NumTransport, 2},
		{"storage", int(a.FirstStorage), a.NumStorage, 6},
		{"import/export", int(a.FirstImportExport), a.NumImportExport, 10},
		{"data transfer", int(a.FirstDataTransfer), a.NumDataTransfer, 14},
	}
	for i, s := range spans {
		if s.first+s.num > 0x10000 {
			return AddressAssignment{}, malformed(what, s.fieldOffset, "%s elements %d+%d run past address 0xFFFF", s.name, s.first, s.num)
		}
		for _, t := range spans[:i] {
			if s.num > 0 && t.num > 0 && s.first < t.first+t.num && t.first < s.first+s.num {
				return AddressAssignment{}, malformed(what, s.fieldOffset, "%s addresses %d–%d overlap %s addresses %d–%d",
					s.name, s.first, s.first+s.num-1, t.name, t.first, t.first+t.num-1)
			}
		}
	}
	return a, nil
}

// Range returns the first address and count of one element type.
func (a AddressAssignment) Range(t changer.ElementType) (first changer.Address, count int, err error) {
	switch t {
	case changer.Transport:
		return a.FirstTransport, a.NumTransport, nil
	case changer.Storage:
		return a.FirstStorage, a.NumStorage, nil
	case changer.ImportExport:
		return a.FirstImportExport, a.NumImportExport, nil
	case changer.DataTransfer:
		return a.FirstDataTransfer, a.NumDataTransfer, nil
	}
	return 0, 0, fmt.Errorf("%w: element type %d", ErrInvalidArgument, t)
}
