package tape

import (
	"errors"
	"fmt"
)

// Sentinel errors. Drivers wrap them (directly or inside *Error) so callers
// match with errors.Is whatever the driver, SCSI or simulated.
//
// Errors marked "may have written" mean the medium may hold data the caller
// did not see acknowledged: never retry such a write blindly; read the
// position first (Drive.Position) and decide.
var (
	// ErrNoMedium: no cartridge is loaded (SCSI 02/3A/xx).
	ErrNoMedium = errors.New("tape: no medium")
	// ErrNotReady: the drive is becoming ready or needs a Load (02/04/xx).
	// Retrying after a short wait is safe.
	ErrNotReady = errors.New("tape: drive not ready")
	// ErrFilemark: a read or a space over blocks met a filemark. For a
	// forward read or space the drive is now positioned just after the
	// filemark (end-of-partition side); for a backward space, just before it.
	ErrFilemark = errors.New("tape: filemark")
	// ErrEndOfData: a read, space or locate reached end of data (SCSI BLANK
	// CHECK 08/00/05). The drive stays at end of data, where the next write
	// appends.
	ErrEndOfData = errors.New("tape: end of data")
	// ErrBeginningOfMedium: a backward space reached the beginning of the
	// partition before completing its count (00/00/04).
	ErrBeginningOfMedium = errors.New("tape: beginning of medium")
	// ErrEarlyWarning: the write SUCCEEDED but the drive is past the early
	// warning point (programmable or physical). The writer should finish the
	// current file, write its filemarks and stop; a little more room is left
	// before ErrEndOfMedium.
	ErrEarlyWarning = errors.New("tape: early warning, near end of medium")
	// ErrEndOfMedium: the physical end of the medium was reached and the
	// block or filemark was NOT written (0D/00/02 or 00/00/02 with EOM).
	ErrEndOfMedium = errors.New("tape: end of medium")
	// ErrWriteProtected: the cartridge is write protected; nothing was
	// written (07/27/xx).
	ErrWriteProtected = errors.New("tape: write protected")
	// ErrMediumError: the medium could not be read or written at this
	// position (03/xx/xx). After a failed write the medium may have written
	// part of the data.
	ErrMediumError = errors.New("tape: medium error")
	// ErrHardwareError: the drive failed (04/xx/xx). The medium may have
	// been written.
	ErrHardwareError = errors.New("tape: hardware error")
	// ErrBlockTooLong: the block on tape was longer than the read buffer;
	// the buffer holds its first bytes, the rest is lost and the drive is
	// positioned after the block (SCSI ILI with a negative residue).
	ErrBlockTooLong = errors.New("tape: block longer than buffer")
	// ErrIllegalRequest: the drive rejected the request (05/xx/xx), for
	// example a block larger than its limit or a locate past the partition.
	ErrIllegalRequest = errors.New("tape: illegal request")
	// ErrUnitAttention: the drive was reset or the medium changed (06/xx/xx).
	// Drivers retry these themselves a bounded number of times.
	ErrUnitAttention = errors.New("tape: unit attention")
	// ErrCleaningCartridge: the loaded cartridge is a cleaning cartridge and
	// cannot be read or written.
	ErrCleaningCartridge = errors.New("tape: cleaning cartridge loaded")
	// ErrIncompatibleMedium: the drive cannot read or write this medium
	// (for example an LTO-5 cartridge in an LTO-9 drive; 03/30/xx).
	ErrIncompatibleMedium = errors.New("tape: incompatible medium")
	// ErrClosed: the Drive was closed.
	ErrClosed = errors.New("tape: drive closed")
)

// Error is the structured error drivers return. It carries what was being
// done, where, and how much of it was left undone; Err is a sentinel above
// and may wrap a lower-level cause (such as a *scsi.SenseError).
type Error struct {
	Op  string // "read", "write", "space", "locate", "load", …
	Pos Position
	// PosValid reports whether Pos is where the error happened.
	PosValid bool
	// Residue is the part of the request not done: blocks or filemarks not
	// spaced over or written, or for ErrBlockTooLong the bytes of the block
	// that did not fit (a positive number).
	Residue int64
	Err     error
}

func (e *Error) Error() string {
	s := "tape: " + e.Op
	if e.PosValid {
		s += " at " + e.Pos.String()
	}
	if e.Residue != 0 {
		s += fmt.Sprintf(" (residue %d)", e.Residue)
	}
	return s + ": " + trimPrefix(e.Err.Error())
}

func (e *Error) Unwrap() error { return e.Err }

func trimPrefix(s string) string {
	const p = "tape: "
	if len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}

// MayHaveWritten reports whether err, returned by a write or a filemark
// write, leaves the medium in an unknown state: part of the data may be on
// tape. ErrEarlyWarning is not such an error (the data was written), nor are
// ErrWriteProtected, ErrEndOfMedium or ErrIllegalRequest (nothing was).
func MayHaveWritten(err error) bool {
	if err == nil {
		return false
	}
	for _, safe := range []error{ErrEarlyWarning, ErrWriteProtected, ErrEndOfMedium, ErrIllegalRequest, ErrNoMedium, ErrNotReady, ErrClosed, ErrCleaningCartridge, ErrIncompatibleMedium} {
		if errors.Is(err, safe) {
			return false
		}
	}
	return true
}

// HostLimitError is a block that does not fit the host adapter's transfer
// limit: it is longer than one command through this host can carry, though
// the drive itself would take it. A write of such a block is refused before
// anything is sent (it matches ErrIllegalRequest: nothing was written); a
// read of one gets the first Limit bytes and the drive moves past the block
// (it matches ErrBlockTooLong). Such a tape is read on a host whose adapter
// takes blocks of Length bytes, or written again with smaller blocks.
type HostLimitError struct {
	// Length is the block's length in bytes: for a read, what the drive
	// reported (the buffer plus the bytes that did not fit).
	Length int64
	// Limit is the most bytes the host transfers in one command.
	Limit int
	// Write tells a refused write from a read.
	Write bool
}

func (e *HostLimitError) Error() string {
	if e.Write {
		return fmt.Sprintf("tape: a block of %d bytes is longer than the %d bytes the host adapter transfers in one command: write smaller blocks", e.Length, e.Limit)
	}
	return fmt.Sprintf("tape: a block of %d bytes is longer than the %d bytes the host adapter transfers in one command: it cannot be read on this host", e.Length, e.Limit)
}

// Is makes a refused write match ErrIllegalRequest and a read
// ErrBlockTooLong.
func (e *HostLimitError) Is(target error) bool {
	if e.Write {
		return target == ErrIllegalRequest
	}
	return target == ErrBlockTooLong
}
