package scsi

import "encoding/binary"

// BlockLimits is the READ BLOCK LIMITS response.
type BlockLimits struct {
	// Granularity: supported block lengths are multiples of 2^Granularity.
	Granularity uint8
	MaxLength   uint32 // 0: no limit stated
	MinLength   uint16
}

// ParseBlockLimits decodes the 6-byte READ BLOCK LIMITS data.
func ParseBlockLimits(b []byte) (*BlockLimits, error) {
	if len(b) < 6 {
		return nil, truncated("READ BLOCK LIMITS data", len(b))
	}
	return &BlockLimits{
		Granularity: b[0] & 0x1F,
		MaxLength:   uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]),
		MinLength:   binary.BigEndian.Uint16(b[4:]),
	}, nil
}

// Density is one density support descriptor of REPORT DENSITY SUPPORT.
type Density struct {
	PrimaryCode, SecondaryCode byte
	WriteOK                    bool // WRTOK: the drive writes this density
	Duplicate                  bool // DUP: also reported under another code
	Default                    bool // DEFLT: the drive's default density
	BitsPerMM                  uint32
	MediaWidth                 uint16 // tenths of a millimetre
	Tracks                     uint16
	Capacity                   uint32 // megabytes (10^6 bytes)
	Organization               string // assigning organization, e.g. "LTO-CVE"
	Name                       string // density name, e.g. "U-832"
	Description                string
}

const densityDescLen = 52

// ParseDensitySupport decodes REPORT DENSITY SUPPORT data for density
// codes (MEDIUM TYPE bit zero): a 4-byte header and 52-byte descriptors.
func ParseDensitySupport(b []byte) ([]Density, error) {
	const what = "REPORT DENSITY SUPPORT data"
	if len(b) < 4 {
		return nil, truncated(what, len(b))
	}
	end := 2 + int(binary.BigEndian.Uint16(b))
	if end > len(b) {
		return nil, truncated(what, len(b))
	}
	if end < 4 || (end-4)%densityDescLen != 0 {
		return nil, malformed(what, 0, "descriptor length %d is not a multiple of %d", end-4, densityDescLen)
	}
	var ds []Density
	for off := 4; off < end; off += densityDescLen {
		d := b[off : off+densityDescLen]
		ds = append(ds, Density{
			PrimaryCode:   d[0],
			SecondaryCode: d[1],
			WriteOK:       d[2]&0x80 != 0,
			Duplicate:     d[2]&0x40 != 0,
			Default:       d[2]&0x20 != 0,
			BitsPerMM:     uint32(d[5])<<16 | uint32(d[6])<<8 | uint32(d[7]),
			MediaWidth:    binary.BigEndian.Uint16(d[8:]),
			Tracks:        binary.BigEndian.Uint16(d[10:]),
			Capacity:      binary.BigEndian.Uint32(d[12:]),
			Organization:  asciiField(d[16:24]),
			Name:          asciiField(d[24:32]),
			Description:   asciiField(d[32:52]),
		})
	}
	return ds, nil
}
