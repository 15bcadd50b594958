package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/tapekit/tapekit/tape"
	"github.com/tapekit/tapekit/tape/format"
)

func init() {
	register(&command{
		name:    "dump",
		usage:   "DRIVE FILESEQ",
		summary: "copy the raw tape file of archived file FILESEQ (0: the label) to standard output, as dd would",
		run:     runDump,
	})
}

// runDump writes the tape file's blocks as they are: for a tapekit tape a
// complete tar archive (pipe it to tar -x), for an ANSI tape the file's
// data. FILESEQ counts archived files from 1 as archive prints them; on a
// tapekit tape it is also the tape file number, so `tapectl read DRIVE N`
// shows file sequence N-1.
func runDump(ctx context.Context, e *env, args []string) (err error) {
	args, err = parseArgs(flag.NewFlagSet("dump", flag.ContinueOnError), args)
	if err != nil {
		return err
	}
	if err := wantArgs(args, 2, 2); err != nil {
		return err
	}
	fseq, err := number("file sequence", args[1])
	if err != nil {
		return err
	}
	if fseq < 0 {
		return usagef("%v", errFseq)
	}
	m, err := openTape(ctx, e, args[0])
	if m != nil {
		defer closeLibrary(m.lib, &err)
	}
	if err != nil {
		return err
	}
	file := int64(fseq)
	if fseq > 0 {
		l, err := m.label(ctx)
		if err != nil && !errors.Is(err, format.ErrTruncated) {
			return m.explain(err)
		}
		file = tapeFileOf(l, int64(fseq))
	}
	_, _, err = format.DumpTapeFile(ctx, m.d, file, e.stdout, m.status.MaxBlockSize)
	switch {
	case errors.Is(err, tape.ErrEndOfData):
		return advise(err, "there is no file %d on %s", fseq, orUnknown(m.barcode))
	case errors.Is(err, format.ErrTruncated):
		fmt.Fprintf(e.stderr, "tapectl dump: %v: the output may be incomplete\n", err)
		return nil
	case err != nil:
		return m.explain(err)
	}
	return nil
}
