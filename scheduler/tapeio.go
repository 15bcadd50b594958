package scheduler

import (
	"context"
	"fmt"
	"io"
	"sort"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/checksum"
	"github.com/tapekit/tapekit/tape"
	"github.com/tapekit/tapekit/tape/format"
)

// TapeIO moves file data between a mounted tape and the disk side. The
// mover mounts, orders and classifies errors; TapeIO reads and writes one
// file's copy. FormatIO, the default, uses tape/format and verifies every
// checksum; a benchmark plugs in one that moves no bytes (the simulator's
// fast path) without touching the rest of the mover.
type TapeIO interface {
	// ReadCopy reads copy c of file f from the tape in d into w and
	// verifies it: it returns the checksums it verified only when every
	// checksum the catalog knows (f.Checksums) and the tape records
	// matches and the size is right. A failure after some data reached w
	// is an error: the caller throws that data away.
	ReadCopy(ctx context.Context, d tape.Drive, f catalog.File, c catalog.Copy, w io.Writer) ([]checksum.Value, error)
	// NewWriter starts appending files to the volume mounted in d; the
	// volume is labelled (the mover labels blank ones).
	NewWriter(ctx context.Context, d tape.Drive, v catalog.Volume) (ArchiveWriter, error)
}

// ArchiveWriter appends files to one mounted volume. *format.Writer is
// one. A file is on tape only once a synchronisation covered it: Sync and
// Close return the records of the files they made durable; the mover
// commits those, and only those, to the catalog.
type ArchiveWriter interface {
	WriteFile(ctx context.Context, meta format.Meta, r io.Reader) (format.Record, error)
	Sync(ctx context.Context) ([]format.Record, error)
	Close(ctx context.Context) ([]format.Record, error)
}

// FormatIO is the default TapeIO: files in tape/format's layouts, read
// with format.OpenAt (one locate to the catalog's block id) and written
// with format.Writer.
type FormatIO struct {
	// Writer tunes the writers NewWriter makes; Barcode is set to the
	// volume's and Format to FormatANSI for volumes whose copies are
	// ANSI. Nil means the defaults.
	Writer *format.WriterOptions
	// Buffer is the copy buffer size; 0 means 1 MiB.
	Buffer int
}

// ReadCopy implements TapeIO.
func (io_ FormatIO) ReadCopy(ctx context.Context, d tape.Drive, f catalog.File, c catalog.Copy, w io.Writer) ([]checksum.Value, error) {
	expected, err := catalogSums(f)
	if err != nil {
		return nil, err
	}
	open := format.OpenAt
	if c.Format == format.FormatANSI || c.Format == "cta-ansi" {
		// ANSI copies are found by file sequence (their block id is the
		// HDR1 label's).
		open = func(ctx context.Context, d tape.Drive, _ int64, fseq int64, opts *format.ReaderOptions) (*format.File, error) {
			return format.OpenANSI(ctx, d, fseq, opts)
		}
	}
	r, err := open(ctx, d, c.BlockID, c.FileSeq, &format.ReaderOptions{Expected: expected})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	if r.Size() != f.Size {
		return nil, fmt.Errorf("scheduler: %s: copy %d on %s holds %d bytes, the catalog says %d", f.Path, c.CopyNo, c.Volume, r.Size(), f.Size)
	}
	n := io_.Buffer
	if n <= 0 {
		n = 1 << 20
	}
	if _, err := io.CopyBuffer(onlyWriter{w}, r, make([]byte, n)); err != nil {
		return nil, err
	}
	return expected, nil
}

// onlyWriter hides ReaderFrom, so io.CopyBuffer uses our buffer and
// every Read of the format.File (which verifies at the end) is seen.
type onlyWriter struct{ w io.Writer }

func (o onlyWriter) Write(p []byte) (int, error) { return o.w.Write(p) }

// NewWriter implements TapeIO.
func (io_ FormatIO) NewWriter(ctx context.Context, d tape.Drive, v catalog.Volume) (ArchiveWriter, error) {
	var opts format.WriterOptions
	if io_.Writer != nil {
		opts = *io_.Writer
	}
	opts.Barcode = v.Barcode
	opts.OnCommit = nil
	w, err := format.NewWriter(d, &opts)
	if err != nil {
		return nil, err
	}
	if err := w.Start(ctx); err != nil {
		return nil, err
	}
	return w, nil
}

// catalogSums turns the catalog's checksums into values, in algorithm
// order.
func catalogSums(f catalog.File) ([]checksum.Value, error) {
	algs := make([]string, 0, len(f.Checksums))
	for a := range f.Checksums {
		algs = append(algs, a)
	}
	sort.Strings(algs)
	out := make([]checksum.Value, 0, len(algs))
	for _, a := range algs {
		v, err := checksum.ParseHex(a, f.Checksums[a])
		if err != nil {
			return nil, fmt.Errorf("scheduler: file %d (%s): catalog checksum: %w", f.ID, f.Path, err)
		}
		out = append(out, v)
	}
	return out, nil
}
