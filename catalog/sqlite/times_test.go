package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/internal/migtest"
	"github.com/tapekit/tapekit/catalog/sqlite"
)

// TestMigrateUnsetTimes opens a database at schema version 2, as a
// release that stored the zero time as 0 left it, built from the embedded
// steps up to 0002: a volume never mounted or written (0 there meant
// unset) reads back as such, a time that was the epoch (0 in a column
// always set) reads as the epoch, and the epoch written after the
// migration is kept.
func TestMigrateUnsetTimes(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "c.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	stmts := migtest.OldSchema(t, 2, "0003_unset_times.sql", migtest.UnsetTimesRows...)
	for _, q := range stmts {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%.40s: %v", q, err)
		}
	}
	db, err := sqlite.Open(ctx, path, fastOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, err := db.SchemaVersion(ctx); err != nil || v != sqlite.SchemaVersion {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, sqlite.SchemaVersion)
	}
	var mounted, written int64
	if err := raw.QueryRow(`SELECT last_mounted, last_written FROM volumes WHERE barcode = 'NEVER'`).Scan(&mounted, &written); err != nil {
		t.Fatal(err)
	}
	if mounted != math.MinInt64 || written != math.MinInt64 {
		t.Errorf("NEVER after migration: last_mounted %d, last_written %d; want %d", mounted, written, int64(math.MinInt64))
	}
	migtest.CheckUnsetTimes(t, db)
}

// TestPurgeAfterMaxTime: a file deleted while the clock read MaxTime (the
// catalog clamps its clock there) is purged by a purge of everything
// deleted before a later time.
func TestPurgeAfterMaxTime(t *testing.T) {
	ctx := context.Background()
	opts := *fastOptions
	opts.Now = func() time.Time { return catalog.MaxTime }
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "c.db"), &opts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := errors.Join(db.PutPool(ctx, catalog.Pool{Name: "p"}),
		db.PutStorageClass(ctx, catalog.StorageClass{Name: "c", Pools: []string{"p"}})); err != nil {
		t.Fatal(err)
	}
	fs, err := db.CreateFiles(ctx, []catalog.File{{Path: "/f", StorageClass: "c"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Delete(ctx, fs[0].ID, "x"); err != nil {
		t.Fatal(err)
	}
	before := time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)
	if n, err := db.PurgeDeleted(ctx, before); err != nil || n != 1 {
		t.Fatalf("PurgeDeleted(%v) = %d, %v; want 1", before, n, err)
	}
}
