package format

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/tapekit/tapekit/tape"
)

// blockWriter cuts a byte stream into fixed-size blocks and writes each
// full block to the drive: memory stays one block, whatever the file size.
// It is an io.Writer for the tar headers; data goes straight into free()
// to save a copy.
type blockWriter struct {
	d   tape.Drive
	ctx context.Context // of the Writer call in progress
	buf []byte
	n   int
	// blocks counts the blocks of the current tape file handed to the
	// drive; warned records an early warning from any of them.
	blocks int64
	warned bool
}

func (b *blockWriter) Write(p []byte) (int, error) {
	done := 0
	for len(p) > 0 {
		k := copy(b.buf[b.n:], p)
		p, done = p[k:], done+k
		if err := b.commit(k); err != nil {
			return done, err
		}
	}
	return done, nil
}

// free is the unfilled part of the current block.
func (b *blockWriter) free() []byte { return b.buf[b.n:] }

// commit accounts for k bytes put into free() and writes the block when it
// is full.
func (b *blockWriter) commit(k int) error {
	b.n += k
	if b.n == len(b.buf) {
		return b.flush()
	}
	return nil
}

// flush writes what the block holds, short or full, as one block.
func (b *blockWriter) flush() error {
	if b.n == 0 {
		return nil
	}
	err := b.d.Write(b.ctx, b.buf[:b.n])
	if errors.Is(err, tape.ErrEarlyWarning) {
		b.warned, err = true, nil
	}
	if err != nil {
		return &driveError{err}
	}
	b.n = 0
	b.blocks++
	return nil
}

// zeros writes n zero bytes (tar padding).
func (b *blockWriter) zeros(n int) error {
	for n > 0 {
		f := b.free()
		k := min(n, len(f))
		clear(f[:k])
		n -= k
		if err := b.commit(k); err != nil {
			return err
		}
	}
	return nil
}

// startFile resets the per-file counters; a tape file always starts a new
// block.
func (b *blockWriter) startFile() { b.n, b.blocks, b.warned = 0, 0, false }

// blockReader reads the blocks of one tape file as a byte stream, up to the
// filemark that ends it.
type blockReader struct {
	d   tape.Drive
	ctx context.Context
	buf []byte
	r   int // buf[r:w] is unread
	w   int
	// blocks counts the blocks read; filemark and eod say how the file
	// ended once Read returned io.EOF.
	blocks        int64
	filemark, eod bool
	err           error
}

func (b *blockReader) Read(p []byte) (int, error) {
	for b.r == b.w {
		if b.err != nil {
			return 0, b.err
		}
		n, err := b.d.Read(b.ctx, b.buf)
		switch {
		case err == nil:
			b.r, b.w = 0, n
			b.blocks++
		case errors.Is(err, tape.ErrFilemark):
			b.filemark, b.err = true, io.EOF
		case errors.Is(err, tape.ErrEndOfData):
			b.eod, b.err = true, io.EOF
		case errors.Is(err, tape.ErrBlockTooLong):
			b.err = fmt.Errorf("%w: a block is larger than the %d-byte read buffer (raise ReaderOptions.MaxBlockSize): %w", ErrWrongFormat, len(b.buf), err)
		default:
			b.err = err
		}
	}
	k := copy(p, b.buf[b.r:b.w])
	b.r += k
	return k, nil
}

// drain reads to the end of the tape file, reporting whether anything but
// zeros (tar padding) was left.
func (b *blockReader) drain() (extra bool, err error) {
	var tmp [32 << 10]byte
	for {
		n, err := b.Read(tmp[:])
		for _, c := range tmp[:n] {
			if c != 0 {
				extra = true
				break
			}
		}
		if err == io.EOF {
			return extra, nil
		}
		if err != nil {
			return extra, err
		}
	}
}
