package main

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/internal/devices"
	"github.com/tapekit/tapekit/scsi"
	"github.com/tapekit/tapekit/tape"
	"github.com/tapekit/tapekit/tape/ssc"
)

// library is what the commands work on: a changer and its drives, whatever
// is behind them. openLibrary is the only place that knows how to get one,
// so a new kind of device is added there and no command changes.
type library struct {
	// name says which library this is, in headers and messages.
	name    string
	changer changer.Changer
	// drive opens drive i: the i-th data transfer element in address
	// order, counted from 0 as mtx counts drives.
	drive func(i int) (tape.Drive, error)
	// close releases the library; for the simulator it also saves the state
	// directory, so it must run even when a command fails.
	close func() error

	opened []tape.Drive

	// scsi opens the SCSI transport of drive n, whose element is el (the
	// zero Element when there is no changer), and names its device; nil
	// when the drives are not reached through SCSI (-sim).
	scsi func(ctx context.Context, n int, el changer.Element) (t scsi.Transport, dev string, err error)
	// fixed is the -f device, when one names the drive.
	fixed string
	host  *host
}

// openLibrary opens the library the global flags name: a simulated one
// (-sim), a changer (-changer) with its drives, or a single drive (-f).
func openLibrary(ctx context.Context, e *env) (*library, error) {
	switch {
	case e.simDir != "":
		return openSimulated(e)
	case e.changer == "" && e.device == "":
		return nil, usagef("no library given: name a library with -changer DRIVER:DEVICE or a tape drive with -f DEVICE, or use -sim DIR (a simulated library kept in DIR, created on first use)")
	}
	h := newHost(e)
	l := &library{host: h, fixed: e.device, changer: noChanger{}, close: h.close}
	if e.changer != "" {
		spec, err := parseChanger(e.changer)
		if err != nil {
			return nil, err
		}
		c, name, err := openChanger(ctx, h, spec)
		if err != nil {
			return nil, errors.Join(err, h.close())
		}
		l.changer, l.name = c, name
		l.scsi = func(ctx context.Context, n int, el changer.Element) (scsi.Transport, string, error) {
			return l.libraryDrive(ctx, spec, n, el)
		}
	} else {
		l.name = "tape drive " + e.device
		l.scsi = func(ctx context.Context, n int, el changer.Element) (scsi.Transport, string, error) {
			t, err := h.openDrive(ctx, e.device)
			return t, e.device, err
		}
	}
	// drive serves callers that have no element at hand; it reads the
	// inventory itself. It runs within the command that opened the
	// library, so it uses that command's context.
	l.drive = func(i int) (tape.Drive, error) {
		el, err := l.driveElement(ctx, i)
		if err != nil {
			return nil, err
		}
		return l.openSCSIDrive(ctx, i, el)
	}
	return l, nil
}

// openSimulated opens the simulated library in e.simDir with its native
// drivers.
func openSimulated(e *env) (*library, error) {
	h := newHost(e)
	sim, err := h.simulator(e.simDir)
	if err != nil {
		return nil, err
	}
	return &library{
		name:    "simulated library " + e.simDir,
		changer: sim.Changer(),
		drive:   func(i int) (tape.Drive, error) { return sim.Drive(i) },
		close:   h.close,
	}, nil
}

// libraryDrive opens drive n of a library, whose element is el: the -f
// device when one is given, else the tape drive whose serial number the
// library reports for the element.
func (l *library) libraryDrive(ctx context.Context, spec changerSpec, n int, el changer.Element) (scsi.Transport, string, error) {
	if l.fixed != "" {
		t, err := l.host.openDrive(ctx, l.fixed)
		if err != nil {
			return nil, "", err
		}
		if el.DriveSerial == "" {
			return t, l.fixed, nil
		}
		// Naming the wrong drive would unload or overwrite another
		// cartridge than the operator means: refuse when the serial
		// numbers tell them apart.
		serial, err := devices.UnitSerial(ctx, t)
		if err == nil && serial != "" && serial != el.DriveSerial {
			closeTransport(t)
			return nil, "", advise(errWrongDrive, "-f %s is the drive with serial number %s, but drive %d of the library is serial %s: give the number of the drive -f names (tapectl inventory -json shows each drive's serial), or leave out -f", l.fixed, serial, n, el.DriveSerial)
		}
		return t, l.fixed, nil
	}
	if el.DriveSerial == "" {
		why := "its element status has no serial number"
		if spec.Driver == driverMTX {
			why = "mtx does not report drive serial numbers"
		}
		return nil, "", advise(errNoDriveDevice, "tapectl cannot tell which device drive %d is (%s): name it with -f DEVICE", n, why)
	}
	dev, err := l.host.findDrive(ctx, spec, el.DriveSerial)
	if err != nil {
		return nil, "", err
	}
	if dev == "" {
		return nil, "", advise(errNoDriveDevice, "drive %d of the library has serial number %s, and no tape drive of this host has it (tapectl devices lists them): attach it, or name its device with -f DEVICE", n, el.DriveSerial)
	}
	t, err := l.host.openDrive(ctx, dev)
	return t, dev, err
}

