package format

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"

	"github.com/tapekit/tapekit/checksum"
	"github.com/tapekit/tapekit/tape"
)

// ReaderOptions tune Open. A nil *ReaderOptions means the defaults.
type ReaderOptions struct {
	// Expected are checksums the caller knows (from its catalog); they
	// are verified as well as those recorded on tape.
	Expected []checksum.Value
	// MaxBlockSize is the size of each of the two read buffers (one
	// block is read ahead): the largest block the file may have. 0 means
	// the drive's maximum block size (or 2 MiB when the drive does not
	// say).
	MaxBlockSize int
}

const fallbackMaxBlock = 2 << 20

// File is one archived file being read. Read delivers its data and, at the
// end, verifies it: io.EOF only when every checksum (trailer, header,
// ReaderOptions.Expected) matches, the size is right and the tape file is
// complete. Anything else is a *FileError: treat the data delivered as bad.
//
// The context given to Open bounds every Read, as a request's context does
// in net/http.
//
// While Read delivers one block, the next one is read from the drive (see
// "Reading ahead" in the package documentation). A File read to io.EOF or
// to an error is done with the drive; one left earlier must be closed
// before the drive is used again.
type File struct {
	// Header is what the tar header says of the file.
	Header FileHeader

	ctx      context.Context
	d        tape.Drive
	fseq     int64
	start    tape.Position
	br       *blockReader
	tr       *tar.Reader
	set      *checksum.Set
	expected []checksum.Value
	n        int64
	rec      Record
	err      error // sticky: io.EOF or the failure
	closed   bool

	// For FormatANSI: the data is read straight from br, and hdr1 is
	// checked against the trailer labels.
	ansi bool
	hdr1 HDR1
}

// Open positions d at tape file fseq (1 for the first file after the
// label; the drive spaces over fseq filemarks from the beginning of tape
// unless it can locate to a file directly) and opens the file there.
func Open(ctx context.Context, d tape.Drive, fseq int64, opts *ReaderOptions) (*File, error) {
	if fseq < 1 {
		return nil, &FileError{Op: "read", FSeq: fseq, Err: fmt.Errorf("%w: file sequence numbers start at 1 (0 is the volume label)", ErrBadMetadata)}
	}
	if err := tape.LocateFile(ctx, d, 0, fseq); err != nil {
		return nil, fileError("read", fseq, tape.Position{}, false, err)
	}
	return OpenHere(ctx, d, fseq, opts)
}

// OpenAt locates d to block (a Record's Block, which a catalog keeps: one
// locate, no spacing over files) and opens the file there; fseq is what the
// catalog says the file's sequence number is, checked against the header.
func OpenAt(ctx context.Context, d tape.Drive, block, fseq int64, opts *ReaderOptions) (*File, error) {
	if err := d.Locate(ctx, tape.Position{Block: block}); err != nil {
		return nil, fileError("read", fseq, tape.Position{Block: block}, true, err)
	}
	f, err := OpenHere(ctx, d, fseq, opts)
	if err == nil && f.Header.FSeq != fseq {
		f.Close()
		return nil, &FileError{Op: "read", FSeq: fseq, Pos: f.start, PosValid: true, Err: fmt.Errorf("%w: block %d holds file sequence %d", ErrBadMetadata, block, f.Header.FSeq)}
	}
	return f, err
}

// OpenHere opens the file at the drive's current position, which must be
// the start of a tape file; fseq is used in errors and records.
func OpenHere(ctx context.Context, d tape.Drive, fseq int64, opts *ReaderOptions) (*File, error) {
	var o ReaderOptions
	if opts != nil {
		o = *opts
	}
	return openHere(ctx, d, fseq, newReadBuffers(readBufferSize(ctx, d, o.MaxBlockSize)), o.Expected)
}

