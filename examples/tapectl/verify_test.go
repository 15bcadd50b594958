package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/sqlite"
	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/simulator/workload"
	"github.com/tapekit/tapekit/tape/format"
)

// verifySetup lays out two formatted cartridges in a simulated library
// kept in dir, TK0001L9 and TK0002L9 with three files each (paths
// /v/BARCODE/f0..f2), with their files in a SQLite catalog, and returns
// the catalog's path.
func verifySetup(t *testing.T, dir string) string {
	t.Helper()
	ctx := context.Background()
	lib, err := simulator.Open(dir, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lib.Close()
	catPath := filepath.Join(t.TempDir(), "catalog.db")
	cat, err := sqlite.Open(ctx, catPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	if err := cat.PutPool(ctx, catalog.Pool{Name: "p"}); err != nil {
		t.Fatal(err)
	}
	if err := cat.PutStorageClass(ctx, catalog.StorageClass{Name: "c", Pools: []string{"p"}}); err != nil {
		t.Fatal(err)
	}
	var vols []workload.Volume
	for i, bc := range []string{"TK0001L9", "TK0002L9"} {
		v := workload.Volume{Barcode: bc}
		for j := range 3 {
			v.Files = append(v.Files, workload.File{Meta: format.Meta{Path: fmt.Sprintf("/v/%s/f%d", bc, j), Size: 300_000 + int64(j)}, Seed: uint64(10*i + j + 1)})
		}
		vols = append(vols, v)
	}
	if _, err := workload.Build(ctx, lib, cat, vols, workload.CatalogOptions{Pool: "p", StorageClass: "c", Library: "sim"}, nil); err != nil {
		t.Fatal(err)
	}
	return catPath
}

// withCatalog runs fn on the SQLite catalog at path, opened for the call
// only, as another program sharing it would.
func withCatalog(t *testing.T, path string, fn func(ctx context.Context, cat *sqlite.DB)) {
	t.Helper()
	ctx := context.Background()
	cat, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	fn(ctx, cat)
}

// tamper runs an SQL statement on the catalog's tables, as a hand edit
// would, and wants it to change one row.
func tamper(t *testing.T, path, stmt string, args ...any) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Exec(stmt, args...)
	if err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("%s: %d rows changed, want 1", stmt, n)
	}
}

// verifyJSON runs verify -json and decodes its report.
func verifyJSON(t *testing.T, dir string, args ...string) (verifyReport, result) {
	t.Helper()
	r := tapectl(t, dir, nil, append([]string{"verify", "-json"}, args...)...)
	var rep verifyReport
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("verify -json %v: exit %d, %v\nstdout:\n%s\nstderr:\n%s", args, r.code, err, r.stdout, r.stderr)
	}
	return rep, r
}

// statuses are the files' paths and states in a report, in its order.
func statuses(rep verifyReport) []string {
	var out []string
	for _, f := range rep.Files {
		out = append(out, f.Path+" "+f.Status)
	}
	return out
}

// A good volume verifies clean, in tape order, every byte counted, and
// the cartridge goes back to its slot; one already in a drive is read
// there and stays.
func TestVerifyGood(t *testing.T) {
	dir := t.TempDir()
	cat := verifySetup(t, dir)
	out := mustRun(t, dir, nil, "verify", "-catalog", cat, "TK0001L9")
	for _, want := range []string{
		"fseq 1  /v/TK0001L9/f0  300000 bytes  ok\n",
		"fseq 3  /v/TK0001L9/f2  300002 bytes  ok\n",
		"TK0001L9: 3 files, 900003 bytes checked in ",
		": 3 ok, 0 bad\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("verify of a good volume: no %q in\n%s", want, out)
		}
	}
	if inv := mustRun(t, dir, nil, "inventory"); !strings.Contains(inv, "Slot 1: Full TK0001L9") || !strings.Contains(inv, "Drive 0: Empty") {
		t.Errorf("the cartridge did not go back:\n%s", inv)
	}

	mustRun(t, dir, nil, "load", "2", "1")
	rep, r := verifyJSON(t, dir, "-catalog", cat, "TK0002L9")
	if r.code != 0 {
		t.Fatalf("verify of a loaded volume: exit %d: %s", r.code, r.stderr)
	}
	want := []string{"/v/TK0002L9/f0 ok", "/v/TK0002L9/f1 ok", "/v/TK0002L9/f2 ok"}
	if diff := cmp.Diff(want, statuses(rep)); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	s := rep.Summary
	if rep.Drive != 1 || s.Files != 3 || s.OK != 3 || s.Bad != 0 || s.Bytes != 900003 || s.Extra != 0 || len(rep.Extra) != 0 {
		t.Errorf("report: %+v", rep)
	}
	for i, f := range rep.Files {
		if f.FSeq != int64(i+1) || f.BytesRead != f.Size || len(f.Checksums) == 0 || f.Error != "" {
			t.Errorf("file %d: %+v", i, f)
		}
	}
	if inv := mustRun(t, dir, nil, "inventory"); !strings.Contains(inv, "Drive 1: Full (Slot 2 Loaded) TK0002L9") {
		t.Errorf("verify moved a cartridge it did not load:\n%s", inv)
	}
}

