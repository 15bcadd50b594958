//go:build linux

package sgio

import (
	"errors"
	"io"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// sgFile is the sg driver's asynchronous interface on one open device node:
// the seam between the exchange protocol (exchange) and the kernel, so that
// tests can interrupt every step. Each method is one system call; none of
// them retries.
type sgFile interface {
	// submit hands h to the driver (write(2) of the sg_io_hdr). A nil
	// error means the command was queued to the device, once.
	submit(h *sgIOHdr) error
	// queued reports whether the driver holds a request with packID,
	// running or done but not yet collected (SG_GET_REQUEST_TABLE).
	queued(packID int32) (bool, error)
	// ready waits until a request has completed, the device is gone, or
	// timeout passes (poll(2) for POLLIN); a negative timeout waits for
	// ever. false with a nil error means the time ran out.
	ready(timeout time.Duration) (bool, error)
	// collect reads the completed request whose pack_id is h.packID into
	// h (read(2); the pack id is forced at Open), with its sense and data
	// into the buffers h pointed to when it was submitted. EAGAIN: it has
	// not completed yet.
	collect(h *sgIOHdr) error
	close() error
}

// fdFile is sgFile on a file descriptor opened O_NONBLOCK, so that collect
// never sleeps in the kernel: waiting happens in poll, which a signal can
// interrupt without consequence.
type fdFile struct {
	fd int
	// interrupts counts the calls that a signal interrupted (EINTR);
	// tests read it to show that their signals landed.
	interrupts atomic.Int64
}

func hdrBytes(h *sgIOHdr) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(h)), unsafe.Sizeof(*h))
}

func (f *fdFile) count(err error) error {
	if err == unix.EINTR {
		f.interrupts.Add(1)
	}
	return err
}

func (f *fdFile) submit(h *sgIOHdr) error {
	b := hdrBytes(h)
	n, err := unix.Write(f.fd, b)
	if err == nil && n != len(b) {
		err = io.ErrShortWrite
	}
	return f.count(err)
}

func (f *fdFile) queued(packID int32) (bool, error) {
	var tbl [sgMaxQueue]sgReqInfo
	for {
		_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(f.fd), ioctlSGGetRequestTable, uintptr(unsafe.Pointer(&tbl)))
		if errno == unix.EINTR {
			f.interrupts.Add(1)
			continue
		}
		if errno != 0 {
			return false, errno
		}
		break
	}
	for _, r := range tbl {
		if r.reqState != 0 && r.packID == packID {
			return true, nil
		}
	}
	return false, nil
}

func (f *fdFile) ready(timeout time.Duration) (bool, error) {
	ms := -1
	if timeout >= 0 {
		ms = int(min(max(timeout.Milliseconds(), 1), 1<<30))
	}
	fds := []unix.PollFd{{Fd: int32(f.fd), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, ms)
	if err != nil {
		return false, f.count(err)
	}
	// POLLHUP and POLLERR (a detached device) count as ready: collect
	// then reports the error.
	return n > 0 && fds[0].Revents != 0, nil
}

func (f *fdFile) collect(h *sgIOHdr) error {
	b := hdrBytes(h)
	n, err := unix.Read(f.fd, b)
	if err == nil && n != len(b) {
		err = errors.New("short read of sg_io_hdr")
	}
	return f.count(err)
}

func (f *fdFile) close() error { return unix.Close(f.fd) }
