package format_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/tapekit/tapekit/checksum"
	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/tape/format"
)

// TestWriterInputFailures: an input that fails, is too short or too long,
// or does not match its expected checksum leaves nothing on tape; the next
// file takes its place.
func TestWriterInputFailures(t *testing.T) {
	ctx := context.Background()
	m := labelled(t, nil)
	w, err := format.NewWriter(m.drive, &format.WriterOptions{BlockSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	good := content(1, 10000)
	sum := checksum.NewAdler32()
	sum.Write(good)
	adler := checksum.Value{Algorithm: "adler32", Bytes: sum.Sum(nil)}
	wrong := checksum.Value{Algorithm: "adler32", Bytes: []byte{1, 2, 3, 4}}

	cases := []struct {
		name string
		meta format.Meta
		r    io.Reader
		want error
	}{
		{"short", format.Meta{Path: "/short", Size: 20000}, bytes.NewReader(good), format.ErrSizeMismatch},
		{"long", format.Meta{Path: "/long", Size: 5000}, bytes.NewReader(good), format.ErrSizeMismatch},
		{"failing", format.Meta{Path: "/failing", Size: 10000}, io.MultiReader(bytes.NewReader(good[:9000]), iotestErr{}), format.ErrInput},
		{"mismatch", format.Meta{Path: "/mismatch", Size: 10000, Checksums: []checksum.Value{wrong}}, bytes.NewReader(good), checksum.ErrMismatch},
		{"tiny short", format.Meta{Path: "/tiny", Size: 10}, bytes.NewReader(good[:3]), format.ErrSizeMismatch},
	}
	for _, c := range cases {
		rec, err := w.WriteFile(ctx, c.meta, c.r)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: err %v, want %v", c.name, err, c.want)
		}
		if rec.FSeq != 0 {
			t.Errorf("%s: a failed file got a record: %+v", c.name, rec)
		}
		// The writer goes on: a good file lands where the failed one was.
		rec, err = w.WriteFile(ctx, format.Meta{Path: "/good-after-" + c.name, Size: int64(len(good)), Checksums: []checksum.Value{adler}}, bytes.NewReader(good))
		if err != nil {
			t.Fatalf("%s: good file after it: %v", c.name, err)
		}
	}
	if _, err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range scanAll(t, m.drive) {
		got = append(got, fmt.Sprintf("%d %s %s", r.FSeq, r.Path, r.Status))
	}
	want := []string{"1 /good-after-short ok", "2 /good-after-long ok", "3 /good-after-failing ok", "4 /good-after-mismatch ok", "5 /good-after-tiny short ok"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tape after input failures (-want +got):\n%s", diff)
	}
}

type iotestErr struct{}

func (iotestErr) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

// tinyLTO9 is an LTO-9 cartridge of 2 MB with early warning 400 kB before
// its end.
func tinyConfig() *simulator.Config {
	m := *simulator.LTO9
	m.Name, m.Suffix, m.Capacity, m.EarlyWarning = "LTO-9-tiny", "T9", 2_000_000, 400_000
	cfg := simulator.DefaultConfig()
	cfg.Media = []*simulator.MediaType{&m}
	cfg.Cartridges[0] = simulator.CartridgeConfig{Barcode: barcode, Media: m.Name, Slot: 1}
	return cfg
}

// TestEarlyWarning: the writer finishes the file that crossed the early
// warning point, synchronises and reports the volume full; every file
// reported is on tape.
func TestEarlyWarning(t *testing.T) {
	ctx := context.Background()
	m := labelled(t, tinyConfig())
	var committed []format.Record
	w, err := format.NewWriter(m.drive, &format.WriterOptions{BlockSize: 16 << 10, OnCommit: func(r []format.Record) { committed = append(committed, r...) }})
	if err != nil {
		t.Fatal(err)
	}
	var full error
	var last format.Record
	for i := range 100 {
		b := content(uint64(i), 150_000)
		rec, err := w.WriteFile(ctx, format.Meta{Path: fmt.Sprintf("/f%d", i+1), Size: int64(len(b))}, bytes.NewReader(b))
		if err != nil {
			full, last = err, rec
			break
		}
	}
	if !errors.Is(full, format.ErrVolumeFull) {
		t.Fatalf("writing until full: %v, want ErrVolumeFull", full)
	}
	if last.FSeq == 0 || last.Status != format.StatusOK {
		t.Errorf("the file that crossed early warning: %+v, want it finished and committed", last)
	}
	if _, err := w.WriteFile(ctx, format.Meta{Path: "/more", Size: 1}, bytes.NewReader([]byte("x"))); !errors.Is(err, format.ErrVolumeFull) {
		t.Errorf("writing after full: %v", err)
	}
	if len(w.Pending()) != 0 {
		t.Errorf("pending after full: %d", len(w.Pending()))
	}
	if _, err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	// Power loss now takes nothing reported.
	if err := m.lib.PowerLoss(); err != nil {
		t.Fatal(err)
	}
	if err := m.drive.Load(ctx); err != nil {
		t.Fatal(err)
	}
	recs := scanAll(t, m.drive)
	if len(recs) != len(committed) || len(recs) == 0 {
		t.Fatalf("scan found %d files, %d were committed", len(recs), len(committed))
	}
	for i, r := range recs {
		if r.Status != format.StatusOK || r.FSeq != committed[i].FSeq {
			t.Errorf("file %d: %s %v", r.FSeq, r.Status, r.Err)
		}
	}
}

// TestWriterRefusesForeignTapes: no label, a mismatching label.
func TestWriterRefusesForeignTapes(t *testing.T) {
	ctx := context.Background()
	m := mount(t, nil)
	w, _ := format.NewWriter(m.drive, nil)
	if _, err := w.WriteFile(ctx, format.Meta{Path: "/x", Size: 0}, bytes.NewReader(nil)); !errors.Is(err, format.ErrNoLabel) {
		t.Errorf("unlabelled tape: %v, want ErrNoLabel", err)
	}
	if _, err := format.Label(ctx, m.drive, barcode, nil); err != nil {
		t.Fatal(err)
	}
	w, _ = format.NewWriter(m.drive, &format.WriterOptions{Barcode: "TK0002L9"})
	_, err := w.WriteFile(ctx, format.Meta{Path: "/x", Size: 0}, bytes.NewReader(nil))
	var lm *format.LabelMismatchError
	if !errors.As(err, &lm) || lm.Want != "TK0002L9" || lm.Label.Barcode != barcode {
		t.Errorf("wrong tape: %v, want a *LabelMismatchError", err)
	}
}

// TestRoundTripRapid: random files under random block sizes and sync
// policies read back identical and verified, and the scan agrees with the
// writer's records; a power loss at the end keeps exactly the committed
// files.
func TestRoundTripRapid(t *testing.T) {
	m := labelled(t, nil)
	rapid.Check(t, func(rt *rapid.T) {
		ctx := context.Background()
		fmtName := rapid.SampledFrom([]string{format.FormatPAX, format.FormatANSI}).Draw(rt, "format")
		if _, err := format.Label(ctx, m.drive, barcode, &format.LabelOptions{Force: true, Format: fmtName}); err != nil {
			rt.Fatal(err)
		}
		bs := 512 * rapid.IntRange(1, 64).Draw(rt, "blocks of 512")
		var committed []format.Record
		sums := rapid.SampledFrom([][]string{nil, {"adler32"}, {"crc32c", "sha256"}, {"md5", "adler32z"}}).Draw(rt, "checksums")
		if fmtName == format.FormatANSI {
			sums = nil // ANSI tapes hold no checksums; a scan computes the default
		}
		w, err := format.NewWriter(m.drive, &format.WriterOptions{
			Format:         fmtName,
			BlockSize:      bs,
			SyncEveryFiles: rapid.IntRange(-1, 5).Draw(rt, "sync every files"),
			SyncEveryBytes: int64(rapid.IntRange(-1, 100_000).Draw(rt, "sync every bytes")),
			Checksums:      sums,
			OnCommit:       func(r []format.Record) { committed = append(committed, r...) },
		})
		if err != nil {
			rt.Fatal(err)
		}
		n := rapid.IntRange(0, 8).Draw(rt, "files")
		data := map[int64][]byte{}
		for i := range n {
			size := rapid.SampledFrom([]int{0, 1, 511, 512, 513, bs - 1, bs, bs + 1, 3*bs + 100, 40_000}).Draw(rt, "size")
			b := content(uint64(i), size)
			rec, err := w.WriteFile(ctx, format.Meta{FileID: fmt.Sprint(i + 1), Path: fmt.Sprintf("/r/%d", i), Size: int64(size)}, bytes.NewReader(b))
			if err != nil {
				rt.Fatal(err)
			}
			data[rec.FSeq] = b
		}
		syncAtEnd := rapid.Bool().Draw(rt, "sync at end")
		if syncAtEnd {
			if _, err := w.Close(ctx); err != nil {
				rt.Fatal(err)
			}
		} else {
			if err := m.lib.PowerLoss(); err != nil {
				rt.Fatal(err)
			}
			if err := m.drive.Load(ctx); err != nil {
				rt.Fatal(err)
			}
		}
		if syncAtEnd && len(committed) != n {
			rt.Fatalf("committed %d of %d files after Close", len(committed), n)
		}
		var scanned []format.Record
		for rec, err := range format.Scan(ctx, m.drive, 1, nil) {
			if err != nil {
				rt.Fatal(err)
			}
			scanned = append(scanned, rec)
		}
		if fmtName == format.FormatANSI {
			for i := range committed {
				committed[i].Copy = 0 // the catalog's, not on an ANSI tape
			}
		}
		if diff := cmp.Diff(committed, scanned, cmpRecord); diff != "" {
			rt.Fatalf("scan vs committed (-committed +scan):\n%s", diff)
		}
		for _, r := range committed {
			open := format.Open
			if fmtName == format.FormatANSI {
				open = format.OpenANSI
			}
			f, err := open(ctx, m.drive, r.FSeq, &format.ReaderOptions{Expected: r.Checksums})
			if err != nil {
				rt.Fatalf("open file %d: %v", r.FSeq, err)
			}
			var b bytes.Buffer
			if _, err := b.ReadFrom(f); err != nil || !bytes.Equal(b.Bytes(), data[r.FSeq]) {
				rt.Fatalf("file %d: %v", r.FSeq, err)
			}
		}
	})
}