var (
	// errNoDriveDevice: the library's drive has no device tapectl can find.
	// A changer command can go on without the drive (the library ejects).
	errNoDriveDevice = errors.New("no device for the drive")
	// errWrongDrive: -f names another drive than the one the command named.
	errWrongDrive = errors.New("-f names another drive")
	// errNoChanger is the changer of a drive named with -f alone.
	errNoChanger = usagef("no changer given: -f names a single tape drive; name the library's changer with -changer DRIVER:DEVICE")
)

// noChanger stands in for the changer of a drive named with -f alone, so
// that changer commands say what is missing.
type noChanger struct{}

func (noChanger) Inventory(context.Context) (changer.Inventory, error) { return nil, errNoChanger }
func (noChanger) Move(context.Context, changer.Address, changer.Address) error {
	return errNoChanger
}
func (noChanger) Close() error { return nil }

// closeLibrary closes l and the drives opened through it, and reports a
// failure in *err unless the command already failed: a command deferring
// it never loses its own error, nor a failure to save the library.
func closeLibrary(l *library, err *error) {
	var errs []error
	for _, d := range l.opened {
		errs = append(errs, d.Close())
	}
	errs = append(errs, l.changer.Close(), l.close())
	if cerr := errors.Join(errs...); cerr != nil && *err == nil {
		*err = fmt.Errorf("closing the %s: %w", l.name, cerr)
	}
}

// driveElement returns the element of drive n. With -f and no changer
// there is one drive, 0, and its element is the zero Element: nothing is
// known of it but what the drive says.
func (l *library) driveElement(ctx context.Context, n int) (changer.Element, error) {
	inv, err := l.changer.Inventory(ctx)
	if errors.Is(err, errNoChanger) {
		if n != 0 {
			return changer.Element{}, usagef("-f names one drive, drive 0: there is no drive %d without -changer", n)
		}
		return changer.Element{Type: changer.DataTransfer}, nil
	}
	if err != nil {
		return changer.Element{}, fmt.Errorf("reading the inventory: %w", err)
	}
	return element(inv, changer.DataTransfer, n)
}

// openDrive checks drive number n against the inventory and opens it. The
// element tells callers what the library knows about the drive, such as
// the barcode of its cartridge when the drive does not report one.
func (l *library) openDrive(ctx context.Context, n int) (tape.Drive, changer.Element, error) {
	el, err := l.driveElement(ctx, n)
	if err != nil {
		return nil, changer.Element{}, err
	}
	var d tape.Drive
	if l.scsi != nil {
		d, err = l.openSCSIDrive(ctx, n, el)
	} else {
		d, err = l.drive(n)
	}
	if err != nil {
		return nil, changer.Element{}, err
	}
	l.opened = append(l.opened, d)
	return d, el, nil
}

// openSCSIDrive opens drive n through SCSI with the SSC driver.
func (l *library) openSCSIDrive(ctx context.Context, n int, el changer.Element) (tape.Drive, error) {
	t, _, err := l.scsi(ctx, n, el)
	if err != nil {
		return nil, err
	}
	return newSSCDrive(t, l.host), nil
}

// newSSCDrive returns the SSC driver over t; closing it closes t.
func newSSCDrive(t scsi.Transport, h *host) *ssc.Drive {
	return ssc.New(t, &ssc.Options{Logger: h.log})
}

