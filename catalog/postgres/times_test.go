package postgres_test

import (
	"context"
	"math"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tapekit/tapekit/catalog/internal/migtest"
	"github.com/tapekit/tapekit/catalog/postgres"
)

// TestMigrateUnsetTimes opens a database at schema version 4, as a
// release that stored the zero time as 0 left it, built from the embedded
// steps up to 0004: a volume never mounted or written (0 there meant
// unset) reads back as such, a time that was the epoch (0 in a column
// always set) reads as the epoch, and the epoch written after the
// migration is kept.
func TestMigrateUnsetTimes(t *testing.T) {
	ctx := context.Background()
	dsn := newDSN(t)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	stmts := migtest.OldSchema(t, 4, "0005_unset_times.sql", migtest.UnsetTimesRows...)
	for _, q := range stmts {
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
	var mounted, written int64
	if err := conn.QueryRow(ctx, `SELECT last_mounted, last_written FROM volumes WHERE barcode = 'NEVER'`).Scan(&mounted, &written); err != nil {
		t.Fatal(err)
	}
	if mounted != math.MinInt64 || written != math.MinInt64 {
		t.Errorf("NEVER after migration: last_mounted %d, last_written %d; want %d", mounted, written, int64(math.MinInt64))
	}
	migtest.CheckUnsetTimes(t, db)
}
