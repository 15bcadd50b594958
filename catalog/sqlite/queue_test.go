package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/catalogtest"
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
