package main

import (
	"context"
	"flag"
)

func init() {
	register(&command{
		name:    "rewind",
		usage:   "[DRIVE]",
		summary: "rewind the tape in DRIVE (mt rewind)",
		run:     runRewind,
	})
}

func runRewind(ctx context.Context, e *env, args []string) (err error) {
	args, err = parseArgs(flag.NewFlagSet("rewind", flag.ContinueOnError), args)
	if err != nil {
		return err
	}
	drive, _, err := driveArgs(e, args, 0, 0)
	if err != nil {
		return err
	}
	lib, d, el, drive, err := openLibraryDrive(ctx, e, drive)
	if err != nil {
		return err
	}
	defer closeLibrary(lib, &err)
	if err := d.Rewind(ctx); err != nil {
		return explainDrive(drive, el.Barcode, err)
	}
	return nil
}