// A block that cannot be read makes its file unreadable, a catalog
// checksum the data does not have a checksum mismatch (both values
// shown), a catalog size the tape does not have a size mismatch; the
// other files stay ok and the exit status is 1.
func TestVerifyBadFiles(t *testing.T) {
	dir := t.TempDir()
	cat := verifySetup(t, dir)
	var second catalog.Copy
	var sums map[string]string
	withCatalog(t, cat, func(ctx context.Context, db *sqlite.DB) {
		n := 0
		for c, err := range db.VolumeCopies(ctx, "TK0002L9") {
			if err != nil {
				t.Fatal(err)
			}
			if n == 1 {
				second = c
			}
			n++
		}
		f, err := db.FileByPath(ctx, "/v/TK0001L9/f2")
		if err != nil {
			t.Fatal(err)
		}
		sums = f.Checksums
	})
	lib, err := simulator.Open(dir, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := lib.InjectMediaError("TK0002L9", second.BlockID+1, second.BlockID+1, simulator.FaultRead); err != nil {
		t.Fatal(err)
	}
	lib.Close()

	rep, r := verifyJSON(t, dir, "-catalog", cat, "TK0002L9")
	want := []string{"/v/TK0002L9/f0 ok", "/v/TK0002L9/f1 unreadable", "/v/TK0002L9/f2 ok"}
	if diff := cmp.Diff(want, statuses(rep)); diff != "" {
		t.Errorf("damaged block (-want +got):\n%s", diff)
	}
	if r.code != 1 || rep.Summary.Bad != 1 || rep.Summary.OK != 2 || !strings.Contains(rep.Files[1].Error, "medium") || !strings.Contains(r.stderr, "1 of 3 files on TK0002L9") {
		t.Errorf("damaged block: exit %d, %+v\n%s", r.code, rep, r.stderr)
	}

	adler := sums["adler32"]
	if adler == "" || adler == "00000001" {
		t.Fatalf("the catalog's checksums: %v", sums)
	}
	tamper(t, cat, `UPDATE files SET checksums = 'adler32:00000001' WHERE path = '/v/TK0001L9/f2'`)
	tamper(t, cat, `UPDATE files SET size = 299999 WHERE path = '/v/TK0001L9/f0'`)
	r = tapectl(t, dir, nil, "verify", "-catalog", cat, "TK0001L9")
	for _, want := range []string{
		"fseq 1  /v/TK0001L9/f0  299999 bytes  SIZE MISMATCH catalog 299999 tape 300000",
		"fseq 2  /v/TK0001L9/f1  300001 bytes  ok\n",
		"fseq 3  /v/TK0001L9/f2  300002 bytes  CHECKSUM MISMATCH adler32 catalog 00000001 tape " + adler + "\n",
		"1 ok, 2 bad",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("no %q in\n%s", want, r.stdout)
		}
	}
	if r.code != 1 {
		t.Errorf("exit %d with bad files", r.code)
	}
	rep, _ = verifyJSON(t, dir, "-catalog", cat, "TK0001L9")
	if f := rep.Files[2]; f.Status != verifyChecksumMismatch || f.Checksums["adler32"] != "00000001" || f.TapeChecksums["adler32"] != adler {
		t.Errorf("checksum mismatch in JSON: %+v", f)
	}
	if f := rep.Files[0]; f.Status != verifySizeMismatch || f.TapeSize == nil || *f.TapeSize != 300000 || f.BytesRead != 0 {
		t.Errorf("size mismatch in JSON: %+v", f)
	}
}

