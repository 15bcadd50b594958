//go:build linux

package sgio

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/tapekit/tapekit/scsi"
)

// Open opens the SCSI generic device at path (such as /dev/sg3)
// read-write and non-blocking, checks that its driver speaks SG_IO
// version 3 (SG_GET_VERSION_NUM ≥ 30000), makes the driver match results
// to commands by pack id (SG_SET_FORCE_PACK_ID), reads the host's transfer
// limit and sizes the driver's reserved buffer to it.
func Open(path string, o *Options) (*Device, error) {
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &pathError{op: "open", path: path, err: err}
	}
	fail := func(op string, err error) (*Device, error) {
		unix.Close(fd)
		return nil, &pathError{op: op, path: path, err: err}
	}
	v, err := ioctlInt(fd, ioctlSGGetVersion)
	if err != nil {
		return fail("SG_GET_VERSION_NUM (not an sg device?)", err)
	}
	if v < minSGVersion {
		return fail("open", fmt.Errorf("sg driver version %d, need %d or later", v, minSGVersion))
	}
	if err := ioctlSetInt(fd, ioctlSGSetForcePackID, 1); err != nil {
		return fail("SG_SET_FORCE_PACK_ID", err)
	}
	t, l := o.defaults()
	d := &Device{path: path, f: &fdFile{fd: fd}, timeout: t, log: l}

	sect, serr := ioctlInt(fd, ioctlBlkSectGet)
	tbl, terr := ioctlInt(fd, ioctlSGGetSGTablesize)
	if serr != nil {
		sect = 0
	}
	if terr != nil {
		tbl = 0
	}
	d.max = hostLimit(sect, tbl, unix.Getpagesize())
	if o != nil && o.MaxTransfer > 0 {
		d.max = o.MaxTransfer
	}
	if d.max > 0 {
		// Commands that fit the reserved buffer use it instead of pages
		// allocated for each command. The driver may give less.
		if err := ioctlSetInt(fd, ioctlSGSetReservedSize, d.max); err != nil {
			l.Debug("sgio: SG_SET_RESERVED_SIZE refused", "dev", path, "size", d.max, "err", err)
		}
	}
	rsv, _ := ioctlInt(fd, ioctlSGGetReservedSize)
	l.Debug("sgio: opened", "dev", path, "version", v, "max_sectors_bytes", sect, "sg_tablesize", tbl,
		"max_transfer", d.max, "reserved", rsv)
	return d, nil
}

// hostLimit is the largest transfer a host takes, from the queue's
// max_sectors in bytes (BLKSECTGET on an sg node) and its scatter-gather
// table size (SG_GET_SG_TABLESIZE): the kernel maps a buffer in pieces of
// at least a page, one per table entry, so tablesize pages always fit,
// while hosts whose segments are one page long (mhvtl's, and some HBAs)
// take no more even when max_sectors says more. The smaller figure is the
// safe one; 0 means neither is known.
func hostLimit(maxSectorBytes, tablesize, pageSize int) int {
	byTable := 0
	if tablesize > 0 && pageSize > 0 {
		byTable = tablesize * pageSize
	}
	switch {
	case maxSectorBytes <= 0:
		return byTable
	case byTable <= 0:
		return maxSectorBytes
	}
	return min(maxSectorBytes, byTable)
}

func ioctlInt(fd int, req uint) (int, error) {
	for {
		v, err := unix.IoctlGetInt(fd, req)
		if err != unix.EINTR {
			return v, err
		}
	}
}

func ioctlSetInt(fd int, req uint, v int) error {
	// The sg driver reads an int through the pointer (IoctlSetInt would
	// pass the value itself).
	x := int32(v)
	for {
		_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(req), uintptr(unsafe.Pointer(&x)))
		if errno != unix.EINTR {
			if errno != 0 {
				return errno
			}
			return nil
		}
	}
}

// Close closes the device.
func (d *Device) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	d.closed = true
	return d.f.close()
}

// Do sends cmd and waits for its result. See scsi.Transport for what it
// returns, and the package documentation for how a command is delivered
// exactly once.
func (d *Device) Do(ctx context.Context, cmd *scsi.Command) (scsi.Result, error) {
	if err := ctx.Err(); err != nil {
		return scsi.Result{}, err
	}
	if err := scsi.CheckTransfer(cmd, d.max); err != nil {
		return scsi.Result{}, err
	}
	timeout := cmd.Timeout
	if timeout <= 0 {
		timeout = d.timeout
	}
	if dl, ok := ctx.Deadline(); ok {
		// A command cannot be cancelled once sent: the context's deadline
		// bounds it instead.
		if left := time.Until(dl); left < timeout {
			timeout = max(left, time.Millisecond)
		}
	}

	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.closed:
		return scsi.Result{}, ErrClosed
	case d.broken != nil:
		return scsi.Result{}, &pathError{op: "command", path: d.path, err: fmt.Errorf("%w: an earlier command: %w; close and reopen the device", ErrOutcomeUnknown, d.broken)}
	}
	sense := d.sense[:]
	h, err := newHdr(cmd, sense, timeout)
	if err != nil {
		return scsi.Result{}, err
	}
	// The kernel reads the CDB and data-out buffer when the command is
	// submitted, and writes the sense and data-in buffers when its result
	// is collected, through the pointers inside h: pin them for the whole
	// exchange.
	var pin runtime.Pinner
	pin.Pin(h)
	pin.Pin(&cmd.CDB[0])
	pin.Pin(&sense[0])
	if len(cmd.Data) > 0 {
		pin.Pin(&cmd.Data[0])
	}
	start := time.Now()
	err = d.exchange(h, timeout)
	runtime.KeepAlive(cmd)
	pin.Unpin()
	if err != nil {
		return scsi.Result{}, err
	}
	res, err := result(h, sense)
	if d.log.Enabled(ctx, slog.LevelDebug) {
		d.log.Debug("sgio command", "dev", d.path, "opcode", fmt.Sprintf("%#02x", cmd.CDB[0]), "pack_id", h.packID,
			"status", res.Status, "resid", res.Residual, "sense", fmt.Sprintf("%x", res.Sense),
			"host", h.hostStatus, "driver", h.driverStatus, "elapsed", time.Since(start), "err", err)
	}
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
