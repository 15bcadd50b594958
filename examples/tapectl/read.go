package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/tapekit/tapekit/tape"
	"github.com/tapekit/tapekit/tape/format"
)

func init() {
	register(&command{
		name:    "read",
		usage:   "[DRIVE] FILENO",
		summary: "copy tape file FILENO (from 1, as write numbers it) to standard output",
		run:     runRead,
	})
}

func runRead(ctx context.Context, e *env, args []string) (err error) {
	args, err = parseArgs(flag.NewFlagSet("read", flag.ContinueOnError), args)
	if err != nil {
		return err
	}
	drive, args, err := driveArgs(e, args, 1, 1)
	if err != nil {
		return err
	}
	file, err := number("file", args[0])
	if err != nil {
		return err
	}
	if file <= 0 {
		return usagef("tape files are numbered from 1: file 1 is the first file on the tape")
	}
	lib, d, el, drive, err := openLibraryDrive(ctx, e, drive)
	if err != nil {
		return err
	}
	defer closeLibrary(lib, &err)
	st, err := d.Status(ctx)
	if err != nil {
		return explainDrive(drive, el.Barcode, err)
	}
	barcode := st.Barcode
	if barcode == "" {
		barcode = el.Barcode
	}
	if !st.Loaded && !el.Full {
		return explainDrive(drive, barcode, tape.ErrNoMedium)
	}

	// SCSI counts files from 0.
	if err := tape.LocateFile(ctx, d, 0, int64(file-1)); err != nil {
		if errors.Is(err, tape.ErrEndOfData) {
			return noFile(ctx, d, drive, barcode, file, err)
		}
		return explainDrive(drive, barcode, err)
	}
	size := st.MaxBlockSize
	if size <= 0 {
		size = 8 << 20 // the largest block of common drives
	}
	// The drive reads the next block while this one goes to standard
	// output, as st's buffering does for dd.
	out := &outputWriter{w: e.stdout}
	n, blocks, err := format.CopyTapeFile(ctx, d, out, size)
	switch {
	case err == nil:
		return nil
	case out.err != nil:
		return fmt.Errorf("writing standard output: %w", out.err)
	case errors.Is(err, format.ErrTruncated):
		fmt.Fprintf(e.stderr, "tapectl read: tape file %d on %s ends at end of data without a filemark: it may be incomplete (%d bytes)\n", file, orUnknown(barcode), n)
		return nil
	case errors.Is(err, tape.ErrEndOfData):
		return noFile(ctx, d, drive, barcode, file, err)
	case errors.Is(err, tape.ErrBlockTooLong):
		return fmt.Errorf("tape file %d on %s: block %d is larger than drive %d's %d-byte limit, so the output is incomplete: %w", file, orUnknown(barcode), blocks+1, drive, size, err)
	default:
		return fmt.Errorf("tape file %d on %s, after %d bytes: %w", file, orUnknown(barcode), n, explainDrive(drive, barcode, err))
	}
}

// outputWriter remembers why writing failed, to tell the operator's pipe
// from the drive.
type outputWriter struct {
	w   io.Writer
	err error
}

func (o *outputWriter) Write(p []byte) (int, error) {
	n, err := o.w.Write(p)
	if err != nil {
		o.err = err
	}
	return n, err
}

// noFile explains a read of a file past end of data, saying how many files
// the tape holds.
func noFile(ctx context.Context, d tape.Drive, drive int, barcode string, file int, cause error) error {
	files, _, err := endOfData(ctx, d)
	if err != nil {
		return advise(cause, "there is no tape file %d on %s", file, orUnknown(barcode))
	}
	switch files {
	case 0:
		return advise(cause, "there is no tape file %d: %s in drive %d is empty (tapectl write %d adds a file)", file, orUnknown(barcode), drive, drive)
	case 1:
		return advise(cause, "there is no tape file %d: %s holds 1 file", file, orUnknown(barcode))
	}
	return advise(cause, "there is no tape file %d: %s holds files 1 to %d", file, orUnknown(barcode), files)
}
