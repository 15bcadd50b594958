package scsi

import "encoding/binary"

// Operation codes of the SPC commands built here.
const (
	OpTestUnitReady        = 0x00
	OpRequestSense         = 0x03
	OpInquiry              = 0x12
	OpModeSelect10         = 0x55
	OpModeSense10          = 0x5A
	OpLogSense             = 0x4D
	OpPreventAllow         = 0x1E
	OpMaintenanceIn        = 0xA3
	OpReadAttribute        = 0x8C
	OpWriteAttribute       = 0x8D
	saReportSupportedOpcds = 0x0C
)

// TestUnitReady returns the 6-byte TEST UNIT READY CDB.
func TestUnitReady() []byte { return make([]byte, 6) }

// RequestSense returns the REQUEST SENSE CDB; desc asks for descriptor
// format sense. alloc is the buffer size (252 is the SPC maximum).
func RequestSense(desc bool, alloc uint8) []byte {
	return []byte{OpRequestSense, bit(desc, 0), 0, 0, alloc, 0}
}

// Inquiry returns the INQUIRY CDB: standard data when evpd is false (page
// must then be 0), or the vital product data page when true.
func Inquiry(evpd bool, page byte, alloc uint16) []byte {
	c := []byte{OpInquiry, bit(evpd, 0), page, 0, 0, 0}
	binary.BigEndian.PutUint16(c[3:], alloc)
	return c
}

// PageControl selects which values MODE SENSE or LOG SENSE return.
type PageControl byte

// Page control values. For MODE SENSE: current, changeable, default,
// saved. For LOG SENSE: 0 threshold, 1 cumulative (the usual), 2 default
// threshold, 3 default cumulative.
const (
	PCCurrent    PageControl = 0
	PCChangeable PageControl = 1
	PCDefault    PageControl = 2
	PCSaved      PageControl = 3

	PCLogCumulative PageControl = 1
)

// LogSense returns the LOG SENSE CDB for page/subpage, page control pc,
// starting at parameter code paramPointer.
func LogSense(page, subpage byte, pc PageControl, paramPointer, alloc uint16) []byte {
	c := make([]byte, 10)
	c[0] = OpLogSense
	c[2] = byte(pc&3)<<6 | page&0x3F
	c[3] = subpage
	binary.BigEndian.PutUint16(c[5:], paramPointer)
	binary.BigEndian.PutUint16(c[7:], alloc)
	return c
}

// ModeSense10 returns the MODE SENSE(10) CDB. dbd disables block
// descriptors; tape drivers leave it false to read density, block length
// and the write-protect bit.
func ModeSense10(page, subpage byte, pc PageControl, dbd bool, alloc uint16) []byte {
	c := make([]byte, 10)
	c[0] = OpModeSense10
	c[1] = bit(dbd, 3)
	c[2] = byte(pc&3)<<6 | page&0x3F
	c[3] = subpage
	binary.BigEndian.PutUint16(c[7:], alloc)
	return c
}

// ModeSelect10 returns the MODE SELECT(10) CDB for a parameter list of
// length bytes; pf says the pages follow the standard page format, sp
// asks the device to save them.
func ModeSelect10(pf, sp bool, length uint16) []byte {
	c := make([]byte, 10)
	c[0] = OpModeSelect10
	c[1] = bit(pf, 4) | bit(sp, 0)
	binary.BigEndian.PutUint16(c[7:], length)
	return c
}

// PreventAllowMediumRemoval returns the PREVENT ALLOW MEDIUM REMOVAL CDB:
// prevent true locks the cartridge in the drive.
func PreventAllowMediumRemoval(prevent bool) []byte {
	return []byte{OpPreventAllow, 0, 0, 0, bit(prevent, 0), 0}
}

// Reporting options of REPORT SUPPORTED OPERATION CODES.
const (
	ReportAllCommands = 0 // every command, in the all_commands format
	ReportOneCommand  = 1 // one operation code without service action
	ReportOneAction   = 2 // one operation code with service action
)

// ReportSupportedOpcodes returns the 12-byte REPORT SUPPORTED OPERATION
// CODES CDB (MAINTENANCE IN, service action 0Ch). rctd asks for command
// timeout descriptors.
func ReportSupportedOpcodes(options byte, rctd bool, opcode byte, sa uint16, alloc uint32) []byte {
	c := make([]byte, 12)
	c[0] = OpMaintenanceIn
	c[1] = saReportSupportedOpcds
	c[2] = bit(rctd, 7) | options&0x07
	c[3] = opcode
	binary.BigEndian.PutUint16(c[4:], sa)
	binary.BigEndian.PutUint32(c[6:], alloc)
	return c
}

// Service actions of READ ATTRIBUTE.
const (
	AttrValues        = 0x00
	AttrList          = 0x01
	AttrVolumeList    = 0x02
	AttrPartitionList = 0x03
	AttrSupported     = 0x05
)

// ReadAttribute returns the 16-byte READ ATTRIBUTE CDB (SPC-4): service
// action sa, for a logical volume and partition, starting at attribute
// first.
func ReadAttribute(sa byte, volume, partition byte, first uint16, alloc uint32, cache bool) []byte {
	c := make([]byte, 16)
	c[0] = OpReadAttribute
	c[1] = sa & 0x1F
	c[5] = volume
	c[7] = partition
	binary.BigEndian.PutUint16(c[8:], first)
	binary.BigEndian.PutUint32(c[10:], alloc)
	c[14] = bit(cache, 0)
	return c
}

// WriteAttribute returns the 16-byte WRITE ATTRIBUTE CDB for a parameter
// list of length bytes (see AppendAttribute); wtc asks for write-through.
func WriteAttribute(wtc bool, volume, partition byte, length uint32) []byte {
	c := make([]byte, 16)
	c[0] = OpWriteAttribute
	c[1] = bit(wtc, 0)
	c[5] = volume
	c[7] = partition
	binary.BigEndian.PutUint32(c[10:], length)
	return c
}

func bit(b bool, n uint) byte {
	if b {
		return 1 << n
	}
	return 0
}