// openHere opens the file at the drive's position, reading into bufs. The
// header is read without read-ahead, so that a tape file that is not one
// of ours costs no more reads than before; reading ahead starts with the
// data.
func openHere(ctx context.Context, d tape.Drive, fseq int64, bufs *readBuffers, expected []checksum.Value) (*File, error) {
	start, err := d.Position(ctx)
	if err != nil {
		return nil, fileError("read", fseq, tape.Position{}, false, err)
	}
	f := &File{ctx: ctx, d: d, fseq: fseq, start: start, expected: expected}
	f.br = newBlockReader(ctx, d, bufs)
	f.tr = tar.NewReader(f.br)
	f.rec = Record{Format: FormatPAX, FSeq: fseq, Block: start.Block, Status: StatusOK}
	hdr, err := f.tr.Next()
	if err != nil {
		return f, f.failHeader(err)
	}
	if f.Header, err = ParseHeader(hdr); err != nil {
		return f, f.failed(err)
	}
	h := f.Header
	f.rec.Volume, f.rec.FileID, f.rec.Path, f.rec.Size = h.Volume, h.FileID, h.Path, h.Size
	f.rec.ModTime, f.rec.Copy, f.rec.StorageClass = h.ModTime, h.Copy, h.StorageClass
	// The header announces the algorithms of the trailer, so they are all
	// computed while the data streams.
	names := slices.Clone(h.TrailerChecksums)
	for _, v := range slices.Concat(h.Checksums, expected) {
		c, err := checksum.Canonical(v.Algorithm)
		if err != nil {
			return f, f.failed(fmt.Errorf("%w: %v", ErrBadMetadata, err))
		}
		if !slices.Contains(names, c) {
			names = append(names, c)
		}
	}
	if len(names) == 0 {
		names = []string{checksum.Adler32}
	}
	if f.set, err = checksum.NewSet(names, nil); err != nil {
		return f, f.failed(err)
	}
	f.br.src.enable(tape.Position{Partition: start.Partition, Block: start.Block + f.br.blocks}, true)
	return f, nil
}

// failHeader explains why no tar header could be read at the start of a
// tape file.
func (f *File) failHeader(err error) error {
	switch {
	case f.br.eod && f.br.blocks == 0:
		return f.failed(fmt.Errorf("there is no tape file %d: %w", f.fseq, tape.ErrEndOfData))
	case errors.Is(err, io.EOF) && f.br.filemark && f.br.blocks == 0:
		return f.failed(fmt.Errorf("%w: tape file %d is empty", ErrWrongFormat, f.fseq))
	case errors.Is(err, io.ErrUnexpectedEOF) || (errors.Is(err, io.EOF) && f.br.eod):
		return f.failed(fmt.Errorf("%w: the tape file ends inside the tar header", ErrTruncated))
	case errors.Is(err, tar.ErrHeader), errors.Is(err, io.EOF):
		return f.failed(fmt.Errorf("%w: not a tar archive: %v", ErrWrongFormat, err))
	}
	var te *tape.Error
	if errors.As(err, &te) || errors.Is(err, ErrWrongFormat) {
		return f.failed(err)
	}
	return f.failed(fmt.Errorf("%w: %v", ErrWrongFormat, err))
}

// failed records the failure of the file and returns it as a *FileError.
// It first stops the read-ahead, which puts the drive back where a reader
// without it would have stopped: Scan spaces on to the next file from
// there.
func (f *File) failed(err error) error {
	if serr := f.br.stop(); serr != nil {
		err = fmt.Errorf("%w (and the drive's position is unknown: %w)", err, serr)
	}
	pos, valid := f.start, true
	if errors.Is(err, ErrTruncated) {
		if p, perr := f.d.Position(f.ctx); perr == nil {
			pos = p
		}
	}
	fe := fileError("read", f.fseq, pos, valid, err)
	f.err = fe
	f.rec.Err = fe
	f.rec.Status = statusOf(err)
	return fe
}

func statusOf(err error) Status {
	switch {
	case errors.Is(err, checksum.ErrMismatch):
		return StatusChecksumMismatch
	case errors.Is(err, ErrTruncated):
		return StatusTruncated
	case errors.Is(err, tape.ErrMediumError):
		return StatusDamaged
	case errors.Is(err, ErrWrongFormat), errors.Is(err, ErrBadMetadata), errors.Is(err, ErrSizeMismatch):
		return StatusUnknownFormat
	}
	return StatusDamaged
}

