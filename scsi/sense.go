package scsi

import (
	"encoding/binary"
	"fmt"
)

// SenseKey is the four-bit sense key (SPC-5 table "Sense key descriptions").
type SenseKey byte

// Sense keys.
const (
	KeyNoSense        SenseKey = 0x0
	KeyRecoveredError SenseKey = 0x1
	KeyNotReady       SenseKey = 0x2
	KeyMediumError    SenseKey = 0x3
	KeyHardwareError  SenseKey = 0x4
	KeyIllegalRequest SenseKey = 0x5
	KeyUnitAttention  SenseKey = 0x6
	KeyDataProtect    SenseKey = 0x7
	KeyBlankCheck     SenseKey = 0x8
	KeyVendorSpecific SenseKey = 0x9
	KeyCopyAborted    SenseKey = 0xA
	KeyAbortedCommand SenseKey = 0xB
	KeyVolumeOverflow SenseKey = 0xD
	KeyMiscompare     SenseKey = 0xE
	KeyCompleted      SenseKey = 0xF
)

var keyNames = [16]string{
	"NO SENSE", "RECOVERED ERROR", "NOT READY", "MEDIUM ERROR",
	"HARDWARE ERROR", "ILLEGAL REQUEST", "UNIT ATTENTION", "DATA PROTECT",
	"BLANK CHECK", "VENDOR SPECIFIC", "COPY ABORTED", "ABORTED COMMAND",
	"RESERVED (0xC)", "VOLUME OVERFLOW", "MISCOMPARE", "COMPLETED",
}

func (k SenseKey) String() string {
	if int(k) < len(keyNames) {
		return keyNames[k]
	}
	return fmt.Sprintf("SenseKey(%#x)", byte(k))
}

// Sense is decoded sense data, fixed (response codes 70h/71h) or descriptor
// (72h/73h) format. Fields the device did not return are zero, and their
// Valid flags false.
type Sense struct {
	ResponseCode byte // 0x70, 0x71, 0x72 or 0x73
	// Descriptor reports descriptor format (72h/73h).
	Descriptor bool
	// Deferred reports an error of an earlier command (71h/73h), typically
	// a buffered write that failed after GOOD status was returned.
	Deferred bool
	Key      SenseKey
	ASC      byte
	ASCQ     byte
	// Stream command bits (fixed byte 2, or the stream commands descriptor).
	Filemark, EOM, ILI bool
	// InfoValid reports that Information holds the INFORMATION field. For
	// tape READ, SPACE and WRITE FILEMARKS it is the residue: see Residue.
	InfoValid   bool
	Information uint64
	// CommandSpecific is the COMMAND-SPECIFIC INFORMATION field
	// (CommandSpecificValid reports whether the device returned it).
	CommandSpecificValid bool
	CommandSpecific      uint64
	// FRU is the field replaceable unit code (0: none).
	FRU byte
	// SKSV reports that SenseKeySpecific holds sense-key-specific data (its
	// first byte includes the SKSV bit); see FieldPointer and Progress.
	SKSV             bool
	SenseKeySpecific [3]byte
	// Truncated reports that the buffer ended before the length the
	// device's ADDITIONAL SENSE LENGTH announced; fields past the end are
	// zero. Transports that give a 252-byte buffer never truncate.
	Truncated bool
	// Descriptors are the raw sense data descriptors (descriptor format
	// only), each beginning with its type and additional length bytes.
	Descriptors [][]byte
}

// Residue returns the INFORMATION field as the signed residue SSC uses:
// requested minus actual (blocks, filemarks or, for a variable-block READ
// with ILI, bytes). A negative value after a READ with ILI means the block
// was longer than requested. Fixed-format INFORMATION is 4 bytes, so it is
// sign-extended from 32 bits.
func (s *Sense) Residue() int64 {
	if s.Descriptor {
		return int64(s.Information)
	}
	return int64(int32(uint32(s.Information)))
}

// FieldPointer decodes the sense-key-specific field pointer of an ILLEGAL
// REQUEST: the byte (and, when bitValid, the bit) of the CDB (inCDB) or of
// the parameter data that was rejected. ok is false when not present.
func (s *Sense) FieldPointer() (inCDB, bitValid bool, bit uint8, field uint16, ok bool) {
	if !s.SKSV || s.Key != KeyIllegalRequest {
		return false, false, 0, 0, false
	}
	b := s.SenseKeySpecific
	return b[0]&0x40 != 0, b[0]&0x08 != 0, b[0] & 0x07, binary.BigEndian.Uint16(b[1:]), true
}

