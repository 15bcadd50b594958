//go:build linux

package sgio

import (
	"context"
	"fmt"
	"runtime"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/tapekit/tapekit/scsi"
)

// Open opens the SCSI generic device at path (such as /dev/sg3)
// read-write and non-blocking, and checks that its driver speaks SG_IO
// version 3 (SG_GET_VERSION_NUM ≥ 30000).
func Open(path string, o *Options) (*Device, error) {
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &pathError{op: "open", path: path, err: err}
	}
	v, err := unix.IoctlGetInt(fd, ioctlSGGetVersion)
	if err != nil {
		unix.Close(fd)
		return nil, &pathError{op: "SG_GET_VERSION_NUM (not an sg device?)", path: path, err: err}
	}
	if v < minSGVersion {
		unix.Close(fd)
		return nil, &pathError{op: "open", path: path, err: fmt.Errorf("sg driver version %d, need %d or later", v, minSGVersion)}
	}
	t, l := o.defaults()
	return &Device{path: path, fd: fd, timeout: t, log: l}, nil
}

// Close closes the device.
func (d *Device) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	d.closed = true
	return unix.Close(d.fd)
}

// Do sends cmd with SG_IO. See scsi.Transport for what it returns.
func (d *Device) Do(ctx context.Context, cmd *scsi.Command) (scsi.Result, error) {
	if err := ctx.Err(); err != nil {
		return scsi.Result{}, err
	}
	timeout := cmd.Timeout
	if timeout <= 0 {
		timeout = d.timeout
	}
	if dl, ok := ctx.Deadline(); ok {
		// SG_IO cannot be cancelled: the context's deadline bounds the
		// command instead.
		if left := time.Until(dl); left < timeout {
			timeout = max(left, time.Millisecond)
		}
	}
	sense := make([]byte, SenseBufferSize)
	h, err := newHdr(cmd, sense, timeout)
	if err != nil {
		return scsi.Result{}, err
	}

	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return scsi.Result{}, ErrClosed
	}
	// The kernel reads and writes the CDB, data and sense buffers through
	// the pointers inside h: pin them so the runtime keeps them alive and in
	// place for the whole ioctl.
	var pin runtime.Pinner
	pin.Pin(h)
	pin.Pin(&cmd.CDB[0])
	pin.Pin(&sense[0])
	if len(cmd.Data) > 0 {
		pin.Pin(&cmd.Data[0])
	}
	start := time.Now()
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(d.fd), ioctlSGIO, uintptr(unsafe.Pointer(h)))
	runtime.KeepAlive(cmd)
	runtime.KeepAlive(sense)
	pin.Unpin()
	if errno != 0 {
		return scsi.Result{}, &pathError{op: fmt.Sprintf("SG_IO opcode %#02x", cmd.CDB[0]), path: d.path, err: errno}
	}
	res, err := result(h, sense)
	d.log.Debug("sgio command", "dev", d.path, "opcode", fmt.Sprintf("%#02x", cmd.CDB[0]),
		"status", res.Status, "resid", res.Residual, "sense", fmt.Sprintf("%x", res.Sense),
		"host", h.hostStatus, "driver", h.driverStatus, "elapsed", time.Since(start), "err", err)
	return res, err
}

// newHdr fills an sg_io_hdr for cmd. It is separate from Do so that its
// translation of directions and timeouts is tested without a device.
func newHdr(cmd *scsi.Command, sense []byte, timeout time.Duration) (*sgIOHdr, error) {
	if n := len(cmd.CDB); n < 6 || n > 16 {
		return nil, fmt.Errorf("sgio: CDB of %d bytes, want 6 to 16", n)
	}
	if uint64(len(cmd.Data)) > 1<<32-1 {
		return nil, fmt.Errorf("sgio: data buffer of %d bytes too large for SG_IO", len(cmd.Data))
	}
	h := &sgIOHdr{
		interfaceID: 'S',
		cmdLen:      uint8(len(cmd.CDB)),
		mxSbLen:     uint8(len(sense)),
		cmdp:        unsafe.Pointer(&cmd.CDB[0]),
		sbp:         unsafe.Pointer(&sense[0]),
		dxferLen:    uint32(len(cmd.Data)),
	}
	ms := timeout.Milliseconds()
	if ms < 1 {
		ms = 1
	}
	h.timeout = uint32(min(ms, maxTimeoutMillisec))
	switch cmd.Direction {
	case scsi.DirNone:
		if len(cmd.Data) != 0 {
			return nil, fmt.Errorf("sgio: data given with direction none")
		}
		h.dxferDirection = sgDxferNone
	case scsi.DirIn:
		h.dxferDirection = sgDxferFromDev
	case scsi.DirOut:
		h.dxferDirection = sgDxferToDev
	default:
		return nil, fmt.Errorf("sgio: unknown direction %v", cmd.Direction)
	}
	if len(cmd.Data) > 0 {
		h.dxferp = unsafe.Pointer(&cmd.Data[0])
	} else if h.dxferDirection != sgDxferNone {
		h.dxferDirection = sgDxferNone
	}
	return h, nil
}

// result turns a completed sg_io_hdr into a scsi.Result, or a
// *scsi.TransportError when the host adapter or the driver failed.
func result(h *sgIOHdr, sense []byte) (scsi.Result, error) {
	n := min(int(h.sbLenWr), len(sense))
	res := scsi.Result{Status: scsi.Status(h.status), Residual: int(h.resid)}
	if n > 0 {
		res.Sense = append([]byte(nil), sense[:n]...)
	}
	if h.hostStatus != 0 || (h.driverStatus&driverByteMask != 0 && h.driverStatus&driverByteMask != driverSense) {
		return res, &scsi.TransportError{Op: "SG_IO", HostStatus: h.hostStatus, DriverStatus: h.driverStatus, Status: res.Status, Sense: res.Sense}
	}
	return res, nil
}
