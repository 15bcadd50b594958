package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tapekit/tapekit/tape/format"
)

func init() {
	register(&command{
		name:    "archive",
		usage:   "[-b SIZE] DRIVE FILE...",
		summary: "append FILEs to the labelled tape in DRIVE, one tar file each; print where each went once synced",
		run:     runArchive,
	})
}

func runArchive(ctx context.Context, e *env, args []string) (err error) {
	fs := flag.NewFlagSet("archive", flag.ContinueOnError)
	bs := sizeValue(format.DefaultBlockSize)
	fs.Var(&bs, "b", "block size in bytes, or with a K or M suffix (a multiple of 512)")
	args, err = parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(args, 2, 1<<20); err != nil {
		return err
	}
	if bs%512 != 0 {
		return usagef("-b %d: the block size must be a multiple of 512 (tar's record)", bs)
	}
	// Check every file first: a typo should not leave half an archive run.
	type input struct {
		path string
		info os.FileInfo
	}
	var inputs []input
	for _, p := range args[1:] {
		abs, err := filepath.Abs(p)
		if err != nil {
			return err
		}
		fi, err := os.Stat(abs)
		if err != nil {
			return err
		}
		if !fi.Mode().IsRegular() {
			return usagef("%s is not a regular file", p)
		}
		inputs = append(inputs, input{abs, fi})
	}
	m, err := openTape(ctx, e, args[0])
	if m != nil {
		defer closeLibrary(m.lib, &err)
	}
	if err != nil {
		return err
	}
	m.writes = true
	if m.status.MaxBlockSize > 0 && int(bs) > m.status.MaxBlockSize {
		return usagef("-b %d: drive %d takes blocks of at most %d bytes", bs, m.drive, m.status.MaxBlockSize)
	}
	// Files are reported when a synchronisation puts them on the medium,
	// not before: a line printed is a file safe on tape.
	report := func(recs []format.Record) {
		for _, r := range recs {
			sum, _ := r.Checksum("adler32")
			fmt.Fprintf(e.stdout, "fseq %d block %d size %d adler32 %s %s\n", r.FSeq, r.Block, r.Size, sum.Hex(), r.Path)
		}
	}
	w, err := format.NewWriter(m.d, &format.WriterOptions{BlockSize: int(bs), Barcode: m.barcode, OnCommit: report})
	if err != nil {
		return err
	}
	if err := w.Start(ctx); err != nil {
		return m.explain(err)
	}
	skipped := 0
	for _, in := range inputs {
		if err := archiveOne(ctx, w, in.path, in.info); err != nil {
			if errors.Is(err, format.ErrInput) || errors.Is(err, format.ErrSizeMismatch) || errors.Is(err, os.ErrNotExist) {
				// Nothing of the file is on tape; the others still go.
				fmt.Fprintf(e.stderr, "tapectl archive: %s: %v; not archived\n", in.path, err)
				skipped++
				continue
			}
			// Whatever happened, the files before are synchronised if the
			// drive still can: their lines are printed.
			w.Close(ctx)
			return m.explain(fmt.Errorf("%s: %w", in.path, err))
		}
	}
	if _, err := w.Close(ctx); err != nil {
		return m.explain(err)
	}
	if skipped > 0 {
		return fmt.Errorf("%d of %d files were not archived", skipped, len(inputs))
	}
	return nil
}

func archiveOne(ctx context.Context, w *format.Writer, path string, fi os.FileInfo) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var id [8]byte
	rand.Read(id[:])
	meta := format.Meta{FileID: hex.EncodeToString(id[:]), Path: path, Size: fi.Size(), ModTime: fi.ModTime(), Mode: int64(fi.Mode().Perm())}
	_, err = w.WriteFile(ctx, meta, f)
	return err
}
