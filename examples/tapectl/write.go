package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/tapekit/tapekit/tape"
)

func init() {
	register(&command{
		name:    "write",
		usage:   "[-b SIZE] [DRIVE]",
		summary: "append standard input to the tape in DRIVE as one new tape file",
		run:     runWrite,
	})
}

const defaultBlockSize = 256 << 10

func runWrite(ctx context.Context, e *env, args []string) (err error) {
	fs := flag.NewFlagSet("write", flag.ContinueOnError)
	bs := sizeValue(defaultBlockSize)
	fs.Var(&bs, "b", "block size in bytes, or with a K or M suffix; at most the drive's maximum block size")
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
	barcode := st.Barcode
	if barcode == "" {
		barcode = el.Barcode
	}
	// Refuse before reading any input: the operator can still pipe it to
	// another cartridge.
	switch {
	case !st.Loaded && !el.Full:
		return explainDrive(drive, barcode, tape.ErrNoMedium)
	case st.WriteProtected:
		return explainDrive(drive, barcode, tape.ErrWriteProtected)
	case st.MaxBlockSize > 0 && int(bs) > st.MaxBlockSize:
		return usagef("-b %d: drive %d takes blocks of at most %d bytes", bs, drive, st.MaxBlockSize)
	}

	files, open, err := endOfData(ctx, d)
	if err != nil {
		return explainDrive(drive, barcode, err)
	}
	if open {
		// Closing the cut-short file keeps its data and keeps the new file
		// apart from it.
		if err := d.WriteFilemarks(ctx, 1, false); err != nil && !errors.Is(err, tape.ErrEarlyWarning) {
			return explainDrive(drive, barcode, err)
		}
		fmt.Fprintf(e.stderr, "tapectl write: tape file %d on %s had no closing filemark (a write cut short?): closed it\n", files, orUnknown(barcode))
	}
	file := files + 1

	n, blocks, warned, err := writeFile(ctx, d, e.stdin, int(bs))
	var in *inputError
	switch {
	case err == nil:
	case errors.As(err, &in):
		what := "reading standard input"
		if errors.Is(in.err, context.Canceled) || errors.Is(in.err, context.DeadlineExceeded) {
			what = "interrupted while waiting for standard input"
		}
		if blocks == 0 {
			return fmt.Errorf("%s: %w; nothing was written", what, in.err)
		}
		// No filemark: a reader is warned that the file may be incomplete.
		return fmt.Errorf("%s after %d bytes: %w; tape file %d on %s is left incomplete, without its closing filemark", what, n, in.err, file, orUnknown(barcode))
	case errors.Is(err, tape.ErrEndOfMedium):
		return advise(err, "%s is full: tape file %d is incomplete, %d bytes in %s were written; write the data to another cartridge", orUnknown(barcode), file, n, count(blocks, "block"))
	case blocks > 0 || tape.MayHaveWritten(err):
		return fmt.Errorf("tape file %d on %s is incomplete, %d bytes in %s were written: %w", file, orUnknown(barcode), n, count(blocks, "block"), explainDrive(drive, barcode, err))
	default:
		return explainDrive(drive, barcode, err)
	}
	fmt.Fprintf(e.stdout, "wrote tape file %d on %s: %d bytes in %s\n", file, orUnknown(barcode), n, count(blocks, "block"))
	if warned {
		fmt.Fprintf(e.stderr, "tapectl write: %s is past its early-warning point: write further files to another cartridge\n", orUnknown(barcode))
	}
	return nil
}

// writeFile copies r to d in blocks of bs bytes (the last one shorter), then
// writes a synchronising filemark: only then is the data on the medium, so
// only then does it report success.
//
// The input is read on its own goroutine, one block ahead: a slow input and
// the drive work at the same time, and an interrupt is seen even while the
// input blocks (a terminal, a stalled pipe). Two buffers go round, so memory
// stays two blocks whatever r holds.
func writeFile(ctx context.Context, d tape.Drive, r io.Reader, bs int) (n, blocks int64, warned bool, err error) {
	type chunk struct {
		buf []byte
		err error
	}
	full := make(chan chunk)
	free := make(chan []byte, 2)
	free <- make([]byte, bs)
	free <- make([]byte, bs)
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			var buf []byte
			select {
			case buf = <-free:
			case <-done:
				return
			}
			k, err := io.ReadFull(r, buf)
			select {
			case full <- chunk{buf[:k], err}:
			case <-done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	for {
		var c chunk
		select {
		case c = <-full:
		case <-ctx.Done():
			// Waiting for input, not for the drive: the tape holds exactly
			// what was acknowledged.
			return n, blocks, warned, &inputError{ctx.Err()}
		}
		if len(c.buf) > 0 {
			werr := d.Write(ctx, c.buf)
			if werr != nil && !errors.Is(werr, tape.ErrEarlyWarning) {
				return n, blocks, warned, werr
			}
			warned = warned || werr != nil
			n, blocks = n+int64(len(c.buf)), blocks+1
		}
		if c.err == io.EOF || c.err == io.ErrUnexpectedEOF {
			break
		}
		if c.err != nil {
			return n, blocks, warned, &inputError{c.err}
		}
		free <- c.buf[:cap(c.buf)]
	}
	if err := d.WriteFilemarks(ctx, 1, true); err != nil {
		if !errors.Is(err, tape.ErrEarlyWarning) {
			return n, blocks, warned, err
		}
		warned = true
	}
	return n, blocks, warned, nil
}

// inputError is a failure, or an interrupt, while waiting for what is to be
// written: unlike the drive's errors, it leaves no doubt about what is on
// tape.
type inputError struct{ err error }

func (e *inputError) Error() string { return "reading standard input: " + e.err.Error() }
func (e *inputError) Unwrap() error { return e.err }

// count writes n things, in the singular when there is one.
func count(n int64, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
