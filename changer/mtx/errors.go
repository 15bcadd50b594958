package mtx

import (
	"errors"
	"fmt"
)

// Sentinel errors of this package.
var (
	// ErrNoHeader: the text holds no "Storage Changer" header line, so it
	// is not the output of `mtx status`.
	ErrNoHeader = errors.New("mtx: no status header")
	// ErrSyntax: a line after the header is not one mtx prints.
	ErrSyntax = errors.New("mtx: unrecognised status line")
	// ErrMismatch: the element lines disagree with the header (missing,
	// extra, duplicated or out-of-order elements): the output was truncated
	// or mangled.
	ErrMismatch = errors.New("mtx: status does not match its header")
	// ErrUnitAttention: the library reported UNIT ATTENTION (06/28 or
	// 06/29: power on, reset, or an I/E port or door was used). The command
	// did not run; retrying it is safe, and the Changer does so.
	ErrUnitAttention = errors.New("mtx: unit attention")
)

// ParseError reports output of `mtx status` that could not be trusted.
type ParseError struct {
	Line int    // 1-based line number, counting any noise before the header
	Text string // the offending line, when there is one
	Msg  string
	Err  error // ErrNoHeader, ErrSyntax, ErrMismatch or a read error
}

func (e *ParseError) Error() string {
	if e.Text != "" {
		return fmt.Sprintf("%v: line %d: %s: %q", e.Err, e.Line, e.Msg, e.Text)
	}
	return fmt.Sprintf("%v: line %d: %s", e.Err, e.Line, e.Msg)
}

func (e *ParseError) Unwrap() error { return e.Err }
