package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/tapekit/tapekit/tape"
)

func init() {
	register(&command{
		name:    "status",
		usage:   "[DRIVE] [-json]",
		summary: "show DRIVE and its tape: position, BOT/EOD/EW/WP, capacity (mt status)",
		run:     runStatus,
	})
}

// statusJSON is tape.Status with the names `status -json` promises; it is
// kept apart so that tape.Status does not carry one tool's JSON names.
// Position is as the drive reports it: SCSI numbers, file counted from 0.
type statusJSON struct {
	Drive          int          `json:"drive"`
	Vendor         string       `json:"vendor"`
	Product        string       `json:"product"`
	Serial         string       `json:"serial"`
	Revision       string       `json:"revision"`
	Loaded         bool         `json:"loaded"`
	Position       positionJSON `json:"position"`
	BOT            bool         `json:"bot"`
	EOD            bool         `json:"eod"`
	EarlyWarning   bool         `json:"early_warning"`
	WriteProtected bool         `json:"write_protected"`
	Cleaning       bool         `json:"cleaning"`
	MediaType      string       `json:"media_type"`
	DensityCode    uint8        `json:"density_code"`
	Barcode        string       `json:"barcode"`
	BlockSize      int          `json:"block_size"`
	MaxBlockSize   int          `json:"max_block_size"`
	Capacity       int64        `json:"capacity"`
	Remaining      int64        `json:"remaining"`
	CleaningNeeded bool         `json:"cleaning_needed"`
}

type positionJSON struct {
	Partition int   `json:"partition"`
	Block     int64 `json:"block"`
	File      int64 `json:"file"`
}

func toStatusJSON(drive int, st tape.Status) statusJSON {
	return statusJSON{
		Drive: drive, Vendor: st.Vendor, Product: st.Product, Serial: st.Serial, Revision: st.Revision,
		Loaded:   st.Loaded,
		Position: positionJSON{Partition: st.Position.Partition, Block: st.Position.Block, File: st.Position.File},
		BOT:      st.BOT, EOD: st.EOD, EarlyWarning: st.EarlyWarning, WriteProtected: st.WriteProtected,
		Cleaning: st.Cleaning, MediaType: st.MediaType, DensityCode: st.DensityCode, Barcode: st.Barcode,
		BlockSize: st.BlockSize, MaxBlockSize: st.MaxBlockSize, Capacity: st.Capacity, Remaining: st.Remaining,
		CleaningNeeded: st.CleaningNeeded,
	}
}

func runStatus(ctx context.Context, e *env, args []string) (err error) {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the drive's status as one JSON object")
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
	st, err := d.Status(ctx)
	if err != nil {
		return explainDrive(drive, el.Barcode, err)
	}
	if *asJSON {
		b, err := json.MarshalIndent(toStatusJSON(drive, st), "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(e.stdout, "%s\n", b)
		return err
	}
	// The library knows the cartridge of a drive that has ejected it, or
	// that cannot read barcodes.
	barcode := st.Barcode
	if barcode == "" {
		barcode = el.Barcode
	}
	return writeStatusText(e.stdout, drive, st, el.Full, barcode)
}

func writeStatusText(w io.Writer, drive int, st tape.Status, full bool, barcode string) error {
	var b strings.Builder
	line := func(k, format string, args ...any) {
		fmt.Fprintf(&b, "%-16s%s\n", k+":", fmt.Sprintf(format, args...))
	}
	fmt.Fprintf(&b, "Drive %d: %s %s, serial %s, revision %s\n", drive, st.Vendor, st.Product, st.Serial, st.Revision)
	switch {
	case !st.Loaded && !full:
		line("Cartridge", "none (drive empty)")
	case !st.Loaded:
		line("Cartridge", "%s, not loaded (ejected): unload it to a slot", orUnknown(barcode))
	case st.Cleaning:
		line("Cartridge", "%s, cleaning cartridge", orUnknown(barcode))
	default:
		line("Cartridge", "%s, %s (density code 0x%02x), loaded", orUnknown(barcode), st.MediaType, st.DensityCode)
		// tapectl counts files from 1; SCSI, and the JSON, from 0.
		line("Position", "file %d, logical block %d (SCSI file number %d, partition %d)",
			st.Position.File+1, st.Position.Block, st.Position.File, st.Position.Partition)
		line("Flags", "%s", statusFlags(st))
		if st.Capacity > 0 {
			line("Capacity", "%s, %s remaining (%d of %d bytes)", bytesText(st.Capacity), bytesText(st.Remaining), st.Remaining, st.Capacity)
		}
	}
	switch {
	case st.BlockSize == 0 && st.MaxBlockSize > 0:
		// The smaller of the drive's and the host adapter's limit.
		line("Block size", "variable, up to %d bytes", st.MaxBlockSize)
	case st.BlockSize == 0:
		line("Block size", "variable (the drive does not say its limit)")
	default:
		line("Block size", "fixed, %d bytes", st.BlockSize)
	}
	if st.CleaningNeeded {
		line("Cleaning", "needed: load a cleaning cartridge")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func statusFlags(st tape.Status) string {
	var f []string
	for _, c := range []struct {
		on   bool
		name string
	}{{st.BOT, "BOT"}, {st.EOD, "EOD"}, {st.EarlyWarning, "EW"}, {st.WriteProtected, "WP"}} {
		if c.on {
			f = append(f, c.name)
		}
	}
	if len(f) == 0 {
		return "none"
	}
	return strings.Join(f, " ")
}

func orUnknown(barcode string) string {
	if barcode == "" {
		return "(no barcode)"
	}
	return barcode
}

// bytesText writes n in decimal units, as tape capacities are sold.
func bytesText(n int64) string {
	units := []string{"B", "kB", "MB", "GB", "TB", "PB"}
	f, u := float64(n), 0
	for f >= 1000 && u < len(units)-1 {
		f, u = f/1000, u+1
	}
	if u == 0 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.2f %s", f, units[u])
}
