package sqlite_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/sqlite"
)

func TestSchemaVersionRecorded(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "c.db"), fastOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	v, err := db.SchemaVersion(ctx)
	if err != nil || v != sqlite.SchemaVersion || v < 1 {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, sqlite.SchemaVersion)
	}
}

// TestSchemaTooNew: a catalog written by a newer program is refused and
// its file is not changed by the attempt.
func TestSchemaTooNew(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "c.db")
	db, err := sqlite.Open(ctx, path, fastOptions)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PutPool(ctx, catalog.Pool{Name: "p1"}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE schema_version SET version = version + 1`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	before := fileHash(t, path)

	_, err = sqlite.Open(ctx, path, fastOptions)
	if !errors.Is(err, catalog.ErrSchemaTooNew) {
		t.Fatalf("Open of a newer schema: %v, want ErrSchemaTooNew", err)
	}
	if after := fileHash(t, path); after != before {
		t.Error("database file changed by the refused Open")
	}
	raw, err = sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var v int
	var name string
	if err := raw.QueryRow(`SELECT version FROM schema_version`).Scan(&v); err != nil || v != sqlite.SchemaVersion+1 {
		t.Errorf("schema version after refused Open = %d, %v; want %d", v, err, sqlite.SchemaVersion+1)
	}
	if err := raw.QueryRow(`SELECT name FROM pools`).Scan(&name); err != nil || name != "p1" {
		t.Errorf("pool after refused Open = %q, %v", name, err)
	}
}

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// TestCheckFindsOrphanCopies damages the catalog behind its back, as a
// hand edit with the sqlite3 shell (foreign keys off by default) would,
// and expects Check to report it.
func TestCheckFindsOrphanCopies(t *testing.T) {
	ctx := context.Background()
	db, path := openWithClass(t)
	if err := db.AddVolume(ctx, catalog.Volume{Barcode: "V1", Pool: "p1", State: catalog.StateActive, Capacity: 100}); err != nil {
		t.Fatal(err)
	}
	fs, err := db.CreateFiles(ctx, []catalog.File{{Path: "/f", StorageClass: "one"}})
	if err != nil {
		t.Fatal(err)
	}
	cp := catalog.Copy{FileID: fs[0].ID, CopyNo: 1, Volume: "V1", FileSeq: 1, Format: "tapekit-pax-1"}
	if err := db.CommitCopies(ctx, "V1", []catalog.Copy{cp}, 10, 1); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE copies SET volume = 'GONE'`); err != nil {
		t.Fatal(err)
	}
	r, err := db.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cp.Volume = "GONE"
	if len(r.OrphanCopies) != 1 || r.OrphanCopies[0] != cp || len(r.FilelessCopies) != 0 || len(r.Underreplicated) != 0 {
		t.Fatalf("Check = %+v; want the copy on GONE as an orphan", r)
	}
	// The file goes, its copy stays: the copy is fileless, and a file
	// nobody wants copies of is no shortfall.
	if _, err := raw.Exec(`PRAGMA foreign_keys = OFF; DELETE FROM files`); err != nil {
		t.Fatal(err)
	}
	if r, err = db.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if len(r.FilelessCopies) != 1 || r.FilelessCopies[0] != cp || r.OK() {
		t.Fatalf("Check = %+v; want the copy on GONE as fileless", r)
	}
}

// TestListingWithoutRec: copies whose rec column is empty (written by a
// hand edit or an older program) list exactly like the others, alone in a
// chunk or among stored records.
func TestListingWithoutRec(t *testing.T) {
	ctx := context.Background()
	db, path := openWithClass(t)
	for _, err := range []error{
		db.AddVolume(ctx, catalog.Volume{Barcode: "V1", Pool: "p1", State: catalog.StateActive, Capacity: 1e9}),
		db.AddVolume(ctx, catalog.Volume{Barcode: "V2", Pool: "p1", State: catalog.StateActive, Capacity: 1e9}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	fs, err := db.CreateFiles(ctx, []catalog.File{{Path: "/a", StorageClass: "one"}, {Path: "/b", StorageClass: "one"},
		{Path: "/c", StorageClass: "one"}, {Path: "/d", StorageClass: "one"}})
	if err != nil {
		t.Fatal(err)
	}
	var v1 []catalog.Copy
	for i, f := range fs[:3] {
		v1 = append(v1, catalog.Copy{FileID: f.ID, CopyNo: 1, Volume: "V1", FileSeq: int64(i + 1), BlockID: int64(10 * i), Format: "tapekit-pax-1", Size: int64(100 + i)})
	}
	v2 := []catalog.Copy{{FileID: fs[3].ID, CopyNo: 1, Volume: "V2", FileSeq: 1, BlockID: 7, Format: "cta-ansi", Size: 5}}
	if err := db.CommitCopies(ctx, "V1", v1, 300, 3); err != nil {
		t.Fatal(err)
	}
	if err := db.CommitCopies(ctx, "V2", v2, 5, 1); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	list := func(bc string) []catalog.Copy {
		var out []catalog.Copy
		for cp, err := range db.VolumeCopies(ctx, bc) {
			if err != nil {
				t.Fatalf("VolumeCopies(%s): %v", bc, err)
			}
			out = append(out, cp)
		}
		return out
	}
	for _, edit := range []string{
		`UPDATE copies SET rec = '' WHERE volume = 'V1' AND file_seq = 2`, // in the middle
		`UPDATE copies SET rec = '' WHERE volume = 'V1' AND file_seq = 1`, // first
		`UPDATE copies SET rec = ''`,                                      // all, and V2's only copy
	} {
		if _, err := raw.Exec(edit); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(v1, list("V1")); d != "" {
			t.Errorf("after %s, V1 lists (-want +got):\n%s", edit, d)
		}
		if d := cmp.Diff(v2, list("V2")); d != "" {
			t.Errorf("after %s, V2 lists (-want +got):\n%s", edit, d)
		}
	}
}

// openWithClass opens a new catalog file with pool p1 and storage class
// "one" (one copy, in p1), closed when the test ends, and returns its path
// for raw edits.
func openWithClass(t *testing.T) (*sqlite.DB, string) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "c.db")
	db, err := sqlite.Open(ctx, path, fastOptions)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.PutPool(ctx, catalog.Pool{Name: "p1"}); err != nil {
		t.Fatal(err)
	}
	if err := db.PutStorageClass(ctx, catalog.StorageClass{Name: "one", Pools: []string{"p1"}}); err != nil {
		t.Fatal(err)
	}
	return db, path
}
