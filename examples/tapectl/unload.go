package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/tape"
)

func init() {
	register(&command{
		name:    "unload",
		usage:   "[DRIVE] [SLOT]",
		summary: "eject the tape in DRIVE to SLOT, or back where it came from (mtx unload)",
		run:     runUnload,
	})
}

func runUnload(ctx context.Context, e *env, args []string) (err error) {
	args, err = parseArgs(flag.NewFlagSet("unload", flag.ContinueOnError), args)
	if err != nil {
		return err
	}
	drive, args, err := driveArgs(e, args, 0, 1)
	if err != nil {
		return err
	}
	slot, toSlot := 0, len(args) == 1
	if toSlot {
		if slot, err = number("slot", args[0]); err != nil {
			return err
		}
	}
	lib, err := openLibrary(ctx, e)
	if err != nil {
		return err
	}
	defer closeLibrary(lib, &err)
	if drive, err = lib.driveNumber(ctx, drive); err != nil {
		return err
	}
	inv, err := lib.changer.Inventory(ctx)
	if errors.Is(err, errNoChanger) {
		if toSlot {
			return usagef("unload DRIVE SLOT needs a library: name its changer with -changer DRIVER:DEVICE")
		}
		return ejectOnly(ctx, e, lib, drive)
	}
	if err != nil {
		return fmt.Errorf("reading the inventory: %w", err)
	}
	// A drive tapectl has no device for is left to the library, which
	// takes the cartridge out of a drive that ejected it, or of any drive
	// on libraries that eject themselves.
	d, del, err := lib.openDrive(ctx, drive)
	ejectSkipped := errors.Is(err, errNoDriveDevice)
	if err != nil && !ejectSkipped {
		return err
	}
	if ejectSkipped {
		if del, err = element(inv, changer.DataTransfer, drive); err != nil {
			return err
		}
	}
	if !del.Full {
		return advise(changer.ErrSourceEmpty, "drive %d is empty: there is nothing to unload", drive)
	}
	// Check the destination before ejecting, so a mistyped slot leaves the
	// drive as it was.
	var to changer.Element
	if toSlot {
		if to, err = element(inv, changer.Storage, slot); err != nil {
			return err
		}
		if to.Full {
			return explainMove(inv, del.Address, to.Address, changer.ErrDestinationFull)
		}
	}
	if !ejectSkipped {
		if err := d.Unload(ctx); err != nil && !errors.Is(err, tape.ErrNoMedium) {
			return explainDrive(drive, del.Barcode, err)
		}
	}
	dest := to.Address
	if toSlot {
		err = lib.changer.Move(ctx, del.Address, to.Address)
	} else {
		dest, err = changer.Unload(ctx, lib.changer, del.Address)
	}
	if err != nil {
		// changer.Unload chose the destination; its error names it.
		var me *changer.MoveError
		if errors.As(err, &me) && !toSlot {
			dest = me.To
		}
		if ejectSkipped && errors.Is(err, changer.ErrDriveLoaded) {
			return advise(err, "drive %d did not eject its cartridge, and tapectl has no device to tell it to: name the drive with -f DEVICE (tapectl devices lists them) and unload again; the cartridge stays in the drive", drive)
		}
		return explainMove(inv, del.Address, dest, err)
	}
	what := "the cartridge"
	if del.Barcode != "" {
		what = del.Barcode
	}
	fmt.Fprintf(e.stdout, "unloaded %s from drive %d to %s\n", what, drive, describe(inv, dest))
	return nil
}

// ejectOnly unloads a drive named with -f alone: the drive ejects its
// cartridge (mt offline), and an operator or a library takes it out.
func ejectOnly(ctx context.Context, e *env, lib *library, drive int) error {
	d, _, err := lib.openDrive(ctx, drive)
	if err != nil {
		return err
	}
	if err := d.Unload(ctx); err != nil {
		return explainDrive(drive, "", err)
	}
	fmt.Fprintf(e.stdout, "ejected the cartridge of drive %d (%s)\n", drive, lib.fixed)
	return nil
}
