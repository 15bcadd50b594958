package main

import (
	"path/filepath"
	"strconv"
	"strings"
)

// simSG is the scheme of a simulated library's in-process SCSI targets,
// written where a device node would stand: "sim-sg:DIR:N" is drive N of the
// library kept in DIR, and -changer sim-sg:DIR its changer. Only the
// transport differs from /dev/sgN: the SSC and SMC drivers, the matching
// of drive elements to drives and every command run as they do on real
// devices, so tests and demos exercise the real-device code end to end.
const simSG = "sim-sg"

// Changer drivers of -changer DRIVER:DEVICE.
const (
	driverSG  = "sg"  // SMC over SG_IO
	driverMTX = "mtx" // the mtx program
)

// changerSpec is a parsed -changer flag.
type changerSpec struct {
	driver string // driverSG, driverMTX or simSG
	device string // the device node, or the simulator's directory for simSG
}

func parseChanger(s string) (changerSpec, error) {
	driver, dev, ok := strings.Cut(s, ":")
	if !ok || dev == "" {
		return changerSpec{}, usagef("-changer %q: want DRIVER:DEVICE, such as sg:/dev/sg5, mtx:/dev/sg5 or sim-sg:DIR", s)
	}
	switch driver {
	case driverSG, driverMTX, simSG:
		return changerSpec{driver: driver, device: dev}, nil
	}
	return changerSpec{}, usagef("-changer %q: unknown driver %q: sg (SCSI media changer commands through SG_IO), mtx (the mtx program) or sim-sg (a simulated library through its SCSI target)", s, driver)
}

// simDrive is a parsed -f sim-sg:DIR:N.
type simDrive struct {
	dir string
	n   int
}

// parseSimDrive parses a -f value; ok is false for a device node. DIR may
// hold colons: the number is after the last one.
func parseSimDrive(s string) (d simDrive, ok bool, err error) {
	rest, isSim := strings.CutPrefix(s, simSG+":")
	if !isSim {
		return simDrive{}, false, nil
	}
	i := strings.LastIndex(rest, ":")
	if i <= 0 {
		return simDrive{}, true, usagef("-f %q: want sim-sg:DIR:N, drive N (from 0) of the simulated library in DIR", s)
	}
	n, err := strconv.Atoi(rest[i+1:])
	if err != nil || n < 0 {
		return simDrive{}, true, usagef("-f %q: drive %q is not a drive number (drives count from 0)", s, rest[i+1:])
	}
	return simDrive{dir: rest[:i], n: n}, true, nil
}

// checkDeviceFlags rejects contradictory device flags before any command
// runs, so that a mistake is exit status 2 whatever the command.
func checkDeviceFlags(e *env) error {
	if e.simDir != "" && (e.device != "" || e.changer != "") {
		return usagef("-sim DIR is a simulated library with its own drives and changer: use it without -f and -changer (or reach it through SCSI with -changer sim-sg:DIR and -f sim-sg:DIR:N)")
	}
	if e.changer != "" {
		if _, err := parseChanger(e.changer); err != nil {
			return err
		}
	}
	if e.device != "" {
		if _, _, err := parseSimDrive(e.device); err != nil {
			return err
		}
	}
	return nil
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
