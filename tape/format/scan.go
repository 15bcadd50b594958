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
// A file that cannot be read is yielded once, with its Status (damaged,
// truncated, checksum-mismatch, unknown-format) and Err, and the scan goes
// on with the next file, which it locates by number: a read error may
// leave the drive anywhere. A read error alone never makes a file: where
// the data ends, a drive that answers with a medium error rather than end
// of data ends the scan as end of data would. A failure that stops the
// scan (no label, a drive that cannot position, or cannot get past a file
// it could not read: a *FileError with Op "scan") is yielded once as a
// non-nil error with a zero Record.
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
		switch {
		case f.br.filemark:
			// Read to its filemark: the drive is at the next file.
			if !yield(rec, nil) {
				return
			}
		case f.br.eod:
			yield(rec, nil)
			return
		default:
			// Skip the rest of a damaged or foreign file.
			if !skipFile(ctx, d, rec, f.start, f.br.blocks > 0, fseq+1, yield) {
				return
			}
		}
		if err := ctx.Err(); err != nil {
			yield(Record{}, err)
			return
		}
	}
}

// skipFile is how a scan goes on after a file that failed before its end
// (rec, which starts at start): it locates tape file next, then yields rec
// when there is a file. It reports whether the scan goes on from next.
//
// Where the drive is after a read error depends on the drive: after the
// bad block, before it, or rewound by a reset; so the scan locates the
// next file from the beginning of the tape rather than spacing from an
// unknown place. And a drive may answer a read where the data ends with a
// medium error rather than end of data: a file is reported only when
// something proves it is there (a block was read, a filemark follows, or
// the data ends past its start), never for the error alone.
func skipFile(ctx context.Context, d tape.Drive, rec Record, start tape.Position, readSome bool, next int64, yield func(Record, error) bool) bool {
	err := tape.LocateFile(ctx, d, 0, next)
	if err == nil {
		return yield(rec, nil)
	}
	if errors.Is(err, tape.ErrEndOfData) {
		// No filemark ends the file: it is the last one and cut short, or
		// there is none and the data ends where it would start.
		end, eerr := endPosition(ctx, d)
		switch {
		case eerr == nil && (end.Block > start.Block || readSome):
			yield(rec, nil)
		case eerr != nil:
			if !readSome || yield(rec, nil) {
				yield(Record{}, stopped(rec, "finding the end of data", eerr))
			}
		}
		return false
	}
	if !readSome || yield(rec, nil) {
		yield(Record{}, stopped(rec, fmt.Sprintf("locating tape file %d", next), err))
	}
	return false
}

// stopped is the error that ends a scan which cannot find its way past
// the file of rec: it says what failed after the file's own error, and
// matches both.
func stopped(rec Record, what string, err error) error {
	if rec.Err == nil {
		return &FileError{Op: "scan", FSeq: rec.FSeq, Err: fmt.Errorf("the scan stopped %s: %w", what, err)}
	}
	return &FileError{Op: "scan", FSeq: rec.FSeq, Err: fmt.Errorf("%w; the scan stopped %s: %w", rec.Err, what, err)}
}

// endPosition moves d to end of data and returns that position.
func endPosition(ctx context.Context, d tape.Drive) (tape.Position, error) {
	if err := d.Space(ctx, tape.SpaceEndOfData, 0); err != nil {
		return tape.Position{}, err
	}
	return d.Position(ctx)
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
		switch {
		case rec.Status == StatusOK:
			if !yield(rec, nil) {
				return
			}
		case f.br.eod:
			yield(rec, nil)
			return
		default:
			if !skipFile(ctx, d, rec, f.start, rec.FileID != "" || f.br.blocks > 0, ANSITapeFile(fseq+1), yield) {
				return
			}
		}
		if err := ctx.Err(); err != nil {
			yield(Record{}, err)
			return
		}
	}
}
