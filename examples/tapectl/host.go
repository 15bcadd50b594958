package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path/filepath"

	"github.com/benbjohnson/clock"

	"github.com/tapekit/tapekit/scsi"
	"github.com/tapekit/tapekit/scsi/sgio"
	"github.com/tapekit/tapekit/simulator"
)

// host finds and opens the SCSI devices of one tapectl invocation: this
// machine's SCSI generic nodes, or the targets of simulated libraries named
// sim-sg:DIR. A simulated library is opened once and shared by its changer
// and its drives, as the devices of a real library share its hardware; a
// second Open of the directory would find it locked.
type host struct {
	e    *env
	log  *slog.Logger
	sims map[string]*simulator.Library
}

func newHost(e *env) *host {
	return &host{e: e, log: e.logger(), sims: map[string]*simulator.Library{}}
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
	if l, ok := h.sims[dir]; ok {
		return l, nil
	}
	l, err := simulator.Open(dir, nil, h.e.simOptions())
	if err != nil {
		return nil, explainOpen(dir, err)
	}
	h.sims[dir] = l
	return l, nil
}

// close closes the simulated libraries, which saves their directories.
func (h *host) close() error {
	var errs []error
	for _, l := range h.sims {
		errs = append(errs, l.Close())
	}
	h.sims = nil
	return errors.Join(errs...)
}

// openDrive opens the transport of the tape drive dev: /dev/sgN (or any
// SCSI generic node), /dev/nstN mapped to its sg node, or sim-sg:DIR:N. It
// asks the device what it is, so that a changer named as a drive is
// refused at once, saying so.
func (h *host) openDrive(ctx context.Context, dev string) (scsi.Transport, error) {
	t, err := h.openDriveTransport(dev)
	if err != nil {
		return nil, err
	}
	if err := checkDrive(ctx, t, dev); err != nil {
		closeTransport(t)
		return nil, err
	}
	return t, nil
}

func (h *host) openDriveTransport(dev string) (scsi.Transport, error) {
	if sd, ok, err := parseSimDrive(dev); ok {
		if err != nil {
			return nil, err
		}
		l, err := h.simulator(sd.dir)
		if err != nil {
			return nil, err
		}
		if sd.n >= l.NumDrives() {
			return nil, fmt.Errorf("%s: no drive %d: the simulated library in %s has drives 0 to %d", dev, sd.n, sd.dir, l.NumDrives()-1)
		}
		return l.DriveTarget(sd.n)
	}
	return h.openSG(dev, "tape drive")
}

// openChangerTransport opens the transport of the medium changer dev:
// /dev/sgN, or /dev/schN mapped to its sg node.
func (h *host) openChangerTransport(dev string) (scsi.Transport, error) {
	return h.openSG(dev, "medium changer")
}

// openSG opens a SCSI generic node, mapping st and ch nodes to theirs
// first: SG_IO needs the sg node, and an st node would block for minutes
// on an empty drive.
func (h *host) openSG(dev, what string) (scsi.Transport, error) {
	node, err := h.sgNode(dev)
	if err != nil {
		return nil, err
	}
	open := h.e.openNode
	if open == nil {
		open = func(node string, o *sgio.Options) (scsi.Transport, error) {
			d, err := sgio.Open(node, o)
			if err != nil {
				return nil, err
			}
			return d, nil
		}
	}
	d, err := open(node, &sgio.Options{Logger: h.log})
	if err != nil {
		return nil, explainSGOpen(dev, node, what, err)
	}
	return d, nil
}

