package smc

import (
	"errors"
	"fmt"
)

// Sentinel errors of this package.
var (
	// ErrTruncated: the response is shorter than its own lengths say; for
	// READ ELEMENT STATUS and MODE SENSE this usually means the allocation
	// length was too small, and FormatError.Need says how much to ask for.
	ErrTruncated = errors.New("smc: response truncated")
	// ErrMalformed: the response's lengths or fields contradict each other
	// or the standard, so no inventory can be trusted from it.
	ErrMalformed = errors.New("smc: malformed response")
	// ErrInvalidArgument: a CDB builder was given a value its field cannot
	// hold.
	ErrInvalidArgument = errors.New("smc: invalid argument")
)

// FormatError reports a response that cannot be parsed.
type FormatError struct {
	// What names the structure being parsed ("element status page 2").
	What string
	// Offset is the byte offset in the response where the problem is.
	Offset int
	// Need is, for ErrTruncated, the response length the device says is
	// available (0 when unknown): retry with at least this allocation.
	Need int
	Msg  string
	Err  error // ErrTruncated or ErrMalformed
}

func (e *FormatError) Error() string {
	s := fmt.Sprintf("%v: %s at byte %d: %s", e.Err, e.What, e.Offset, e.Msg)
	if e.Need > 0 {
		s += fmt.Sprintf(" (need %d bytes)", e.Need)
	}
	return s
}

func (e *FormatError) Unwrap() error { return e.Err }

func malformed(what string, off int, format string, args ...any) error {
	return &FormatError{What: what, Offset: off, Msg: fmt.Sprintf(format, args...), Err: ErrMalformed}
}

func truncated(what string, off, need int, format string, args ...any) error {
	return &FormatError{What: what, Offset: off, Need: need, Msg: fmt.Sprintf(format, args...), Err: ErrTruncated}
}
