package main

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"strings"

	"github.com/benbjohnson/clock"

	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/internal/devices"
	"github.com/tapekit/tapekit/scsi"
	"github.com/tapekit/tapekit/simulator"
)

// host finds and opens the SCSI devices of one tapectl invocation through
// package devices, and puts what goes wrong in tapectl's words: the flags
// that name devices and the commands that list them.
type host struct {
	d   *devices.Host
	log *slog.Logger
}

func newHost(e *env) *host {
	log := e.logger()
	return &host{log: log, d: devices.NewHost(&devices.Options{
		Sysfs: e.sysfs, Logger: log, Simulator: e.simOptions(), MTXPath: e.mtxPath, OpenNode: e.openNode,
	})}
}

// logger is the logger -v asks for, or one that discards.
func (e *env) logger() *slog.Logger {
	if !e.verbose {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// simOptions are the simulator options the global flags ask for.
func (e *env) simOptions() *simulator.Options {
	opts := &simulator.Options{}
	if e.simSpeed > 0 {
		opts.Clock, opts.Scale = clock.New(), e.simSpeed
	}
	return opts
}

// simulator opens the simulated library in dir, once per invocation.
func (h *host) simulator(dir string) (*simulator.Library, error) {
	return h.d.Simulator(dir)
}

// close closes the simulated libraries, which saves their directories.
func (h *host) close() error { return h.d.Close() }

// openDrive opens the transport of the tape drive dev: /dev/sgN (or any
// SCSI generic node), /dev/nstN mapped to its sg node, or sim-sg:DIR:N,
// refusing a device that is not a tape drive.
func (h *host) openDrive(ctx context.Context, dev string) (scsi.Transport, error) {
	t, err := h.d.OpenDrive(ctx, dev)
	return t, explainDevice(err)
}

// findDrive returns the device of the tape drive with this serial number
// among those the library behind spec may have, or "" when none has it.
func (h *host) findDrive(ctx context.Context, spec changerSpec, serial string) (string, error) {
	dev, err := h.d.FindDrive(ctx, spec, serial)
	return dev, explainDevice(err)
}

// openChanger opens the changer spec names and returns it with the
// library's name for messages.
func openChanger(ctx context.Context, h *host, spec changerSpec) (changer.Changer, string, error) {
	c, name, err := h.d.OpenChanger(ctx, spec)
	return c, name, explainDevice(err)
}

// closeTransport closes t when it holds anything to close.
func closeTransport(t scsi.Transport) error { return devices.CloseTransport(t) }

// explainDevice adds to an error of package devices what a tapectl user
// does about it: which flag names the device, and that tapectl devices
// lists this host's devices. Other errors are returned as they are.
func explainDevice(err error) error {
	var (
		oe *devices.OpenError
		ne *devices.NoNodeError
		te *devices.TypeError
		se *devices.SpecError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &oe):
		switch {
		case errors.Is(oe.Err, errors.ErrUnsupported):
			return advise(err, "%v", oe)
		case errors.Is(oe.Err, fs.ErrNotExist):
			return advise(err, "%v (tapectl devices lists this host's tape drives and changers)", oe)
		case errors.Is(oe.Err, fs.ErrPermission):
			return advise(err, "cannot open %s %s: permission denied: run tapectl as root, or as a member of the group that owns %s", oe.Kind, oe.Name(), oe.Node)
		}
		return advise(err, "cannot open %s %s: %v (is it a SCSI generic node? tapectl devices lists them)", oe.Kind, oe.Name(), oe.Err)
	case errors.As(err, &ne):
		return advise(err, "%s: tapectl speaks SCSI through the SCSI generic node (/dev/sgN) of a device, and no SCSI generic device in %s is %s: is the sg module loaded (modprobe sg)? tapectl devices lists the nodes", ne.Device, ne.Sysfs, ne.Target)
	case errors.As(err, &te):
		is := te.Err.Device
		switch {
		case te.Err.Want == scsi.TypeMediumChanger && is.Qualifier == 0 && is.DeviceType == scsi.TypeTape:
			return advise(err, "%v: give it with -f, and the library's changer with -changer", te)
		case te.Err.Want == scsi.TypeMediumChanger:
			return advise(err, "%v: give the library's changer with -changer (tapectl devices lists this host's changers)", te)
		case is.Qualifier == 0 && is.DeviceType == scsi.TypeMediumChanger && !strings.HasPrefix(te.Device, simSG+":"):
			return advise(err, "%v: give it with -changer %s:%s, and the tape drive with -f", te, driverSG, te.Device)
		}
		return advise(err, "%v: give a tape drive with -f (tapectl devices lists this host's tape drives)", te)
	case errors.Is(err, devices.ErrNoMTX):
		return advise(err, "%v, or give the program with -mtx PATH", err)
	case errors.As(err, &se):
		// Only -f names a drive that devices parses.
		return usagef("-f %v", se)
	}
	return err
}
