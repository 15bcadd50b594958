package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"pgregory.net/rapid"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/catalogtest"
	"github.com/tapekit/tapekit/catalog/internal/migtest"
	"github.com/tapekit/tapekit/catalog/postgres"
	"github.com/tapekit/tapekit/internal/pgtest"
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

// TestQueueMigrateFromVersion5 opens a catalog at schema version 5, the
// last without the queue: Open adds the queue table, keeps the rows, and
// the queue works.
func TestQueueMigrateFromVersion5(t *testing.T) {
	ctx := context.Background()
	dsn := newDSN(t)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, q := range migtest.OldSchema(t, 5, "0006_queue.sql", migtest.UnsetTimesRows...) {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%.40s: %v", q, err)
		}
	}
	q := openQueue(t, dsn)
	db := q.(*postgres.DB)
	if v, err := db.SchemaVersion(ctx); err != nil || v != postgres.SchemaVersion {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, postgres.SchemaVersion)
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

// TestQueueModel runs the queue's rapid state machine, one database per
// run.
func TestQueueModel(t *testing.T) {
	raceChecks()
	pgtest.Require(t)
	rapid.Check(t, func(rt *rapid.T) {
		db := open(t)
		defer db.Close()
		catalogtest.CheckQueueModel(rt, db)
	})
}