// Read reads the file's data; see File.
func (f *File) Read(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	if f.ansi {
		return f.readANSI(p)
	}
	n, err := f.tr.Read(p)
	if n > 0 {
		f.set.Write(p[:n])
		f.n += int64(n)
	}
	switch {
	case err == nil:
		return n, nil
	case err == io.EOF:
		return n, f.finish()
	case errors.Is(err, io.ErrUnexpectedEOF):
		return n, f.failed(fmt.Errorf("%w: the data ends after %d of %d bytes", ErrTruncated, f.n, f.Header.Size))
	}
	return n, f.failed(err)
}

// finish reads the trailer and the end of the tape file and verifies the
// checksums.
func (f *File) finish() error {
	computed := f.set.Sum()
	f.set.Close()
	f.rec.Checksums = computed
	hdr, err := f.tr.Next()
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || (errors.Is(err, io.EOF) && (f.br.eod || f.br.filemark)):
		return f.failed(fmt.Errorf("%w: the tape file ends after the data, without the trailer", ErrTruncated))
	case err != nil:
		return f.failed(err)
	}
	size, recorded, err := ParseTrailer(hdr)
	if err != nil {
		return f.failed(err)
	}
	if size != f.n {
		return f.failed(fmt.Errorf("%w: the trailer says %d bytes were written, the file has %d", ErrSizeMismatch, size, f.n))
	}
	// Every checksum recorded or expected must match the one computed.
	for _, want := range slices.Concat(recorded, f.Header.Checksums, f.expected) {
		got, ok := find(computed, want.Algorithm)
		if !ok {
			return f.failed(fmt.Errorf("%w: the trailer holds a %s checksum its header did not announce", ErrBadMetadata, want.Algorithm))
		}
		if !got.Equal(want) {
			return f.failed(&checksum.MismatchError{Algorithm: want.Algorithm, Expected: want.Bytes, Actual: got.Bytes})
		}
	}
	switch _, err := f.tr.Next(); {
	case err == io.EOF && (f.br.eod || f.br.filemark):
		return f.failed(fmt.Errorf("%w: the tar stream has no end-of-archive blocks", ErrTruncated))
	case err == io.EOF:
	case errors.Is(err, io.ErrUnexpectedEOF):
		return f.failed(fmt.Errorf("%w: the tar stream has no end-of-archive blocks", ErrTruncated))
	case err != nil:
		return f.failed(err)
	default:
		return f.failed(fmt.Errorf("%w: a second tar member follows the trailer", ErrWrongFormat))
	}
	if _, err := f.br.drain(); err != nil {
		return f.failed(err)
	}
	if !f.br.filemark {
		return f.failed(fmt.Errorf("%w: the tape file has no closing filemark", ErrTruncated))
	}
	f.rec.Blocks = f.br.blocks
	f.err = io.EOF
	return io.EOF
}

// Close stops the File. After io.EOF or an error from Read it does nothing:
// the file's filemark has been read, or the failure handled. Before that,
// it waits for the object being read ahead and gives it back, spacing the
// drive back over it (or locating back, if reading it failed): the drive
// is then just after the last block Read took data from, where a reader
// without read-ahead leaves it, and free for the caller. An error means
// the drive could not be put back; its position is then unknown. Read
// after Close returns an error wrapping fs.ErrClosed.
func (f *File) Close() error {
	if f.closed {
		return nil
	}
	f.closed = true
	err := f.br.stop()
	if f.err == nil {
		f.err = &FileError{Op: "read", FSeq: f.fseq, Err: fs.ErrClosed}
	}
	if err != nil {
		return fileError("read", f.fseq, tape.Position{}, false, err)
	}
	return nil
}

func find(vs []checksum.Value, alg string) (checksum.Value, bool) {
	c, err := checksum.Canonical(alg)
	if err != nil {
		return checksum.Value{}, false
	}
	for _, v := range vs {
		if v.Algorithm == c {
			return v, true
		}
	}
	return checksum.Value{}, false
}

// Record returns what is known of the file: after Read returned io.EOF a
// complete, verified record; after a failure one whose Status and Err say
// what went wrong.
func (f *File) Record() Record { return f.rec }

// Size is the file's size, from its header.
func (f *File) Size() int64 { return f.Header.Size }
