package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"

	"github.com/tapekit/tapekit/changer"
)

func init() {
	register(&command{
		name:    "export",
		usage:   "SLOT|BARCODE",
		summary: "move a cartridge, named by its slot or barcode, to the first empty I/E port for an operator to take",
		run:     runExport,
	})
}

func runExport(ctx context.Context, e *env, args []string) (err error) {
	args, err = parseArgs(flag.NewFlagSet("export", flag.ContinueOnError), args)
	if err != nil {
		return err
	}
	if err := wantArgs(args, 1, 1); err != nil {
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
	from, err := exportSource(inv, args[0])
	if err != nil {
		return err
	}
	port, ok := inv.FirstEmpty(changer.ImportExport)
	if !ok {
		if len(inv.OfType(changer.ImportExport)) == 0 {
			return advise(changer.ErrNoFreeElement, "the library has no I/E ports: cartridges leave it through its door")
		}
		return advise(changer.ErrNoFreeElement, "every I/E port is full: take the cartridges out of them first; %s stays in %s", cartridgeName(from), describe(inv, from.Address))
	}
	// By barcode the library finds the cartridge itself; a slot without a
	// readable barcode is moved by its address.
	if from.Barcode != "" {
		_, err = changer.Export(ctx, lib.changer, from.Barcode)
	} else {
		err = lib.changer.Move(ctx, from.Address, port.Address)
	}
	if err != nil {
		var me *changer.MoveError
		if errors.As(err, &me) && me.To != 0 {
			port.Address = me.To
		}
		return explainMove(inv, from.Address, port.Address, err)
	}
	fmt.Fprintf(e.stdout, "exported %s from %s to %s\n", cartridgeName(from), describe(inv, from.Address), describe(inv, port.Address))
	return nil
}

// exportSource finds the cartridge export names: a slot number, or a
// barcode in a storage slot. A cartridge in a drive must be unloaded
// first, so that the drive ejects it.
func exportSource(inv changer.Inventory, arg string) (changer.Element, error) {
	if n, err := strconv.Atoi(arg); err == nil {
		el, err := element(inv, changer.Storage, n)
		if err != nil {
			return changer.Element{}, err
		}
		if !el.Full {
			return changer.Element{}, advise(changer.ErrSourceEmpty, "slot %d is empty: there is nothing to export (tapectl inventory shows where the cartridges are)", n)
		}
		return el, nil
	}
	el, ok := inv.Find(arg)
	if !ok {
		return changer.Element{}, advise(changer.ErrNoBarcode, "no cartridge with barcode %s is in the library (tapectl inventory lists them)", arg)
	}
	switch el.Type {
	case changer.DataTransfer:
		_, n, _ := numberOf(inv, el.Address)
		return changer.Element{}, fmt.Errorf("%s is in drive %d: unload it first (tapectl unload %d), then export it", arg, n, n)
	case changer.ImportExport:
		return changer.Element{}, fmt.Errorf("%s is already in %s, for an operator to take", arg, describe(inv, el.Address))
	}
	return el, nil
}
