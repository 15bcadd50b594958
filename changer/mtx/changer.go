package mtx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"sync"
	"time"

	"github.com/tapekit/tapekit/changer"
)

// Options configure a Changer. A nil *Options, and zero fields, mean the
// defaults.
type Options struct {
	// Path is the mtx program; default "mtx", looked up in $PATH.
	Path string
	// Logger receives a debug record per mtx run and a warning per retry;
	// default: discard.
	Logger *slog.Logger
	// Timeout bounds one mtx run; default 30 minutes, the timeout mtx
	// itself gives `inventory`. A library moving a cartridge takes tens of
	// seconds; scanning a large one takes minutes.
	Timeout time.Duration
	// Retries is how many times a command is run again after a retryable
	// failure (unit attention, not ready); default 3, negative for none.
	Retries int
	// RetryDelay is the pause before each retry; default 2 seconds.
	RetryDelay time.Duration
}

const (
	defaultTimeout    = 30 * time.Minute
	defaultRetries    = 3
	defaultRetryDelay = 2 * time.Second
)

// Changer drives a library through the mtx program. It runs one mtx at a
// time, since a library executes one command at a time and mtx reads the
// element status before each move.
type Changer struct {
	device string
	path   string
	log    *slog.Logger

	timeout    time.Duration
	retries    int
	retryDelay time.Duration

	mu     sync.Mutex // held for a whole command, retries included
	closed bool
}

var (
	_ changer.Changer       = (*Changer)(nil)
	_ changer.Reinventorier = (*Changer)(nil)
	_ changer.Exchanger     = (*Changer)(nil)
)

