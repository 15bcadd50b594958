package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/tapekit/tapekit/changer"
)

func init() {
	register(&command{
		name:    "load",
		usage:   "SLOT DRIVE",
		summary: "move the cartridge in SLOT into DRIVE (mtx load); with -f, DRIVE defaults to that drive",
		run:     runLoad,
	})
}

func runLoad(ctx context.Context, e *env, args []string) (err error) {
	args, err = parseArgs(flag.NewFlagSet("load", flag.ContinueOnError), args)
	if err != nil {
		return err
	}
	// DRIVE comes last here, as in mtx load; -f may stand for it.
	min := 2
	if e.device != "" {
		min = 1
	}
	if err := wantArgs(args, min, 2); err != nil {
		return err
	}
	slot, err := number("slot", args[0])
	if err != nil {
		return err
	}
	drive := impliedDrive
	if len(args) == 2 {
		if drive, err = number("drive", args[1]); err != nil {
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
	if err != nil {
		return fmt.Errorf("reading the inventory: %w", err)
	}
	from, err := element(inv, changer.Storage, slot)
	if err != nil {
		return err
	}
	to, err := element(inv, changer.DataTransfer, drive)
	if err != nil {
		return err
	}
	// Library drives thread a cartridge as it goes in, so a move is a load;
	// a Drive.Load after it would clean twice with a cleaning cartridge.
	if err := changer.Load(ctx, lib.changer, from.Address, to.Address); err != nil {
		return explainMove(inv, from.Address, to.Address, err)
	}
	what := "the cartridge"
	if from.Barcode != "" {
		what = from.Barcode
	}
	fmt.Fprintf(e.stdout, "loaded %s from slot %d into drive %d\n", what, slot, drive)
	return nil
}
