package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/tapekit/tapekit/changer"
)

func init() {
	register(&command{
		name:    "import",
		usage:   "PORT",
		summary: "move the cartridge an operator put in I/E port PORT to the first empty slot",
		run:     runImport,
	})
}

func runImport(ctx context.Context, e *env, args []string) (err error) {
	args, err = parseArgs(flag.NewFlagSet("import", flag.ContinueOnError), args)
	if err != nil {
		return err
	}
	if err := wantArgs(args, 1, 1); err != nil {
		return err
	}
	port, err := number("I/E port", args[0])
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
	from, err := element(inv, changer.ImportExport, port)
	if err != nil {
		return err
	}
	if !from.Full {
		return advise(changer.ErrSourceEmpty, "I/E port %d is empty: put the cartridge in it first (tapectl inventory shows the ports)", port)
	}
	slot, err := changer.Import(ctx, lib.changer, from.Address)
	if err != nil {
		var me *changer.MoveError
		if errors.As(err, &me) && me.To != 0 {
			slot = me.To
		}
		return explainMove(inv, from.Address, slot, err)
	}
	fmt.Fprintf(e.stdout, "imported %s from I/E port %d to %s\n", cartridgeName(from), port, describe(inv, slot))
	return nil
}
