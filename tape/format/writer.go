package format

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/tapekit/tapekit/checksum"
	"github.com/tapekit/tapekit/tape"
)

// Defaults of WriterOptions.
const (
	// DefaultBlockSize: 256 KiB blocks keep LTO and 3592 drives at full
	// speed and are read by every Linux tape driver.
	DefaultBlockSize = 256 << 10
	// DefaultSyncEveryBytes and DefaultSyncEveryFiles bound the work a
	// power loss can undo: files not yet synchronised are not reported,
	// stay in the caller's cache and are archived again. A synchronisation
	// stops the tape, and the next write pays a backhitch (about 2.5 s on
	// LTO): at 400 MB/s, 8 GiB is 21 s of streaming, so syncing on bytes
	// keeps the drive streaming about 90 % of the time. The file count
	// bounds the records held back (one catalog batch); at 10,000 it
	// triggers before the byte limit only for files under about 850 KiB,
	// where streaming drops below 90 % (1,000 files of 1 MiB per sync
	// would stream only about half the time). Lower both for less rework
	// after a crash, raise SyncEveryFiles for tiny files.
	DefaultSyncEveryBytes = 8 << 30
	DefaultSyncEveryFiles = 10000
)

// DefaultChecksums are computed for every file unless WriterOptions say
// otherwise: adler32, what HEP catalogs (dCache, CTA, EOS, XRootD) keep and
// compare end to end. Add crc32c or sha256 through WriterOptions.Checksums
// for a stronger check; each costs CPU while writing (adler32 and crc32c
// each about 10 ms per 256 MiB on a current x86 core; see
// BenchmarkArchiveLargeFile).
var DefaultChecksums = []string{checksum.Adler32}

// WriterOptions tune a Writer. A nil *WriterOptions means the defaults.
type WriterOptions struct {
	// BlockSize is the size of the blocks written (the last block of each
	// tape file is shorter); a multiple of 512. 0 means DefaultBlockSize.
	BlockSize int
	// SyncEveryBytes and SyncEveryFiles: a synchronising filemark is
	// written once this many bytes or files are pending. 0 means the
	// defaults; negative means never (only Sync and Close synchronise).
	SyncEveryBytes int64
	SyncEveryFiles int
	// Checksums are the algorithms computed while writing and recorded in
	// each file's trailer; nil means DefaultChecksums.
	Checksums []string
	// Barcode, when set, is checked against the volume label before the
	// first write (CheckLabel): the changer's word is verified on mount.
	Barcode string
	// OnCommit, when set, receives the records of the files each
	// synchronisation made durable, on the goroutine of the call that
	// synchronised (WriteFile, Sync or Close); they are then not returned
	// by Sync and Close.
	OnCommit func([]Record)
	// Now gives file modification times left zero in Meta; nil means
	// time.Now.
	Now func() time.Time
	// Format is FormatPAX (the default) or FormatANSI; the tape's label
	// must be of the same format.
	Format string
	// Site and Host go into the UHL1/UTL1 labels of FormatANSI (CTA puts
	// its domain and the tape server's name there); Host defaults to the
	// host name.
	Site, Host string
}

// Writer appends files to a tape labelled in FormatPAX: each file is one
// tape file holding one pax tar archive (see the package documentation).
// Files are reported written only once a synchronisation covers them:
// WriteFile returns a pending Record, and Sync, Close or OnCommit deliver
// the committed ones.
//
// A Writer is used by one goroutine at a time.
type Writer struct {
	d tape.Drive
	o WriterOptions

	started bool
	volume  string
	fseq    int64 // of the next file
	block   int64 // logical object id where the next file starts

	bw   blockWriter
	sets map[string]*checksum.Set

	pending   []Record
	committed []Record
	sinceSync struct {
		bytes int64
		files int
	}
	// touched: something of the current file reached the drive.
	touched bool
	// drive describes the drive for the ANSI user labels.
	driveInfo tape.Status
	full      bool
	err       error // sticky
	closed    bool
}

