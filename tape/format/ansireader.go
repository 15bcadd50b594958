package format

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/tapekit/tapekit/checksum"
	"github.com/tapekit/tapekit/tape"
)

// OpenANSI positions d at file sequence fseq of a FormatANSI tape and
// opens it: the header labels are read and checked (HDR1 file sequence
// and volume, UHL1 file sequence), and Read delivers the data. At the end
// the trailer labels are checked against the headers and the blocks read
// (EOF1 block count), and ReaderOptions.Expected verified: ANSI tapes hold
// no checksums, a catalog does (CTA keeps adler32).
func OpenANSI(ctx context.Context, d tape.Drive, fseq int64, opts *ReaderOptions) (*File, error) {
	if fseq < 1 {
		return nil, &FileError{Op: "read", FSeq: fseq, Err: fmt.Errorf("%w: file sequence numbers start at 1", ErrBadMetadata)}
	}
	if err := tape.LocateFile(ctx, d, 0, ANSITapeFile(fseq)); err != nil {
		return nil, fileError("read", fseq, tape.Position{}, false, err)
	}
	var o ReaderOptions
	if opts != nil {
		o = *opts
	}
	return openANSIHere(ctx, d, fseq, newReadBuffers(readBufferSize(ctx, d, o.MaxBlockSize)), o.Expected)
}

// readBufferSize is the size of the read buffers: max when given, else
// the drive's largest block.
func readBufferSize(ctx context.Context, d tape.Drive, max int) int {
	if max > 0 {
		return max
	}
	if st, err := d.Status(ctx); err == nil && st.MaxBlockSize > 0 && st.MaxBlockSize <= 64<<20 {
		return st.MaxBlockSize
	}
	return fallbackMaxBlock
}

// openANSIHere opens the file whose header labels are at the drive's
// position. The labels are read one by one; reading ahead starts with the
// data.
func openANSIHere(ctx context.Context, d tape.Drive, fseq int64, bufs *readBuffers, expected []checksum.Value) (*File, error) {
	start, err := d.Position(ctx)
	if err != nil {
		return nil, fileError("read", fseq, tape.Position{}, false, err)
	}
	f := &File{ctx: ctx, d: d, fseq: fseq, start: start, expected: expected, ansi: true}
	f.br = newBlockReader(ctx, d, bufs)
	f.rec = Record{Format: FormatANSI, FSeq: fseq, Block: start.Block, Status: StatusOK}
	labels, err := f.readLabels(3)
	if err != nil {
		if f.br.eod && len(labels) == 0 {
			return f, f.failed(fmt.Errorf("there is no file sequence %d: %w", fseq, tape.ErrEndOfData))
		}
		return f, f.failed(err)
	}
	h1, err := ParseHDR1(labels[0])
	if err == nil && h1.EOF {
		err = fmt.Errorf("%w: expected HDR1, found EOF1", ErrBadMetadata)
	}
	if err != nil {
		return f, f.failed(err)
	}
	if _, err := ParseHDR2(labels[1]); err != nil {
		return f, f.failed(err)
	}
	u, err := ParseUHL1(labels[2])
	if err != nil {
		return f, f.failed(err)
	}
	f.hdr1 = h1
	f.rec.Volume = h1.VSN
	f.rec.FileID = h1.FileID
	if n, err := strconv.ParseUint(h1.FileID, 16, 64); err == nil {
		f.rec.FileID = strconv.FormatUint(n, 10)
	}
	f.Header = FileHeader{Meta: Meta{FileID: f.rec.FileID, Size: -1}, FSeq: u.FSeq, Volume: h1.VSN, Format: FormatANSI}
	switch {
	case u.FSeq != fseq:
		return f, f.failed(fmt.Errorf("%w: UHL1 says file sequence %d, expected %d", ErrBadMetadata, u.FSeq, fseq))
	case h1.FSeq != fseq%10000:
		return f, f.failed(fmt.Errorf("%w: HDR1 says file sequence %d, expected %d", ErrBadMetadata, h1.FSeq, fseq%10000))
	}
	// The header labels end with a filemark.
	if err := f.expectFilemark("header labels"); err != nil {
		return f, f.failed(err)
	}
	names := slices.Clone(DefaultChecksums)
	for _, v := range expected {
		c, err := checksum.Canonical(v.Algorithm)
		if err != nil {
			return f, f.failed(fmt.Errorf("%w: %v", ErrBadMetadata, err))
		}
		if !slices.Contains(names, c) {
			names = append(names, c)
		}
	}
	if f.set, err = checksum.NewSet(names, nil); err != nil {
		return f, f.failed(err)
	}
	f.br.blocks = 0
	// The data starts after the three labels and their filemark.
	f.br.src.enable(tape.Position{Partition: start.Partition, Block: start.Block + 4}, true)
	return f, nil
}

