package simulator_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/checksum"
	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/tape"
)

// TestSyntheticDataChecksums checks the closed-form checksums against
// hashing the bytes ReadAt gives, and ReadAt at any offset against the
// whole.
func TestSyntheticDataChecksums(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		data := simulator.SyntheticData{
			Seed: rapid.Uint64().Draw(t, "seed"),
			Size: rapid.Int64Range(0, 5*simulator.SyntheticPeriod+100).Draw(t, "size"),
		}
		whole := make([]byte, data.Size)
		if n, err := data.ReadAt(whole, 0); n != len(whole) || (err != nil && err != io.EOF) {
			t.Fatalf("ReadAt(whole) = %d, %v", n, err)
		}
		algs := []string{"adler32", "adler32z", "crc32", "crc32c"}
		got, err := data.Checksums(algs...)
		if err != nil {
			t.Fatal(err)
		}
		for i, alg := range algs {
			h, _ := checksum.New(alg)
			h.Write(whole)
			if want := (checksum.Value{Algorithm: alg, Bytes: h.Sum(nil)}); !got[i].Equal(want) {
				t.Fatalf("%s: Checksums = %v, hash of the bytes = %v", alg, got[i], want)
			}
		}
		off := rapid.Int64Range(0, data.Size).Draw(t, "off")
		p := make([]byte, rapid.IntRange(0, 3*simulator.SyntheticPeriod).Draw(t, "len"))
		n, err := data.ReadAt(p, off)
		if want := min(int64(len(p)), data.Size-off); int64(n) != want || (n < len(p) && err != io.EOF) {
			t.Fatalf("ReadAt(%d bytes at %d) = %d, %v; want %d bytes", len(p), off, n, err, want)
		}
		if !bytes.Equal(p[:n], whole[off:off+int64(n)]) {
			t.Fatalf("ReadAt(%d bytes at %d) differs from the whole", len(p), off)
		}
	})
	if _, err := (simulator.SyntheticData{Size: 1}).Checksums("sha256"); !errors.Is(err, checksum.ErrNotCombinable) {
		t.Errorf("Checksums(sha256) error = %v, want ErrNotCombinable", err)
	}
	a, _ := simulator.SyntheticData{Seed: 1, Size: 100}.Checksums("adler32")
	b, _ := simulator.SyntheticData{Seed: 2, Size: 100}.Checksums("adler32")
	if a[0].Equal(b[0]) {
		t.Errorf("seeds 1 and 2 give the same data: %v", a[0])
	}
}

// stream is what a tape file holds: its stream, as one byte slice.
func streamOf(f simulator.TapeFile) []byte {
	data := make([]byte, f.Data.Size)
	f.Data.ReadAt(data, 0)
	return bytes.Join([][]byte{f.Head, data, f.Tail}, nil)
}

// readTapeFile reads blocks up to the next filemark through Read, and
// returns their lengths and bytes.
func readTapeFile(ctx context.Context, d *simulator.Drive) ([]int, []byte, error) {
	buf := make([]byte, 1<<20)
	var lens []int
	var all []byte
	for {
		n, err := d.Read(ctx, buf)
		if errors.Is(err, tape.ErrFilemark) {
			return lens, all, nil
		}
		if err != nil {
			return lens, all, err
		}
		lens = append(lens, n)
		all = append(all, buf[:n]...)
	}
}

func drawTapeFiles(t *rapid.T) []simulator.TapeFile {
	files := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) simulator.TapeFile {
		return simulator.TapeFile{
			BlockSize: rapid.IntRange(1, 3*simulator.SyntheticPeriod).Draw(t, "block"),
			Head:      rapid.SliceOfN(rapid.Byte(), 0, 3000).Draw(t, "head"),
			Tail:      rapid.SliceOfN(rapid.Byte(), 0, 3000).Draw(t, "tail"),
			Data: simulator.SyntheticData{
				Seed: rapid.Uint64().Draw(t, "seed"),
				Size: rapid.Int64Range(0, 40000).Draw(t, "size"),
			},
		}
	}), 1, 4).Draw(t, "files")
	return files
}

