package format_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapekit/tapekit/checksum"
	"github.com/tapekit/tapekit/tape/format"
)

// gnuTar finds GNU tar, or skips the test unless TAPEKIT_REQUIRE_TAR=1.
func gnuTar(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("tar")
	if err != nil {
		if os.Getenv("TAPEKIT_REQUIRE_TAR") == "1" {
			t.Fatalf("tar not found and TAPEKIT_REQUIRE_TAR=1: %v", err)
		}
		t.Skipf("tar not found (install the Debian package tar, or set TAPEKIT_REQUIRE_TAR=1 to make this a failure): %v", err)
	}
	return p
}

type testFile struct {
	path string
	data []byte
}

func testFiles() []testFile {
	return []testFile{
		{"/data/run1/empty.dat", nil},
		{"/data/run1/small.txt", []byte("hello, tape\n")},
		{"/data/run1/block-plus-one.bin", content(1, 64<<10+1)},
		{"/data/run2/große Datei ☃.bin", content(2, 3*64<<10+777)},
		{"/data/run2/nested/deeper/exact-512.bin", content(3, 512)},
		{"relative/name.bin", content(4, 200<<10)},
	}
}

// TestTarReadsWhatTapekitWrites is the acceptance test: files archived to
// a simulated cartridge are restored byte-identical, with their names, by
// GNU tar from the raw tape files.
func TestTarReadsWhatTapekitWrites(t *testing.T) {
	tarPath := gnuTar(t)
	ctx := context.Background()
	m := labelled(t, nil)
	w, err := format.NewWriter(m.drive, &format.WriterOptions{BlockSize: 64 << 10, Barcode: barcode})
	if err != nil {
		t.Fatal(err)
	}
	files := testFiles()
	for i, f := range files {
		rec, err := w.WriteFile(ctx, format.Meta{FileID: string(rune('a' + i)), Path: f.path, Size: int64(len(f.data))}, bytes.NewReader(f.data))
		if err != nil {
			t.Fatalf("WriteFile %s: %v", f.path, err)
		}
		if rec.FSeq != int64(i+1) || rec.Status != format.StatusPending {
			t.Errorf("WriteFile %s: fseq %d status %s, want %d pending", f.path, rec.FSeq, rec.Status, i+1)
		}
	}
	recs, err := w.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(files) {
		t.Fatalf("Close committed %d files, want %d", len(recs), len(files))
	}

	dir := t.TempDir()
	for i, f := range files {
		var raw bytes.Buffer
		if _, _, err := format.DumpTapeFile(ctx, m.drive, int64(i+1), &raw, 0); err != nil {
			t.Fatalf("dump tape file %d: %v", i+1, err)
		}
		if raw.Len()%512 != 0 {
			t.Errorf("tape file %d is %d bytes, not a whole number of tar blocks", i+1, raw.Len())
		}
		cmd := exec.Command(tarPath, "-x", "-f", "-")
		cmd.Dir, cmd.Stdin = dir, &raw
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("tar -x of tape file %d (%s): %v\n%s", i+1, f.path, err, stderr.String())
		}
		if stderr.Len() > 0 {
			t.Logf("tar -x of tape file %d said:\n%s", i+1, stderr.String())
		}
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(trimSlash(f.path))))
		if err != nil {
			t.Fatalf("tape file %d: %v", i+1, err)
		}
		if !bytes.Equal(got, f.data) {
			t.Errorf("%s: tar extracted %d bytes that differ from the %d archived", f.path, len(got), len(f.data))
		}
	}
	// Nothing else was extracted: the trailers make no files.
	var extracted []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			extracted = append(extracted, filepath.ToSlash(rel))
		}
		return nil
	})
	var want []string
	for _, f := range files {
		want = append(want, trimSlash(f.path))
	}
	if diff := cmp.Diff(sortedCopy(want), sortedCopy(extracted)); diff != "" {
		t.Errorf("files extracted (-want +got):\n%s", diff)
	}

	// The label is readable by tar too.
	var label bytes.Buffer
	if _, _, err := format.DumpTapeFile(ctx, m.drive, 0, &label, 0); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(tarPath, "-x", "-O", "-f", "-")
	cmd.Stdin = &label
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tar -xO of the label: %v", err)
	}
	if !bytes.Contains(out, []byte(`"barcode": "TK0001L9"`)) {
		t.Errorf("label as tar prints it:\n%s", out)
	}

	// And tapekit reads every file back, verified.
	for i, f := range files {
		data, rec, err := readAll(t, m.drive, int64(i+1), &format.ReaderOptions{Expected: []checksum.Value{recs[i].Checksums[0]}})
		if err != nil {
			t.Fatalf("read fseq %d: %v", i+1, err)
		}
		if !bytes.Equal(data, f.data) {
			t.Errorf("fseq %d: read data differs", i+1)
		}
		if diff := cmp.Diff(recs[i], rec, cmpRecord); diff != "" {
			t.Errorf("fseq %d: record read differs from the one written (-written +read):\n%s", i+1, diff)
		}
	}
}

func trimSlash(p string) string {
	for len(p) > 0 && p[0] == '/' {
		p = p[1:]
	}
	return p
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

var cmpRecord = cmp.Options{
	cmp.Comparer(func(a, b checksum.Value) bool { return a.Equal(b) }),
	cmp.Comparer(func(a, b error) bool {
		return (a == nil) == (b == nil) && (a == nil || errors.Is(a, b) || a.Error() == b.Error())
	}),
}
