package devices

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// SimSG is the scheme of a simulated library's in-process SCSI targets,
// written where a device node would stand: "sim-sg:DIR:N" is drive N of the
// library kept in DIR, and the changer spec "sim-sg:DIR" its changer.
const SimSG = "sim-sg"

// Changer drivers of a changer spec DRIVER:DEVICE, besides SimSG.
const (
	DriverSG  = "sg"  // SMC over SG_IO
	DriverMTX = "mtx" // the mtx program
)

// ChangerSpec is a parsed changer spec, DRIVER:DEVICE.
type ChangerSpec struct {
	Driver string // DriverSG, DriverMTX or SimSG
	Device string // the device node, or the simulator's directory for SimSG
}

// String returns the spec as ParseChanger takes it.
func (s ChangerSpec) String() string { return s.Driver + ":" + s.Device }

// ParseChanger parses a changer spec: sg:DEVICE, mtx:DEVICE or
// sim-sg:DIR. DEVICE and DIR may hold colons. The error is a *SpecError.
func ParseChanger(s string) (ChangerSpec, error) {
	driver, dev, ok := strings.Cut(s, ":")
	if !ok || dev == "" {
		return ChangerSpec{}, &SpecError{Spec: s, Reason: "want DRIVER:DEVICE, such as sg:/dev/sg5, mtx:/dev/sg5 or sim-sg:DIR"}
	}
	switch driver {
	case DriverSG, DriverMTX, SimSG:
		return ChangerSpec{Driver: driver, Device: dev}, nil
	}
	return ChangerSpec{}, &SpecError{Spec: s, Reason: fmt.Sprintf("unknown driver %q: sg (SCSI media changer commands through SG_IO), mtx (the mtx program) or sim-sg (a simulated library through its SCSI target)", driver)}
}

// SimDrive is a parsed drive name sim-sg:DIR:N.
type SimDrive struct {
	Dir string
	N   int
}

// ParseSimDrive parses a drive name; ok is false for a device node, which
// is no error. DIR may hold colons: the number is after the last one. The
// error is a *SpecError.
func ParseSimDrive(s string) (d SimDrive, ok bool, err error) {
	rest, isSim := strings.CutPrefix(s, SimSG+":")
	if !isSim {
		return SimDrive{}, false, nil
	}
	i := strings.LastIndex(rest, ":")
	if i <= 0 {
		return SimDrive{}, true, &SpecError{Spec: s, Reason: "want sim-sg:DIR:N, drive N (from 0) of the simulated library in DIR"}
	}
	n, err := strconv.Atoi(rest[i+1:])
	if err != nil || n < 0 {
		return SimDrive{}, true, &SpecError{Spec: s, Reason: fmt.Sprintf("drive %q is not a drive number (drives count from 0)", rest[i+1:])}
	}
	return SimDrive{Dir: rest[:i], N: n}, true, nil
}

// tapeNodeNumber returns N for a Linux st node (/dev/stN, /dev/nstN and
// their mode variants /dev/nstNl, /dev/nstNm, /dev/nstNa), which sysfs
// lists as /dev/nstN.
func tapeNodeNumber(path string) (int, bool) {
	base := filepath.Base(path)
	rest, ok := strings.CutPrefix(base, "nst")
	if !ok {
		if rest, ok = strings.CutPrefix(base, "st"); !ok {
			return 0, false
		}
	}
	rest = strings.TrimRight(rest, "lma")
	n, err := strconv.Atoi(rest)
	return n, err == nil && n >= 0
}

// changerNodeNumber returns N for a Linux ch node, /dev/schN.
func changerNodeNumber(path string) (int, bool) {
	rest, ok := strings.CutPrefix(filepath.Base(path), "sch")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil && n >= 0
}
