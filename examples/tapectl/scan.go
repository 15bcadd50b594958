package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"

	"github.com/tapekit/tapekit/tape"
	"github.com/tapekit/tapekit/tape/format"
)

func init() {
	register(&command{
		name:    "scan",
		usage:   "[-json] [-from FILESEQ] DRIVE",
		summary: "read and verify every archived file on the tape in DRIVE and print its catalog record",
		run:     runScan,
	})
}

func runScan(ctx context.Context, e *env, args []string) (err error) {
	fs := flag.NewFlagSet("scan", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the records as one JSON array")
	from := fs.Int("from", 1, "first file sequence number to scan")
	args, err = parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(args, 1, 1); err != nil {
		return err
	}
	if *from < 1 {
		return usagef("-from %d: %v", *from, errFseq)
	}
	m, err := openTape(ctx, e, args[0])
	if m != nil {
		defer closeLibrary(m.lib, &err)
	}
	if err != nil {
		return err
	}
	l, err := m.label(ctx)
	if err != nil {
		return m.explain(err)
	}
	recs := []format.Record{}
	bad := 0
	for rec, err := range format.Scan(ctx, m.d, int64(*from), nil) {
		if err != nil {
			return m.explain(err)
		}
		if rec.Status != format.StatusOK {
			bad++
		}
		if *asJSON {
			recs = append(recs, rec)
			continue
		}
		adler := "-"
		if sum, ok := rec.Checksum("adler32"); ok && rec.Status == format.StatusOK {
			adler = sum.Hex()
		}
		fmt.Fprintf(e.stdout, "fseq %d block %d %s size %d adler32 %s %s", rec.FSeq, rec.Block, rec.Status, rec.Size, adler, rec.Path)
		if rec.Err != nil {
			fmt.Fprintf(e.stdout, ": %v", rec.Err)
		}
		fmt.Fprintln(e.stdout)
	}
	if len(recs) == 0 && bad == 0 && *from > 1 {
		if err := m.pastLastFile(ctx, l, int64(*from)); err != nil {
			return err
		}
	}
	if *asJSON {
		b, err := json.MarshalIndent(recs, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s\n", b)
	}
	switch {
	case bad == 1:
		return fmt.Errorf("1 file on %s is not ok", orUnknown(m.barcode))
	case bad > 1:
		return fmt.Errorf("%d files on %s are not ok", bad, orUnknown(m.barcode))
	}
	return nil
}

// pastLastFile explains a scan from fseq that found nothing, as read and
// restore do: a starting point past the last file is a mistake, and the
// operator needs to know where the files end. It returns nil when the tape
// does hold fseq.
func (m *mountedTape) pastLastFile(ctx context.Context, l format.VolumeLabel, fseq int64) error {
	files, _, err := endOfData(ctx, m.d)
	if err != nil {
		return m.explain(err)
	}
	// Tape file 0 is the label. A last file cut short counts: scan
	// reports it damaged.
	archived := max(files-1, 0)
	if l.Format == format.FormatANSI {
		archived = (archived + 2) / 3 // each file is three tape files
	}
	cause := fmt.Errorf("file %d: %w", fseq, tape.ErrEndOfData)
	switch {
	case fseq <= archived:
		return nil
	case archived == 0:
		return advise(cause, "there is no file %d on %s: it holds no archived files (tapectl archive %d FILE adds one)", fseq, orUnknown(m.barcode), m.drive)
	case archived == 1:
		return advise(cause, "there is no file %d on %s: it holds 1 archived file", fseq, orUnknown(m.barcode))
	}
	return advise(cause, "there is no file %d on %s: it holds archived files 1 to %d", fseq, orUnknown(m.barcode), archived)
}
