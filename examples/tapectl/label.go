package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/tapekit/tapekit/tape/format"
)

func init() {
	register(&command{
		name:    "label",
		usage:   "[-force] [-ansi] DRIVE BARCODE",
		summary: "write a volume label on the tape in DRIVE (refuses a tape with data unless -force)",
		run:     runLabel,
	})
}

func runLabel(ctx context.Context, e *env, args []string) (err error) {
	fs := flag.NewFlagSet("label", flag.ContinueOnError)
	force := fs.Bool("force", false, "relabel a tape that holds data, destroying it, or whose barcode differs from BARCODE")
	ansi := fs.Bool("ansi", false, "write a CTA/CASTOR ANSI label (VOL1) instead of tapekit's pax label")
	args, err = parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(args, 2, 2); err != nil {
		return err
	}
	if args[1] == "" {
		return usagef("the barcode is empty: give the barcode on the cartridge (tapectl inventory shows it)")
	}
	m, err := openTape(ctx, e, args[0])
	if m != nil {
		defer closeLibrary(m.lib, &err)
	}
	if err != nil {
		return err
	}
	m.writes = true
	bc := args[1]
	if m.barcode != "" && m.barcode != bc && !*force {
		return advise(format.ErrLabelMismatch, "the library says drive %d holds %s, not %q: check the cartridge, or use -force to label it %q anyway", m.drive, m.barcode, bc, bc)
	}
	opts := &format.LabelOptions{Force: *force, Creator: "tapectl on " + hostname()}
	if *ansi {
		opts.Format = format.FormatANSI
	}
	l, err := format.Label(ctx, m.d, bc, opts)
	switch {
	case errors.Is(err, format.ErrNotEmpty):
		return advise(err, "%s in drive %d holds data (%v): labelling would destroy it; use -force if that is what you want", orUnknown(m.barcode), m.drive, err)
	case errors.Is(err, format.ErrBadMetadata):
		return usagef("%v", err)
	case err != nil:
		return m.explain(err)
	}
	fmt.Fprintf(e.stdout, "labelled %s in drive %d: %s version %d", l.Barcode, m.drive, l.Format, l.Version)
	if l.ID != "" {
		fmt.Fprintf(e.stdout, ", id %s", l.ID)
	}
	fmt.Fprintln(e.stdout)
	return nil
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "unknown host"
	}
	return h
}