// sgNode returns the SCSI generic node for dev: dev itself unless it is
// a tape (st) or changer (ch) node, which sysfs maps to its sg node.
// Symbolic links such as /dev/tape/by-id/… are followed first.
func (h *host) sgNode(dev string) (string, error) {
	target := dev
	if p, err := filepath.EvalSymlinks(dev); err == nil {
		target = p
	}
	tn, isTape := tapeNodeNumber(target)
	cn, isChanger := changerNodeNumber(target)
	if !isTape && !isChanger {
		return dev, nil
	}
	devs, err := sgio.Discover(h.e.sysfs)
	if err != nil {
		return "", fmt.Errorf("%s is not a SCSI generic node, and finding its node in %s failed: %w", dev, h.e.sysfs, err)
	}
	for _, d := range devs {
		if n, ok := tapeNodeNumber(d.Tape); isTape && d.Tape != "" && ok && n == tn {
			return d.Generic, nil
		}
		if n, ok := changerNodeNumber(d.Changer); isChanger && d.Changer != "" && ok && n == cn {
			return d.Generic, nil
		}
	}
	return "", fmt.Errorf("%s: tapectl speaks SCSI through the SCSI generic node (/dev/sgN) of a device, and no SCSI generic device in %s is %s: is the sg module loaded (modprobe sg)? tapectl devices lists the nodes", dev, h.e.sysfs, target)
}

// explainSGOpen says why the SCSI generic node of dev did not open.
func explainSGOpen(dev, node, what string, err error) error {
	name := dev
	if node != dev {
		name = fmt.Sprintf("%s (%s)", dev, node)
	}
	switch {
	case errors.Is(err, errors.ErrUnsupported):
		return advise(err, "cannot open %s %s: SG_IO is Linux only (%v)", what, name, err)
	case errors.Is(err, fs.ErrNotExist):
		return advise(err, "cannot open %s %s: there is no such device (tapectl devices lists this host's tape drives and changers)", what, name)
	case errors.Is(err, fs.ErrPermission):
		return advise(err, "cannot open %s %s: permission denied: run tapectl as root, or as a member of the group that owns %s", what, name, node)
	}
	return advise(err, "cannot open %s %s: %v (is it a SCSI generic node? tapectl devices lists them)", what, name, err)
}

// tapeCandidate is a tape drive a library's drive element may be.
type tapeCandidate struct {
	dev    string // what -f takes: /dev/sgN, sim-sg:DIR:N
	serial string // from sysfs; empty when the kernel does not expose it
}

// candidates lists the tape drives the drives of the library behind spec
// may be: a simulated library's own drives, or every tape drive sysfs
// lists on this host.
func (h *host) candidates(spec changerSpec) ([]tapeCandidate, error) {
	if spec.driver == simSG {
		l, err := h.simulator(spec.device)
		if err != nil {
			return nil, err
		}
		var out []tapeCandidate
		for i := range l.NumDrives() {
			out = append(out, tapeCandidate{dev: fmt.Sprintf("%s:%s:%d", simSG, spec.device, i)})
		}
		return out, nil
	}
	devs, err := sgio.Discover(h.e.sysfs)
	if err != nil {
		return nil, fmt.Errorf("listing the tape drives in %s: %w", h.e.sysfs, err)
	}
	var out []tapeCandidate
	for _, d := range devs {
		if d.Type == scsi.TypeTape {
			out = append(out, tapeCandidate{dev: d.Generic, serial: d.Serial})
		}
	}
	return out, nil
}

// findDrive returns the device of the tape drive with this serial number
// among the candidates of spec, or "" when none has it. Drives whose serial
// sysfs does not show are asked (INQUIRY, VPD page 80h), which is also how
// a simulated library's drives tell theirs.
func (h *host) findDrive(ctx context.Context, spec changerSpec, serial string) (string, error) {
	cands, err := h.candidates(spec)
	if err != nil {
		return "", err
	}
	for _, c := range cands {
		if c.serial == serial {
			return c.dev, nil
		}
	}
	for _, c := range cands {
		if c.serial != "" {
			continue
		}
		t, err := h.openDrive(ctx, c.dev)
		if err != nil {
			h.log.Debug("cannot ask a tape drive its serial number", "device", c.dev, "err", err)
			continue
		}
		s, err := unitSerial(ctx, t)
		closeTransport(t)
		if err != nil {
			h.log.Debug("cannot read a tape drive's serial number", "device", c.dev, "err", err)
			continue
		}
		if s == serial {
			return c.dev, nil
		}
	}
	return "", nil
}

// closeTransport closes t when it holds anything to close (an sg node);
// the simulator's targets do not.
func closeTransport(t scsi.Transport) error {
	if c, ok := t.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
