package main

import (
	"errors"

	"github.com/tapekit/tapekit/internal/devices"
)

// simSG is the scheme of a simulated library's in-process SCSI targets,
// written where a device node would stand: "sim-sg:DIR:N" is drive N of the
// library kept in DIR, and -changer sim-sg:DIR its changer. Only the
// transport differs from /dev/sgN: the SSC and SMC drivers, the matching
// of drive elements to drives and every command run as they do on real
// devices, so tests and demos exercise the real-device code end to end.
const simSG = devices.SimSG

// Changer drivers of -changer DRIVER:DEVICE.
const (
	driverSG  = devices.DriverSG  // SMC over SG_IO
	driverMTX = devices.DriverMTX // the mtx program
)

// changerSpec is a parsed -changer flag.
type changerSpec = devices.ChangerSpec

// parseChanger parses -changer; a malformed one is a usage error.
func parseChanger(s string) (changerSpec, error) {
	spec, err := devices.ParseChanger(s)
	var se *devices.SpecError
	if errors.As(err, &se) {
		return changerSpec{}, usagef("-changer %v", se)
	}
	return spec, err
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
		if _, _, err := devices.ParseSimDrive(e.device); err != nil {
			return explainDevice(err)
		}
	}
	return nil
}
