package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/tapekit/tapekit/scsi"
	"github.com/tapekit/tapekit/tape"
)

func init() {
	register(&command{
		name:    "tapealert",
		usage:   "[DRIVE] [-json]",
		summary: "show the TapeAlert flags DRIVE raised, with their severity (reading clears them, like sg_logs -p 0x2e)",
		run:     runTapeAlert,
	})
}

// tapeAlertJSON is one set flag in `tapealert -json`.
type tapeAlertJSON struct {
	Flag     int    `json:"flag"`
	Name     string `json:"name"`
	Severity string `json:"severity"`
}

func runTapeAlert(ctx context.Context, e *env, args []string) (err error) {
	fs := flag.NewFlagSet("tapealert", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, `print {"drive": N, "flags": [{"flag", "name", "severity"}…]}`)
	args, err = parseArgs(fs, args)
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
	r, ok := d.(tape.TapeAlertReader)
	if !ok {
		return fmt.Errorf("drive %d does not report TapeAlert flags: %w", drive, errors.ErrUnsupported)
	}
	// One read: it clears the flags on the drive, so what it returns is
	// all an operator will see of them.
	flags, err := r.TapeAlerts(ctx)
	if err != nil {
		return explainDrive(drive, el.Barcode, err)
	}
	var set []tapeAlertJSON
	for _, n := range flags.Flags() {
		info, ok := scsi.TapeAlertFlag(n)
		if !ok {
			info = scsi.TapeAlertInfo{Flag: n, Name: "Unknown"}
		}
		set = append(set, tapeAlertJSON{Flag: n, Name: info.Name, Severity: info.Severity.String()})
	}
	if *asJSON {
		out := struct {
			Drive int             `json:"drive"`
			Flags []tapeAlertJSON `json:"flags"`
		}{drive, set}
		if out.Flags == nil {
			out.Flags = []tapeAlertJSON{}
		}
		b, err := json.MarshalIndent(out, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(e.stdout, "%s\n", b)
		return err
	}
	return writeTapeAlerts(e.stdout, drive, set)
}

func writeTapeAlerts(w io.Writer, drive int, set []tapeAlertJSON) error {
	var b strings.Builder
	switch len(set) {
	case 0:
		fmt.Fprintf(&b, "Drive %d: no TapeAlert flags set\n", drive)
	case 1:
		fmt.Fprintf(&b, "Drive %d: 1 TapeAlert flag set (now cleared on the drive)\n", drive)
	default:
		fmt.Fprintf(&b, "Drive %d: %d TapeAlert flags set (now cleared on the drive)\n", drive, len(set))
	}
	width := 0
	for _, f := range set {
		width = max(width, len(f.Name))
	}
	for _, f := range set {
		fmt.Fprintf(&b, "  %2d  %-*s  %s\n", f.Flag, width, f.Name, f.Severity)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
