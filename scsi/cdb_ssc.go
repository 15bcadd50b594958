package scsi

import (
	"encoding/binary"
	"fmt"
)

// Operation codes of the SSC commands built here.
const (
	OpRewind               = 0x01
	OpReadBlockLimits      = 0x05
	OpRead6                = 0x08
	OpWrite6               = 0x0A
	OpWriteFilemarks6      = 0x10
	OpSpace6               = 0x11
	OpErase6               = 0x19
	OpLoadUnload           = 0x1B
	OpLocate10             = 0x2B
	OpReadPosition         = 0x34
	OpReportDensitySupport = 0x44
	OpSpace16              = 0x91
	OpLocate16             = 0x92
)

const max24 = 1<<24 - 1

func put24(b []byte, v uint32) { b[0], b[1], b[2] = byte(v>>16), byte(v>>8), byte(v) }

// Read6 returns the READ(6) CDB. In variable-block mode (fixed false) n is
// the byte count of the one block to read; sili suppresses the ILI
// CHECK CONDITION for a block shorter than n (a longer one still reports
// ILI). In fixed-block mode n counts blocks. n must fit in 24 bits.
func Read6(n int, fixed, sili bool) ([]byte, error) {
	if n < 0 || n > max24 {
		return nil, fmt.Errorf("%w: READ(6) transfer length %d", ErrRange, n)
	}
	c := []byte{OpRead6, bit(sili, 1) | bit(fixed, 0), 0, 0, 0, 0}
	put24(c[2:], uint32(n))
	return c, nil
}

// Write6 returns the WRITE(6) CDB: n bytes as one block (variable mode) or
// n blocks (fixed mode). n must fit in 24 bits.
func Write6(n int, fixed bool) ([]byte, error) {
	if n < 0 || n > max24 {
		return nil, fmt.Errorf("%w: WRITE(6) transfer length %d", ErrRange, n)
	}
	c := []byte{OpWrite6, bit(fixed, 0), 0, 0, 0, 0}
	put24(c[2:], uint32(n))
	return c, nil
}

// WriteFilemarks6 returns the WRITE FILEMARKS(6) CDB. With immed false the
// drive first writes its buffer to the medium (a synchronising filemark);
// with immed true it returns at once. count 0 with immed false flushes.
func WriteFilemarks6(count int, immed bool) ([]byte, error) {
	if count < 0 || count > max24 {
		return nil, fmt.Errorf("%w: WRITE FILEMARKS count %d", ErrRange, count)
	}
	c := []byte{OpWriteFilemarks6, bit(immed, 0), 0, 0, 0, 0}
	put24(c[2:], uint32(count))
	return c, nil
}

// SpaceCode says what SPACE counts.
type SpaceCode byte

// Space codes (SSC-5). Codes 2 (sequential filemarks) and 4 (setmarks) are
// obsolete and not offered.
const (
	SpaceBlocks    SpaceCode = 0
	SpaceFilemarks SpaceCode = 1
	SpaceEndOfData SpaceCode = 3
)

// Space6 returns the SPACE(6) CDB. count is signed (negative spaces toward
// the beginning) and must fit in 24 bits two's complement; it is ignored
// for SpaceEndOfData.
func Space6(code SpaceCode, count int64) ([]byte, error) {
	if count < -(1<<23) || count > 1<<23-1 {
		return nil, fmt.Errorf("%w: SPACE(6) count %d", ErrRange, count)
	}
	c := []byte{OpSpace6, byte(code) & 0x0F, 0, 0, 0, 0}
	put24(c[2:], uint32(count)&max24)
	return c, nil
}

// Space16 returns the SPACE(16) CDB with a 64-bit signed count.
func Space16(code SpaceCode, count int64) []byte {
	c := make([]byte, 16)
	c[0] = OpSpace16
	c[1] = byte(code) & 0x0F
	binary.BigEndian.PutUint64(c[4:], uint64(count))
	return c
}

// LocateDest says what LOCATE(16) moves to.
type LocateDest byte

