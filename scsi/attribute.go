package scsi

import (
	"encoding/binary"
	"fmt"
)

// AttrFormat is the format of a MAM attribute value.
type AttrFormat byte

// Attribute formats (SPC-5).
const (
	AttrBinary AttrFormat = 0
	AttrASCII  AttrFormat = 1
	AttrText   AttrFormat = 2
)

// Attribute is one medium auxiliary memory (cartridge memory) attribute.
type Attribute struct {
	ID       uint16
	ReadOnly bool
	Format   AttrFormat
	Value    []byte
}

// String returns the value as text for ASCII and text attributes (padding
// removed) and as a number or hex for binary ones.
func (a Attribute) String() string {
	switch a.Format {
	case AttrASCII, AttrText:
		return asciiField(a.Value)
	}
	if v, ok := a.Uint(); ok {
		return fmt.Sprint(v)
	}
	return fmt.Sprintf("%x", a.Value)
}

// Uint returns a binary value of 1 to 8 bytes as a big-endian number.
func (a Attribute) Uint() (uint64, bool) {
	if a.Format != AttrBinary || len(a.Value) == 0 || len(a.Value) > 8 {
		return 0, false
	}
	var v uint64
	for _, b := range a.Value {
		v = v<<8 | uint64(b)
	}
	return v, true
}

// Well-known attribute identifiers (SPC-5 MAM attributes).
const (
	AttrRemainingCapacity   = 0x0000 // MiB left in the partition
	AttrMaximumCapacity     = 0x0001 // MiB, native capacity of the partition
	AttrTapeAlertFlags      = 0x0002
	AttrLoadCount           = 0x0003
	AttrMAMSpaceRemaining   = 0x0004
	AttrFormatDensityCode   = 0x0006
	AttrInitializationCount = 0x0007
	AttrVolumeChangeRef     = 0x0009
	AttrLastLoadDevice      = 0x020A // vendor and serial of the drive of the last load
	AttrMBWrittenLife       = 0x0220
	AttrMBReadLife          = 0x0221
	AttrMBWrittenLoad       = 0x0222
	AttrMBReadLoad          = 0x0223
	AttrMediumManufacturer  = 0x0400
	AttrMediumSerial        = 0x0401
	AttrMediumLength        = 0x0402
	AttrMediumWidth         = 0x0403
	AttrAssigningOrg        = 0x0404
	AttrMediumDensityCode   = 0x0405
	AttrManufactureDate     = 0x0406
	AttrMAMCapacity         = 0x0407
	AttrMediumType          = 0x0408
	AttrMediumTypeInfo      = 0x0409
	AttrApplicationVendor   = 0x0800
	AttrApplicationName     = 0x0801
	AttrApplicationVersion  = 0x0802
	AttrUserMediumTextLabel = 0x0803
	AttrLastWritten         = 0x0804
	AttrBarcode             = 0x0806
	AttrOwningHost          = 0x0807
	AttrMediaPool           = 0x0808
	AttrApplicationFormat   = 0x080B
	AttrVolumeCoherency     = 0x080C
	AttrMediumGUID          = 0x0820
	AttrMediaPoolGUID       = 0x0821
)

var attrNames = map[uint16]string{
	0x0000: "Remaining capacity in partition", 0x0001: "Maximum capacity in partition",
	0x0002: "TapeAlert flags", 0x0003: "Load count", 0x0004: "MAM space remaining",
	0x0005: "Assigning organization", 0x0006: "Format density code", 0x0007: "Initialization count",
	0x0008: "Volume identifier", 0x0009: "Volume change reference",
	0x020A: "Device vendor/serial number at last load", 0x020B: "Device vendor/serial number at load-1",
	0x020C: "Device vendor/serial number at load-2", 0x020D: "Device vendor/serial number at load-3",
	0x0220: "Total MBytes written in medium life", 0x0221: "Total MBytes read in medium life",
	0x0222: "Total MBytes written in current/last load", 0x0223: "Total MBytes read in current/last load",
	0x0224: "Logical position of first encrypted block", 0x0225: "Logical position of first unencrypted block after the first encrypted block",
	0x0340: "Medium usage history", 0x0341: "Partition usage history",
	0x0400: "Medium manufacturer", 0x0401: "Medium serial number", 0x0402: "Medium length",
	0x0403: "Medium width", 0x0404: "Assigning organization", 0x0405: "Medium density code",
	0x0406: "Medium manufacture date", 0x0407: "MAM capacity", 0x0408: "Medium type",
	0x0409: "Medium type information", 0x040A: "Numeric medium serial number",
	0x0800: "Application vendor", 0x0801: "Application name", 0x0802: "Application version",
	0x0803: "User medium text label", 0x0804: "Date and time last written",
	0x0805: "Text localization identifier", 0x0806: "Barcode", 0x0807: "Owning host textual name",
	0x0808: "Media pool", 0x0809: "Partition user text label", 0x080A: "Load/unload at partition",
	0x080B: "Application format version", 0x080C: "Volume coherency information",
	0x0820: "Medium globally unique identifier", 0x0821: "Media pool globally unique identifier",
}

