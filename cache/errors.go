package cache

import (
	"errors"
	"fmt"
)

var (
	// ErrClosed: the Cache (or a Writer or Reservation) was used after
	// Close, Commit, Abort or Release.
	ErrClosed = errors.New("cache: closed")
	// ErrBadPath is matched by a *PathError: a name from outside is not a
	// clean relative path inside the cache, or a symlink or a file stands
	// where the cache needs a directory.
	ErrBadPath = errors.New("cache: bad path")
	// ErrBadSize: a size is negative, or zero where bytes are needed.
	ErrBadSize = errors.New("cache: bad size")
	// ErrTooLarge: more bytes than the whole quota were asked for; waiting
	// would never help.
	ErrTooLarge = errors.New("cache: larger than the cache quota")
	// ErrSizeExceeded: a Writer was given more bytes than declared. Nothing
	// of the offending write was stored.
	ErrSizeExceeded = errors.New("cache: write beyond the declared size")
	// ErrShortWrite: Commit was called before the declared size arrived.
	// The file is discarded.
	ErrShortWrite = errors.New("cache: fewer bytes than declared")
	// ErrReleased: a Reservation was released (or used up) already.
	ErrReleased = errors.New("cache: reservation already released")
	// ErrNotFound: no file of this name is in the cache.
	ErrNotFound = errors.New("cache: no such file")
	// ErrExists: the name (or one of its parent directories as a file) is
	// already taken.
	ErrExists = errors.New("cache: file exists")
	// ErrNotReady: the file is still incoming or staging and cannot be
	// read yet.
	ErrNotReady = errors.New("cache: file not complete yet")
	// ErrWrongState: the call is not allowed in the file's state (archiving
	// an online file, removing an incoming one).
	ErrWrongState = errors.New("cache: not allowed in the file's state")
	// ErrPinned: the file is held by a pin and cannot be removed.
	ErrPinned = errors.New("cache: file is pinned")
	// ErrBadPin: a pin lacks an owner or a request id, or its lifetime is
	// not positive or longer than Options.MaxPinLifetime.
	ErrBadPin = errors.New("cache: bad pin")
	// ErrNotPinned: no pin with this request id (or owner) holds the file;
	// a second release of the same pin gives this.
	ErrNotPinned = errors.New("cache: no such pin")
	// ErrNotNeeded: Unneed for a request that did not declare the file
	// needed.
	ErrNotNeeded = errors.New("cache: file not needed by this request")
	// ErrChecksum wraps the *checksum.MismatchError of a staged file whose
	// data did not match the checksums it was expected to have. The file is
	// discarded.
	ErrChecksum = errors.New("cache: checksum mismatch")
	// ErrCorruptIndex: the index on disk cannot be read back (not a torn
	// journal tail, which is cut off, but a damaged snapshot).
	ErrCorruptIndex = errors.New("cache: corrupt index")
	// ErrLocked: another process has this cache directory open.
	ErrLocked = errors.New("cache: directory in use by another process")
)

// PathError tells which name was refused and why. It matches ErrBadPath.
type PathError struct {
	Name   string
	Reason string
}

func (e *PathError) Error() string {
	return fmt.Sprintf("cache: bad path %q: %s", e.Name, e.Reason)
}

// Unwrap makes errors.Is(err, ErrBadPath) true.
func (e *PathError) Unwrap() error { return ErrBadPath }
