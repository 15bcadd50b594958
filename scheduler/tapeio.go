package scheduler

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/checksum"
	"github.com/tapekit/tapekit/tape"
	"github.com/tapekit/tapekit/tape/format"
)

// TapeIO moves files between a mounted tape and the disk side for the
// mover. The default, FormatIO, reads and writes tape/format's layouts
// and verifies every byte; a benchmark plugs in a fast path that moves no
// bytes (the simulator's BlocksReader) without the scheduler knowing the
// simulator.
type TapeIO interface {
	// ReadFile reads copy c of file f from the tape in d, wherever the
	// drive is positioned, into w, and verifies it against f's checksums
	// (the catalog's) and those recorded on tape. It returns the
	// checksums it verified. An error means the data written to w is bad.
	// Errors of w are returned as they are (wrapped or not), so the
	// caller tells a sink failure from a tape failure with errors.Is/As.
	ReadFile(ctx context.Context, d tape.Drive, f catalog.File, c catalog.Copy, w io.Writer) ([]checksum.Value, error)
	// NewWriter returns a writer appending files to the labelled volume
	// (barcode) in d.
	NewWriter(ctx context.Context, d tape.Drive, volume string) (TapeWriter, error)
}

// TapeWriter appends files to one mounted volume, as format.Writer does:
// WriteFile returns a pending record; a file is safe only once a
// synchronisation covers it, and Sync and Close return the records
// synchronised since the last call (by their own filemark or by the
// writer's policy during WriteFile). Errors follow format.Writer:
// format.ErrVolumeFull past early warning, ErrInput, ErrSizeMismatch or a
// *checksum.MismatchError for a file left off the tape, anything else a
// failed writer whose Pending files must be archived again.
type TapeWriter interface {
	WriteFile(ctx context.Context, meta format.Meta, r io.Reader) (format.Record, error)
	Sync(ctx context.Context) ([]format.Record, error)
	Close(ctx context.Context) ([]format.Record, error)
	Pending() []format.Record
}

var _ TapeWriter = (*format.Writer)(nil)

// Discarder is implemented by the writer the mover gives TapeIO.ReadFile
// when the sink can count bytes it never sees: a fast path that moves no
// bytes reports each run it read with Discard(n), so the sink counts the
// file's size and its first byte's time. A sink that keeps data returns
// an error wrapping errors.ErrUnsupported.
type Discarder interface {
	Discard(n int64) error
}

// FormatIO is the default TapeIO: files in tape/format's layouts, read
// with format.OpenAt (format.OpenANSI for ANSI copies) with the catalog's
// checksums as ReaderOptions.Expected, written with a format.Writer.
type FormatIO struct {
	// Reader tunes reads; Expected is replaced by each file's checksums.
	Reader *format.ReaderOptions
	// Writer tunes writes; Barcode is set to the volume written.
	Writer *format.WriterOptions
	// Format, when set, names the layout each volume is written (and a
	// blank one labelled) in: format.FormatPAX or format.FormatANSI, or
	// "" for Writer's. A migration to another format sets it by pool.
	Format func(volume string) string
}

// VolumeFormatter is implemented by a TapeIO that writes some volumes in
// another layout than the default pax one: the mover labels a blank
// volume in the layout VolumeFormat names ("" for the default).
type VolumeFormatter interface {
	VolumeFormat(volume string) string
}

// VolumeFormat implements VolumeFormatter.
func (x FormatIO) VolumeFormat(volume string) string {
	if x.Format != nil {
		if f := x.Format(volume); f != "" {
			return f
		}
	}
	if x.Writer != nil {
		return x.Writer.Format
	}
	return ""
}

var _ TapeIO = FormatIO{}

// copyBuffer is the size of the buffer between the tape file and the sink:
// one default block.
const copyBuffer = format.DefaultBlockSize

