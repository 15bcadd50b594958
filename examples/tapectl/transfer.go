package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/tapekit/tapekit/changer"
)

func init() {
	register(&command{
		name:    "transfer",
		usage:   "SLOT SLOT",
		summary: "move the cartridge in the first slot to the second (mtx transfer)",
		run:     runTransfer,
	})
}

func runTransfer(ctx context.Context, e *env, args []string) (err error) {
	args, err = parseArgs(flag.NewFlagSet("transfer", flag.ContinueOnError), args)
	if err != nil {
		return err
	}
	if err := wantArgs(args, 2, 2); err != nil {
		return err
	}
	src, err := number("slot", args[0])
	if err != nil {
		return err
	}
	dst, err := number("slot", args[1])
	if err != nil {
		return err
	}
	if src == dst {
		return usagef("slot %d to itself: give two different slots", src)
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
	from, err := element(inv, changer.Storage, src)
	if err != nil {
		return err
	}
	to, err := element(inv, changer.Storage, dst)
	if err != nil {
		return err
	}
	if err := lib.changer.Move(ctx, from.Address, to.Address); err != nil {
		return explainMove(inv, from.Address, to.Address, err)
	}
	fmt.Fprintf(e.stdout, "moved %s from slot %d to slot %d\n", cartridgeName(from), src, dst)
	return nil
}

// cartridgeName names the cartridge in el for a message.
func cartridgeName(el changer.Element) string {
	if el.Barcode != "" {
		return el.Barcode
	}
	return "the cartridge"
}
