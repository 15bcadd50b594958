package postgres_test

import (
	"context"
	"testing"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/catalogtest"
	"github.com/tapekit/tapekit/catalog/postgres"
)

// openQueue opens a catalog on the database dsn and returns it as the
// Queue it implements.
func openQueue(t *testing.T, dsn string) catalog.Queue {
	t.Helper()
	db, err := postgres.Open(context.Background(), dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var cat catalog.Catalog = db
	q, ok := cat.(catalog.Queue)
	if !ok {
		t.Fatal("*postgres.DB does not implement catalog.Queue")
	}
	return q
}

func TestQueueConformance(t *testing.T) {
	catalogtest.TestQueue(t, func(t *testing.T) catalog.Queue { return openQueue(t, newDSN(t)) })
}

// TestQueueTwoHosts claims on two connection pools on one database, as
// two hosts sharing a queue would.
func TestQueueTwoHosts(t *testing.T) {
	dsn := newDSN(t)
	catalogtest.TestQueueShared(t, []catalog.Queue{openQueue(t, dsn), openQueue(t, dsn)})
}
