package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/internal/migtest"
	"github.com/tapekit/tapekit/catalog/postgres"
)

func TestSchemaTooNew(t *testing.T) {
	ctx := context.Background()
	dsn := newDSN(t)
	db, err := postgres.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := db.SchemaVersion(ctx)
	if err != nil || v != postgres.SchemaVersion || v < 1 {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, postgres.SchemaVersion)
	}
	if err := db.PutPool(ctx, catalog.Pool{Name: "p1"}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `UPDATE schema_version SET version = version + 1`); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.Open(ctx, dsn, nil); !errors.Is(err, catalog.ErrSchemaTooNew) {
		t.Fatalf("Open of a newer schema: %v, want ErrSchemaTooNew", err)
	}
	var got int
	var pools int
	if err := conn.QueryRow(ctx, `SELECT version, (SELECT COUNT(*) FROM pools) FROM schema_version`).Scan(&got, &pools); err != nil {
		t.Fatal(err)
	}
	if got != postgres.SchemaVersion+1 || pools != 1 {
		t.Fatalf("after refused Open: version %d, %d pools; want %d and 1", got, pools, postgres.SchemaVersion+1)
	}
}

// TestMigrateFromVersion1 opens a database at schema version 1, as a
// release before the foreign keys moved into the catalog left it: Open
// brings it to the newest version and keeps its rows, and the catalog
// still refuses a copy of a missing file.
func TestMigrateFromVersion1(t *testing.T) {
	ctx := context.Background()
	dsn := newDSN(t)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, q := range migtest.OldSchema(t, 1, "0002_engine_checks_file_keys.sql",
		`INSERT INTO pools (name) VALUES ('p1')`,
		`INSERT INTO storage_classes VALUES ('one')`,
		`INSERT INTO storage_class_pools VALUES ('one', 1, 'p1')`,
		`INSERT INTO files (path, size, checksums, storage_class, owner, created, modified) VALUES ('/old', 7, '', 'one', 'u', 1, 1)`,
		`INSERT INTO formats (name) VALUES ('tapekit-pax-1')`,
		`INSERT INTO volumes VALUES ('V0', 'LTO-9', 'lib', 'p1', 'active', '', 1, 100, 10, 3, 0, 0, '', 1, 0, 0)`,
		`INSERT INTO copies SELECT id, 1, 'V0', 3, 77, (SELECT id FROM formats), 9 FROM files`,
	) {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%.40s: %v", q, err)
		}
	}
	db, err := postgres.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, err := db.SchemaVersion(ctx); err != nil || v != postgres.SchemaVersion {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, postgres.SchemaVersion)
	}
	f, err := db.FileByPath(ctx, "/old")
	if err != nil || f.Size != 7 {
		t.Fatalf("FileByPath after migration = %+v, %v", f, err)
	}
	// V0 was never mounted or written: 0 meant unset until version 5.
	if v, err := db.Volume(ctx, "V0"); err != nil || !v.LastMounted.IsZero() || !v.LastWritten.IsZero() {
		t.Fatalf("Volume(V0) after migration = %+v, %v; want LastMounted and LastWritten zero", v, err)
	}
	// A copy written before version 3 lists with its packed record.
	var listed []catalog.Copy
	for cp, err := range db.VolumeCopies(ctx, "V0") {
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, cp)
	}
	want := catalog.Copy{FileID: f.ID, CopyNo: 1, Volume: "V0", FileSeq: 3, BlockID: 77, Format: "tapekit-pax-1", Size: 9}
	if len(listed) != 1 || listed[0] != want {
		t.Fatalf("VolumeCopies(V0) after migration = %+v, want %+v", listed, want)
	}
	var fks int
	if err := conn.QueryRow(ctx, `SELECT COUNT(*) FROM pg_constraint WHERE conname IN ('files_storage_class_fkey', 'copies_file_id_fkey')`).Scan(&fks); err != nil || fks != 0 {
		t.Fatalf("%d of the dropped foreign keys remain (%v)", fks, err)
	}
	if err := db.AddVolume(ctx, catalog.Volume{Barcode: "V1", Pool: "p1", State: catalog.StateActive, Capacity: 100}); err != nil {
		t.Fatal(err)
	}
	err = db.CommitCopies(ctx, "V1", []catalog.Copy{{FileID: f.ID, CopyNo: 2, FileSeq: 1, Format: "x"}, {FileID: f.ID + 1, CopyNo: 1, FileSeq: 2, Format: "x"}}, 10, 2)
	if !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("CommitCopies of a missing file: %v, want ErrNotFound", err)
	}
	if v, err := db.Volume(ctx, "V1"); err != nil || v.LastFileSeq != 0 {
		t.Fatalf("volume after the refused commit: %+v, %v", v, err)
	}
	// A file deleted behind the catalog's back leaves a fileless copy,
	// which Check reports.
	cp := catalog.Copy{FileID: f.ID, CopyNo: 2, Volume: "V1", FileSeq: 1, Format: "x"}
	if err := db.CommitCopies(ctx, "V1", []catalog.Copy{cp}, 10, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `DELETE FROM files`); err != nil {
		t.Fatal(err)
	}
	r, err := db.Check(ctx)
	if err != nil || len(r.FilelessCopies) != 2 || r.FilelessCopies[0] != want || r.FilelessCopies[1] != cp {
		t.Fatalf("Check = %+v, %v; want both copies as fileless", r, err)
	}
}
