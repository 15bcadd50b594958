package scsi

import (
	"encoding/binary"
	"fmt"
)

// OpModeSense6 is the MODE SENSE(6) operation code.
const OpModeSense6 = 0x1A

// ModeSense6 returns the MODE SENSE(6) CDB; libraries (SMC) and older
// drives answer it where MODE SENSE(10) is missing.
func ModeSense6(page, subpage byte, pc PageControl, dbd bool, alloc uint8) []byte {
	return []byte{OpModeSense6, bit(dbd, 3), byte(pc&3)<<6 | page&0x3F, subpage, alloc, 0}
}

// Mode pages a tape driver reads.
const (
	ModePageReadWriteRecovery = 0x01
	ModePageDataCompression   = 0x0F
	ModePageDeviceConfig      = 0x10
	ModePageMediumPartition   = 0x11
	ModePageElementAddress    = 0x1D // SMC element address assignment
	ModePageAll               = 0x3F
)

// ModeParameters is a MODE SENSE response: header, block descriptors and
// mode pages.
type ModeParameters struct {
	MediumType byte
	// DeviceSpecific is the device-specific parameter byte; for tape (SSC)
	// see WriteProtected, BufferedMode and Speed.
	DeviceSpecific byte
	LongLBA        bool
	Blocks         []BlockDescriptor
	Pages          []ModePage
}

// WriteProtected reports the SSC WP bit: the medium is write protected.
func (m *ModeParameters) WriteProtected() bool { return m.DeviceSpecific&0x80 != 0 }

// BufferedMode returns the SSC BUFFERED MODE field (0: unbuffered).
func (m *ModeParameters) BufferedMode() byte { return m.DeviceSpecific >> 4 & 0x07 }

// Speed returns the SSC SPEED field (0: the drive's default).
func (m *ModeParameters) Speed() byte { return m.DeviceSpecific & 0x0F }

// BlockDescriptor is a mode parameter block descriptor. For tape,
// DensityCode names the format (e.g. 0x5C LTO-7… per the drive's REPORT
// DENSITY SUPPORT) and BlockLength 0 means variable-block mode.
type BlockDescriptor struct {
	DensityCode uint8
	Blocks      uint64
	BlockLength uint32
}

// ModePage is one mode page, with its header bits.
type ModePage struct {
	Code    byte
	Subpage byte
	SPF     bool // sub-page format
	PS      bool // parameters saveable
	Data    []byte
}

// Page returns the first mode page with the code and subpage given.
func (m *ModeParameters) Page(code, subpage byte) (ModePage, bool) {
	for _, p := range m.Pages {
		if p.Code == code && p.Subpage == subpage {
			return p, true
		}
	}
	return ModePage{}, false
}

// ParseModeParameters10 decodes a MODE SENSE(10) response.
func ParseModeParameters10(b []byte) (*ModeParameters, error) {
	const what = "MODE SENSE(10) data"
	if len(b) < 8 {
		return nil, truncated(what, len(b))
	}
	end := 2 + int(binary.BigEndian.Uint16(b[0:2]))
	if end > len(b) {
		return nil, truncated(what, len(b))
	}
	m := &ModeParameters{MediumType: b[2], DeviceSpecific: b[3], LongLBA: b[4]&1 != 0}
	return m, parseModeBody(m, b[:end], 8, int(binary.BigEndian.Uint16(b[6:8])), what)
}

// ParseModeParameters6 decodes a MODE SENSE(6) response.
func ParseModeParameters6(b []byte) (*ModeParameters, error) {
	const what = "MODE SENSE(6) data"
	if len(b) < 4 {
		return nil, truncated(what, len(b))
	}
	end := 1 + int(b[0])
	if end > len(b) {
		return nil, truncated(what, len(b))
	}
	m := &ModeParameters{MediumType: b[1], DeviceSpecific: b[2]}
	return m, parseModeBody(m, b[:end], 4, int(b[3]), what)
}

