package postgres_test

import (
	"context"
	"os"
	"testing"

	"pgregory.net/rapid"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/catalogtest"
	"github.com/tapekit/tapekit/catalog/internal/pgtest"
	"github.com/tapekit/tapekit/catalog/postgres"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// open returns a catalog on a new database of the shared server.
func open(tb testing.TB) *postgres.DB {
	tb.Helper()
	srv := pgtest.Require(tb)
	ctx := context.Background()
	dsn, err := srv.NewDatabase(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	db, err := postgres.Open(ctx, dsn, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return db
}

func TestConformance(t *testing.T) {
	srv := pgtest.Require(t)
	ctx := context.Background()
	err := catalogtest.TestCatalog(ctx, func() (catalog.Catalog, error) {
		dsn, err := srv.NewDatabase(ctx)
		if err != nil {
			return nil, err
		}
		return postgres.Open(ctx, dsn, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestModel runs the rapid state machine, one database per run: creating
// a database on the throwaway server (fsync off) is cheap.
func TestModel(t *testing.T) {
	raceChecks()
	pgtest.Require(t)
	rapid.Check(t, func(rt *rapid.T) {
		db := open(t)
		defer db.Close()
		catalogtest.CheckModel(rt, db)
	})
}

// TestTwoHosts races writers on two pools (two "hosts") on one database.
func TestTwoHosts(t *testing.T) {
	srv := pgtest.Require(t)
	ctx := context.Background()
	dsn, err := srv.NewDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var handles []catalog.Catalog
	for range 2 {
		db, err := postgres.Open(ctx, dsn, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		handles = append(handles, db)
	}
	if err := catalogtest.TestHandles(ctx, handles); err != nil {
		t.Fatal(err)
	}
}

// raceChecks lowers the number of rapid checks in race builds (race_test.go).
var raceChecks = func() {}
