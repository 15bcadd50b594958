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
		summary: "move the cartridge in SLOT into DRIVE (mtx load)",
		run:     runLoad,
	})
}

func runLoad(ctx context.Context, e *env, args []string) (err error) {
	args, err = parseArgs(flag.NewFlagSet("load", flag.ContinueOnError), args)
	if err != nil {
		return err
	}
	if err := wantArgs(args, 2, 2); err != nil {
		return err
	}
	slot, err := number("slot", args[0])
	if err != nil {
		return err
	}
	drive, err := number("drive", args[1])
	if err != nil {
		return err
	}
	lib, err := openLibrary(ctx, e)
	if err != nil {
		return err
	}
	defer closeLibrary(lib, &err)
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
