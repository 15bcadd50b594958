package checksum_test

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
	"github.com/tapekit/tapekit/checksum"
)

func payload() []byte {
	p := make([]byte, 300_000)
	for i := range p {
		p[i] = byte(i ^ i>>8)
	}
	return p
}

func TestReaderAndWriterHashWhatPasses(t *testing.T) {
	p := payload()
	algs := []string{"adler32", "crc32c", "md5"}
	want := make([]checksum.Value, len(algs))
	for i, a := range algs {
		want[i] = sumOf(t, a, p)
	}

	rs, _ := checksum.NewSet(algs, nil)
	defer rs.Close()
	var got bytes.Buffer
	if _, err := io.Copy(&got, iotest.HalfReader(checksum.NewReader(bytes.NewReader(p), rs))); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), p) {
		t.Fatal("Reader changed the data")
	}
	if diff := cmp.Diff(want, rs.Sum()); diff != "" {
		t.Errorf("Reader sums (-want +got):\n%s", diff)
	}

	ws, _ := checksum.NewSet(algs, &checksum.SetOptions{MinParallel: 1})
	defer ws.Close()
	got.Reset()
	if _, err := io.Copy(checksum.NewWriter(&got, ws), bytes.NewReader(p)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, ws.Sum()); diff != "" {
		t.Errorf("Writer sums (-want +got):\n%s", diff)
	}
}

// shortWriter accepts at most limit bytes in all, like a tape at end of
// medium.
type shortWriter struct {
	limit int
	got   []byte
}

func (w *shortWriter) Write(p []byte) (int, error) {
	n := min(len(p), w.limit-len(w.got))
	w.got = append(w.got, p[:n]...)
	if n < len(p) {
		return n, io.ErrShortWrite
	}
	return n, nil
}

func TestWriterHashesOnlyWhatWasWritten(t *testing.T) {
	s, _ := checksum.NewSet([]string{"adler32"}, nil)
	sw := &shortWriter{limit: 10}
	n, err := checksum.NewWriter(sw, s).Write([]byte("0123456789abcdef"))
	if n != 10 || !errors.Is(err, io.ErrShortWrite) {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if want := sumOf(t, "adler32", []byte("0123456789")); !s.Sum()[0].Equal(want) {
		t.Errorf("sum %v, want the sum of the 10 written bytes %v", s.Sum()[0], want)
	}
}

func TestVerifyingReader(t *testing.T) {
	p := payload()
	good := []checksum.Value{sumOf(t, "adler32", p), sumOf(t, "md5", p)}

	// Good data: all bytes, then io.EOF; also when EOF comes with the last data.
	for _, wrap := range []func(io.Reader) io.Reader{
		func(r io.Reader) io.Reader { return r },
		iotest.DataErrReader,
		iotest.OneByteReader,
	} {
		v, err := checksum.NewVerifyingReader(wrap(bytes.NewReader(p)), good...)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(v)
		if err != nil || !bytes.Equal(got, p) {
			t.Fatalf("good data: %d bytes, %v", len(got), err)
		}
		if _, err := v.Read(make([]byte, 1)); err != io.EOF {
			t.Errorf("read after end: %v, want io.EOF", err)
		}
	}

	// One flipped bit. The adler32 expectation was taken from the corrupted
	// data, so only md5 disagrees, and the error must say so.
	bad := append([]byte(nil), p...)
	bad[123456] ^= 0x10
	v, err := checksum.NewVerifyingReader(bytes.NewReader(bad), sumOf(t, "adler32", bad), good[1])
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(v)
	var me *checksum.MismatchError
	if !errors.As(err, &me) || !errors.Is(err, checksum.ErrMismatch) {
		t.Fatalf("corrupted data: error %v, want *MismatchError", err)
	}
	want := &checksum.MismatchError{Algorithm: "md5", Expected: good[1].Bytes, Actual: sumOf(t, "md5", bad).Bytes}
	if diff := cmp.Diff(want, me); diff != "" {
		t.Errorf("MismatchError (-want +got):\n%s", diff)
	}
	if _, err := v.Read(make([]byte, 1)); !errors.Is(err, checksum.ErrMismatch) {
		t.Errorf("read after mismatch: %v, want the mismatch again", err)
	}

	// An error of the underlying reader passes through, not a verdict.
	boom := errors.New("medium error")
	v, _ = checksum.NewVerifyingReader(iotest.ErrReader(boom), good...)
	if _, err := io.ReadAll(v); !errors.Is(err, boom) {
		t.Errorf("reader error: %v, want %v", err, boom)
	}

	if _, err := checksum.NewVerifyingReader(bytes.NewReader(p)); !errors.Is(err, checksum.ErrBadValue) {
		t.Errorf("no expectations: %v", err)
	}
	if _, err := checksum.NewVerifyingReader(bytes.NewReader(p), checksum.Value{Algorithm: "md5", Bytes: []byte{1}}); !errors.Is(err, checksum.ErrBadValue) {
		t.Errorf("short md5: %v", err)
	}
}
