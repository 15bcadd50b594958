package format

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/tapekit/tapekit/tape"
)

// ScanOptions tune Scan. A nil *ScanOptions means the defaults.
type ScanOptions struct {
	// MaxBlockSize is the size of the read buffers, as in ReaderOptions.
	MaxBlockSize int
}

// Scan reads the tape in d from file sequence from (1 for the whole tape)
// to end of data, verifying every file, and yields one Record per file: a
// catalog can be rebuilt from them. The volume label says the format
// (FormatPAX or FormatANSI) and the volume.
//
// A file that cannot be read is yielded with its Status (damaged,
// truncated, checksum-mismatch, unknown-format) and Err, and the scan goes
// on with the next file. A failure that stops the scan (no label, a drive
// that cannot position) is yielded once as a non-nil error with a zero
// Record.
func Scan(ctx context.Context, d tape.Drive, from int64, opts *ScanOptions) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		var o ScanOptions
		if opts != nil {
			o = *opts
		}
		if from < 1 {
			yield(Record{}, fmt.Errorf("%w: file sequence numbers start at 1", ErrBadMetadata))
			return
		}
		l, err := ReadLabel(ctx, d)
		if err != nil {
			yield(Record{}, err)
			return
		}
		// One pair of buffers for every file.
		bufs := newReadBuffers(readBufferSize(ctx, d, o.MaxBlockSize))
		if l.Format == FormatANSI {
			scanANSI(ctx, d, l, from, bufs, yield)
			return
		}
		if from > 1 {
			if err := d.Space(ctx, tape.SpaceFilemarks, from-1); err != nil {
				if !errors.Is(err, tape.ErrEndOfData) {
					yield(Record{}, err)
				}
				return
			}
		}
		scanPAX(ctx, d, l, from, bufs, yield)
	}
}

// scanPAX is Scan for FormatPAX tapes. Every file is read to its end or to
// a failure, so no read-ahead is in flight when the next one opens, and
// the drive is where the reader stopped: after the filemark, or inside the
// file (then it spaces on to the next).
func scanPAX(ctx context.Context, d tape.Drive, l VolumeLabel, fseq int64, bufs *readBuffers, yield func(Record, error) bool) {
	data := make([]byte, 256<<10)
	for ; ; fseq++ {
		f, err := openHere(ctx, d, fseq, bufs, nil)
		if f == nil {
			yield(Record{}, err)
			return
		}
		if err != nil && errors.Is(err, tape.ErrEndOfData) && f.br.blocks == 0 {
			return
		}
		for err == nil {
			_, err = f.Read(data)
		}
		rec := f.Record()
		if rec.Volume == "" {
			rec.Volume = l.Barcode
		}
		if !yield(rec, nil) {
			return
		}
		if f.br.eod {
			return
		}
		if !f.br.filemark {
			// Skip the rest of a damaged or foreign file.
			if err := d.Space(ctx, tape.SpaceFilemarks, 1); err != nil {
				if !errors.Is(err, tape.ErrEndOfData) {
					yield(Record{}, err)
				}
				return
			}
		}
		if err := ctx.Err(); err != nil {
			yield(Record{}, err)
			return
		}
	}
}

// scanANSI is Scan for FormatANSI tapes; the drive is after the label.
func scanANSI(ctx context.Context, d tape.Drive, l VolumeLabel, fseq int64, bufs *readBuffers, yield func(Record, error) bool) {
	if fseq > 1 {
		if err := tape.LocateFile(ctx, d, 0, ANSITapeFile(fseq)); err != nil {
			if !errors.Is(err, tape.ErrEndOfData) {
				yield(Record{}, err)
			}
			return
		}
	}
	data := make([]byte, 256<<10)
	for ; ; fseq++ {
		f, err := openANSIHere(ctx, d, fseq, bufs, nil)
		if f == nil {
			yield(Record{}, err)
			return
		}
		if err != nil && errors.Is(err, tape.ErrEndOfData) {
			return
		}
		for err == nil {
			_, err = f.Read(data)
		}
		rec := f.Record()
		if rec.Volume == "" {
			rec.Volume = l.Barcode
		}
		if !yield(rec, nil) {
			return
		}
		if rec.Status != StatusOK {
			if f.br.eod {
				return
			}
			if err := tape.LocateFile(ctx, d, 0, ANSITapeFile(fseq+1)); err != nil {
				if !errors.Is(err, tape.ErrEndOfData) {
					yield(Record{}, err)
				}
				return
			}
		}
		if err := ctx.Err(); err != nil {
			yield(Record{}, err)
			return
		}
	}
}
