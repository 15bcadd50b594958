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
		usage:   "DRIVE [SLOT]",
		summary: "eject the tape in DRIVE to SLOT, or back where it came from (mtx unload)",
		run:     runUnload,
	})
}

func runUnload(ctx context.Context, e *env, args []string) (err error) {
	args, err = parseArgs(flag.NewFlagSet("unload", flag.ContinueOnError), args)
	if err != nil {
		return err
	}
	if err := wantArgs(args, 1, 2); err != nil {
		return err
	}
	drive, err := number("drive", args[0])
	if err != nil {
		return err
	}
	slot, toSlot := 0, len(args) == 2
	if toSlot {
		if slot, err = number("slot", args[1]); err != nil {
			return err
		}
	}
	lib, err := openLibrary(ctx, e)
	if err != nil {
		return err
	}
	defer closeLibrary(lib, &err)
	d, del, err := lib.openDrive(ctx, drive)
	if err != nil {
		return err
	}
	inv, err := lib.changer.Inventory(ctx)
	if err != nil {
		return fmt.Errorf("reading the inventory: %w", err)
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
	if err := d.Unload(ctx); err != nil && !errors.Is(err, tape.ErrNoMedium) {
		return explainDrive(drive, del.Barcode, err)
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
		return explainMove(inv, del.Address, dest, err)
	}
	what := "the cartridge"
	if del.Barcode != "" {
		what = del.Barcode
	}
	fmt.Fprintf(e.stdout, "unloaded %s from drive %d to %s\n", what, drive, describe(inv, dest))
	return nil
}
