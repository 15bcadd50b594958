package sgio

import (
	"errors"
	"log/slog"
	"sync"
	"time"
)

// ErrClosed is returned by Do after Close.
var ErrClosed = errors.New("sgio: device closed")

// DefaultTimeout bounds a command whose scsi.Command.Timeout is zero.
const DefaultTimeout = 60 * time.Second

// SenseBufferSize is the sense buffer given to each command: the largest
// sense data SPC allows.
const SenseBufferSize = 252

// Options configure Open. A nil *Options means the defaults.
type Options struct {
	// DefaultTimeout replaces DefaultTimeout for commands without one.
	DefaultTimeout time.Duration
	// Logger receives a debug record per command; nil discards them.
	Logger *slog.Logger
}

// Device is an open SCSI generic device. It implements scsi.Transport and
// is safe for use by several goroutines, which it serialises.
type Device struct {
	path    string
	timeout time.Duration
	log     *slog.Logger

	mu     sync.Mutex
	fd     int
	closed bool
}

// Path returns the device node Device was opened with.
func (d *Device) Path() string { return d.path }

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