// readLabels reads n 80-byte label blocks.
func (f *File) readLabels(n int) ([][]byte, error) {
	var out [][]byte
	for range n {
		buf := f.br.src.scratch()
		k, err := f.d.Read(f.ctx, buf)
		switch {
		case err == nil && k == ansiLabelSize:
			out = append(out, append([]byte(nil), buf[:k]...))
		case err == nil:
			return out, fmt.Errorf("%w: a label block of %d bytes, want %d", ErrWrongFormat, k, ansiLabelSize)
		case errors.Is(err, tape.ErrEndOfData):
			f.br.eod = true
			return out, fmt.Errorf("%w: end of data among the labels", ErrTruncated)
		case errors.Is(err, tape.ErrFilemark):
			f.br.filemark = true
			return out, fmt.Errorf("%w: a filemark among the labels", ErrWrongFormat)
		default:
			return out, err
		}
	}
	return out, nil
}

func (f *File) expectFilemark(after string) error {
	_, err := f.d.Read(f.ctx, f.br.src.scratch())
	switch {
	case errors.Is(err, tape.ErrFilemark):
		return nil
	case errors.Is(err, tape.ErrEndOfData):
		f.br.eod = true
		return fmt.Errorf("%w: no filemark after the %s", ErrTruncated, after)
	case err == nil:
		return fmt.Errorf("%w: no filemark after the %s", ErrBadMetadata, after)
	}
	return err
}

func (f *File) readANSI(p []byte) (int, error) {
	n, err := f.br.Read(p)
	if n > 0 {
		f.set.Write(p[:n])
		f.n += int64(n)
	}
	switch {
	case err == nil:
		return n, nil
	case err != io.EOF:
		return n, f.failed(err)
	case f.br.eod:
		return n, f.failed(fmt.Errorf("%w: the data ends at end of data after %d bytes, without its filemark", ErrTruncated, f.n))
	}
	return n, f.finishANSI()
}

// finishANSI checks the trailer labels and the checksums.
func (f *File) finishANSI() error {
	computed := f.set.Sum()
	f.set.Close()
	f.rec.Size, f.rec.Blocks, f.rec.Checksums = f.n, f.br.blocks, computed
	f.Header.Size = f.n
	f.br.filemark = false
	labels, err := f.readLabels(3)
	if err != nil {
		if !errors.Is(err, ErrTruncated) {
			err = fmt.Errorf("%w: trailer labels: %w", ErrBadMetadata, err)
		}
		return f.failed(err)
	}
	e1, err := ParseHDR1(labels[0])
	if err == nil && !e1.EOF {
		err = fmt.Errorf("%w: expected EOF1, found HDR1", ErrBadMetadata)
	}
	if err != nil {
		return f.failed(err)
	}
	e2, err := ParseHDR2(labels[1])
	if err == nil && !e2.EOF {
		err = fmt.Errorf("%w: expected EOF2, found HDR2", ErrBadMetadata)
	}
	if err != nil {
		return f.failed(err)
	}
	u, err := ParseUHL1(labels[2])
	if err == nil && !u.Trailer {
		err = fmt.Errorf("%w: expected UTL1, found UHL1", ErrBadMetadata)
	}
	if err != nil {
		return f.failed(err)
	}
	switch {
	case e1.BlockCount != f.br.blocks%1000000:
		return f.failed(fmt.Errorf("%w: EOF1 counts %d blocks, the file has %d", ErrBadMetadata, e1.BlockCount, f.br.blocks))
	case e1.FileID != f.hdr1.FileID || e1.VSN != f.hdr1.VSN || e1.FSeq != f.hdr1.FSeq:
		return f.failed(fmt.Errorf("%w: EOF1 (file %s, volume %s, fseq %d) does not match HDR1 (file %s, volume %s, fseq %d)", ErrBadMetadata, e1.FileID, e1.VSN, e1.FSeq, f.hdr1.FileID, f.hdr1.VSN, f.hdr1.FSeq))
	case u.FSeq != f.fseq:
		return f.failed(fmt.Errorf("%w: UTL1 says file sequence %d, expected %d", ErrBadMetadata, u.FSeq, f.fseq))
	}
	if err := f.expectFilemark("trailer labels"); err != nil {
		return f.failed(err)
	}
	if err := verifyExpected(f.expected, computed); err != nil {
		return f.failed(err)
	}
	f.err = io.EOF
	return io.EOF
}
