package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/sqlite"
	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/simulator/workload"
	"github.com/tapekit/tapekit/tape/format"
)

// verifySetup lays out two formatted cartridges in a simulated library
// kept in dir, with their files in a SQLite catalog, and returns the
// catalog's path.
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

// verify reads a volume back and compares it with the catalog: a good one
// is clean, the cartridge goes back to its slot; a block that cannot be
// read marks its file bad (exit 1, the file named); the JSON report says
// the same; check finds the catalog consistent; bad input is refused.
func TestVerifyAndCheck(t *testing.T) {
	dir := t.TempDir()
	cat := verifySetup(t, dir)
	out := mustRun(t, dir, nil, "verify", "-catalog", cat, "TK0001L9")
	if !strings.Contains(out, "3 files") || !strings.Contains(out, "3 ok, 0 bad") {
		t.Errorf("verify of a good volume:\n%s", out)
	}
	if inv := mustRun(t, dir, nil, "inventory"); !strings.Contains(inv, "Slot 1: Full TK0001L9") || !strings.Contains(inv, "Drive 0: Empty") {
		t.Errorf("the cartridge did not go back:\n%s", inv)
	}
	// Damage the second file of TK0002L9: a block in its middle.
	lib, err := simulator.Open(dir, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), cat, nil)
	if err != nil {
		t.Fatal(err)
	}
	var bad catalog.Copy
	n := 0
	for c, err := range db.VolumeCopies(context.Background(), "TK0002L9") {
		if err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			bad = c
		}
		n++
	}
	db.Close()
	if err := lib.InjectMediaError("TK0002L9", bad.BlockID+1, bad.BlockID+1, simulator.FaultRead); err != nil {
		t.Fatal(err)
	}
	lib.Close()
	r := tapectl(t, dir, nil, "verify", "-catalog", cat, "-json", "TK0002L9")
	var rep verifyReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("verify -json: %v\n%s", err, r.stdout)
	}
	if r.code != 1 || rep.Checked != 3 || rep.Bad != 1 || rep.Files[1].OK || rep.Files[1].FileID != bad.FileID || rep.Files[0].Error != "" {
		t.Errorf("verify of a damaged volume: exit %d, %+v\n%s", r.code, rep, r.stderr)
	}
	// A catalog checksum that the data on tape does not have (edited by
	// hand in the table): the file is reported with the mismatch.
	raw, err := sql.Open("sqlite", cat)
	if err != nil {
		t.Fatal(err)
	}
	res, err := raw.Exec(`UPDATE files SET checksums = 'adler32:00000001' WHERE path = '/v/TK0001L9/f2'`)
	if n, _ := res.RowsAffected(); err != nil || n != 1 {
		t.Fatalf("tamper: %v, %d rows", err, n)
	}
	raw.Close()
	r = tapectl(t, dir, nil, "verify", "-catalog", cat, "TK0001L9")
	if r.code != 1 || !strings.Contains(r.stdout, "2 ok, 1 bad") || !strings.Contains(r.stdout, "/v/TK0001L9/f2") || !strings.Contains(strings.ToLower(r.stdout), "checksum") {
		t.Errorf("verify with a wrong catalog checksum: exit %d\n%s", r.code, r.stdout)
	}
	if out := mustRun(t, dir, nil, "check", "-catalog", cat); !strings.Contains(out, "0 problems") {
		t.Errorf("check: %s", out)
	}
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"verify", "TK0001L9"}, 2, "-catalog"},
		{[]string{"verify", "-catalog", filepath.Join(dir, "nope.db"), "TK0001L9"}, 1, "nope.db"},
		{[]string{"verify", "-catalog", cat, "NOSUCH"}, 1, "NOSUCH"},
		{[]string{"verify", "-catalog", cat}, 2, ""},
		{[]string{"check"}, 2, "-catalog"},
	} {
		r := tapectl(t, dir, nil, c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.msg) {
			t.Errorf("%v: exit %d, %q; want %d mentioning %q", c.args, r.code, r.stderr, c.code, c.msg)
		}
	}
}
