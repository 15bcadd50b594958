package mtx

import (
	"errors"
	"fmt"

	"github.com/tapekit/tapekit/changer"
)

// senseKeys are the names mtx prints for sense keys, in key order.
var senseKeys = [16]string{
	"No Sense", "Recovered Error", "Not Ready", "Medium Error",
	"Hardware Error", "Illegal Request", "Unit Attention", "Data Protect",
	"Blank Check", "0x09", "0x0a", "Aborted Command",
	"0x0c", "Volume Overflow", "Miscompare", "0x0f",
}

// SenseKeyName returns the name mtx prints for a sense key.
func SenseKeyName(key uint8) string {
	if int(key) < len(senseKeys) {
		return senseKeys[key]
	}
	return fmt.Sprintf("0x%02x", key)
}

func senseKeyByName(name string) (uint8, bool) {
	for i, n := range senseKeys {
		if n == name {
			return uint8(i), true
		}
	}
	return 0, false
}

// ascText holds the additional sense codes a medium changer reports (SPC
// and SMC), enough to explain an mtx failure. Package scsi has the full
// table.
var ascText = map[[2]uint8]string{
	{0x00, 0x00}: "no additional sense information",
	{0x04, 0x00}: "logical unit not ready, cause not reportable",
	{0x04, 0x01}: "logical unit is in process of becoming ready",
	{0x04, 0x02}: "logical unit not ready, initializing command required",
	{0x04, 0x03}: "logical unit not ready, manual intervention required",
	{0x04, 0x12}: "logical unit not ready, offline",
	{0x15, 0x01}: "mechanical positioning error",
	{0x1A, 0x00}: "parameter list length error",
	{0x20, 0x00}: "invalid command operation code",
	{0x21, 0x01}: "invalid element address",
	{0x24, 0x00}: "invalid field in CDB",
	{0x25, 0x00}: "logical unit not supported",
	{0x26, 0x00}: "invalid field in parameter list",
	{0x28, 0x00}: "not ready to ready change, medium may have changed",
	{0x28, 0x01}: "import or export element accessed",
	{0x29, 0x00}: "power on, reset, or bus device reset occurred",
	{0x29, 0x01}: "power on occurred",
	{0x29, 0x02}: "SCSI bus reset occurred",
	{0x29, 0x03}: "bus device reset function occurred",
	{0x29, 0x04}: "device internal reset",
	{0x2A, 0x01}: "mode parameters changed",
	{0x30, 0x00}: "incompatible medium installed",
	{0x30, 0x03}: "cleaning cartridge installed",
	{0x3A, 0x00}: "medium not present",
	{0x3B, 0x0D}: "medium destination element full",
	{0x3B, 0x0E}: "medium source element empty",
	{0x3B, 0x11}: "medium magazine not accessible",
	{0x3B, 0x12}: "medium magazine removed",
	{0x3B, 0x13}: "medium magazine inserted",
	{0x3B, 0x14}: "medium magazine locked",
	{0x3B, 0x15}: "medium magazine unlocked",
	{0x3F, 0x01}: "microcode has been changed",
	{0x40, 0x00}: "diagnostic failure",
	{0x44, 0x00}: "internal target failure",
	{0x53, 0x00}: "media load or eject failed",
	{0x53, 0x01}: "unload tape failure",
	{0x53, 0x02}: "medium removal prevented",
	{0x5D, 0x00}: "failure prediction threshold exceeded",
}

// ASCText describes an additional sense code and qualifier, as far as this
// package's changer-sized table knows it.
func ASCText(asc, ascq uint8) string {
	if s, ok := ascText[[2]uint8{asc, ascq}]; ok {
		return s
	}
	if asc >= 0x80 || ascq >= 0x80 {
		return fmt.Sprintf("vendor specific ASC/ASCQ %02X/%02X", asc, ascq)
	}
	return fmt.Sprintf("ASC/ASCQ %02X/%02X", asc, ascq)
}

// MapSense returns the sentinel a sense key, ASC and ASCQ stand for, or nil
// when none fits. Unit attention (06/28, 06/29) maps to ErrUnitAttention:
// the command did not run and may be retried.
func MapSense(key, asc, ascq uint8) error {
	switch key {
	case 0x02:
		return changer.ErrNotReady
	case 0x04:
		return changer.ErrRobotFailure
	case 0x05:
		switch {
		case asc == 0x3B && ascq == 0x0E:
			return changer.ErrSourceEmpty
		case asc == 0x3B && ascq == 0x0D:
			return changer.ErrDestinationFull
		case asc == 0x3B && (ascq == 0x11 || ascq == 0x12):
			return changer.ErrElementInaccessible
		case asc == 0x20 && ascq == 0x00:
			// Invalid operation code: the library lacks the command
			// (EXCHANGE MEDIUM, most often).
			return errors.ErrUnsupported
		case asc == 0x21 && ascq == 0x01:
			return changer.ErrInvalidElement
		case asc == 0x30:
			return changer.ErrIncompatibleMedium
		case asc == 0x3A && ascq == 0x00, asc == 0x53 && ascq == 0x02:
			// A drive that still holds its tape threaded (mtx: "Drive
			// needs offline before move"), or one that prevents removal.
			return changer.ErrDriveLoaded
		}
	case 0x06:
		if asc == 0x28 || asc == 0x29 {
			return ErrUnitAttention
		}
	}
	return nil
}
