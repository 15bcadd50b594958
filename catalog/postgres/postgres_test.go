package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"pgregory.net/rapid"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/catalogtest"
	"github.com/tapekit/tapekit/catalog/postgres"
	"github.com/tapekit/tapekit/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// newDSN returns the connection string of a new database on the shared
// throwaway server.
func newDSN(tb testing.TB) string {
	tb.Helper()
	dsn, err := pgtest.Require(tb).NewDatabase(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return dsn
}

// open returns a catalog on a new database of the shared server.
func open(tb testing.TB) *postgres.DB {
	tb.Helper()
	ctx := context.Background()
	dsn := newDSN(tb)
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
	dsn := newDSN(t)
	raceHosts(t, dsn)
}

// raceChecks lowers the number of rapid checks in race builds (race_test.go).
var raceChecks = func() {}

// TestReserveWaitsForABusyVolume: the only fitting volume is locked for a
// moment by another transaction (as RecordMount or a commit lock it);
// ReserveVolume waits for it instead of reporting ErrNoVolume.
func TestReserveWaitsForABusyVolume(t *testing.T) {
	ctx := context.Background()
	dsn := newDSN(t)
	db, err := postgres.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.PutPool(ctx, catalog.Pool{Name: "p1"}); err != nil {
		t.Fatal(err)
	}
	if err := db.AddVolume(ctx, catalog.Volume{Barcode: "V1", Pool: "p1", State: catalog.StateActive, Capacity: 100}); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM volumes WHERE barcode = 'V1' FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		v, err := db.ReserveVolume(ctx, "p1", 10, "w1")
		if err == nil && v.Barcode != "V1" {
			err = fmt.Errorf("reserved %q", v.Barcode)
		}
		done <- err
	}()
	time.Sleep(200 * time.Millisecond)
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("ReserveVolume while the only volume was busy: %v", err)
	}
}

// TestTwoHostsWhateverTheDefaultIsolation: a database whose default is
// REPEATABLE READ still gets READ COMMITTED transactions from the catalog,
// whose locking is built for it (at REPEATABLE READ, contended
// reservations failed with serialization errors).
func TestTwoHostsWhateverTheDefaultIsolation(t *testing.T) {
	ctx := context.Background()
	dsn := newDSN(t)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(ctx, `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET default_transaction_isolation = ''repeatable read''', current_database()); END $$`)
	conn.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	raceHosts(t, dsn)
}

// raceHosts runs catalogtest.TestHandles on two handles on dsn.
func raceHosts(t *testing.T, dsn string) {
	t.Helper()
	ctx := context.Background()
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

// TestReserveWaitsForTheWritersOwnVolume: a writer asking again gets the
// volume it holds, even while that volume is locked for a moment and
// another volume fits.
func TestReserveWaitsForTheWritersOwnVolume(t *testing.T) {
	ctx := context.Background()
	dsn := newDSN(t)
	db, err := postgres.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	errs := []error{db.PutPool(ctx, catalog.Pool{Name: "p1"})}
	for _, bc := range []string{"V1", "V2"} {
		errs = append(errs, db.AddVolume(ctx, catalog.Volume{Barcode: bc, Pool: "p1", State: catalog.StateActive, Capacity: 100}))
	}
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	held, err := db.ReserveVolume(ctx, "p1", 10, "w1")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM volumes WHERE barcode = $1 FOR UPDATE`, held.Barcode); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		v, err := db.ReserveVolume(ctx, "p1", 10, "w1")
		if err == nil && v.Barcode != held.Barcode {
			err = fmt.Errorf("got %s, not the %s it holds", v.Barcode, held.Barcode)
		}
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("ReserveVolume by the holder while its volume was busy: %v", err)
	}
}
