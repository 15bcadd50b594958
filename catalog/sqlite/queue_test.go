package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/catalogtest"
	"github.com/tapekit/tapekit/catalog/internal/migtest"
	"github.com/tapekit/tapekit/catalog/sqlite"
)

// openQueue opens a new catalog file and returns it as the Queue it
// implements.
func openQueue(t *testing.T, path string) catalog.Queue {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path, fastOptions)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var cat catalog.Catalog = db
	q, ok := cat.(catalog.Queue)
	if !ok {
		t.Fatal("*sqlite.DB does not implement catalog.Queue")
	}
	return q
}

func TestQueueConformance(t *testing.T) {
	catalogtest.TestQueue(t, func(t *testing.T) catalog.Queue {
		return openQueue(t, filepath.Join(t.TempDir(), "q.db"))
	})
}

// TestQueueTwoHandles claims on two handles on one file, as two
// processes would.
func TestQueueTwoHandles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	catalogtest.TestQueueShared(t, []catalog.Queue{openQueue(t, path), openQueue(t, path)})
}

// TestQueueMigrateFromVersion3 opens a catalog at schema version 3, the
// last without the queue: Open adds the queue table, keeps the rows, and
// the queue works.
func TestQueueMigrateFromVersion3(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, q := range migtest.OldSchema(t, 3, "0004_queue.sql", migtest.UnsetTimesRows...) {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%.40s: %v", q, err)
		}
	}
	q := openQueue(t, path)
	db := q.(*sqlite.DB)
	if v, err := db.SchemaVersion(ctx); err != nil || v != sqlite.SchemaVersion {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, sqlite.SchemaVersion)
	}
	if f, err := db.FileByPath(ctx, "/old"); err != nil || f.Size != 7 {
		t.Fatalf("FileByPath(/old) after migration = %+v, %v", f, err)
	}
	es, err := q.Enqueue(ctx, []catalog.QueueEntry{{Kind: catalog.QueueRecall, FileID: 1}})
	if err != nil || len(es) != 1 || es[0].ID != 1 {
		t.Fatalf("Enqueue after migration = %+v, %v", es, err)
	}
	if got, err := q.Claim(ctx, "h1", "V", []int64{1}, time.Unix(0, 0)); err != nil || len(got) != 1 {
		t.Fatalf("Claim after migration = %v, %v", got, err)
	}
}

// TestQueueModel runs the queue's rapid state machine on a fresh database
// file per run.
func TestQueueModel(t *testing.T) {
	raceChecks()
	dir := t.TempDir()
	n := 0
	rapid.Check(t, func(rt *rapid.T) {
		n++
		db, err := sqlite.Open(context.Background(), filepath.Join(dir, fmt.Sprintf("q%d.db", n)), fastOptions)
		if err != nil {
			rt.Fatal(err)
		}
		defer db.Close()
		catalogtest.CheckQueueModel(rt, db)
	})
}
