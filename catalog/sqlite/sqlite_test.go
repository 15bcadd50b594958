package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"pgregory.net/rapid"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/catalogtest"
	"github.com/tapekit/tapekit/catalog/sqlite"
)

func TestConformance(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	n := 0
	err := catalogtest.TestCatalog(ctx, func() (catalog.Catalog, error) {
		n++
		return sqlite.Open(ctx, filepath.Join(dir, "c"+string(rune('a'+n))+".db"), nil)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestModel runs the rapid state machine on a fresh database file per run.
func TestModel(t *testing.T) {
	raceChecks()
	dir := t.TempDir()
	n := 0
	rapid.Check(t, func(rt *rapid.T) {
		n++
		db, err := sqlite.Open(context.Background(), filepath.Join(dir, fmt.Sprintf("m%d.db", n)), fastOptions)
		if err != nil {
			rt.Fatal(err)
		}
		defer db.Close()
		catalogtest.CheckModel(rt, db)
	})
}

// fastOptions skips the fsync per commit: these tests check logic, not
// durability, and the shared CI disk makes FULL slow.
var fastOptions = &sqlite.Options{Synchronous: sqlite.SyncNormal}

// TestTwoHandles races writers on two handles on one file, as two
// processes would.
func TestTwoHandles(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared.db")
	var handles []catalog.Catalog
	for range 2 {
		db, err := sqlite.Open(ctx, path, fastOptions)
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
