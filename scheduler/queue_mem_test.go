package scheduler

import (
	"context"
	"github.com/tapekit/tapekit/catalog/catalogtest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tapekit/tapekit/catalog"
)

// The contract the core relies on, in a few steps (TestMemoryQueueConformance
// runs the catalog's whole suite).
func TestMemoryQueue(t *testing.T) {
	ctx := context.Background()
	q := NewMemoryQueue()
	es, err := q.Enqueue(ctx, []catalog.QueueEntry{
		{Kind: "recall", FileID: 1, Group: "g", State: "queued"},
		{Kind: "recall", FileID: 2, Group: "g", State: "queued"},
		{Kind: "archive", FileID: 3, State: "queued"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]int64{1, 2, 3}, []int64{es[0].ID, es[1].ID, es[2].ID}); d != "" {
		t.Fatal(d)
	}
	now := t0
	got, _ := q.Claim(ctx, "h1", "V1", []int64{1, 2}, now)
	if d := cmp.Diff([]int64{1, 2}, got); d != "" {
		t.Fatal(d)
	}
	if got, _ := q.Claim(ctx, "h2", "V1", []int64{1, 2, 3}, now); !cmp.Equal([]int64{3}, got) {
		t.Fatalf("second claim got %v, want only 3", got)
	}
	e, _ := q.QueueEntry(ctx, 1)
	if e.State != "running" || e.Host != "h1" || e.Volume != "V1" || e.Attempts != 1 || !e.Started.Equal(now) {
		t.Fatalf("claimed: %+v", e)
	}
	_ = q.Requeue(ctx, "h2", []int64{1}, "not mine") // h2 does not run 1
	if e, _ := q.QueueEntry(ctx, 1); e.State != "running" {
		t.Fatal("another host requeued it")
	}
	_ = q.Requeue(ctx, "h1", []int64{1}, "mount failed")
	if e, _ := q.QueueEntry(ctx, 1); e.State != "queued" || e.Reason != "mount failed" {
		t.Fatalf("requeued: %+v", e)
	}
	if n, _ := q.RecoverHost(ctx, "h1", "restart"); n != 1 {
		t.Fatalf("recovered %d, want 1 (request 2)", n)
	}
	if ok, err := q.Finish(ctx, 3, "done", "", now.Add(time.Minute)); !ok || err != nil {
		t.Fatalf("finish: %v %v", ok, err)
	}
	if ok, err := q.Finish(ctx, 3, "failed", "again", now); ok || err != nil {
		t.Fatalf("second finish: %v %v", ok, err)
	}
	if _, err := q.Finish(ctx, 99, "done", "", now); err != catalog.ErrNotFound {
		t.Fatalf("finish unknown: %v", err)
	}
	p, _ := q.PendingEntries(ctx, 0, 1)
	if len(p) != 1 || p[0].ID != 1 {
		t.Fatalf("pending page %+v", p)
	}
	p, _ = q.PendingEntries(ctx, 1, 10)
	if len(p) != 1 || p[0].ID != 2 {
		t.Fatalf("pending after 1: %+v", p)
	}
	g, _ := q.GroupEntries(ctx, "g")
	if len(g) != 2 {
		t.Fatalf("group %+v", g)
	}
	if n, _ := q.PurgeEnded(ctx, now.Add(time.Hour)); n != 1 {
		t.Fatalf("purged %d", n)
	}
	if _, err := q.QueueEntry(ctx, 3); err != catalog.ErrNotFound {
		t.Fatalf("purged entry: %v", err)
	}
}

// The memory queue passes the catalog's queue conformance suite, as the
// SQLite and PostgreSQL queues do.
func TestMemoryQueueConformance(t *testing.T) {
	catalogtest.TestQueue(t, func(t *testing.T) catalog.Queue { return NewMemoryQueue() })
}
