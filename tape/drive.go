package tape

import (
	"context"
	"errors"
	"fmt"
)

// Drive is one tape drive: the contract every driver (SCSI, simulated,
// third-party) honours. Drives are used by one goroutine at a time; a
// driver need not be safe for concurrent use unless it says so.
//
// Reads and writes move whole blocks in variable-block mode: one call is one
// block on tape, of 1 byte up to Status.MaxBlockSize.
//
// Every method but Close takes a context; a driver stops waiting when it is
// done, but a command already sent to a drive may still complete, so after a
// cancelled write the medium may have been written (see MayHaveWritten).
type Drive interface {
	// Read reads the next block into p and returns its length.
	//
	//   - A block longer than p: n == len(p), an error wrapping
	//     ErrBlockTooLong whose *Error.Residue is the bytes lost; the drive
	//     is positioned after the block.
	//   - A filemark: n == 0 and ErrFilemark; the drive is positioned after
	//     the filemark, at the start of the next file.
	//   - End of data: n == 0 and ErrEndOfData; the position does not move.
	//   - A media error: n == 0 and ErrMediumError; *Error.Pos says where.
	Read(ctx context.Context, p []byte) (n int, err error)

	// Write writes p as one block at the current position. Whatever was on
	// tape after that position is gone: end of data follows the new block.
	//
	// A nil error or ErrEarlyWarning means the block was accepted (it may
	// still be in the drive's buffer until a synchronising WriteFilemarks;
	// see PowerLoss in the simulator). ErrEarlyWarning means the writer
	// should finish up; ErrEndOfMedium and ErrWriteProtected mean the block
	// was not written. Any other error may have written (MayHaveWritten).
	Write(ctx context.Context, p []byte) error

	// WriteFilemarks writes count filemarks (count ≥ 0) at the current
	// position, truncating what followed like Write. With sync true it
	// returns only when every block and filemark written so far is on the
	// medium, so a power loss cannot take them; with sync false filemarks
	// are buffered like data and the drive keeps streaming. count 0 with sync
	// true just flushes the buffer. Early warning is reported as in Write.
	WriteFilemarks(ctx context.Context, count int, sync bool) error

	// Space moves count objects of the given kind: forward when count > 0,
	// backward when count < 0. Spacing over blocks stops at a filemark
	// (ErrFilemark: after it going forward, before it going backward).
	// Reaching end of data going forward gives ErrEndOfData; reaching the
	// beginning of the partition going backward gives ErrBeginningOfMedium.
	// When the count is not completed the *Error.Residue says how much was
	// left. Any buffered writes are flushed first.
	Space(ctx context.Context, kind SpaceKind, count int64) error

	// Locate moves to a logical object (Position.Block) in a partition
	// (Position.Partition); Position.File is ignored. Locating past end of
	// data stops at end of data with ErrEndOfData. Buffered writes are
	// flushed first.
	Locate(ctx context.Context, pos Position) error

	// Rewind moves to the beginning of partition 0, flushing buffered writes.
	Rewind(ctx context.Context) error

	// Position reports the current logical position.
	Position(ctx context.Context) (Position, error)

	// Load threads the cartridge in the drive and positions it at the
	// beginning; ErrNoMedium if there is none. Loading a loaded drive is a
	// no-op.
	Load(ctx context.Context) error

	// Unload flushes, rewinds and ejects the cartridge so a changer can take
	// it; ErrNoMedium if there is none.
	Unload(ctx context.Context) error

	// Status reports the drive and its medium. It works without a medium.
	Status(ctx context.Context) (Status, error)

	// Close releases the driver. It does not unload.
	Close() error
}

// TapeAlertReader is implemented by drives that report TapeAlert flags.
// Reading the flags clears them on real drives (SSC log page 0x2E): read them
// in one place and fan the result out.
type TapeAlertReader interface {
	TapeAlerts(ctx context.Context) (TapeAlertFlags, error)
}

// FileLocator is implemented by drives that can locate directly to a file
// number (SCSI LOCATE(16) with a file destination). LocateFile uses it when
// present.
type FileLocator interface {
	LocateFile(ctx context.Context, partition int, file int64) error
}

// Eraser is implemented by drives that can erase from the current position
// to the end of the partition (long erase), or write end of data there
// (short erase).
type Eraser interface {
	Erase(ctx context.Context, long bool) error
}

// RAOer is implemented by drives that compute a Recommended Access Order:
// given the segments to read, it returns them in the order the drive reads
// them fastest (SCSI GENERATE/RECEIVE RECOMMENDED ACCESS ORDER).
type RAOer interface {
	RecommendedAccessOrder(ctx context.Context, segments []Segment) ([]Segment, error)
}

// Segment is a run of blocks to read, for RAOer.
type Segment struct {
	ID         uint64 // caller's identifier, returned unchanged
	Partition  int
	FirstBlock int64
	LastBlock  int64
}

// ErrUnsupported is returned, wrapped, by helpers given a drive that lacks an
// optional ability. It is errors.ErrUnsupported.
var ErrUnsupported = errors.ErrUnsupported

// LocateFile positions d at the start of tape file file (0-based) in
// partition part: directly when d is a FileLocator, otherwise by locating to
// the beginning of the partition and spacing forward over file filemarks.
// A file past end of data gives ErrEndOfData.
func LocateFile(ctx context.Context, d Drive, part int, file int64) error {
	if file < 0 {
		return &Error{Op: "locate file", Err: fmt.Errorf("%w: negative file number %d", ErrIllegalRequest, file)}
	}
	if fl, ok := d.(FileLocator); ok {
		return fl.LocateFile(ctx, part, file)
	}
	if part == 0 {
		if err := d.Rewind(ctx); err != nil {
			return err
		}
	} else if err := d.Locate(ctx, Position{Partition: part}); err != nil {
		return err
	}
	if file == 0 {
		return nil
	}
	return d.Space(ctx, SpaceFilemarks, file)
}