// AttributeName returns the standard name of an attribute identifier, or
// a description of its range for vendor and unknown identifiers.
func AttributeName(id uint16) string {
	if n, ok := attrNames[id]; ok {
		return n
	}
	switch {
	case id >= 0x1000 && id <= 0x13FF:
		return fmt.Sprintf("Vendor-specific medium attribute %04Xh", id)
	case id >= 0x1400 && id <= 0x17FF:
		return fmt.Sprintf("Vendor-specific host attribute %04Xh", id)
	}
	return fmt.Sprintf("Attribute %04Xh", id)
}

// ParseAttributes decodes READ ATTRIBUTE data for the ATTRIBUTE VALUES
// service action: a 4-byte available-data length and attributes. Only
// complete attributes are returned; a list cut short by the allocation
// length is ErrTruncated (allocate more, or start again at the next id).
func ParseAttributes(b []byte) ([]Attribute, error) {
	const what = "READ ATTRIBUTE data"
	if len(b) < 4 {
		return nil, truncated(what, len(b))
	}
	end := 4 + int(binary.BigEndian.Uint32(b))
	if end < 4 || end > len(b) {
		return nil, truncated(what, len(b))
	}
	var as []Attribute
	for off := 4; off < end; {
		if off+5 > end {
			return nil, malformed(what, off, "attribute header crosses the data end")
		}
		n := int(binary.BigEndian.Uint16(b[off+3:]))
		if off+5+n > end {
			return nil, malformed(what, off, "attribute %04Xh of %d bytes crosses the data end", binary.BigEndian.Uint16(b[off:]), n)
		}
		as = append(as, Attribute{
			ID:       binary.BigEndian.Uint16(b[off:]),
			ReadOnly: b[off+2]&0x80 != 0,
			Format:   AttrFormat(b[off+2] & 0x03),
			Value:    append([]byte(nil), b[off+5:off+5+n]...),
		})
		off += 5 + n
	}
	return as, nil
}

// ParseAttributeList decodes READ ATTRIBUTE data for the ATTRIBUTE LIST
// and SUPPORTED ATTRIBUTES service actions: attribute identifiers.
func ParseAttributeList(b []byte) ([]uint16, error) {
	const what = "READ ATTRIBUTE list"
	if len(b) < 4 {
		return nil, truncated(what, len(b))
	}
	end := 4 + int(binary.BigEndian.Uint32(b))
	if end < 4 || end > len(b) {
		return nil, truncated(what, len(b))
	}
	if (end-4)%2 != 0 {
		return nil, malformed(what, 0, "odd list length %d", end-4)
	}
	ids := make([]uint16, 0, (end-4)/2)
	for off := 4; off < end; off += 2 {
		ids = append(ids, binary.BigEndian.Uint16(b[off:]))
	}
	return ids, nil
}

// AppendAttributes appends a WRITE ATTRIBUTE parameter list holding attrs
// to dst (the read-only bit is not sent).
func AppendAttributes(dst []byte, attrs ...Attribute) ([]byte, error) {
	n := 0
	for _, a := range attrs {
		if len(a.Value) > 0xFFFF {
			return nil, fmt.Errorf("%w: attribute %04Xh of %d bytes", ErrRange, a.ID, len(a.Value))
		}
		n += 5 + len(a.Value)
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(n))
	for _, a := range attrs {
		dst = binary.BigEndian.AppendUint16(dst, a.ID)
		dst = append(dst, byte(a.Format&0x03))
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(a.Value)))
		dst = append(dst, a.Value...)
	}
	return dst, nil
}
