package checksum

import (
	"errors"
	"fmt"
	"io"
)

var (
	_ io.Writer = (*Set)(nil)
	_ io.Reader = (*Reader)(nil)
	_ io.Writer = (*Writer)(nil)
	_ io.Reader = (*VerifyingReader)(nil)
)

// Reader passes reads through from an underlying reader and hashes every
// byte it returns into a Set, for checksumming on the way in (ingest into
// the cache, reads from tape).
type Reader struct {
	r   io.Reader
	set *Set
}

// NewReader returns a Reader hashing what it reads from r into set.
func NewReader(r io.Reader, set *Set) *Reader { return &Reader{r: r, set: set} }

// Read reads from the underlying reader and hashes the bytes read.
func (r *Reader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if n > 0 {
		if _, werr := r.set.Write(p[:n]); werr != nil {
			return n, werr
		}
	}
	return n, err
}

// Set returns the Set the reader hashes into.
func (r *Reader) Set() *Set { return r.set }

// Writer passes writes through to an underlying writer and hashes what the
// writer accepted, for checksumming on the way out (writes to tape,
// delivery to users).
type Writer struct {
	w   io.Writer
	set *Set
}

// NewWriter returns a Writer writing to w and hashing into set.
func NewWriter(w io.Writer, set *Set) *Writer { return &Writer{w: w, set: set} }

// Write writes p to the underlying writer, then hashes the part it took:
// the checksum always describes what was really written.
func (w *Writer) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	if n > 0 {
		if _, herr := w.set.Write(p[:n]); herr != nil && err == nil {
			err = herr
		}
	}
	return n, err
}

// Set returns the Set the writer hashes into.
func (w *Writer) Set() *Set { return w.set }

// VerifyingReader reads a stream and checks it against expected checksums.
// At the end of the stream, instead of io.EOF, it returns a *MismatchError
// if any checksum differs, so a corrupted recall is never taken for a good
// one. The bytes have been returned by then: a caller must treat any error
// other than io.EOF as "the data is bad" and discard what it delivered or
// staged (write to a temporary name, rename only after io.EOF).
type VerifyingReader struct {
	r        io.Reader
	set      *Set
	expected []Value
	err      error // sticky result once the underlying reader is done
}

// NewVerifyingReader returns a reader that checks r against every expected
// value. The values must name registered algorithms and have their length.
func NewVerifyingReader(r io.Reader, expected ...Value) (*VerifyingReader, error) {
	if len(expected) == 0 {
		return nil, fmt.Errorf("%w: no expected checksum to verify", ErrBadValue)
	}
	names := make([]string, 0, len(expected))
	exp := make([]Value, 0, len(expected))
	for _, v := range expected {
		c, _, err := v.check()
		if err != nil {
			return nil, err
		}
		names = append(names, c.Algorithm)
		exp = append(exp, c)
	}
	set, err := NewSet(names, nil)
	if err != nil {
		return nil, err
	}
	return &VerifyingReader{r: r, set: set, expected: exp}, nil
}

// Read reads from the underlying reader; see VerifyingReader for what it
// returns at the end.
func (v *VerifyingReader) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	n, err := v.r.Read(p)
	if n > 0 {
		if _, werr := v.set.Write(p[:n]); werr != nil {
			v.err = werr
			return n, werr
		}
	}
	if err == nil {
		return n, nil
	}
	if errors.Is(err, io.EOF) {
		err = v.verify()
	}
	v.err = err
	v.set.Close()
	return n, err
}

// verify compares the sums with the expectations: the first mismatch in the
// order given wins, or io.EOF when all agree.
func (v *VerifyingReader) verify() error {
	got := v.set.Sum()
	for _, want := range v.expected {
		for _, g := range got {
			if g.Algorithm == want.Algorithm && !g.Equal(want) {
				return &MismatchError{Algorithm: want.Algorithm, Expected: want.Bytes, Actual: g.Bytes}
			}
		}
	}
	return io.EOF
}

// Sum returns the checksums of what has been read so far.
func (v *VerifyingReader) Sum() []Value { return v.set.Sum() }

// Close releases the worker goroutines (done already at end of stream) and
// does not close the underlying reader.
func (v *VerifyingReader) Close() error { return v.set.Close() }
