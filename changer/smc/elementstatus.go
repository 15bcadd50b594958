package smc

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"

	"github.com/tapekit/tapekit/changer"
)

// Descriptor is one element descriptor of a READ ELEMENT STATUS response:
// the changer.Element plus what only SMC reports.
type Descriptor struct {
	changer.Element
	// ImpExp: the cartridge in an I/E element was placed by an operator
	// (true) or by the robot (false).
	ImpExp bool
	// InEnab and ExEnab: the I/E element can import, export.
	InEnab, ExEnab bool
	// Invert: the cartridge was turned over on its last move.
	Invert bool
	// MediumType is SMC-3's medium type code (0 unspecified, 1 data,
	// 2 cleaning, 3 diagnostic, 4 WORM).
	MediumType uint8
	// VolumeSeq and AltVolumeSeq are the volume sequence numbers that
	// follow each 32-byte volume identifier.
	VolumeSeq, AltVolumeSeq uint16
	// Identifier is the raw device identifier (DVCID) of a data transfer
	// element, with its code set and identifier type.
	Identifier      []byte
	CodeSet, IDType uint8
}

const (
	headerLen     = 8  // element status data header
	pageHeaderLen = 8  // element status page header
	baseDescLen   = 12 // address, flags, ASC/ASCQ, source: every descriptor
	volTagLen     = 36 // 32-byte volume identifier, 2 reserved, 2 sequence
	idHeaderLen   = 4  // code set, identifier type, reserved, length
)

// ParseElementStatus parses a READ ELEMENT STATUS response (SMC-3 6.11.2):
// the element status data header, then one element status page per
// element type, each a run of equal-length element descriptors.
//
// It trusts nothing: a response shorter than its byte count says is
// ErrTruncated (with Need set: ask again with a larger allocation length),
// and page lengths that disagree with the header or with the descriptor
// length, descriptors too short for the volume tags the page announces,
// identifiers that overrun their descriptor, unknown element types,
// duplicate addresses and unprintable volume tags are ErrMalformed. Bytes
// after the reported byte count (the rest of the allocation) are ignored.
func ParseElementStatus(b []byte) ([]Descriptor, error) {
	const what = "element status data"
	if len(b) < headerLen {
		return nil, truncated(what, len(b), 0, "%d bytes, need the %d-byte header", len(b), headerLen)
	}
	nElems := int(binary.BigEndian.Uint16(b[2:]))
	byteCount := int(b[5])<<16 | int(b[6])<<8 | int(b[7])
	end := headerLen + byteCount
	if end > len(b) {
		return nil, truncated(what, len(b), end, "byte count of report available is %d, have %d", byteCount, len(b)-headerLen)
	}
	var out []Descriptor
	seen := make(map[changer.Address]bool)
	for off := headerLen; off < end; {
		what := fmt.Sprintf("element status page at byte %d", off)
		if end-off < pageHeaderLen {
			return nil, malformed(what, off, "%d bytes left, need an %d-byte page header", end-off, pageHeaderLen)
		}
		p := b[off : off+pageHeaderLen]
		typ := changer.ElementType(p[0] & 0x0F)
		if p[0]&0xF0 != 0 || typ < changer.Transport || typ > changer.DataTransfer {
			return nil, malformed(what, off, "element type code 0x%02X", p[0])
		}
		pvol, avol := p[1]&0x80 != 0, p[1]&0x40 != 0
		descLen := int(binary.BigEndian.Uint16(p[2:]))
		pageBytes := int(p[5])<<16 | int(p[6])<<8 | int(p[7])
		off += pageHeaderLen
		if pageBytes > end-off {
			return nil, malformed(what, off, "page byte count %d overruns the report (%d bytes left)", pageBytes, end-off)
		}
		need := baseDescLen
		if pvol {
			need += volTagLen
		}
		if avol {
			need += volTagLen
		}
		if pageBytes > 0 && descLen < need {
			return nil, malformed(what, off, "descriptor length %d is less than the %d bytes its fields need", descLen, need)
		}
		if pageBytes > 0 && pageBytes%descLen != 0 {
			return nil, malformed(what, off, "page byte count %d is not a multiple of descriptor length %d", pageBytes, descLen)
		}
		for d := off; d < off+pageBytes; d += descLen {
			desc, err := parseDescriptor(b[d:d+descLen], d, typ, pvol, avol)
			if err != nil {
				return nil, err
			}
			if seen[desc.Address] {
				return nil, malformed("element descriptor", d, "address %d reported twice", desc.Address)
			}
			seen[desc.Address] = true
			out = append(out, desc)
		}
		off += pageBytes
	}
	if len(out) != nElems {
		return nil, malformed(what, 2, "header says %d elements, pages hold %d", nElems, len(out))
	}
	return out, nil
}

