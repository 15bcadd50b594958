//go:build linux

package sgio

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// waitWarning is how long past a command's own timeout exchange waits
// before it logs that the kernel has still not completed the command. The
// kernel's error handler (abort, then resets) completes every command
// eventually; until it does, the buffers belong to the command.
const waitWarning = 30 * time.Second

// exchange runs one command on the driver: submit it exactly once, then
// collect its result, whatever signals interrupt the calls in between. h
// must point at buffers that stay pinned until exchange returns. On a nil
// error h holds the completed header (status, sense length, residual).
//
// An error before submission means the command was not sent. An error
// after it (the device disappeared) means its outcome is unknown: the
// Device is then broken and refuses further commands, because a result
// still owed could otherwise be mistaken for a later command's.
func (d *Device) exchange(h *sgIOHdr, timeout time.Duration) error {
	d.packID++
	if d.packID <= 0 { // wrapped: pack ids stay positive, -1 means "any"
		d.packID = 1
	}
	h.packID = d.packID
	if err := d.submit(h); err != nil {
		return err
	}
	return d.collect(h, timeout)
}

// submit writes h to the driver once. write(2) on an sg node either queues
// the command and returns the header's length, or fails before queuing it
// (the driver's sg_write has no interruptible sleep). exchange does not
// rely on that reading of the kernel: after any failed write it asks the
// driver whether a request with this pack id is queued, so a command is
// re-submitted only when the driver provably does not hold it.
func (d *Device) submit(h *sgIOHdr) error {
	for {
		err := d.f.submit(h)
		if err == nil {
			return nil
		}
		q, qerr := d.f.queued(h.packID)
		switch {
		case qerr != nil:
			d.broken = fmt.Errorf("write of opcode %#02x failed (%v) and SG_GET_REQUEST_TABLE failed (%v): the command may be running", d.opcode(h), err, qerr)
			return &pathError{op: "submit", path: d.path, err: errOutcome(d.broken)}
		case q:
			d.log.Warn("sgio: write reported an error but the driver holds the command", "dev", d.path, "err", err)
			return nil
		case err == unix.EINTR || err == unix.EAGAIN:
			continue // provably not queued: send it now
		default:
			return &pathError{op: fmt.Sprintf("submit opcode %#02x", d.opcode(h)), path: d.path, err: err}
		}
	}
}

// collect waits for the command with h's pack id and reads its result.
// poll(2) does the waiting; a signal makes it return EINTR and it is simply
// called again. read(2) on the non-blocking node never sleeps: it returns
// the completed request or EAGAIN, and an interrupted read has taken
// nothing, so reading again collects the same request.
func (d *Device) collect(h *sgIOHdr, timeout time.Duration) error {
	want := h.packID
	start := time.Now()
	for {
		ok, err := d.f.ready(timeout + waitWarning)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return d.lost(h, "poll", err)
		case !ok:
			d.log.Warn("sgio: command still not completed", "dev", d.path, "opcode", fmt.Sprintf("%#02x", d.opcode(h)),
				"waited", time.Since(start).Round(time.Second), "timeout", timeout)
			continue
		}
		err = d.f.collect(h)
		switch {
		case err == nil:
			if h.packID != want {
				return d.lost(h, "read", fmt.Errorf("collected pack id %d, want %d", h.packID, want))
			}
			return nil
		case err == unix.EINTR, err == unix.EAGAIN:
			continue
		default:
			return d.lost(h, "read", err)
		}
	}
}

// lost breaks the device after a submitted command's result could not be
// collected.
func (d *Device) lost(h *sgIOHdr, op string, err error) error {
	d.broken = fmt.Errorf("the result of opcode %#02x was lost (%s: %v)", d.opcode(h), op, err)
	return &pathError{op: op, path: d.path, err: errOutcome(d.broken)}
}

func (d *Device) opcode(h *sgIOHdr) byte {
	if h.cmdp == nil {
		return 0
	}
	return *(*byte)(h.cmdp)
}

func errOutcome(cause error) error {
	return fmt.Errorf("%w: %w", ErrOutcomeUnknown, cause)
}
