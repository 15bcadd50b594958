package sgio

import (
	"errors"
	"log/slog"
	"sync"
	"time"
)

// Errors returned by Do.
var (
	// ErrClosed is returned by Do after Close.
	ErrClosed = errors.New("sgio: device closed")
	// ErrOutcomeUnknown: a command was handed to the kernel but its result
	// could not be collected (the device disappeared). The device may have
	// executed it: after a write, the medium may have been written. The
	// Device refuses further commands; close it and open the node again.
	ErrOutcomeUnknown = errors.New("sgio: the command's outcome is unknown")
)

// DefaultTimeout bounds a command whose scsi.Command.Timeout is zero.
const DefaultTimeout = 60 * time.Second

// SenseBufferSize is the sense buffer given to each command: the largest
// sense data SPC allows.
const SenseBufferSize = 252

// Options configure Open. A nil *Options means the defaults.
type Options struct {
	// DefaultTimeout replaces DefaultTimeout for commands without one.
	DefaultTimeout time.Duration
	// MaxTransfer overrides the largest data transfer of one command,
	// which Open otherwise reads from the kernel (see MaxTransfer). Set it
	// when the kernel's figures are wrong for a host adapter; a value above
	// what the host takes makes large commands fail with EINVAL.
	MaxTransfer int
	// Logger receives a debug record per command; nil discards them.
	Logger *slog.Logger
}

// Device is an open SCSI generic device. It implements scsi.Transport and
// scsi.TransferLimiter, and is safe for use by several goroutines, which it
// serialises.
type Device struct {
	path    string
	timeout time.Duration
	log     *slog.Logger
	max     int

	mu     sync.Mutex
	f      sgFile
	closed bool
	// packID numbers the commands sent, so each result is collected by
	// the command that asked for it.
	packID int32
	// broken is set when a command's result was lost; Do then refuses.
	broken error
	// sense is the sense buffer of every command (Do holds mu).
	sense [SenseBufferSize]byte
}

// Path returns the device node Device was opened with.
func (d *Device) Path() string { return d.path }

// MaxTransfer returns the most data bytes one command may move through
// this device's host adapter. Do refuses a longer command with a
// *scsi.TransferLimitError before sending it.
func (d *Device) MaxTransfer() int { return d.max }

func (o *Options) defaults() (time.Duration, *slog.Logger) {
	t, l := DefaultTimeout, slog.New(slog.DiscardHandler)
	if o != nil {
		if o.DefaultTimeout > 0 {
			t = o.DefaultTimeout
		}
		if o.Logger != nil {
			l = o.Logger
		}
	}
	return t, l
}
