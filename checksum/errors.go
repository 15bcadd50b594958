package checksum

import (
	"encoding/hex"
	"errors"
	"fmt"
)

var (
	// ErrUnknownAlgorithm is matched by an *UnknownAlgorithmError.
	ErrUnknownAlgorithm = errors.New("checksum: unknown algorithm")
	// ErrMismatch is matched by a *MismatchError: the data is not what the
	// expected checksum says, and must not be delivered as good.
	ErrMismatch = errors.New("checksum: mismatch")
	// ErrNotCombinable means the algorithm cannot join the checksums of two
	// chunks (cryptographic hashes, xxh64). It wraps errors.ErrUnsupported.
	ErrNotCombinable = fmt.Errorf("checksum: algorithm cannot combine chunk checksums: %w", errors.ErrUnsupported)
	// ErrBadValue is matched by errors about a checksum value itself: wrong
	// length for its algorithm, bad hex, two values of different algorithms.
	ErrBadValue = errors.New("checksum: bad checksum value")
	// ErrMalformedHeader is matched by a *HeaderError.
	ErrMalformedHeader = errors.New("checksum: malformed digest header")
	// ErrClosed is returned by a Set used after Close.
	ErrClosed = errors.New("checksum: set is closed")
)

// UnknownAlgorithmError names an algorithm that is not in the registry.
type UnknownAlgorithmError struct {
	Name string
}

func (e *UnknownAlgorithmError) Error() string {
	return fmt.Sprintf("checksum: unknown algorithm %q (known: %v)", e.Name, Algorithms())
}

// Unwrap makes errors.Is(err, ErrUnknownAlgorithm) true.
func (e *UnknownAlgorithmError) Unwrap() error { return ErrUnknownAlgorithm }

// MismatchError reports data whose checksum differs from the expected one.
type MismatchError struct {
	Algorithm        string
	Expected, Actual []byte
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("checksum: %s mismatch: expected %s, got %s",
		e.Algorithm, hex.EncodeToString(e.Expected), hex.EncodeToString(e.Actual))
}

// Unwrap makes errors.Is(err, ErrMismatch) true.
func (e *MismatchError) Unwrap() error { return ErrMismatch }

// HeaderError locates a syntax error in an HTTP digest field.
type HeaderError struct {
	Field  string // "Repr-Digest", "Want-Repr-Digest" or "Digest"
	Offset int    // byte offset in the field value
	Reason string
}

func (e *HeaderError) Error() string {
	return fmt.Sprintf("checksum: malformed %s field at byte %d: %s", e.Field, e.Offset, e.Reason)
}

// Unwrap makes errors.Is(err, ErrMalformedHeader) true.
func (e *HeaderError) Unwrap() error { return ErrMalformedHeader }
