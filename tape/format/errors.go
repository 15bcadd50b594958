package format

import (
	"errors"
	"fmt"

	"github.com/tapekit/tapekit/tape"
)

// Sentinel errors, matched with errors.Is. The structured errors below wrap
// them.
var (
	// ErrNoLabel: the tape has no volume label (it is blank, or starts
	// with a filemark).
	ErrNoLabel = errors.New("format: no volume label")
	// ErrWrongFormat: the tape or tape file is not in the format asked for
	// (a foreign tape, an ANSI tape read as pax or the other way round, tar
	// garbage).
	ErrWrongFormat = errors.New("format: not in the expected format")
	// ErrLabelMismatch is matched by a *LabelMismatchError.
	ErrLabelMismatch = errors.New("format: volume label does not match the barcode")
	// ErrNotEmpty: Label refused to relabel a tape that holds data beyond
	// its label (use LabelOptions.Force to destroy it).
	ErrNotEmpty = errors.New("format: tape holds data")
	// ErrVolumeFull: the tape reached its early-warning point (or, worse,
	// end of medium); the writer stops and the caller continues on another
	// tape. Files reported written before it are safe.
	ErrVolumeFull = errors.New("format: volume full")
	// ErrTruncated: a tape file ends before its tar stream does, or without
	// its closing filemark: it was cut short by a crash or power loss.
	ErrTruncated = errors.New("format: tape file truncated")
	// ErrSizeMismatch: a file's data is not the size its metadata says
	// (when writing: the reader gave more or fewer bytes than Meta.Size).
	ErrSizeMismatch = errors.New("format: size mismatch")
	// ErrBadMetadata: a tape file's metadata (pax records, ANSI labels)
	// cannot be parsed or is inconsistent.
	ErrBadMetadata = errors.New("format: bad metadata")
	// ErrInput: reading the data to archive failed; nothing of the file is
	// left on tape and the writer can go on with the next file.
	ErrInput = errors.New("format: reading the input failed")
	// ErrWriterFailed: an earlier write error left the medium in an unknown
	// state; the Writer refuses further work. Files it did not report
	// written must be archived again elsewhere.
	ErrWriterFailed = errors.New("format: writer failed earlier")
	// ErrClosed: the Writer was closed.
	ErrClosed = errors.New("format: writer closed")
)

// LabelMismatchError says the tape in the drive is not the one the changer
// reported: its label names another volume. Never write to such a tape.
type LabelMismatchError struct {
	Want  string      // the barcode the changer reported
	Label VolumeLabel // the label found on tape
}

func (e *LabelMismatchError) Error() string {
	return fmt.Sprintf("format: the tape is labelled %q (%s), the changer says %q", e.Label.Barcode, e.Label.Format, e.Want)
}

// Unwrap makes errors.Is(err, ErrLabelMismatch) true.
func (e *LabelMismatchError) Unwrap() error { return ErrLabelMismatch }

// FileError is a failure reading or writing one tape file: which file
// (FSeq, counted from 1 after the label), where the drive was, and why. Err
// wraps a sentinel of this package, a *checksum.MismatchError or the
// drive's *tape.Error, so errors.Is and errors.As see through it.
type FileError struct {
	Op       string // "read", "write", "scan"
	FSeq     int64
	Pos      tape.Position // where the failure happened, when PosValid
	PosValid bool
	Err      error
}

func (e *FileError) Error() string {
	s := fmt.Sprintf("format: %s file sequence %d", e.Op, e.FSeq)
	if e.PosValid {
		s += fmt.Sprintf(" at block %d", e.Pos.Block)
	}
	return s + ": " + e.Err.Error()
}

func (e *FileError) Unwrap() error { return e.Err }

// fileError wraps err with the file and the best position known: the
// drive's own when its error carries one, else at.
func fileError(op string, fseq int64, at tape.Position, atValid bool, err error) *FileError {
	var fe *FileError
	if errors.As(err, &fe) {
		return fe
	}
	e := &FileError{Op: op, FSeq: fseq, Pos: at, PosValid: atValid, Err: err}
	var te *tape.Error
	if errors.As(err, &te) && te.PosValid {
		e.Pos, e.PosValid = te.Pos, true
	}
	return e
}
