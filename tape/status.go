package tape

import (
	"fmt"
	"math/bits"
	"strings"
)

// Status is what a drive reports about itself and its medium, in the spirit
// of `mt status`. Fields that a driver cannot know are left zero.
type Status struct {
	Vendor, Product, Serial, Revision string

	// Loaded reports a cartridge threaded and ready. The fields below it are
	// meaningful only when Loaded is true, but for Cleaning and Barcode.
	Loaded bool

	Position       Position
	BOT            bool // at the beginning of partition 0
	EOD            bool // at end of data
	EarlyWarning   bool // past the early-warning point
	WriteProtected bool
	Cleaning       bool   // the cartridge in the drive is a cleaning cartridge (Loaded may be false: drives eject it after a cycle)
	MediaType      string // "LTO-9", "3592-JE", …
	DensityCode    uint8
	Barcode        string // volume serial, when the drive or library knows it
	// BlockSize is the fixed block size; 0 means variable-block mode.
	BlockSize int
	// MaxBlockSize is the largest block the drive reads or writes.
	MaxBlockSize int
	// Capacity and Remaining are the native capacity of the medium and the
	// space left after end of data, in bytes (0 when unknown).
	Capacity, Remaining int64
	// CleaningNeeded reports that the drive asks for a cleaning cartridge.
	CleaningNeeded bool
}

// TapeAlertFlags is the set of TapeAlert flags a drive raised: flag n
// (1..64, as numbered by the TapeAlert standard and SSC log page 0x2E) is
// bit n-1. Package scsi names each flag and gives its severity.
type TapeAlertFlags uint64

// Has reports whether flag n (1..64) is set.
func (f TapeAlertFlags) Has(n int) bool {
	return n >= 1 && n <= 64 && f&(1<<(n-1)) != 0
}

// With returns f with flag n (1..64) set.
func (f TapeAlertFlags) With(n int) TapeAlertFlags {
	if n < 1 || n > 64 {
		return f
	}
	return f | 1<<(n-1)
}

// Flags lists the set flag numbers in ascending order.
func (f TapeAlertFlags) Flags() []int {
	var out []int
	for v := uint64(f); v != 0; v &= v - 1 {
		out = append(out, bits.TrailingZeros64(v)+1)
	}
	return out
}

func (f TapeAlertFlags) String() string {
	if f == 0 {
		return "none"
	}
	var b strings.Builder
	for i, n := range f.Flags() {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%d", n)
	}
	return b.String()
}