func parseDescriptor(d []byte, off int, typ changer.ElementType, pvol, avol bool) (Descriptor, error) {
	flags := d[2]
	e := Descriptor{
		Element: changer.Element{
			Type:        typ,
			Address:     changer.Address(binary.BigEndian.Uint16(d[0:])),
			Full:        flags&0x01 != 0,
			Exception:   flags&0x04 != 0,
			ASC:         d[4],
			ASCQ:        d[5],
			SourceValid: d[9]&0x80 != 0,
			Source:      changer.Address(binary.BigEndian.Uint16(d[10:])),
		},
		Invert:     d[9]&0x40 != 0,
		MediumType: d[9] & 0x07,
	}
	switch typ {
	case changer.Transport:
		// The transport has no ACCESS bit: it is the robot itself.
		e.Accessible = true
	case changer.ImportExport:
		e.ImpExp = flags&0x02 != 0
		e.InEnab = flags&0x20 != 0
		e.ExEnab = flags&0x10 != 0
		fallthrough
	default:
		e.Accessible = flags&0x08 != 0
	}
	if !e.SourceValid {
		e.Source = 0
	}
	p := baseDescLen
	var err error
	if pvol {
		if e.Barcode, e.VolumeSeq, err = volumeTag(d[p:p+volTagLen], off+p); err != nil {
			return e, err
		}
		p += volTagLen
	}
	if avol {
		if e.AltBarcode, e.AltVolumeSeq, err = volumeTag(d[p:p+volTagLen], off+p); err != nil {
			return e, err
		}
		p += volTagLen
	}
	// SMC-3 descriptors end with a device identifier header; older
	// (SMC-2) libraries stop before it. Anything after the identifier is
	// vendor specific.
	if len(d)-p >= idHeaderLen {
		e.CodeSet, e.IDType = d[p]&0x0F, d[p+1]&0x0F
		n := int(d[p+3])
		if p+idHeaderLen+n > len(d) {
			return e, malformed("element descriptor", off+p+3, "identifier length %d overruns the %d-byte descriptor", n, len(d))
		}
		if n > 0 {
			e.Identifier = bytes.Clone(d[p+idHeaderLen : p+idHeaderLen+n])
			if typ == changer.DataTransfer {
				e.DriveSerial = serial(e.CodeSet, e.IDType, e.Identifier)
			}
		}
	}
	return e, nil
}

// volumeTag decodes a 36-byte volume tag field: a volume identifier left
// aligned and padded with spaces (some libraries pad with NULs), two
// reserved bytes, and a sequence number.
func volumeTag(f []byte, off int) (string, uint16, error) {
	id := bytes.TrimRight(f[:32], " \x00")
	for i, c := range id {
		if c < 0x20 || c > 0x7E {
			return "", 0, malformed("volume tag", off+i, "byte 0x%02X in volume identifier %q", c, id)
		}
	}
	return string(id), binary.BigEndian.Uint16(f[34:]), nil
}

// serial extracts a drive serial number from a device identifier. A T10
// vendor identification (type 1) is 8 bytes of vendor, 16 of product and
// then the serial number; libraries that report only a serial use type 0
// or a short type 1. Binary identifiers (code set 1) are shown in hex.
func serial(codeSet, idType uint8, id []byte) string {
	if codeSet == 1 {
		return fmt.Sprintf("%X", id)
	}
	if idType == 1 && len(id) > 24 {
		id = id[24:]
	}
	s := bytes.Trim(id, " \x00")
	for _, c := range s {
		if c < 0x20 || c > 0x7E {
			return hex.EncodeToString(s)
		}
	}
	return string(s)
}

// Elements returns the changer.Element of each descriptor.
func Elements(ds []Descriptor) changer.Inventory {
	inv := make(changer.Inventory, len(ds))
	for i, d := range ds {
		inv[i] = d.Element
	}
	return inv
}