// driveNumber resolves the drive a command names: n itself, or for
// impliedDrive (DRIVE left out, -f given) the library's drive that -f
// names, found by serial number, or 0 without a changer.
func (l *library) driveNumber(ctx context.Context, n int) (int, error) {
	if n != impliedDrive {
		return n, nil
	}
	inv, err := l.changer.Inventory(ctx)
	if errors.Is(err, errNoChanger) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading the inventory: %w", err)
	}
	drives := ofType(inv, changer.DataTransfer)
	t, err := l.host.openDrive(ctx, l.fixed)
	if err != nil {
		return 0, err
	}
	serial, serr := devices.UnitSerial(ctx, t)
	closeTransport(t)
	if serr == nil && serial != "" {
		for i, el := range drives {
			if el.DriveSerial == serial {
				return i, nil
			}
		}
	}
	if len(drives) == 1 {
		return 0, nil
	}
	return 0, usagef("give DRIVE: the library does not say which of its %d drives -f %s is", len(drives), l.fixed)
}

// firstNumber is where the operator's numbering of a type starts: storage
// slots and I/E ports count from 1 and drives from 0, as in mtx. Transports,
// which mtx does not show, count from 0 like drives.
func firstNumber(t changer.ElementType) int {
	if t == changer.Storage || t == changer.ImportExport {
		return 1
	}
	return 0
}

// kindName names an element type for an operator.
func kindName(t changer.ElementType) string {
	switch t {
	case changer.ImportExport:
		return "I/E port"
	case changer.DataTransfer:
		return "drive"
	case changer.Storage:
		return "slot"
	}
	return t.String()
}

// ofType returns the elements of type t in address order, the order that
// gives them their numbers, whatever order the driver reports them in.
func ofType(inv changer.Inventory, t changer.ElementType) []changer.Element {
	els := inv.OfType(t)
	slices.SortFunc(els, func(a, b changer.Element) int { return int(a.Address) - int(b.Address) })
	return els
}

// element returns the element an operator calls n. A number out of range
// is an error naming the valid range: it is a mistake about this library,
// not about the command line.
func element(inv changer.Inventory, t changer.ElementType, n int) (changer.Element, error) {
	els := ofType(inv, t)
	first := firstNumber(t)
	if n >= first && n < first+len(els) {
		return els[n-first], nil
	}
	if len(els) == 0 {
		return changer.Element{}, fmt.Errorf("no %s %d: the library has no %ss", kindName(t), n, kindName(t))
	}
	return changer.Element{}, fmt.Errorf("no %s %d: the library has %ss %d to %d", kindName(t), n, kindName(t), first, first+len(els)-1)
}

// numberOf returns the type and operator's number of the element at addr.
func numberOf(inv changer.Inventory, addr changer.Address) (changer.ElementType, int, bool) {
	el, ok := inv.Element(addr)
	if !ok {
		return 0, 0, false
	}
	for i, e := range ofType(inv, el.Type) {
		if e.Address == addr {
			return el.Type, firstNumber(el.Type) + i, true
		}
	}
	return 0, 0, false
}

// describe names the element at addr for an operator: "slot 3", "drive 0".
func describe(inv changer.Inventory, addr changer.Address) string {
	t, n, ok := numberOf(inv, addr)
	if !ok {
		return fmt.Sprintf("element %d", addr)
	}
	return fmt.Sprintf("%s %d", kindName(t), n)
}

// openLibraryDrive opens the library the global flags name and drive n of
// it (n may be impliedDrive with -f), as every drive command does. It
// returns the drive's number in the library; on success the caller defers
// closeLibrary(lib, &err), on failure nothing is left open.
func openLibraryDrive(ctx context.Context, e *env, n int) (lib *library, d tape.Drive, el changer.Element, drive int, err error) {
	lib, err = openLibrary(ctx, e)
	if err != nil {
		return nil, nil, changer.Element{}, 0, err
	}
	if drive, err = lib.driveNumber(ctx, n); err == nil {
		d, el, err = lib.openDrive(ctx, drive)
	}
	if err != nil {
		closeLibrary(lib, &err)
		return nil, nil, changer.Element{}, 0, err
	}
	return lib, d, el, drive, nil
}