// LOCATE(16) destination types (SSC-5).
const (
	LocateObject    LocateDest = 0 // a logical object identifier
	LocateFile      LocateDest = 1 // a logical file identifier
	LocateEndOfData LocateDest = 3 // end of data in the partition
)

// Locate10 returns the LOCATE(10) CDB. changePartition (CP) moves to
// partition first; otherwise partition must be 0. immed returns before the
// positioning is done. object must fit in 32 bits.
func Locate10(object int64, partition byte, changePartition, immed bool) ([]byte, error) {
	if object < 0 || object > 1<<32-1 {
		return nil, fmt.Errorf("%w: LOCATE(10) object %d", ErrRange, object)
	}
	c := make([]byte, 10)
	c[0] = OpLocate10
	c[1] = bit(changePartition, 1) | bit(immed, 0)
	binary.BigEndian.PutUint32(c[3:], uint32(object))
	c[8] = partition
	return c, nil
}

// Locate16 returns the LOCATE(16) CDB to a logical object, file or end of
// data (id ignored then), in partition when changePartition (CP) is set.
func Locate16(dest LocateDest, id uint64, partition byte, changePartition, immed bool) []byte {
	c := make([]byte, 16)
	c[0] = OpLocate16
	c[1] = byte(dest&7)<<3 | bit(changePartition, 1) | bit(immed, 0)
	c[3] = partition
	binary.BigEndian.PutUint64(c[4:], id)
	return c
}

// READ POSITION service actions.
const (
	PositionShort    = 0x00 // 20 bytes, block identifiers
	PositionLong     = 0x06 // 32 bytes, object and file identifiers
	PositionExtended = 0x08 // 32 bytes, with additional length
)

// ReadPosition returns the 10-byte READ POSITION CDB. The allocation
// length field is used by the extended form only (SSC: it is zero for the
// short and long forms), so alloc is ignored for them.
func ReadPosition(sa byte, alloc uint16) []byte {
	c := make([]byte, 10)
	c[0] = OpReadPosition
	c[1] = sa & 0x1F
	if sa == PositionExtended {
		binary.BigEndian.PutUint16(c[7:], alloc)
	}
	return c
}

// Rewind returns the REWIND CDB.
func Rewind(immed bool) []byte { return []byte{OpRewind, bit(immed, 0), 0, 0, 0, 0} }

// LoadUnloadOptions are the bits of LOAD UNLOAD.
type LoadUnloadOptions struct {
	Load  bool // load (true) or unload (false)
	Reten bool // retension: wind to the end and back
	EOT   bool // unload at end of tape (only with Load false)
	Hold  bool // keep the cartridge in the drive (load: no thread; unload: no eject)
	Immed bool
}

// LoadUnload returns the LOAD UNLOAD CDB.
func LoadUnload(o LoadUnloadOptions) []byte {
	return []byte{OpLoadUnload, bit(o.Immed, 0), 0, 0,
		bit(o.Hold, 3) | bit(o.EOT, 2) | bit(o.Reten, 1) | bit(o.Load, 0), 0}
}

// ReadBlockLimits returns the READ BLOCK LIMITS CDB.
func ReadBlockLimits() []byte { return []byte{OpReadBlockLimits, 0, 0, 0, 0, 0} }

// ReportDensitySupport returns the REPORT DENSITY SUPPORT CDB: for the
// loaded medium (media true) or all the drive supports, density codes or
// medium types (mediumType true).
func ReportDensitySupport(media, mediumType bool, alloc uint16) []byte {
	c := make([]byte, 10)
	c[0] = OpReportDensitySupport
	c[1] = bit(mediumType, 1) | bit(media, 0)
	binary.BigEndian.PutUint16(c[7:], alloc)
	return c
}

// Erase6 returns the ERASE(6) CDB: long erases from the position to the
// end of the partition; short writes end of data at the position.
func Erase6(long, immed bool) []byte {
	return []byte{OpErase6, bit(immed, 1) | bit(long, 0), 0, 0, 0, 0}
}
