package devices

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"

	"github.com/tapekit/tapekit/scsi"
	"github.com/tapekit/tapekit/simulator"
)

// ErrNoMTX is matched (errors.Is) by the error of a changer spec mtx:DEVICE
// whose mtx program cannot be run.
var ErrNoMTX = errors.New("devices: cannot run mtx")

// SpecError is a malformed device name or changer spec: a mistake in what
// the operator wrote, not in the devices.
type SpecError struct {
	Spec   string // as written
	Reason string // what is wrong, and what is wanted
}

func (e *SpecError) Error() string { return strconv.Quote(e.Spec) + ": " + e.Reason }

// OpenError is a SCSI generic node that did not open. Err is the cause:
// errors.Is(err, fs.ErrNotExist), fs.ErrPermission or
// errors.ErrUnsupported (no SG_IO on this system) tell the usual ones.
type OpenError struct {
	Device string // as named
	Node   string // the sg node Device maps to; Device itself for an sg node
	Kind   string // "tape drive" or "medium changer"
	Err    error
}

// Name is the device as messages name it: "/dev/nst0 (/dev/sg1)".
func (e *OpenError) Name() string {
	if e.Node != e.Device {
		return fmt.Sprintf("%s (%s)", e.Device, e.Node)
	}
	return e.Device
}

func (e *OpenError) Error() string {
	switch {
	case errors.Is(e.Err, errors.ErrUnsupported):
		return fmt.Sprintf("cannot open %s %s: SG_IO is Linux only (%v)", e.Kind, e.Name(), e.Err)
	case errors.Is(e.Err, fs.ErrNotExist):
		return fmt.Sprintf("cannot open %s %s: there is no such device", e.Kind, e.Name())
	case errors.Is(e.Err, fs.ErrPermission):
		return fmt.Sprintf("cannot open %s %s: permission denied: run as root, or as a member of the group that owns %s", e.Kind, e.Name(), e.Node)
	}
	return fmt.Sprintf("cannot open %s %s: %v (is it a SCSI generic node?)", e.Kind, e.Name(), e.Err)
}

func (e *OpenError) Unwrap() error { return e.Err }

// NoNodeError is an st or ch node that no SCSI generic device in sysfs
// stands for: the sg module is not loaded, or the node is not what sysfs
// lists.
type NoNodeError struct {
	Device string // as named
	Target string // Device with its symbolic links followed
	Sysfs  string // the sysfs tree searched
}

func (e *NoNodeError) Error() string {
	return fmt.Sprintf("%s: SCSI commands go through the SCSI generic node (/dev/sgN) of a device, and no SCSI generic device in %s is %s: is the sg module loaded (modprobe sg)?", e.Device, e.Sysfs, e.Target)
}

// TypeError is a device of another kind than the one asked for: a tape
// drive named as a changer, or the other way round. It wraps the
// *scsi.DeviceTypeError that says what the device is.
type TypeError struct {
	Device string // as named
	Err    *scsi.DeviceTypeError
}

func (e *TypeError) Error() string {
	return fmt.Sprintf("%s is %s, not %s", e.Device, e.Err.Device.Describe(), kindOf(e.Err.Want))
}

func (e *TypeError) Unwrap() error { return e.Err }

// kindOf names a peripheral device type with its article.
func kindOf(t byte) string {
	switch t {
	case scsi.TypeTape:
		return "a tape drive"
	case scsi.TypeMediumChanger:
		return "a medium changer"
	}
	return fmt.Sprintf("a device of type %d", t)
}

// explained is an error that says what happened in an operator's terms and
// keeps its causes for errors.Is and errors.As.
type explained struct {
	msg  string
	errs []error
}

func (e *explained) Error() string   { return e.msg }
func (e *explained) Unwrap() []error { return e.errs }

// explainSimOpen explains why the simulated library in dir did not open.
func explainSimOpen(dir string, err error) error {
	var ce *simulator.CorruptStateError
	switch {
	case errors.As(err, &ce):
		// The simulator names the file at fault and the repair; the
		// operator named the directory, so the file is named within it.
		file := ce.Path
		if rel, rerr := filepath.Rel(dir, ce.Path); rerr == nil && filepath.IsLocal(rel) {
			file = rel
		}
		return &explained{fmt.Sprintf("the simulated library in %s cannot be read, and was left as it is: %s: %v; to repair it, %s", dir, file, ce.Err, ce.Remedy), []error{err}}
	case errors.Is(err, simulator.ErrCorruptState):
		return &explained{fmt.Sprintf("the simulated library in %s cannot be read, and was left as it is (%v)", dir, err), []error{err}}
	case errors.Is(err, simulator.ErrLocked):
		return &explained{fmt.Sprintf("the simulated library in %s is in use by another process: wait for it to finish and try again", dir), []error{err}}
	}
	return fmt.Errorf("opening the simulated library in %s: %w", dir, err)
}
