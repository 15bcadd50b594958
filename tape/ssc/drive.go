package ssc

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/tapekit/tapekit/scsi"
	"github.com/tapekit/tapekit/tape"
)

var (
	_ tape.Drive           = (*Drive)(nil)
	_ tape.TapeAlertReader = (*Drive)(nil)
	_ tape.FileLocator     = (*Drive)(nil)
	_ tape.Eraser          = (*Drive)(nil)
)

// Default timeouts and retries; Options overrides them.
const (
	DefaultShortTimeout = 60 * time.Second
	DefaultIOTimeout    = 15 * time.Minute
	// DefaultLongTimeout covers a full-length LOCATE, SPACE or ERASE of a
	// modern cartridge (a long erase of LTO-9 takes hours).
	DefaultLongTimeout = 6 * time.Hour
	DefaultRetries     = 5
	DefaultRetryDelay  = 2 * time.Second
)

// Options configure New. A nil *Options means the defaults.
type Options struct {
	ShortTimeout time.Duration // TEST UNIT READY, INQUIRY, READ POSITION, …
	IOTimeout    time.Duration // READ, WRITE, WRITE FILEMARKS
	LongTimeout  time.Duration // LOCATE, SPACE, REWIND, ERASE, LOAD UNLOAD
	// Retries bounds the re-sends of a command answered with UNIT
	// ATTENTION or NOT READY 04/01 (becoming ready).
	Retries int
	// RetryDelay is the wait before re-sending a command to a drive that
	// is becoming ready.
	RetryDelay time.Duration
	// Sleep waits d or until ctx ends; nil uses a timer. Tests and
	// virtual-time simulations inject their own.
	Sleep func(ctx context.Context, d time.Duration) error
	// Logger receives retries and recovered writes; nil discards them.
	Logger *slog.Logger
}

// Drive is a tape drive driven with SSC commands. Use it from one
// goroutine at a time.
type Drive struct {
	t                      scsi.Transport
	short, io, long, delay time.Duration
	retries                int
	sleep                  func(context.Context, time.Duration) error
	log                    *slog.Logger

	// hostMax is the transport's transfer limit (scsi.TransferLimiter);
	// 0: none known.
	hostMax int

	closed bool
	// pos is the position the driver knows without asking the drive, valid
	// when posKnown (partition and block) and fileKnown (file).
	pos                 tape.Position
	posKnown, fileKnown bool
	atEOD               bool
	// noLocateFile is set once the drive rejected LOCATE(16) to a file.
	noLocateFile bool
	inq          *scsi.InquiryData
	serial       string
}

// New returns a Drive sending its commands through t. Close closes t when
// it implements io.Closer. When t is a scsi.TransferLimiter (scsi/sgio's
// Device is), blocks are limited to what its host transfers in one command:
// Status.MaxBlockSize is the smaller of the drive's and the host's limit,
// Write refuses a longer block and Read never asks for more.
func New(t scsi.Transport, o *Options) *Drive {
	d := &Drive{t: t, short: DefaultShortTimeout, io: DefaultIOTimeout, long: DefaultLongTimeout,
		retries: DefaultRetries, delay: DefaultRetryDelay, sleep: sleepTimer, log: slog.New(slog.DiscardHandler),
		hostMax: scsi.MaxTransfer(t)}
	if o != nil {
		set := func(dst *time.Duration, v time.Duration) {
			if v > 0 {
				*dst = v
			}
		}
		set(&d.short, o.ShortTimeout)
		set(&d.io, o.IOTimeout)
		set(&d.long, o.LongTimeout)
		set(&d.delay, o.RetryDelay)
		if o.Retries > 0 {
			d.retries = o.Retries
		}
		if o.Sleep != nil {
			d.sleep = o.Sleep
		}
		if o.Logger != nil {
			d.log = o.Logger
		}
	}
	return d
}

func sleepTimer(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close releases the driver and closes the transport if it is an
// io.Closer. It does not unload.
func (d *Drive) Close() error {
	if d.closed {
		return tape.ErrClosed
	}
	d.closed = true
	if c, ok := d.t.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// do sends cmd, re-sending it after UNIT ATTENTION and while the drive is
// becoming ready, at most d.retries times.
func (d *Drive) do(ctx context.Context, op string, cmd *scsi.Command) (scsi.Result, error) {
	if d.closed {
		return scsi.Result{}, &tape.Error{Op: op, Err: tape.ErrClosed}
	}
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return scsi.Result{}, err
		}
		res, err := scsi.Exec(ctx, d.t, cmd)
		if err == nil {
			return res, nil
		}
		// Declared here, not above: errors.As makes it escape, which
		// would cost an allocation on every command.
		var se *scsi.SenseError
		if !errors.As(err, &se) || attempt >= d.retries {
			return res, err
		}
		switch s := se.Sense; {
		case s.Key == scsi.KeyUnitAttention:
			// The command was not executed. A reset or a medium change
			// also loses what the driver knew about the position.
			d.forget()
			d.log.Info("unit attention, resending", "op", op, "sense", se.Error(), "attempt", attempt+1)
		case s.Key == scsi.KeyNotReady && s.ASC == 0x04 && s.ASCQ == 0x01:
			d.log.Info("drive becoming ready, waiting", "op", op, "delay", d.delay, "attempt", attempt+1)
			if err := d.sleep(ctx, d.delay); err != nil {
				return res, err
			}
		default:
			return res, err
		}
	}
}

// forget drops the tracked position.
func (d *Drive) forget() { d.posKnown, d.fileKnown, d.atEOD = false, false, false }

// advance moves the tracked position over blocks and filemarks.
func (d *Drive) advance(blocks, filemarks int64) {
	d.pos.Block += blocks + filemarks
	d.pos.File += filemarks
}