// New returns a Changer for the SCSI generic device of a medium changer
// (for example /dev/sg5 or /dev/tape/by-id/scsi-…). It fails when the mtx
// program cannot be found; it does not touch the device.
func New(device string, opts *Options) (*Changer, error) {
	if device == "" {
		return nil, errors.New("mtx: no changer device")
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Path == "" {
		o.Path = "mtx"
	}
	path, err := exec.LookPath(o.Path)
	if err != nil {
		return nil, fmt.Errorf("mtx: %w", err)
	}
	c := &Changer{
		device:     device,
		path:       path,
		log:        o.Logger,
		timeout:    o.Timeout,
		retries:    o.Retries,
		retryDelay: o.RetryDelay,
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.timeout <= 0 {
		c.timeout = defaultTimeout
	}
	switch {
	case c.retries == 0:
		c.retries = defaultRetries
	case c.retries < 0:
		c.retries = 0
	}
	if c.retryDelay <= 0 {
		c.retryDelay = defaultRetryDelay
	}
	return c, nil
}

// Inventory runs `mtx status`. mtx reports no transport element, no
// accessibility and no exceptions; see Status.Inventory for the mapping.
func (c *Changer) Inventory(ctx context.Context) (changer.Inventory, error) {
	st, err := c.Status(ctx)
	if err != nil {
		return nil, err
	}
	return st.Inventory(), nil
}

// Status runs `mtx status` and returns it parsed, in mtx's numbering.
func (c *Changer) Status(ctx context.Context) (*Status, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out, err := c.run(ctx, "status")
	if err != nil {
		return nil, err
	}
	st, err := Parse(bytes.NewReader(out))
	if err != nil {
		return nil, fmt.Errorf("mtx status: %w", err)
	}
	return st, nil
}

// Move moves a cartridge: `mtx load` from a slot to a drive, `mtx unload`
// from a drive to a slot, `mtx transfer` between slots (I/E ports
// included). mtx cannot move from drive to drive: that fails with a
// *changer.MoveError wrapping both changer.ErrInvalidElement (the contract's
// error for a move between element types the changer cannot do) and
// errors.ErrUnsupported (the library could, mtx cannot); unload to a slot
// and load from there instead.
//
// If ctx ends while mtx runs, mtx is killed, but a MOVE MEDIUM already
// sent to the library completes or fails on its own: the cartridge may
// have moved, so take a new Inventory before trusting positions.
func (c *Changer) Move(ctx context.Context, from, to changer.Address) error {
	args, err := moveArgs(from, to)
	if err != nil {
		return &changer.MoveError{From: from, To: to, Err: err}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.run(ctx, args...); err != nil {
		return &changer.MoveError{From: from, To: to, Err: err}
	}
	return nil
}

func moveArgs(from, to changer.Address) ([]string, error) {
	fs, fromSlot := SlotNumber(from)
	fd, fromDrive := DriveNumber(from)
	ts, toSlot := SlotNumber(to)
	td, toDrive := DriveNumber(to)
	switch {
	case fromSlot && toDrive:
		return []string{"load", fmt.Sprint(fs), fmt.Sprint(td)}, nil
	case fromDrive && toSlot:
		return []string{"unload", fmt.Sprint(ts), fmt.Sprint(fd)}, nil
	case fromSlot && toSlot:
		return []string{"transfer", fmt.Sprint(fs), fmt.Sprint(ts)}, nil
	case fromDrive && toDrive:
		return nil, fmt.Errorf("%w: mtx cannot move a cartridge from drive to drive: %w", changer.ErrInvalidElement, errors.ErrUnsupported)
	}
	return nil, fmt.Errorf("%w: address 0 is neither an mtx slot nor a drive", changer.ErrInvalidElement)
}

// Exchange runs `mtx exchange SRC DST1 DST2`: the cartridge at src goes to
// dst1 and the one at dst1 to dst2, in one robot trip (dst2 == src swaps
// them). mtx exchanges between storage elements only (slots and I/E
// ports); with a drive it fails like a drive-to-drive Move. Libraries
// without EXCHANGE MEDIUM fail with an error wrapping
// errors.ErrUnsupported.
//
// mtx checks src and dst1 against the library's size but not dst2, so
// Exchange reads the status first and refuses a dst2 beyond the last slot.
// Errors are *changer.MoveError values from src to dst1.
func (c *Changer) Exchange(ctx context.Context, src, dst1, dst2 changer.Address) error {
	s, ok1 := SlotNumber(src)
	d1, ok2 := SlotNumber(dst1)
	d2, ok3 := SlotNumber(dst2)
	if !ok1 || !ok2 || !ok3 {
		return &changer.MoveError{From: src, To: dst1, Err: fmt.Errorf(
			"%w: mtx exchanges between storage elements only: %w", changer.ErrInvalidElement, errors.ErrUnsupported)}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	out, err := c.run(ctx, "status")
	if err != nil {
		return &changer.MoveError{From: src, To: dst1, Err: err}
	}
	st, err := Parse(bytes.NewReader(out))
	if err != nil {
		return &changer.MoveError{From: src, To: dst1, Err: fmt.Errorf("mtx status: %w", err)}
	}
	if d2 > len(st.Slots) {
		return &changer.MoveError{From: src, To: dst1, Err: fmt.Errorf(
			"%w: second destination %d beyond the %d slots", changer.ErrInvalidElement, d2, len(st.Slots))}
	}
	if _, err := c.run(ctx, "exchange", fmt.Sprint(s), fmt.Sprint(d1), fmt.Sprint(d2)); err != nil {
		return &changer.MoveError{From: src, To: dst1, Err: err}
	}
	return nil
}

// Reinventory runs `mtx inventory` (INITIALIZE ELEMENT STATUS): the robot
// scans every element. It can take minutes.
func (c *Changer) Reinventory(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, err := c.run(ctx, "inventory")
	return err
}

// Close marks the Changer closed; later calls fail with changer.ErrClosed.
// mtx keeps no state between runs, so there is nothing else to release.
func (c *Changer) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	return nil
}

// run runs mtx with args, again after retryable failures, and returns its
// standard output. c.mu must be held.
func (c *Changer) run(ctx context.Context, args ...string) ([]byte, error) {
	if c.closed {
		return nil, changer.ErrClosed
	}
	for attempt := 0; ; attempt++ {
		out, err := c.runOnce(ctx, args)
		var me *Error
		if err == nil || !errors.As(err, &me) || !me.Retryable() || attempt >= c.retries {
			return out, err
		}
		c.log.Warn("mtx: retrying", "device", c.device, "args", args, "attempt", attempt+1, "err", err)
		t := time.NewTimer(c.retryDelay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("mtx %s: %w (after %v)", args[0], ctx.Err(), err)
		case <-t.C:
		}
	}
}

func (c *Changer) runOnce(ctx context.Context, args []string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.path, append([]string{"-f", c.device}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// A killed mtx may leave a child holding the pipes; do not wait on it.
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	// mtx prints sense dumps on stderr even when it succeeds (a MODE SENSE
	// that met a unit attention): worth keeping in a debug log.
	c.log.Debug("mtx", "device", c.device, "args", args, "took", time.Since(start), "err", err, "stderr", stderr.String())
	if err == nil {
		return stdout.Bytes(), nil
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("mtx %s: %w", args[0], context.Cause(ctx))
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return nil, fmt.Errorf("mtx %s: %w", args[0], err)
	}
	// stderr holds the sense dumps and fatal message; stdout the progress
	// line a failed load or unload leaves behind.
	return nil, ParseFailure(args[0], append(stderr.Bytes(), stdout.Bytes()...), ee.ExitCode())
}
