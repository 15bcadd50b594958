package catalog

import (
	"errors"
	"fmt"
)

// Sentinel errors. Implementations return them directly or wrapped (for
// example inside *ValidationError), so callers match with errors.Is whatever
// the backing database.
//
// A call that returns any error has changed nothing: every mutating method
// is one transaction, all or nothing.
var (
	// ErrNotFound: no live file (or recycle-log entry) has this id or path,
	// or a live file has no copy of this number.
	ErrNotFound = errors.New("catalog: not found")
	// ErrExists: the path, volume barcode, copy number or file sequence on
	// the volume is already taken.
	ErrExists = errors.New("catalog: already exists")
	// ErrInvalidPath: a path is empty, not UTF-8, not absolute, or has
	// empty, "." or ".." elements or NUL bytes.
	ErrInvalidPath = errors.New("catalog: invalid path")
	// ErrInvalidSize: a size, capacity or fill level is negative or out of
	// range.
	ErrInvalidSize = errors.New("catalog: invalid size")
	// ErrInvalidChecksum: a checksum value is not lower-case hex of the
	// algorithm's length.
	ErrInvalidChecksum = errors.New("catalog: invalid checksum")
	// ErrUnknownAlgorithm: a checksum algorithm is not one of Algorithms.
	ErrUnknownAlgorithm = errors.New("catalog: unknown checksum algorithm")
	// ErrInvalid: any other malformed argument (an empty barcode, a copy
	// number below 1, an unknown volume state, a bad cursor, a copy
	// relocated onto the volume it is on, a time outside [MinTime,
	// MaxTime]).
	ErrInvalid = errors.New("catalog: invalid argument")
	// ErrUnknownVolume: no volume has this barcode.
	ErrUnknownVolume = errors.New("catalog: unknown volume")
	// ErrUnknownPool: no pool has this name.
	ErrUnknownPool = errors.New("catalog: unknown pool")
	// ErrUnknownStorageClass: no storage class has this name.
	ErrUnknownStorageClass = errors.New("catalog: unknown storage class")
	// ErrVolumeNotWritable: the volume is not in state active, so copies
	// cannot be committed to it.
	ErrVolumeNotWritable = errors.New("catalog: volume not writable")
	// ErrNoVolume: no volume in the pool is active, unreserved and has the
	// free space asked for.
	ErrNoVolume = errors.New("catalog: no writable volume in pool")
	// ErrReserved: the volume is reserved by another writer.
	ErrReserved = errors.New("catalog: volume reserved by another writer")
	// ErrConflict: a commit does not follow the volume's recorded fill
	// level: its file sequences are not after the volume's last one, or the
	// new fill level is below the recorded one. Another writer committed to
	// the volume, or the writer lost track of the tape: read the volume back
	// (Volume) before writing more.
	ErrConflict = errors.New("catalog: commit conflicts with the volume's recorded fill level")
	// ErrSchemaTooNew: the database was written by a newer version of the
	// catalog schema than this code knows. Nothing was changed.
	ErrSchemaTooNew = errors.New("catalog: database schema is newer than this program")
	// ErrClosed: the catalog was closed.
	ErrClosed = errors.New("catalog: closed")
)

// ValidationError reports which argument was rejected and why. Err is one of
// the sentinels above (ErrInvalidPath, ErrInvalidSize, ErrUnknownAlgorithm,
// ErrExists, ErrNotFound, …), so errors.Is works through it.
type ValidationError struct {
	// Field names the argument, with an index into a batch when there is
	// one: "files[3].path", "copies[0].file_seq".
	Field string
	// Value is the rejected value as text (quoted by Error).
	Value string
	Err   error
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("%v: %s %q", e.Err, e.Field, e.Value)
}

func (e *ValidationError) Unwrap() error { return e.Err }

// invalid builds a *ValidationError.
func invalid(field string, value any, err error) error {
	return &ValidationError{Field: field, Value: fmt.Sprint(value), Err: err}
}

// WithIndex prefixes the Field of a *ValidationError with a batch name and
// index ("files[3]."), so the caller learns which element of a batch was
// rejected; other errors are returned unchanged.
func WithIndex(err error, batch string, i int) error {
	var ve *ValidationError
	if errors.As(err, &ve) {
		return &ValidationError{Field: fmt.Sprintf("%s[%d].%s", batch, i, ve.Field), Value: ve.Value, Err: ve.Err}
	}
	return err
}