// A copy the catalog has past the tape's end of data, or where another
// file is, is missing; a tape file that is no live copy (a deleted file,
// a file archived but never committed) is listed, and does not make
// verify fail.
func TestVerifyMissingAndExtra(t *testing.T) {
	dir := t.TempDir()
	cat := verifySetup(t, dir)
	withCatalog(t, cat, func(ctx context.Context, db *sqlite.DB) {
		var last catalog.Copy
		for c, err := range db.VolumeCopies(ctx, "TK0002L9") {
			if err != nil {
				t.Fatal(err)
			}
			last = c
		}
		vol, err := db.Volume(ctx, "TK0002L9")
		if err != nil {
			t.Fatal(err)
		}
		files, err := db.CreateFiles(ctx, []catalog.File{
			{Path: "/v/lost", Size: 10, StorageClass: "c", Checksums: map[string]string{"adler32": "00000001"}},
			{Path: "/v/elsewhere", Size: 10, StorageClass: "c", Checksums: map[string]string{"adler32": "00000001"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		// fseq 4 lies past the end of data; fseq 5's block holds fseq 3.
		err = db.CommitCopies(ctx, "TK0002L9", []catalog.Copy{
			{FileID: files[0].ID, CopyNo: 1, FileSeq: 4, BlockID: last.BlockID + 1000, Format: "tapekit-pax-1"},
			{FileID: files[1].ID, CopyNo: 1, FileSeq: 5, BlockID: last.BlockID, Format: "tapekit-pax-1"},
		}, vol.BytesUsed, 5)
		if err != nil {
			t.Fatal(err)
		}
		f0, err := db.FileByPath(ctx, "/v/TK0001L9/f0")
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Delete(ctx, f0.ID, "test"); err != nil {
			t.Fatal(err)
		}
	})
	rep, r := verifyJSON(t, dir, "-catalog", cat, "TK0002L9")
	want := []string{"/v/TK0002L9/f0 ok", "/v/TK0002L9/f1 ok", "/v/TK0002L9/f2 ok", "/v/lost missing", "/v/elsewhere missing"}
	if diff := cmp.Diff(want, statuses(rep)); diff != "" {
		t.Errorf("missing copies (-want +got):\n%s", diff)
	}
	if r.code != 1 || rep.Summary.Bad != 2 || !strings.Contains(rep.Files[3].Error, "no tape file") && !strings.Contains(rep.Files[3].Error, "end of data") || !strings.Contains(rep.Files[4].Error, "holds file sequence 3") {
		t.Errorf("missing copies: exit %d, %+v", r.code, rep.Files)
	}

	// TK0001L9: f0 deleted, and a file archived by hand (never in the
	// catalog) after f2.
	data := filepath.Join(t.TempDir(), "stray.dat")
	if err := os.WriteFile(data, []byte("not in the catalog"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, dir, nil, "load", "1", "0")
	mustRun(t, dir, nil, "archive", "0", data)
	mustRun(t, dir, nil, "unload", "0")
	out := mustRun(t, dir, nil, "verify", "-catalog", cat, "TK0001L9")
	for _, want := range []string{
		"fseq 1  /v/TK0001L9/f0  not a live copy in the catalog (deleted): file ",
		"fseq 4  " + data + "  not a live copy in the catalog (unknown): written after the catalog's last committed file (3)",
		"2 files, 600003 bytes checked",
		"2 ok, 0 bad; 2 tape files are no live copies",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	rep, _ = verifyJSON(t, dir, "-catalog", cat, "TK0001L9")
	var got []string
	for _, x := range rep.Extra {
		got = append(got, fmt.Sprintf("%d %s %s", x.FSeq, x.Path, x.Catalog))
	}
	if diff := cmp.Diff([]string{"1 /v/TK0001L9/f0 deleted", "4 " + data + " unknown"}, got); diff != "" || rep.Summary.Extra != 2 {
		t.Errorf("extra tape files (-want +got):\n%s", diff)
	}
}

// Bad input gets a clear refusal: usage mistakes exit 2, a catalog or
// volume that is not there 1, and nothing is moved.
func TestVerifyBadInput(t *testing.T) {
	dir := t.TempDir()
	cat := verifySetup(t, dir)
	withCatalog(t, cat, func(ctx context.Context, db *sqlite.DB) {
		if err := db.AddVolume(ctx, catalog.Volume{Barcode: "ZZ0001L9", MediaType: "LTO-9", Pool: "p", State: catalog.StateActive}); err != nil {
			t.Fatal(err)
		}
	})
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"verify", "TK0001L9"}, 2, "-catalog"},
		{[]string{"verify", "-catalog", filepath.Join(dir, "nope.db"), "TK0001L9"}, 1, "nope.db"},
		{[]string{"verify", "-catalog", cat, "NOSUCH"}, 1, "volume NOSUCH: "},
		{[]string{"verify", "-catalog", cat, "ZZ0001L9"}, 1, "ZZ0001L9 is not in the library"},
		{[]string{"verify", "-catalog", cat, "TK0001L9", "9"}, 1, "drive 9"},
		{[]string{"verify", "-catalog", cat}, 2, "missing arguments"},
		{[]string{"verify", "-catalog", cat, "TK0001L9", "0", "x"}, 2, "too many"},
		{[]string{"check"}, 2, "-catalog"},
		{[]string{"check", "-catalog", cat, "x"}, 2, "too many"},
	} {
		r := tapectl(t, dir, nil, c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.msg) {
			t.Errorf("%v: exit %d, %q; want %d mentioning %q", c.args, r.code, r.stderr, c.code, c.msg)
		}
	}
	checkCartridges(t, dir, defaultBarcodes())
	if inv := mustRun(t, dir, nil, "inventory"); !strings.Contains(inv, "Slot 1: Full TK0001L9") {
		t.Errorf("a refused verify moved a cartridge:\n%s", inv)
	}
}

// check passes a consistent catalog and reports files short of copies
// when their class asks for more, in text and JSON, exit 1.
func TestCheck(t *testing.T) {
	dir := t.TempDir()
	cat := verifySetup(t, dir)
	if out := mustRun(t, dir, nil, "check", "-catalog", cat); out != "catalog check: 0 problems\n" {
		t.Errorf("check of a consistent catalog: %q", out)
	}
	withCatalog(t, cat, func(ctx context.Context, db *sqlite.DB) {
		if err := db.PutPool(ctx, catalog.Pool{Name: "p2"}); err != nil {
			t.Fatal(err)
		}
		if err := db.PutStorageClass(ctx, catalog.StorageClass{Name: "c", Pools: []string{"p", "p2"}}); err != nil {
			t.Fatal(err)
		}
	})
	r := tapectl(t, dir, nil, "check", "-catalog", cat)
	if r.code != 1 || !strings.Contains(r.stdout, "short of copies: file ") || !strings.Contains(r.stdout, "/v/TK0001L9/f0 (class c) has 1 of 2") || !strings.Contains(r.stdout, "catalog check: 6 problems") {
		t.Errorf("check with short files: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = tapectl(t, dir, nil, "check", "-json", "-catalog", cat)
	var rep checkReport
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("check -json: %v\n%s", err, r.stdout)
	}
	if r.code != 1 || rep.Problems != 6 || len(rep.Underreplicated) != 6 || rep.OrphanCopies == nil || len(rep.OrphanCopies) != 0 || rep.Underreplicated[0].Want != 2 || rep.Underreplicated[0].Have != 1 {
		t.Errorf("check -json: exit %d, %+v", r.code, rep)
	}
	if !strings.Contains(r.stdout, `"orphan_copies": []`) {
		t.Errorf("check -json: empty lists must be [], got\n%s", r.stdout)
	}
}

// With a drive alone (-f, no changer), verify reads the cartridge in it
// and refuses one whose label names another volume.
func TestVerifyDriveAlone(t *testing.T) {
	dir := t.TempDir()
	cat := verifySetup(t, dir)
	mustRun(t, dir, nil, "load", "1", "0")
	drive := []string{"-f", "sim-sg:" + dir + ":0", "verify", "-catalog", cat}
	if out := mustRun(t, "", nil, append(drive, "TK0001L9")...); !strings.Contains(out, "3 ok, 0 bad") {
		t.Errorf("verify on a drive alone:\n%s", out)
	}
	r := tapectl(t, "", nil, append(drive, "TK0002L9")...)
	if r.code != 1 || !strings.Contains(r.stderr, "labelled TK0001L9") {
		t.Errorf("verify of another volume than the drive holds: exit %d, %s%s", r.code, r.stdout, r.stderr)
	}
}
