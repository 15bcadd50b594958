package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/scheduler"
	"github.com/tapekit/tapekit/tape"
)

func init() {
	register(&command{
		name:    "verify",
		usage:   "-catalog CATALOG [-json] VOLUME [DRIVE]",
		summary: "read back every live file the catalog has on VOLUME and compare its checksums with the catalog's",
		run:     runVerify,
	})
}

// verifyFile is one file's line of verify's report.
type verifyFile struct {
	FileID int64  `json:"file_id"`
	Path   string `json:"path"`
	FSeq   int64  `json:"fseq"`
	Size   int64  `json:"size"`
	OK     bool   `json:"ok"`
	Error  string `json:"error,omitempty"`
}

type verifyReport struct {
	Volume  string       `json:"volume"`
	Files   []verifyFile `json:"files"`
	Checked int          `json:"checked"`
	Bad     int          `json:"bad"`
	Bytes   int64        `json:"bytes"`
	Seconds float64      `json:"seconds"`
}

func runVerify(ctx context.Context, e *env, args []string) (err error) {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	catName, asJSON := catalogFlags(fs)
	args, err = parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(args, 1, 2); err != nil {
		return err
	}
	volume, drive := args[0], 0
	if len(args) == 2 {
		if drive, err = number("drive", args[1]); err != nil {
			return err
		}
	}
	cat, closeCat, err := openCatalog(ctx, *catName)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := closeCat(); err == nil {
			err = cerr
		}
	}()
	if _, err := cat.Volume(ctx, volume); err != nil {
		return fmt.Errorf("volume %s: %w", volume, err)
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
	src, ok := inv.Find(volume)
	if !ok {
		return fmt.Errorf("%s is not in the library", volume)
	}
	// A cartridge already in a drive is read there; else verify loads it
	// into DRIVE and puts it back afterwards.
	loaded := false
	if src.Type == changer.DataTransfer {
		if _, n, ok := numberOf(inv, src.Address); ok {
			drive = n
		}
	} else {
		if drive, err = lib.driveNumber(ctx, drive); err != nil {
			return err
		}
		to, err := element(inv, changer.DataTransfer, drive)
		if err != nil {
			return err
		}
		if err := changer.Load(ctx, lib.changer, src.Address, to.Address); err != nil {
			return explainMove(inv, src.Address, to.Address, err)
		}
		loaded = true
	}
	d, el, err := lib.openDrive(ctx, drive)
	if err != nil {
		return err
	}
	if loaded {
		defer func() {
			uctx := context.WithoutCancel(ctx)
			if uerr := d.Unload(uctx); uerr != nil && err == nil {
				err = uerr
			}
			if _, uerr := changer.Unload(uctx, lib.changer, el.Address); uerr != nil && err == nil {
				err = uerr
			}
		}()
	}
	if err := d.Load(ctx); err != nil && !errors.Is(err, tape.ErrUnitAttention) {
		return err
	}
	rep := verifyReport{Volume: volume}
	start := time.Now()
	var copies []catalog.Copy
	for c, err := range cat.VolumeCopies(ctx, volume) {
		if err != nil {
			return err
		}
		copies = append(copies, c)
	}
	io_ := scheduler.FormatIO{}
	for _, c := range copies {
		f, err := cat.File(ctx, c.FileID)
		if errors.Is(err, catalog.ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return err
		}
		line := verifyFile{FileID: f.ID, Path: f.Path, FSeq: c.FileSeq, Size: f.Size}
		cw := &countWriter{}
		if _, rerr := io_.ReadFile(ctx, d, f, c, cw); rerr != nil {
			line.Error = rerr.Error()
			rep.Bad++
		} else if cw.n != f.Size {
			line.Error = fmt.Sprintf("read %d bytes, the catalog says %d", cw.n, f.Size)
			rep.Bad++
		} else {
			line.OK = true
		}
		rep.Checked++
		rep.Bytes += cw.n
		rep.Files = append(rep.Files, line)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	rep.Seconds = time.Since(start).Seconds()
	if *asJSON {
		if err := printJSON(e.stdout, rep); err != nil {
			return err
		}
	} else {
		for _, f := range rep.Files {
			state := "ok"
			if !f.OK {
				state = "BAD " + f.Error
			}
			fmt.Fprintf(e.stdout, "fseq %d  %s  %d bytes  %s\n", f.FSeq, f.Path, f.Size, state)
		}
		fmt.Fprintf(e.stdout, "%s: %d files, %d bytes checked in %.1f s: %d ok, %d bad\n",
			volume, rep.Checked, rep.Bytes, rep.Seconds, rep.Checked-rep.Bad, rep.Bad)
	}
	if rep.Bad > 0 {
		return fmt.Errorf("%d of %d files on %s do not match the catalog", rep.Bad, rep.Checked, volume)
	}
	return nil
}

// countWriter counts the bytes verify reads and keeps none.
type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

var _ io.Writer = (*countWriter)(nil)
