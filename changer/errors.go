package changer

import (
	"errors"
	"fmt"
)

// Sentinel errors, matched with errors.Is whatever the driver. After any of
// them the cartridge stays where it was: a failed move never loses one.
var (
	// ErrSourceEmpty: there is no cartridge at the source element (SCSI
	// 05/3B/0E "medium source element empty").
	ErrSourceEmpty = errors.New("changer: source element empty")
	// ErrDestinationFull: the destination already holds a cartridge (05/3B/0D
	// "medium destination element full").
	ErrDestinationFull = errors.New("changer: destination element full")
	// ErrInvalidElement: no element has that address, or the move is not
	// possible between these element types (05/21/01).
	ErrInvalidElement = errors.New("changer: invalid element address")
	// ErrIncompatibleMedium: the cartridge cannot go into that drive (for
	// example an LTO-5 cartridge into an LTO-9 drive; 05/30/00).
	ErrIncompatibleMedium = errors.New("changer: incompatible medium")
	// ErrNoBarcode: the operation names a barcode that no element holds.
	ErrNoBarcode = errors.New("changer: no cartridge with that barcode")
	// ErrNoFreeElement: no empty element of the wanted type is left.
	ErrNoFreeElement = errors.New("changer: no free element")
	// ErrDriveLoaded: the drive still holds the cartridge threaded and the
	// library will not pull it; unload the drive first.
	ErrDriveLoaded = errors.New("changer: medium still loaded in drive")
	// ErrRobotFailure: the robot (transport element) failed (04/xx/xx).
	// The library needs an operator; re-inventory before trusting positions.
	ErrRobotFailure = errors.New("changer: robot failure")
	// ErrNotReady: the library is becoming ready, or a door is open
	// (02/04/xx). Retrying later is safe.
	ErrNotReady = errors.New("changer: not ready")
	// ErrElementInaccessible: the element exists but the robot cannot reach
	// it (a magazine out, an I/E port open to the operator).
	ErrElementInaccessible = errors.New("changer: element not accessible")
	// ErrClosed: the Changer was closed.
	ErrClosed = errors.New("changer: closed")
)

// MoveError is the structured error of a failed move. Err is a sentinel
// above and may wrap the driver's cause (a *scsi.SenseError, mtx's output).
type MoveError struct {
	From, To Address
	Err      error
}

func (e *MoveError) Error() string {
	msg := e.Err.Error()
	const p = "changer: "
	if len(msg) > len(p) && msg[:len(p)] == p {
		msg = msg[len(p):]
	}
	return fmt.Sprintf("changer: move %d → %d: %s", e.From, e.To, msg)
}

func (e *MoveError) Unwrap() error { return e.Err }