func parseModeBody(m *ModeParameters, b []byte, off, bdLen int, what string) error {
	if off > len(b) {
		return malformed(what, 0, "mode data length %d shorter than the header", len(b))
	}
	if off+bdLen > len(b) {
		return malformed(what, off, "block descriptor length %d crosses the data end", bdLen)
	}
	size := 8
	if m.LongLBA {
		size = 16
	}
	if bdLen%size != 0 {
		return malformed(what, off, "block descriptor length %d is not a multiple of %d", bdLen, size)
	}
	for d := b[off : off+bdLen]; len(d) > 0; d = d[size:] {
		if m.LongLBA {
			m.Blocks = append(m.Blocks, BlockDescriptor{Blocks: binary.BigEndian.Uint64(d), BlockLength: binary.BigEndian.Uint32(d[12:])})
		} else {
			m.Blocks = append(m.Blocks, BlockDescriptor{DensityCode: d[0], Blocks: uint64(d[1])<<16 | uint64(d[2])<<8 | uint64(d[3]), BlockLength: uint32(d[5])<<16 | uint32(d[6])<<8 | uint32(d[7])})
		}
	}
	for off += bdLen; off < len(b); {
		p := ModePage{PS: b[off]&0x80 != 0, SPF: b[off]&0x40 != 0, Code: b[off] & 0x3F}
		var hdr, n int
		if p.SPF {
			if off+4 > len(b) {
				return malformed(what, off, "sub-page header crosses the data end")
			}
			p.Subpage, hdr, n = b[off+1], 4, int(binary.BigEndian.Uint16(b[off+2:]))
		} else {
			if off+2 > len(b) {
				return malformed(what, off, "page header crosses the data end")
			}
			hdr, n = 2, int(b[off+1])
		}
		if off+hdr+n > len(b) {
			return malformed(what, off, "mode page %#02x of %d bytes crosses the data end", p.Code, n)
		}
		p.Data = b[off+hdr : off+hdr+n : off+hdr+n]
		m.Pages = append(m.Pages, p)
		off += hdr + n
	}
	return nil
}

// AppendModeSelect10 appends a MODE SELECT(10) parameter list to dst: the
// header (mode data length and medium type zero, as SPC requires on
// select), one short block descriptor when bd is not nil, and the pages
// (their PS bit cleared). It is what a driver sends to set variable-block
// mode (BlockLength 0) or a density.
func AppendModeSelect10(dst []byte, deviceSpecific byte, bd *BlockDescriptor, pages ...ModePage) ([]byte, error) {
	hdr := make([]byte, 8)
	hdr[3] = deviceSpecific
	if bd != nil {
		if bd.Blocks > max24 || bd.BlockLength > max24 {
			return nil, fmt.Errorf("%w: block descriptor blocks %d, length %d", ErrRange, bd.Blocks, bd.BlockLength)
		}
		hdr[7] = 8
	}
	dst = append(dst, hdr...)
	if bd != nil {
		d := make([]byte, 8)
		d[0] = bd.DensityCode
		put24(d[1:], uint32(bd.Blocks))
		put24(d[5:], bd.BlockLength)
		dst = append(dst, d...)
	}
	for _, p := range pages {
		if p.SPF {
			if len(p.Data) > 0xFFFF {
				return nil, fmt.Errorf("%w: mode page %#02x of %d bytes", ErrRange, p.Code, len(p.Data))
			}
			dst = append(dst, 0x40|p.Code&0x3F, p.Subpage, byte(len(p.Data)>>8), byte(len(p.Data)))
		} else {
			if len(p.Data) > 0xFF {
				return nil, fmt.Errorf("%w: mode page %#02x of %d bytes", ErrRange, p.Code, len(p.Data))
			}
			dst = append(dst, p.Code&0x3F, byte(len(p.Data)))
		}
		dst = append(dst, p.Data...)
	}
	return dst, nil
}
