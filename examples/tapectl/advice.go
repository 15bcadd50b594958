package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/tape"
)

// advice is an error that says what happened in the operator's terms and
// what to do about it. It keeps its cause, so errors.Is and errors.As still
// see the driver's typed error.
type advice struct {
	msg string
	err error
}

func (a *advice) Error() string { return a.msg }
func (a *advice) Unwrap() error { return a.err }

func advise(err error, format string, args ...any) error {
	return &advice{msg: fmt.Sprintf(format, args...), err: err}
}

// explainDrive explains an error of drive n; barcode names its cartridge
// when known.
func explainDrive(n int, barcode string, err error) error {
	cart := "the cartridge"
	if barcode != "" {
		cart = "cartridge " + barcode
	}
	switch {
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("interrupted: %w", err)
	case errors.Is(err, tape.ErrNoMedium):
		return advise(err, "drive %d is empty: load a cartridge first (tapectl load SLOT %d)", n, n)
	case errors.Is(err, tape.ErrCleaningCartridge):
		return advise(err, "drive %d holds a cleaning cartridge: unload it (tapectl unload %d) and load a data cartridge", n, n)
	case errors.Is(err, simulator.ErrPowerLoss):
		return advise(err, "drive %d lost power with %s loaded: the simulated library recovered as after a power loss, as it does when a process using it dies; the cartridge is still in the drive, with what was synchronised to it, but not loaded: unload it (tapectl unload %d) and load it again", n, cart, n)
	case errors.Is(err, tape.ErrNotReady):
		return advise(err, "drive %d is not ready (%v): if its cartridge was ejected, unload it (tapectl unload %d) and load it again", n, err, n)
	case errors.Is(err, tape.ErrWriteProtected):
		return advise(err, "%s in drive %d is write protected: nothing was written; write to another cartridge", cart, n)
	case errors.Is(err, tape.ErrIncompatibleMedium):
		return advise(err, "drive %d cannot use %s (%v): load it into a drive of its generation", n, cart, err)
	case errors.Is(err, tape.ErrMediumError):
		return advise(err, "medium error on %s in drive %d (%v): the cartridge may be damaged", cart, n, err)
	case errors.Is(err, tape.ErrHardwareError):
		return advise(err, "drive %d failed (%v): it needs an operator", n, err)
	}
	return fmt.Errorf("drive %d: %w", n, err)
}

// explainMove explains a failed move from one element to another, with the
// inventory taken before the move. A failed move leaves the cartridge where
// it was, and the messages say so where an operator might doubt it.
func explainMove(inv changer.Inventory, from, to changer.Address, err error) error {
	src, dst := describe(inv, from), describe(inv, to)
	switch {
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("interrupted: %w", err)
	case errors.Is(err, changer.ErrSourceEmpty):
		return advise(err, "%s is empty: there is nothing to move (tapectl inventory shows where the cartridges are)", src)
	case errors.Is(err, changer.ErrDestinationFull):
		held := "a cartridge"
		if el, ok := inv.Element(to); ok && el.Barcode != "" {
			held = el.Barcode
		}
		if el, ok := inv.Element(to); ok && el.Type == changer.DataTransfer {
			_, n, _ := numberOf(inv, to)
			return advise(err, "%s already holds %s: unload it first (tapectl unload %d)", dst, held, n)
		}
		return advise(err, "%s already holds %s: choose an empty one (tapectl inventory lists them)", dst, held)
	case errors.Is(err, changer.ErrIncompatibleMedium):
		return advise(err, "the cartridge in %s cannot go into %s (%v); it stays in %s", src, dst, err, src)
	case errors.Is(err, changer.ErrNoFreeElement):
		return advise(err, "there is no empty slot for the cartridge in %s: free a slot first; it stays in %s", src, src)
	case errors.Is(err, changer.ErrDriveLoaded):
		return advise(err, "%s did not eject its cartridge (%v); it stays in the drive", src, err)
	case errors.Is(err, changer.ErrRobotFailure):
		return advise(err, "the robot failed moving from %s to %s (%v): an operator must check the library; tapectl inventory shows where the cartridge is", src, dst, err)
	}
	return fmt.Errorf("moving from %s to %s: %w", src, dst, err)
}
