package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"

	"github.com/tapekit/tapekit/tape"
	"github.com/tapekit/tapekit/tape/format"
)

func init() {
	register(&command{
		name:    "restore",
		usage:   "[-force] DRIVE FILESEQ [DEST]",
		summary: "restore archived file FILESEQ (from 1) to DEST (a file or directory; default: its base name here), verifying its checksums",
		run:     runRestore,
	})
}

func runRestore(ctx context.Context, e *env, args []string) (err error) {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	force := fs.Bool("force", false, "overwrite DEST if it exists")
	args, err = parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(args, 2, 3); err != nil {
		return err
	}
	fseq, err := number("file sequence", args[1])
	if err != nil {
		return err
	}
	if fseq < 1 {
		return usagef("%v", errFseq)
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
	// The drive's largest block is known already: Open need not ask.
	opts := &format.ReaderOptions{MaxBlockSize: m.status.MaxBlockSize}
	var f *format.File
	if l.Format == format.FormatANSI {
		f, err = format.OpenANSI(ctx, m.d, int64(fseq), opts)
	} else {
		f, err = format.Open(ctx, m.d, int64(fseq), opts)
	}
	if err != nil {
		if errors.Is(err, tape.ErrEndOfData) {
			// Say where the files end, as read and scan do.
			if perr := m.pastLastFile(ctx, l, int64(fseq)); perr != nil {
				return perr
			}
			return advise(err, "there is no file %d on %s", fseq, orUnknown(m.barcode))
		}
		return m.explain(err)
	}
	// The drive reads the next block while this one is checksummed and
	// written out; if writing fails, Close stops that before the library
	// is closed.
	defer f.Close()
	name := path.Base(f.Header.Path)
	if f.Header.Path == "" || name == "/" || name == "." {
		name = fmt.Sprintf("fseq-%d", fseq)
	}
	dest := name
	if len(args) == 3 {
		dest = args[2]
		// Into a directory, under the file's own name, as cp does.
		if fi, err := os.Stat(dest); err == nil && fi.IsDir() {
			dest = filepath.Join(dest, name)
		}
	}
	if _, err := os.Lstat(dest); err == nil && !*force {
		return advise(os.ErrExist, "%s exists: restore to another name, or use -force to overwrite it", dest)
	}
	// The data goes to a temporary file renamed only once verified: a bad
	// recall never takes the place of a file.
	tmp, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".restore-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	n, err := io.Copy(tmp, f)
	if err != nil {
		return fmt.Errorf("file %d on %s is not restored: %w", fseq, orUnknown(m.barcode), m.explain(err))
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), os.FileMode(f.Header.Mode&0o777|0o200)); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), dest); err != nil {
		return err
	}
	if mt := f.Header.ModTime; !mt.IsZero() {
		os.Chtimes(dest, mt, mt)
	}
	rec := f.Record()
	sum, _ := rec.Checksum("adler32")
	fmt.Fprintf(e.stdout, "restored file %d of %s to %s: %d bytes, adler32 %s verified\n", fseq, orUnknown(m.barcode), dest, n, sum.Hex())
	return nil
}