// NewWriter returns a Writer appending to the tape in d. It does not touch
// the drive until Start or the first WriteFile.
func NewWriter(d tape.Drive, opts *WriterOptions) (*Writer, error) {
	var o WriterOptions
	if opts != nil {
		o = *opts
	}
	if o.BlockSize == 0 {
		o.BlockSize = DefaultBlockSize
	}
	if o.BlockSize < 512 || o.BlockSize%512 != 0 {
		return nil, fmt.Errorf("%w: block size %d: want a positive multiple of 512", ErrBadMetadata, o.BlockSize)
	}
	if o.SyncEveryBytes == 0 {
		o.SyncEveryBytes = DefaultSyncEveryBytes
	}
	if o.SyncEveryFiles == 0 {
		o.SyncEveryFiles = DefaultSyncEveryFiles
	}
	if o.Checksums == nil {
		o.Checksums = DefaultChecksums
	}
	var names []string
	for _, name := range o.Checksums {
		c, err := checksum.Canonical(name)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(names, c) {
			names = append(names, c)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%w: WriterOptions.Checksums is empty: a file must be checksummed", checksum.ErrUnknownAlgorithm)
	}
	o.Checksums = names
	if o.Now == nil {
		o.Now = time.Now
	}
	switch o.Format {
	case "":
		o.Format = FormatPAX
	case FormatPAX, FormatANSI:
	default:
		return nil, fmt.Errorf("%w: unknown format %q", ErrWrongFormat, o.Format)
	}
	if o.Host == "" {
		o.Host, _ = os.Hostname()
	}
	return &Writer{d: d, o: o, bw: newBlockWriter(d, o.BlockSize), sets: map[string]*checksum.Set{}}, nil
}

// Start reads the volume label (checking it against WriterOptions.Barcode
// when set) and positions the drive at end of data. WriteFile calls it when
// needed; call it first to pay for the positioning at mount time. A last
// tape file left without its closing filemark by a crash gets one, so the
// next file stays apart from it.
func (w *Writer) Start(ctx context.Context) error {
	if err := w.usable(); err != nil {
		return err
	}
	if w.started {
		return nil
	}
	var l VolumeLabel
	var err error
	if w.o.Barcode != "" {
		l, err = CheckLabel(ctx, w.d, w.o.Barcode)
	} else {
		l, err = ReadLabel(ctx, w.d)
	}
	if err != nil && !errors.Is(err, ErrTruncated) {
		return err
	}
	if l.Format != w.o.Format {
		return fmt.Errorf("%w: the tape is labelled %s; this writer writes %s", ErrWrongFormat, l.Format, w.o.Format)
	}
	fseq, block, open, err := endOfData(ctx, w.d)
	if err != nil {
		return err
	}
	if w.o.Format == FormatANSI {
		return w.startANSI(ctx, l, fseq, block, open)
	}
	if open {
		if err := w.d.WriteFilemarks(ctx, 1, true); err != nil && !errors.Is(err, tape.ErrEarlyWarning) {
			return w.fail(err)
		}
		fseq, block = fseq+1, block+1
	}
	w.volume, w.fseq, w.block, w.started = l.Barcode, fseq, block, true
	return nil
}

// endOfData moves d to end of data and returns the number of the next tape
// file and the block id there; open reports a last tape file without its
// closing filemark.
func endOfData(ctx context.Context, d tape.Drive) (file, block int64, open bool, err error) {
	if err := d.Space(ctx, tape.SpaceEndOfData, 0); err != nil {
		return 0, 0, false, err
	}
	pos, err := d.Position(ctx)
	if err != nil {
		return 0, 0, false, err
	}
	if pos.Block == 0 {
		return 0, 0, false, nil
	}
	// Spacing back one block stops before a filemark: that tells whether
	// the last object is one.
	switch err := d.Space(ctx, tape.SpaceBlocks, -1); {
	case errors.Is(err, tape.ErrFilemark):
	case err == nil:
		open = true
	default:
		return 0, 0, false, err
	}
	if err := d.Space(ctx, tape.SpaceEndOfData, 0); err != nil {
		return 0, 0, false, err
	}
	return pos.File, pos.Block, open, nil
}

func (w *Writer) usable() error {
	switch {
	case w.closed:
		return ErrClosed
	case w.err != nil:
		return w.err
	case w.full:
		return fmt.Errorf("%w: %s", ErrVolumeFull, w.volume)
	}
	return nil
}

// fail makes a drive error sticky: the medium may hold a part of a file
// and the drive's buffer may or may not have reached it.
func (w *Writer) fail(err error) error {
	if errors.Is(err, tape.ErrEndOfMedium) {
		w.full = true
		return fmt.Errorf("%w: %w", ErrVolumeFull, err)
	}
	w.err = fmt.Errorf("%w: %w", ErrWriterFailed, err)
	return err
}

// set returns the checksum set for the writer's algorithms plus those of
// the expected checksums, reset.
func (w *Writer) set(expected []checksum.Value) (*checksum.Set, error) {
	names := slices.Clone(w.o.Checksums)
	for _, v := range expected {
		c, err := checksum.Canonical(v.Algorithm)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(names, c) {
			names = append(names, c)
		}
	}
	key := strings.Join(names, ",")
	if s := w.sets[key]; s != nil {
		s.Reset()
		return s, nil
	}
	// One worker: the checksums run on the caller's goroutine while the
	// drive writes the previous block on another, which overlaps the two
	// without a hand-off per algorithm per block.
	s, err := checksum.NewSet(names, &checksum.SetOptions{Workers: 1})
	if err != nil {
		return nil, err
	}
	w.sets[key] = s
	return s, nil
}

// WriteFile appends one file, reading exactly meta.Size bytes from r, and
// returns its record: position, size and the checksums computed while
// writing. The record is StatusPending unless this call synchronised (the
// policy of WriterOptions), in which case it is StatusOK and also among the
// committed records.
//
// Errors:
//   - the input failed, had the wrong size (ErrSizeMismatch) or did not
//     match meta.Checksums (*checksum.MismatchError): the file is not on
//     tape (whatever reached the drive is overwritten by the next file) and
//     the writer goes on;
//   - ErrVolumeFull: the tape passed early warning. If the file could be
//     finished (the returned record has an FSeq) it was, and every pending
//     file was synchronised and committed; the caller continues on
//     another tape;
//   - a drive error: the file and the pending files are not reported
//     written; the writer refuses further work (ErrWriterFailed).
func (w *Writer) WriteFile(ctx context.Context, meta Meta, r io.Reader) (Record, error) {
	if err := w.Start(ctx); err != nil {
		return Record{}, err
	}
	hdr, err := meta.header(w.fseq, w.volume, w.o.Checksums, w.o.Now())
	if err != nil {
		return Record{}, err
	}
	set, err := w.set(meta.Checksums)
	if err != nil {
		return Record{}, err
	}
	w.bw.ctx = ctx
	defer func() { w.bw.ctx = nil }()
	w.bw.startFile()
	w.touched = false
	rec := Record{
		Volume: w.volume, Format: w.o.Format, FSeq: w.fseq, Block: w.block,
		FileID: meta.FileID, Path: meta.Path, Size: meta.Size, ModTime: hdr.ModTime,
		Copy: max(meta.Copy, 1), StorageClass: meta.StorageClass, Status: StatusPending,
	}
	write, overhead := w.writeMember, int64(1)
	if w.o.Format == FormatANSI {
		write, overhead = w.writeANSI, 9
	}
	if err := write(hdr, meta, r, set); err != nil {
		var de *driveError
		if errors.As(err, &de) {
			if errors.Is(de.err, tape.ErrEndOfMedium) && w.d.WriteFilemarks(ctx, 0, true) == nil {
				// The files before this one are complete: keep them.
				w.commit()
			}
			return Record{}, fileError("write", rec.FSeq, tape.Position{}, false, w.fail(de.err))
		}
		return Record{}, w.abandon(ctx, rec, err)
	}
	rec.Blocks = w.bw.blocks
	rec.Checksums = set.Sum()
	if w.o.Format == FormatANSI {
		rec.Path, rec.ModTime, rec.StorageClass = "", time.Time{}, ""
		// The headers and the data's filemark are written; the trailer
		// labels follow, then the closing filemark below.
		if err := w.writeANSITrailer(rec); err != nil {
			return Record{}, fileError("write", rec.FSeq, tape.Position{}, false, w.fail(err))
		}
	}
	sync := w.full || w.bw.warned
	w.sinceSync.bytes += meta.Size
	w.sinceSync.files++
	if (w.o.SyncEveryBytes > 0 && w.sinceSync.bytes >= w.o.SyncEveryBytes) || (w.o.SyncEveryFiles > 0 && w.sinceSync.files >= w.o.SyncEveryFiles) {
		sync = true
	}
	err = w.d.WriteFilemarks(ctx, 1, sync)
	if errors.Is(err, tape.ErrEarlyWarning) {
		w.bw.warned, err = true, nil
		if !sync {
			sync = true
			err = w.d.WriteFilemarks(ctx, 0, true)
		}
	}
	if err != nil {
		return Record{}, fileError("write", rec.FSeq, tape.Position{}, false, w.fail(err))
	}
	w.fseq++
	w.block += rec.Blocks + overhead
	w.pending = append(w.pending, rec)
	if sync {
		w.commit()
		rec.Status = StatusOK
	}
	if w.bw.warned {
		w.full = true
		return rec, fmt.Errorf("%w: %s passed its early-warning point with file sequence %d", ErrVolumeFull, w.volume, rec.FSeq)
	}
	return rec, nil
}

// driveError marks an error of the drive (as opposed to the input) while
// writing a member.
type driveError struct{ err error }

func (e *driveError) Error() string { return e.err.Error() }
func (e *driveError) Unwrap() error { return e.err }

// writeMember writes the tar stream of one file: header, data straight from
// r into the block buffer, padding, trailer and end of archive.
func (w *Writer) writeMember(hdr *tar.Header, meta Meta, r io.Reader, set *checksum.Set) error {
	bw := &w.bw
	// The header and the trailer are encoded apart (encodeHead,
	// encodeTrailer, shared with MemberHead and MemberTail) so that an
	// error of tar is about the metadata and an error of bw, a
	// *driveError, about the drive.
	head, err := encodeHead(hdr)
	if err != nil {
		return err
	}
	if _, err := bw.Write(head); err != nil {
		return err
	}
	if err := w.streamData(meta, r, set); err != nil {
		return err
	}
	if err := bw.zeros(padding(meta.Size)); err != nil {
		return err
	}
	sums := set.Sum()
	if err := verifyExpected(meta.Checksums, sums); err != nil {
		return err
	}
	trailer, err := encodeTrailer(meta.Size, sums)
	if err != nil {
		return err
	}
	if _, err := bw.Write(trailer); err != nil {
		return err
	}
	return bw.finish()
}

// streamData copies exactly meta.Size bytes from r into the blocks,
// checksumming them on the way.
func (w *Writer) streamData(meta Meta, r io.Reader, set *checksum.Set) error {
	bw := &w.bw
	left := meta.Size
	for left > 0 {
		f := bw.free()
		if int64(len(f)) > left {
			f = f[:left]
		}
		n, err := io.ReadFull(r, f)
		set.Write(f[:n])
		left -= int64(n)
		if cerr := bw.commit(n); cerr != nil {
			return cerr
		}
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			return fmt.Errorf("%w: the input ended after %d bytes, the file has %d", ErrSizeMismatch, meta.Size-left, meta.Size)
		case err != nil:
			return fmt.Errorf("%w: %w", ErrInput, err)
		}
	}
	var probe [1]byte
	if n, err := io.ReadFull(r, probe[:]); n > 0 {
		return fmt.Errorf("%w: the input holds more than the file's %d bytes", ErrSizeMismatch, meta.Size)
	} else if err != io.EOF {
		return fmt.Errorf("%w: %w", ErrInput, err)
	}
	return nil
}

