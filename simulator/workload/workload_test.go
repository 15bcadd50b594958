package workload_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/sqlite"
	"github.com/tapekit/tapekit/checksum"
	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/simulator/workload"
	"github.com/tapekit/tapekit/tape"
	"github.com/tapekit/tapekit/tape/format"
)

func config() *simulator.Config {
	cfg := &simulator.Config{Slots: 4, Drives: []simulator.DriveConfig{{Product: simulator.LTO9Drive.Product}}}
	for i := 1; i <= 4; i++ {
		cfg.Cartridges = append(cfg.Cartridges, simulator.CartridgeConfig{Barcode: fmt.Sprintf("WK%04dL9", i), Slot: i})
	}
	return cfg
}

func newLibrary(t *testing.T) *simulator.Library {
	t.Helper()
	l, err := simulator.New(config(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// smallFiles are files whose sizes hit the edges: empty, inside the first
// block, across the 4 KiB period, a multiple of 512 and of the block size.
func smallFiles(prefix string) []workload.File {
	var fs []workload.File
	for i, size := range []int64{0, 1, 511, 512, 4095, 4097, 3 * 8192, 20000, 100003} {
		fs = append(fs, workload.File{
			Meta: format.Meta{Path: fmt.Sprintf("/%s/f%d", prefix, i), Size: size},
			Seed: uint64(1000*len(prefix) + i),
		})
	}
	return fs
}

var opts = &workload.Options{BlockSize: 8192, Checksums: []string{"adler32", "crc32c"}}

func openCatalog(t *testing.T) catalog.Catalog {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "catalog.db"), &sqlite.Options{Synchronous: sqlite.SyncNormal})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.PutPool(ctx, catalog.Pool{Name: "p"}); err != nil {
		t.Fatal(err)
	}
	if err := db.PutStorageClass(ctx, catalog.StorageClass{Name: "c", Pools: []string{"p"}}); err != nil {
		t.Fatal(err)
	}
	return db
}

func mount(t *testing.T, l *simulator.Library, slot int) *simulator.Drive {
	t.Helper()
	if err := l.Changer().Move(context.Background(), l.SlotAddress(slot), l.DriveAddress(0)); err != nil {
		t.Fatal(err)
	}
	d, _ := l.Drive(0)
	return d
}

func contentOf(f workload.File) []byte {
	b := make([]byte, f.Size)
	f.Data().ReadAt(b, 0)
	return b
}

// TestBuildRoundTrip builds two volumes with a catalog, then recalls every
// file as an HSM would: the catalog gives volume, file sequence, block id
// and checksums; format.OpenAt reads the file through the simulated drive
// and verifies it against the tape's checksums and the catalog's.
func TestBuildRoundTrip(t *testing.T) {
	ctx := context.Background()
	l := newLibrary(t)
	cat := openCatalog(t)
	vols := []workload.Volume{{Barcode: "WK0001L9", Files: smallFiles("a")}, {Barcode: "WK0002L9", Files: smallFiles("bb")}}
	recs, err := workload.Build(ctx, l, cat, vols, workload.CatalogOptions{Pool: "p", StorageClass: "c", Library: "sim", Batch: 4}, opts)
	if err != nil {
		t.Fatal(err)
	}
	for vi, v := range vols {
		d := mount(t, l, vi+1)
		for i, f := range v.Files {
			rec := recs[vi][i]
			id, err := strconv.ParseInt(rec.FileID, 10, 64)
			if err != nil {
				t.Fatalf("record %+v: file id: %v", rec, err)
			}
			cf, err := cat.File(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			copies, err := cat.Copies(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if len(copies) != 1 || cf.Path != f.Path || cf.Size != f.Size {
				t.Fatalf("catalog has %+v with copies %+v for %s", cf, copies, f.Path)
			}
			c := copies[0]
			if c.Volume != v.Barcode || c.FileSeq != int64(i+1) || c.BlockID != rec.Block || c.Format != workload.CopyFormat {
				t.Fatalf("copy of %s: %+v, record %+v", f.Path, c, rec)
			}
			var expected []checksum.Value
			for alg, hex := range cf.Checksums {
				v, err := checksum.ParseHex(alg, hex)
				if err != nil {
					t.Fatal(err)
				}
				expected = append(expected, v)
			}
			if len(expected) != 2 {
				t.Fatalf("catalog checksums of %s: %v", f.Path, cf.Checksums)
			}
			r, err := format.OpenAt(ctx, d, c.BlockID, c.FileSeq, &format.ReaderOptions{Expected: expected})
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(r)
			if err != nil {
				t.Fatalf("reading %s: %v", f.Path, err)
			}
			if !bytes.Equal(got, contentOf(f)) {
				t.Fatalf("%s: read %d bytes, not its content", f.Path, len(got))
			}
			if diff := cmp.Diff(rec, r.Record(), cmpopts.IgnoreFields(format.Record{}, "Err"), cmp.Comparer(checksum.Value.Equal)); diff != "" {
				t.Errorf("%s: Build's record (-) and the reader's (+):\n%s", f.Path, diff)
			}
		}
		if err := l.Changer().Move(ctx, l.DriveAddress(0), l.SlotAddress(vi+1)); err != nil {
			t.Fatal(err)
		}
		vol, err := cat.Volume(ctx, v.Barcode)
		if err != nil {
			t.Fatal(err)
		}
		if vol.LastFileSeq != int64(len(v.Files)) || vol.State != catalog.StateActive || vol.Pool != "p" || vol.Library != "sim" || vol.BytesUsed <= 0 {
			t.Errorf("volume %+v", vol)
		}
	}
}

// TestFillScan: a scan of a laid-out tape, which reads every byte and
// verifies every checksum, reports every file ok with Fill's records.
func TestFillScan(t *testing.T) {
	ctx := context.Background()
	l := newLibrary(t)
	files := smallFiles("scan")
	for i := range files {
		files[i].FileID = strconv.Itoa(100 + i)
		files[i].StorageClass = "c"
		files[i].Copy = 2
	}
	want, err := workload.Fill(l, "WK0003L9", files, opts)
	if err != nil {
		t.Fatal(err)
	}
	d := mount(t, l, 3)
	var got []format.Record
	for rec, err := range format.Scan(ctx, d, 1, nil) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, rec)
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(checksum.Value.Equal)); diff != "" {
		t.Errorf("Fill's records (-) and the scan's (+):\n%s", diff)
	}
	label, err := format.ReadLabel(ctx, d)
	if err != nil || label.Barcode != "WK0003L9" || label.Format != format.FormatPAX {
		t.Errorf("label %+v, %v", label, err)
	}
}

// TestFillMatchesWriter: the tape files Fill lays out are, block by
// block, those a format.Writer writes from the same content.
func TestFillMatchesWriter(t *testing.T) {
	ctx := context.Background()
	l := newLibrary(t)
	files := smallFiles("w")
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	o := &workload.Options{BlockSize: 8192, Checksums: []string{"crc32c", "adler32"}, Now: now}
	laid, err := workload.Fill(l, "WK0001L9", files, o)
	if err != nil {
		t.Fatal(err)
	}
	d := mount(t, l, 2)
	if _, err := format.Label(ctx, d, "WK0002L9", &format.LabelOptions{Now: func() time.Time { return now }}); err != nil {
		t.Fatal(err)
	}
	w, err := format.NewWriter(d, &format.WriterOptions{BlockSize: o.BlockSize, Checksums: o.Checksums, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	var written []format.Record
	for _, f := range files {
		f := f
		// The barcode differs; so must the tapes' volume records. Lay out
		// on WK0001L9, write on WK0002L9, and compare the blocks with the
		// barcode swapped.
		rec, err := w.WriteFile(ctx, f.Meta, bytes.NewReader(contentOf(f)))
		if err != nil {
			t.Fatal(err)
		}
		written = append(written, rec)
	}
	if _, err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	writtenBlocks := tapeFiles(t, d, written)
	if err := l.Changer().Move(ctx, l.DriveAddress(0), l.SlotAddress(2)); err != nil {
		t.Fatal(err)
	}
	d = mount(t, l, 1)
	laidBlocks := tapeFiles(t, d, laid)
	for i := range files {
		want := bytes.ReplaceAll(bytes.Join(writtenBlocks[i], []byte("|")), []byte("WK0002L9"), []byte("WK0001L9"))
		if got := bytes.Join(laidBlocks[i], []byte("|")); !bytes.Equal(got, want) {
			t.Errorf("file %d: Fill laid out %d blocks, the Writer wrote %d, or their bytes differ", i+1, len(laidBlocks[i]), len(writtenBlocks[i]))
		}
		if laid[i].Block != written[i].Block || laid[i].Blocks != written[i].Blocks {
			t.Errorf("file %d: Fill's record %+v, the Writer's %+v", i+1, laid[i], written[i])
		}
	}
}

// tapeFiles reads the blocks of each record's tape file.
func tapeFiles(t *testing.T, d *simulator.Drive, recs []format.Record) [][][]byte {
	ctx := context.Background()
	var out [][][]byte
	buf := make([]byte, 1<<20)
	for _, r := range recs {
		if err := d.Locate(ctx, tape.Position{Block: r.Block}); err != nil {
			t.Fatal(err)
		}
		var blocks [][]byte
		for {
			n, err := d.Read(ctx, buf)
			if errors.Is(err, tape.ErrFilemark) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			blocks = append(blocks, bytes.Clone(buf[:n]))
		}
		out = append(out, blocks)
	}
	return out
}

// TestWrongChecksumDetected: a reader expecting other checksums than the
// data's fails with a mismatch, and Fill refuses a header claiming
// checksums the content does not have.
func TestWrongChecksumDetected(t *testing.T) {
	ctx := context.Background()
	l := newLibrary(t)
	files := smallFiles("bad")
	recs, err := workload.Fill(l, "WK0001L9", files, opts)
	if err != nil {
		t.Fatal(err)
	}
	d := mount(t, l, 1)
	rec := recs[len(recs)-1]
	good, _ := rec.Checksum("adler32")
	bad := checksum.Value{Algorithm: "adler32", Bytes: bytes.Clone(good.Bytes)}
	bad.Bytes[3] ^= 1
	for _, tc := range []struct {
		expected checksum.Value
		want     error
	}{{good, io.EOF}, {bad, checksum.ErrMismatch}} {
		r, err := format.OpenAt(ctx, d, rec.Block, rec.FSeq, &format.ReaderOptions{Expected: []checksum.Value{tc.expected}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.Copy(io.Discard, r)
		if err == nil {
			err = io.EOF // io.Copy turns the verified end into nil
		}
		if !errors.Is(err, tc.want) {
			t.Errorf("expecting %v: %v, want %v", tc.expected, err, tc.want)
		}
	}
	if err := l.Changer().Move(ctx, l.DriveAddress(0), l.SlotAddress(1)); err != nil {
		t.Fatal(err)
	}
	f := smallFiles("claim")[3]
	f.Checksums = []checksum.Value{bad}
	var mm *checksum.MismatchError
	if _, err := workload.Fill(l, "WK0002L9", []workload.File{f}, opts); !errors.As(err, &mm) {
		t.Errorf("Fill with a wrong header checksum: %v, want a *checksum.MismatchError", err)
	}
	if _, err := workload.Fill(l, "WK0001L9", files, opts); !errors.Is(err, workload.ErrNotBlank) {
		t.Errorf("Fill of a cartridge that holds data: %v, want ErrNotBlank", err)
	}
	if _, err := workload.Fill(l, "WK0004L9", files, &workload.Options{Checksums: []string{"sha256"}}); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Fill with sha256: %v, want ErrUnsupported", err)
	}
}

// TestBuildDirectoryLibrary: a directory library keeps laid-out volumes
// across Close and Open, storing only their headers.
func TestBuildDirectoryLibrary(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	l, err := simulator.Open(dir, config(), nil)
	if err != nil {
		t.Fatal(err)
	}
	cat := openCatalog(t)
	// A 50 GiB file first, read through the fast path; the others byte by
	// byte.
	files := append([]workload.File{{Meta: format.Meta{Path: "/dir/big", Size: 50 << 30}, Seed: 9}}, smallFiles("dir")...)
	recs, err := workload.Build(ctx, l, cat, []workload.Volume{{Barcode: "WK0004L9", Files: files}}, workload.CatalogOptions{Pool: "p", StorageClass: "c"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if l, err = simulator.Open(dir, nil, nil); err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	d := mount(t, l, 4)
	n := 1
	for rec, err := range format.Scan(ctx, d, 2, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if rec.Status != format.StatusOK || rec.Block != recs[0][n].Block {
			t.Errorf("after reopening, file %d: %+v", n+1, rec)
		}
		n++
	}
	if n != len(files) {
		t.Errorf("the scan found %d files, want %d", n-1, len(files)-1)
	}
	big := recs[0][0]
	if err := d.Locate(ctx, tape.Position{Block: big.Block}); err != nil {
		t.Fatal(err)
	}
	run, err := d.ReadBlocks(ctx, 1<<40)
	if err != nil || run.Blocks != big.Blocks {
		t.Errorf("ReadBlocks of the big file = %+v, %v; want %d blocks", run, err, big.Blocks)
	}
}