// fataler is what the checks need of a *testing.T or a *rapid.T.
type fataler interface {
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

func move(t fataler, l *simulator.Library, from, to changer.Address) {
	if err := l.Changer().Move(context.Background(), from, to); err != nil {
		t.Fatal(err)
	}
}

// checkTapeFiles reads files, which start at blocks starts, on the
// cartridge in drive 0 through both the byte path and the fast path.
func checkTapeFiles(t fataler, l *simulator.Library, starts []int64, files []simulator.TapeFile) {
	ctx := context.Background()
	d, _ := l.Drive(0)
	if err := d.Locate(ctx, tape.Position{Block: starts[0]}); err != nil {
		t.Fatal(err)
	}
	for i, f := range files {
		pos, _ := d.Position(ctx)
		if pos.Block != starts[i] {
			t.Fatalf("tape file %d starts at block %d, AppendTapeFiles said %d", i, pos.Block, starts[i])
		}
		lens, got, err := readTapeFile(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		want := streamOf(f)
		if !bytes.Equal(got, want) {
			t.Fatalf("tape file %d: read %d bytes differing from its %d-byte stream", i, len(got), len(want))
		}
		var wantLens []int
		for n := len(want); n > 0; n -= f.BlockSize {
			wantLens = append(wantLens, min(n, f.BlockSize))
		}
		if diff := cmp.Diff(wantLens, lens); diff != "" {
			t.Fatalf("tape file %d: block lengths (-want +got):\n%s", i, diff)
		}
		// The fast path sees the same blocks.
		if err := d.Locate(ctx, tape.Position{Block: starts[i]}); err != nil {
			t.Fatal(err)
		}
		run, err := d.ReadBlocks(ctx, 1<<40)
		if len(wantLens) == 0 {
			if !errors.Is(err, tape.ErrFilemark) {
				t.Fatalf("tape file %d is empty, ReadBlocks = %+v, %v", i, run, err)
			}
			continue
		}
		if err != nil || run.Blocks != int64(len(wantLens)) || run.Bytes != int64(len(want)) {
			t.Fatalf("tape file %d: ReadBlocks = %+v, %v; want %d blocks, %d bytes", i, run, err, len(wantLens), len(want))
		}
		if _, err := d.ReadBlocks(ctx, 1); !errors.Is(err, tape.ErrFilemark) {
			t.Fatalf("tape file %d: no filemark after its blocks: %v", i, err)
		}
	}
}

// writeFiles writes n small files at the end of the data of the
// cartridge in drive 0.
func writeFiles(t fataler, d *simulator.Drive, n int) {
	ctx := context.Background()
	if err := d.Space(ctx, tape.SpaceEndOfData, 0); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := d.Write(ctx, []byte(fmt.Sprintf("written file %d", i))); err != nil {
			t.Fatal(err)
		}
		if err := d.WriteFilemarks(ctx, 1, true); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAppendTapeFiles lays out tape files after written ones, reads them
// back, and writes after them.
func TestAppendTapeFiles(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		l, err := simulator.New(testConfig(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		d, _ := l.Drive(0)
		before := rapid.IntRange(0, 2).Draw(t, "before")
		if before > 0 {
			move(t, l, l.SlotAddress(1), l.DriveAddress(0))
			writeFiles(t, d, before)
			move(t, l, l.DriveAddress(0), l.SlotAddress(1))
		}
		files := drawTapeFiles(t)
		starts, err := l.AppendTapeFiles("SCR001L9", files)
		if err != nil {
			t.Fatal(err)
		}
		if starts[0] != int64(2*before) {
			t.Fatalf("the first tape file starts at block %d, after %d written files", starts[0], before)
		}
		move(t, l, l.SlotAddress(1), l.DriveAddress(0))
		checkTapeFiles(t, l, starts, files)
		writeFiles(t, d, 1)
		checkTapeFiles(t, l, starts, files)
	})
}

// TestAppendTapeFilesPersist: a directory library keeps the tape files
// across a restart, storing only their heads and tails.
func TestAppendTapeFilesPersist(t *testing.T) {
	dir := t.TempDir()
	l, err := simulator.Open(dir, testConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	files := []simulator.TapeFile{
		{BlockSize: 512, Head: []byte("label")},
		{BlockSize: 1000, Head: bytes.Repeat([]byte("h"), 1500), Tail: []byte("tail"), Data: simulator.SyntheticData{Seed: 7, Size: 1 << 30}},
		{BlockSize: 4096, Head: []byte("head"), Tail: bytes.Repeat([]byte("t"), 2000), Data: simulator.SyntheticData{Seed: 8, Size: 10000}},
	}
	starts, err := l.AppendTapeFiles("SCR001L9", files)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, "tapes", "SCR001L9.data"))
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(5 + 1500 + 4 + 4 + 2000); fi.Size() != want {
		t.Errorf("the data file holds %d bytes, want the %d of the heads and tails", fi.Size(), want)
	}
	l, err = simulator.Open(dir, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	move(t, l, l.SlotAddress(1), l.DriveAddress(0))
	d, _ := l.Drive(0)
	// The 1 GiB file only through the fast path; the others byte by byte.
	if err := d.Locate(context.Background(), tape.Position{Block: starts[1]}); err != nil {
		t.Fatal(err)
	}
	run, err := d.ReadBlocks(context.Background(), 1<<40)
	if want := int64(1500 + 1<<30 + 4); err != nil || run.Bytes != want || run.Blocks != (want+999)/1000 {
		t.Fatalf("ReadBlocks = %+v, %v; want %d bytes", run, err, want)
	}
	checkTapeFiles(t, l, starts[:1], files[:1])
	checkTapeFiles(t, l, starts[2:], files[2:])
}

// TestAppendTapeFilesRefuses: a cartridge in a drive, a block size no
// drive takes, more than the cartridge holds.
func TestAppendTapeFilesRefuses(t *testing.T) {
	l, err := simulator.New(testConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	move(t, l, l.SlotAddress(3), l.DriveAddress(0))
	for name, tc := range map[string]struct {
		barcode string
		f       simulator.TapeFile
	}{
		"in a drive":      {"SML001S9", simulator.TapeFile{BlockSize: 512}},
		"block too large": {"SCR001L9", simulator.TapeFile{BlockSize: 9 << 20}},
		"no block size":   {"SCR001L9", simulator.TapeFile{}},
		"too much data":   {"SCR001L9", simulator.TapeFile{BlockSize: 512, Data: simulator.SyntheticData{Size: 1 << 50}}},
		"cleaning":        {"CLN001L1", simulator.TapeFile{BlockSize: 512}},
		"no cartridge":    {"NOP001L9", simulator.TapeFile{BlockSize: 512}},
	} {
		if _, err := l.AppendTapeFiles(tc.barcode, []simulator.TapeFile{tc.f}); err == nil {
			t.Errorf("%s: AppendTapeFiles succeeded", name)
		}
	}
}