// verifyExpected checks the computed sums against the caller's.
func verifyExpected(expected, sums []checksum.Value) error {
	for _, want := range expected {
		for _, got := range sums {
			if got.Algorithm == want.Algorithm && !got.Equal(want) {
				return &checksum.MismatchError{Algorithm: want.Algorithm, Expected: want.Bytes, Actual: got.Bytes}
			}
		}
	}
	return nil
}

// abandon undoes a file that failed for a reason other than the drive: if
// blocks of it reached the drive, the pending files before it are
// synchronised (they are complete) and the drive goes back to where the
// file started, so the next file overwrites the remains.
func (w *Writer) abandon(ctx context.Context, rec Record, cause error) error {
	if err := w.bw.wait(); err != nil {
		w.fail(err)
		return fileError("write", rec.FSeq, tape.Position{}, false, errors.Join(cause, err))
	}
	if w.bw.started > 0 || w.touched {
		if err := w.d.WriteFilemarks(ctx, 0, true); err != nil && !errors.Is(err, tape.ErrEarlyWarning) {
			w.fail(err)
			return fileError("write", rec.FSeq, tape.Position{}, false, errors.Join(cause, err))
		}
		w.commit()
		if err := w.d.Locate(ctx, tape.Position{Block: rec.Block}); err != nil {
			w.fail(err)
			return fileError("write", rec.FSeq, tape.Position{}, false, errors.Join(cause, err))
		}
	}
	w.bw.startFile()
	return fileError("write", rec.FSeq, tape.Position{}, false, cause)
}

