package format_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tapekit/tapekit/tape"
	"github.com/tapekit/tapekit/tape/format"
)

// cutReader gives n bytes of data, then runs cut (the power fails) and
// reports an error, as a process that died mid-file would leave it.
type cutReader struct {
	data []byte
	n    int
	cut  func()
}

func (r *cutReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		r.cut()
		return 0, errors.New("power lost")
	}
	k := copy(p, r.data[:min(len(p), r.n)])
	r.data, r.n = r.data[k:], r.n-k
	return k, nil
}

func scanAll(t *testing.T, d tape.Drive) []format.Record {
	t.Helper()
	var recs []format.Record
	for rec, err := range format.Scan(context.Background(), d, 1, nil) {
		if err != nil {
			t.Fatalf("scan: %v", err)
		}
		recs = append(recs, rec)
	}
	return recs
}

// TestPowerLoss cuts the power in the middle of an archive run: files
// 1-3 were synchronised, 4 and 5 written but not, and 6 is half written.
// Whether the drive had flushed its buffer before the cut (as a real
// drive does when its buffer fills) or not, the scan recovers every file
// the writer reported written, finds no file it did not, and reports a
// half-written file as truncated.
func TestPowerLoss(t *testing.T) {
	for _, flushed := range []bool{false, true} {
		t.Run(fmt.Sprintf("flushed=%v", flushed), func(t *testing.T) {
			ctx := context.Background()
			m := labelled(t, nil)
			var reported []format.Record
			w, err := format.NewWriter(m.drive, &format.WriterOptions{BlockSize: 32 << 10, SyncEveryFiles: 3,
				OnCommit: func(recs []format.Record) { reported = append(reported, recs...) }})
			if err != nil {
				t.Fatal(err)
			}
			data := map[int64][]byte{}
			for i := range 5 {
				b := content(uint64(i), 50<<10+i)
				rec, err := w.WriteFile(ctx, format.Meta{FileID: fmt.Sprint(i + 1), Path: fmt.Sprintf("/f%d", i+1), Size: int64(len(b))}, bytes.NewReader(b))
				if err != nil {
					t.Fatal(err)
				}
				data[rec.FSeq] = b
			}
			if len(w.Pending()) != 2 {
				t.Fatalf("pending files: %d, want 2", len(w.Pending()))
			}
			// Cut after blocks have been handed to the drive, and once the
			// drive has written them, so part of file 6 is on tape. The
			// batches of a file grow from one block to BatchBytes, so when
			// the input has given one and a half BatchBytes, at least half
			// of BatchBytes has been handed over.
			batch := int64(format.BatchBytes / (32 << 10) / 2)
			start, err := m.drive.Position(ctx)
			if err != nil {
				t.Fatal(err)
			}
			big := content(9, 3*format.BatchBytes)
			cut := &cutReader{data: big, n: 3 * format.BatchBytes / 2, cut: func() {
				for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
					p, err := m.drive.Position(ctx)
					if err == nil && p.Block >= start.Block+batch {
						break
					}
					if time.Now().After(deadline) {
						t.Error("the first batch of file 6 never reached the drive")
						break
					}
				}
				if flushed {
					// The drive's buffer reaches the medium (space 0
					// flushes), then the power goes.
					if err := m.drive.Space(ctx, tape.SpaceBlocks, 0); err != nil {
						t.Error(err)
					}
				}
				if err := m.lib.PowerLoss(); err != nil {
					t.Error(err)
				}
			}}
			if _, err := w.WriteFile(ctx, format.Meta{FileID: "6", Path: "/f6", Size: int64(len(big))}, cut); err == nil {
				t.Fatal("WriteFile succeeded through a power loss")
			}
			if len(reported) != 3 {
				t.Fatalf("reported written: %d files, want 3 (the policy synced after file 3)", len(reported))
			}

			// Reload after power comes back and rebuild the catalog.
			if err := m.drive.Load(ctx); err != nil {
				t.Fatal(err)
			}
			recs := scanAll(t, m.drive)
			var got []string
			for _, r := range recs {
				got = append(got, fmt.Sprintf("%d %s %s", r.FSeq, r.Path, r.Status))
			}
			want := []string{"1 /f1 ok", "2 /f2 ok", "3 /f3 ok"}
			if flushed {
				want = append(want, "4 /f4 ok", "5 /f5 ok", "6 /f6 truncated")
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("scan after power loss (-want +got):\n%s", diff)
			}
			for _, r := range reported {
				b, rec, err := readAll(t, m.drive, r.FSeq, nil)
				if err != nil {
					t.Fatalf("reported file %d: %v", r.FSeq, err)
				}
				if !bytes.Equal(b, data[r.FSeq]) {
					t.Errorf("file %d differs", r.FSeq)
				}
				if diff := cmp.Diff(r, rec, cmpRecord); diff != "" {
					t.Errorf("file %d record (-written +read):\n%s", r.FSeq, diff)
				}
			}
			if flushed {
				last := recs[len(recs)-1]
				if !errors.Is(last.Err, format.ErrTruncated) {
					t.Errorf("truncated file: err %v, want ErrTruncated", last.Err)
				}
				// Reading it fails the same way.
				if _, _, err := readAll(t, m.drive, 6, nil); !errors.Is(err, format.ErrTruncated) {
					t.Errorf("reading the truncated file: %v", err)
				}
			}

			// A new writer closes the cut-short file and appends after it.
			w2, err := format.NewWriter(m.drive, nil)
			if err != nil {
				t.Fatal(err)
			}
			rec, err := w2.WriteFile(ctx, format.Meta{FileID: "7", Path: "/f7", Size: 3}, bytes.NewReader([]byte("abc")))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w2.Close(ctx); err != nil {
				t.Fatal(err)
			}
			wantFSeq := int64(4)
			if flushed {
				wantFSeq = 7
			}
			if rec.FSeq != wantFSeq {
				t.Errorf("next file after recovery: fseq %d, want %d", rec.FSeq, wantFSeq)
			}
			b, _, err := readAll(t, m.drive, rec.FSeq, nil)
			if err != nil || string(b) != "abc" {
				t.Errorf("file appended after recovery: %q, %v", b, err)
			}
			// The scan still sees the cut-short file, now closed, and goes
			// on past it.
			got = got[:0]
			for _, r := range scanAll(t, m.drive) {
				got = append(got, fmt.Sprintf("%d %s %s", r.FSeq, r.Path, r.Status))
			}
			want = append(want, fmt.Sprintf("%d /f7 ok", wantFSeq))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("scan after recovery (-want +got):\n%s", diff)
			}
		})
	}
}