// Progress decodes the sense-key-specific progress indication that NOT
// READY and NO SENSE may carry during a long operation (format, erase,
// locate with IMMED): done out of 65536. ok is false when not present.
func (s *Sense) Progress() (done uint16, ok bool) {
	if !s.SKSV || (s.Key != KeyNotReady && s.Key != KeyNoSense) {
		return 0, false
	}
	return binary.BigEndian.Uint16(s.SenseKeySpecific[1:]), true
}

// Sense data descriptor types (SPC-5 table "Sense data descriptor types").
const (
	DescInformation      = 0x00
	DescCommandSpecific  = 0x01
	DescSenseKeySpecific = 0x02
	DescFRU              = 0x03
	DescStreamCommands   = 0x04
	DescBlockCommands    = 0x05
)

const senseWhat = "sense data"

// DecodeSense decodes sense data in fixed or descriptor format. It reads
// only the bytes the ADDITIONAL SENSE LENGTH announces, so a padded buffer
// decodes the same as an exact one. A buffer shorter than the 8-byte header
// or with an unknown response code is an error (*ParseError wrapping
// ErrTruncated or ErrMalformed); a buffer that ends inside the additional
// bytes decodes what is there and sets Truncated.
func DecodeSense(b []byte) (*Sense, error) {
	if len(b) == 0 {
		return nil, truncated(senseWhat, 0)
	}
	s := &Sense{ResponseCode: b[0] & 0x7F}
	switch s.ResponseCode {
	case 0x70, 0x71:
	case 0x72, 0x73:
		s.Descriptor = true
	default:
		return nil, malformed(senseWhat, 0, "response code %#02x is not 70h-73h", s.ResponseCode)
	}
	s.Deferred = s.ResponseCode == 0x71 || s.ResponseCode == 0x73
	if len(b) < 8 {
		return nil, truncated(senseWhat, len(b))
	}
	n := 8 + int(b[7])
	if n > len(b) {
		n = len(b)
		s.Truncated = true
	}
	b = b[:n]
	if s.Descriptor {
		decodeDescriptorSense(s, b)
	} else {
		decodeFixedSense(s, b)
	}
	return s, nil
}

func decodeFixedSense(s *Sense, b []byte) {
	s.InfoValid = b[0]&0x80 != 0
	s.Filemark = b[2]&0x80 != 0
	s.EOM = b[2]&0x40 != 0
	s.ILI = b[2]&0x20 != 0
	s.Key = SenseKey(b[2] & 0x0F)
	s.Information = uint64(binary.BigEndian.Uint32(b[3:7]))
	if len(b) >= 12 {
		s.CommandSpecificValid = true
		s.CommandSpecific = uint64(binary.BigEndian.Uint32(b[8:12]))
	}
	if len(b) >= 13 {
		s.ASC = b[12]
	}
	if len(b) >= 14 {
		s.ASCQ = b[13]
	}
	if len(b) >= 15 {
		s.FRU = b[14]
	}
	if len(b) >= 18 {
		copy(s.SenseKeySpecific[:], b[15:18])
		s.SKSV = b[15]&0x80 != 0
	}
}

func decodeDescriptorSense(s *Sense, b []byte) {
	s.Key = SenseKey(b[1] & 0x0F)
	s.ASC = b[2]
	s.ASCQ = b[3]
	for off := 8; off+2 <= len(b); {
		end := off + 2 + int(b[off+1])
		if end > len(b) {
			s.Truncated = true
			return
		}
		d := b[off:end]
		s.Descriptors = append(s.Descriptors, d)
		switch d[0] {
		case DescInformation:
			if len(d) >= 12 {
				s.InfoValid = d[2]&0x80 != 0
				s.Information = binary.BigEndian.Uint64(d[4:12])
			}
		case DescCommandSpecific:
			if len(d) >= 12 {
				s.CommandSpecificValid = true
				s.CommandSpecific = binary.BigEndian.Uint64(d[4:12])
			}
		case DescSenseKeySpecific:
			if len(d) >= 7 {
				copy(s.SenseKeySpecific[:], d[4:7])
				s.SKSV = d[4]&0x80 != 0
			}
		case DescFRU:
			if len(d) >= 4 {
				s.FRU = d[3]
			}
		case DescStreamCommands:
			if len(d) >= 4 {
				s.Filemark = d[3]&0x80 != 0
				s.EOM = d[3]&0x40 != 0
				s.ILI = d[3]&0x20 != 0
			}
		case DescBlockCommands:
			if len(d) >= 4 {
				s.ILI = d[3]&0x20 != 0
			}
		}
		off = end
	}
}