// ReadFile implements TapeIO.
func (x FormatIO) ReadFile(ctx context.Context, d tape.Drive, f catalog.File, c catalog.Copy, w io.Writer) ([]checksum.Value, error) {
	var o format.ReaderOptions
	if x.Reader != nil {
		o = *x.Reader
	}
	want, err := ExpectedChecksums(f)
	if err != nil {
		return nil, err
	}
	o.Expected = want
	var r *format.File
	if isANSI(c.Format) {
		r, err = format.OpenANSI(ctx, d, c.FileSeq, &o)
	} else {
		r, err = format.OpenAt(ctx, d, c.BlockID, c.FileSeq, &o)
	}
	if err != nil {
		return nil, err
	}
	if !isANSI(c.Format) && r.Header.FileID != strconv.FormatInt(f.ID, 10) {
		r.Close()
		return nil, &format.FileError{Op: "read", FSeq: c.FileSeq, Err: fmt.Errorf("%w: file sequence %d holds file id %q, the catalog wants %d", format.ErrBadMetadata, c.FileSeq, r.Header.FileID, f.ID)}
	}
	if _, err := io.CopyBuffer(onlyWriter{w}, r, make([]byte, copyBuffer)); err != nil {
		r.Close()
		return nil, err
	}
	return r.Record().Checksums, nil
}

// onlyWriter hides a ReaderFrom (an *os.File's) so io.CopyBuffer uses the
// buffer: the File's Read then gets whole blocks.
type onlyWriter struct{ io.Writer }

// NewWriter implements TapeIO. It starts the writer (label check, end of
// data) at once, so positioning is paid at mount time.
func (x FormatIO) NewWriter(ctx context.Context, d tape.Drive, volume string) (TapeWriter, error) {
	var o format.WriterOptions
	if x.Writer != nil {
		o = *x.Writer
	}
	o.Barcode = volume
	o.Format = x.VolumeFormat(volume)
	w, err := format.NewWriter(d, &o)
	if err != nil {
		return nil, err
	}
	if err := w.Start(ctx); err != nil {
		return nil, err
	}
	return w, nil
}

// ExpectedChecksums returns the catalog's checksums of f as values, in
// algorithm order, for format.ReaderOptions.Expected or a fast path that
// takes them on trust.
func ExpectedChecksums(f catalog.File) ([]checksum.Value, error) {
	algs := make([]string, 0, len(f.Checksums))
	for a := range f.Checksums {
		algs = append(algs, a)
	}
	slices.Sort(algs)
	out := make([]checksum.Value, 0, len(algs))
	for _, a := range algs {
		v, err := checksum.ParseHex(a, f.Checksums[a])
		if err != nil {
			return nil, fmt.Errorf("scheduler: file %d: catalog checksum %s: %w", f.ID, a, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// CopyFormat is the catalog's name of the layout a record was written in:
// "tapekit-pax-1" (as simulator/workload records it) or "ansi-castor-3".
func CopyFormat(rec format.Record) string {
	if rec.Format == format.FormatANSI {
		return format.FormatANSI + "-3"
	}
	return format.FormatPAX + "-" + strconv.Itoa(format.Version)
}

func isANSI(f string) bool {
	return strings.HasPrefix(f, format.FormatANSI) || strings.HasPrefix(f, "cta")
}

// tapeBytes estimates the bytes a record takes on tape: headers, data,
// padding and trailer.
func tapeBytes(rec format.Record, meta format.Meta) int64 {
	if rec.Format == format.FormatPAX {
		var algs []string
		for _, v := range rec.Checksums {
			algs = append(algs, v.Algorithm)
		}
		meta.ModTime = rec.ModTime
		head, err1 := format.MemberHead(meta, rec.FSeq, rec.Volume, algs, rec.ModTime)
		tail, err2 := format.MemberTail(rec.Size, rec.Checksums)
		if err1 == nil && err2 == nil {
			return int64(len(head)) + rec.Size + int64(len(tail))
		}
	}
	return rec.Size
}

// copyBlocks estimates how many blocks a copy spans, for the orderer.
func copyBlocks(c catalog.Copy, size int64) int64 {
	n := c.Size
	if n <= 0 {
		n = size
	}
	return max(1, (n+format.DefaultBlockSize-1)/format.DefaultBlockSize)
}
