package format_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapekit/tapekit/checksum"
	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/tape"
	"github.com/tapekit/tapekit/tape/format"
)

// archive writes n files of the given sizes and returns their committed
// records and data.
func archive(t *testing.T, d tape.Drive, opts *format.WriterOptions, sizes ...int) ([]format.Record, [][]byte) {
	t.Helper()
	ctx := context.Background()
	w, err := format.NewWriter(d, opts)
	if err != nil {
		t.Fatal(err)
	}
	var data [][]byte
	for i, n := range sizes {
		b := content(uint64(100+i), n)
		data = append(data, b)
		if _, err := w.WriteFile(ctx, format.Meta{FileID: fmt.Sprint(i + 1), Path: fmt.Sprintf("/d/f%d", i+1), Size: int64(n), Copy: 2, StorageClass: "raw"}, bytes.NewReader(b)); err != nil {
			t.Fatal(err)
		}
	}
	recs, err := w.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return recs, data
}

// TestDamagedBlock: a media error inside file 3 fails reading file 3 with
// an error carrying the tape position, and the scan reports file 3 damaged
// and goes on with files 4 and 5.
func TestDamagedBlock(t *testing.T) {
	m := labelled(t, nil)
	recs, data := archive(t, m.drive, &format.WriterOptions{BlockSize: 32 << 10}, 100<<10, 100<<10, 100<<10, 100<<10, 100<<10)
	bad := recs[2].Block + 2
	if err := m.lib.InjectMediaError(barcode, bad, bad+1, simulator.FaultRead); err != nil {
		t.Fatal(err)
	}

	_, _, err := readAll(t, m.drive, 3, nil)
	var fe *format.FileError
	var te *tape.Error
	switch {
	case !errors.Is(err, tape.ErrMediumError):
		t.Fatalf("reading file 3: %v, want a medium error", err)
	case !errors.As(err, &fe) || fe.FSeq != 3 || !fe.PosValid || fe.Pos.Block != bad:
		t.Errorf("reading file 3: %#v, want a *FileError for fseq 3 at block %d", fe, bad)
	case !errors.As(err, &te) || te.Pos.Block != bad:
		t.Errorf("reading file 3: the drive's *tape.Error is %v, want block %d", te, bad)
	}

	var got []string
	for _, r := range scanAll(t, m.drive) {
		got = append(got, fmt.Sprintf("%d %s", r.FSeq, r.Status))
		if r.Status == format.StatusDamaged && !errors.As(r.Err, &fe) {
			t.Errorf("damaged record's Err %v is not a *FileError", r.Err)
		}
	}
	if diff := cmp.Diff([]string{"1 ok", "2 ok", "3 damaged", "4 ok", "5 ok"}, got); diff != "" {
		t.Errorf("scan (-want +got):\n%s", diff)
	}
	b, _, err := readAll(t, m.drive, 4, nil)
	if err != nil || !bytes.Equal(b, data[3]) {
		t.Errorf("file 4 after the damaged one: %v", err)
	}
}

// TestChecksumMismatch: a file whose data does not match the checksum the
// catalog holds fails at the end with a *checksum.MismatchError.
func TestChecksumMismatch(t *testing.T) {
	m := labelled(t, nil)
	recs, _ := archive(t, m.drive, nil, 1000)
	sum, _ := recs[0].Checksum("adler32")
	wrong := sum
	wrong.Bytes = []byte{0, 0, 0, 1}
	_, _, err := readAll(t, m.drive, 1, &format.ReaderOptions{Expected: []checksum.Value{wrong}})
	var me *checksum.MismatchError
	if !errors.As(err, &me) || !bytes.Equal(me.Actual, sum.Bytes) {
		t.Fatalf("read with a wrong expected checksum: %v", err)
	}
	var fe *format.FileError
	if !errors.As(err, &fe) || fe.FSeq != 1 {
		t.Errorf("mismatch not wrapped with the file: %v", err)
	}
}

// TestOpenAt reads a file by the block id a catalog keeps, and refuses a
// block that holds another file.
func TestOpenAt(t *testing.T) {
	ctx := context.Background()
	m := labelled(t, nil)
	recs, data := archive(t, m.drive, &format.WriterOptions{BlockSize: 8 << 10}, 30_000, 5, 20_000)
	for i, r := range recs {
		f, err := format.OpenAt(ctx, m.drive, r.Block, r.FSeq, nil)
		if err != nil {
			t.Fatalf("OpenAt block %d: %v", r.Block, err)
		}
		var b bytes.Buffer
		if _, err := b.ReadFrom(f); err != nil || !bytes.Equal(b.Bytes(), data[i]) {
			t.Errorf("OpenAt block %d: %v", r.Block, err)
		}
	}
	if _, err := format.OpenAt(ctx, m.drive, recs[2].Block, 2, nil); !errors.Is(err, format.ErrBadMetadata) {
		t.Errorf("OpenAt with the wrong fseq: %v", err)
	}
	if _, err := format.OpenAt(ctx, m.drive, recs[0].Block+1, 1, nil); err == nil {
		t.Error("OpenAt in the middle of a file succeeded")
	}
}