// commit marks the pending files durable.
func (w *Writer) commit() {
	w.sinceSync.bytes, w.sinceSync.files = 0, 0
	if len(w.pending) == 0 {
		return
	}
	done := w.pending
	w.pending = nil
	for i := range done {
		done[i].Status = StatusOK
	}
	if w.o.OnCommit != nil {
		w.o.OnCommit(done)
		return
	}
	w.committed = append(w.committed, done...)
}

// Sync writes a synchronising filemark (count 0: it only flushes) and
// returns the files committed since the last Sync or Close, this call's
// included (none are returned when OnCommit is set).
func (w *Writer) Sync(ctx context.Context) ([]Record, error) {
	if w.closed {
		return nil, ErrClosed
	}
	if w.err != nil {
		return w.takeCommitted(), w.err
	}
	if len(w.pending) > 0 {
		if err := w.d.WriteFilemarks(ctx, 0, true); err != nil && !errors.Is(err, tape.ErrEarlyWarning) {
			return w.takeCommitted(), w.fail(err)
		}
		w.commit()
	}
	return w.takeCommitted(), nil
}

func (w *Writer) takeCommitted() []Record {
	c := w.committed
	w.committed = nil
	return c
}

// Pending returns the files written but not yet synchronised: after a
// drive failure, the files that must be archived again.
func (w *Writer) Pending() []Record { return slices.Clone(w.pending) }

// Close synchronises (as Sync) and releases the writer. It does not unload
// or rewind the tape.
func (w *Writer) Close(ctx context.Context) ([]Record, error) {
	if w.closed {
		return nil, ErrClosed
	}
	recs, err := w.Sync(ctx)
	w.closed = true
	for _, s := range w.sets {
		s.Close()
	}
	return recs, err
}
