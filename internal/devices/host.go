package devices

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"

	"github.com/tapekit/tapekit/scsi"
	"github.com/tapekit/tapekit/scsi/sgio"
	"github.com/tapekit/tapekit/simulator"
)

// Options tune a Host. A nil *Options means the defaults.
type Options struct {
	// Sysfs is the root of the sysfs tree that maps st and ch nodes to sg
	// nodes and tells drive serial numbers; "" means /sys.
	Sysfs string
	// Logger receives every SCSI command and mtx run at debug level; nil
	// discards.
	Logger *slog.Logger
	// Simulator are the options of the simulated libraries sim-sg names
	// open; nil means the simulator's defaults (virtual time).
	Simulator *simulator.Options
	// MTXPath is the mtx program of mtx:DEVICE, a path or a name looked up
	// in $PATH; "" means "mtx".
	MTXPath string
	// OpenNode opens a SCSI generic node; nil means sgio.Open. Tests put a
	// simulator's SCSI targets behind /dev/sgN names with it.
	OpenNode func(node string, o *sgio.Options) (scsi.Transport, error)
}

// Host finds and opens the SCSI devices of one program run: this
// machine's SCSI generic nodes, or the targets of simulated libraries
// named sim-sg:DIR. It is not safe for concurrent use.
type Host struct {
	sysfs    string
	log      *slog.Logger
	simOpts  *simulator.Options
	mtxPath  string
	openNode func(node string, o *sgio.Options) (scsi.Transport, error)
	sims     map[string]*simulator.Library
}

// NewHost returns a Host; it opens nothing yet.
func NewHost(opts *Options) *Host {
	h := &Host{sysfs: "/sys", mtxPath: "mtx", log: slog.New(slog.DiscardHandler), sims: map[string]*simulator.Library{}}
	if opts == nil {
		return h
	}
	if opts.Sysfs != "" {
		h.sysfs = opts.Sysfs
	}
	if opts.Logger != nil {
		h.log = opts.Logger
	}
	if opts.MTXPath != "" {
		h.mtxPath = opts.MTXPath
	}
	h.simOpts, h.openNode = opts.Simulator, opts.OpenNode
	return h
}

// Simulator returns the simulated library kept in dir, opening it on
// first use; later calls return the same library.
func (h *Host) Simulator(dir string) (*simulator.Library, error) {
	if l, ok := h.sims[dir]; ok {
		return l, nil
	}
	l, err := simulator.Open(dir, nil, h.simOpts)
	if err != nil {
		return nil, explainSimOpen(dir, err)
	}
	h.sims[dir] = l
	return l, nil
}

// Close closes the simulated libraries the host opened, which saves their
// directories. The transports and changers it returned are the caller's
// to close, before Close.
func (h *Host) Close() error {
	var errs []error
	for _, l := range h.sims {
		errs = append(errs, l.Close())
	}
	h.sims = map[string]*simulator.Library{}
	return errors.Join(errs...)
}

// OpenDrive opens the transport of the tape drive dev: /dev/sgN (or any
// SCSI generic node), /dev/nstN mapped to its sg node, or sim-sg:DIR:N.
// It asks the device what it is and refuses one that is not a tape drive
// (*TypeError). The caller closes the transport with CloseTransport.
func (h *Host) OpenDrive(ctx context.Context, dev string) (scsi.Transport, error) {
	t, err := h.openDriveTransport(dev)
	if err != nil {
		return nil, err
	}
	if err := CheckDrive(ctx, t, dev); err != nil {
		CloseTransport(t)
		return nil, err
	}
	return t, nil
}

func (h *Host) openDriveTransport(dev string) (scsi.Transport, error) {
	if sd, ok, err := ParseSimDrive(dev); ok {
		if err != nil {
			return nil, err
		}
		l, err := h.Simulator(sd.Dir)
		if err != nil {
			return nil, err
		}
		if sd.N >= l.NumDrives() {
			return nil, fmt.Errorf("%s: no drive %d: the simulated library in %s has drives 0 to %d", dev, sd.N, sd.Dir, l.NumDrives()-1)
		}
		return l.DriveTarget(sd.N)
	}
	return h.openSG(dev, "tape drive")
}

// openSG opens a SCSI generic node, mapping st and ch nodes to theirs
// first: SG_IO needs the sg node, and an st node would block for minutes
// on an empty drive.
func (h *Host) openSG(dev, kind string) (scsi.Transport, error) {
	node, err := h.SGNode(dev)
	if err != nil {
		return nil, err
	}
	open := h.openNode
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
		return nil, &OpenError{Device: dev, Node: node, Kind: kind, Err: err}
	}
	return d, nil
}

// SGNode returns the SCSI generic node for dev: dev itself unless it is a
// tape (st) or changer (ch) node, which sysfs maps to its sg node
// (*NoNodeError when it has none). Symbolic links such as
// /dev/tape/by-id/… are followed first.
func (h *Host) SGNode(dev string) (string, error) {
	target := dev
	if p, err := filepath.EvalSymlinks(dev); err == nil {
		target = p
	}
	tn, isTape := tapeNodeNumber(target)
	cn, isChanger := changerNodeNumber(target)
	if !isTape && !isChanger {
		return dev, nil
	}
	devs, err := sgio.Discover(h.sysfs)
	if err != nil {
		return "", fmt.Errorf("%s is not a SCSI generic node, and finding its node in %s failed: %w", dev, h.sysfs, err)
	}
	for _, d := range devs {
		if n, ok := tapeNodeNumber(d.Tape); isTape && d.Tape != "" && ok && n == tn {
			return d.Generic, nil
		}
		if n, ok := changerNodeNumber(d.Changer); isChanger && d.Changer != "" && ok && n == cn {
			return d.Generic, nil
		}
	}
	return "", &NoNodeError{Device: dev, Target: target, Sysfs: h.sysfs}
}

// CloseTransport closes t when it holds anything to close (an sg node);
// the simulator's targets do not.
func CloseTransport(t scsi.Transport) error {
	if c, ok := t.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
