package scheduler

// TEMPORARY (sched-core branch): a copy of the catalog.Queue contract from
// the work-split spec, until catalog/queue.go lands on main. At merge,
// replace this whole file by
//
//	type queueStore = catalog.Queue
//	type queueEntry = catalog.QueueEntry
//
// (or use the catalog names directly); nothing else needs to change.

import (
	"context"
	"time"
)

type queueEntry struct {
	ID           int64
	Kind         string // "recall" | "archive"
	Group        string
	FileID       int64
	Path         string
	Size         int64
	StorageClass string
	CopyNo       int64
	Pool         string
	Requester    string
	Activity     string
	Priority     int
	Created      time.Time
	State        string // queued | running | done | failed | cancelled
	Reason       string
	Started      time.Time
	Ended        time.Time
	Attempts     int
	Volume       string
	Host         string
}

type queueStore interface {
	Enqueue(ctx context.Context, es []queueEntry) ([]queueEntry, error)
	Claim(ctx context.Context, host, volume string, ids []int64, now time.Time) ([]int64, error)
	Requeue(ctx context.Context, host string, ids []int64, reason string) error
	Finish(ctx context.Context, id int64, state, reason string, now time.Time) (bool, error)
	QueueEntry(ctx context.Context, id int64) (queueEntry, error)
	PendingEntries(ctx context.Context, after int64, limit int) ([]queueEntry, error)
	GroupEntries(ctx context.Context, group string) ([]queueEntry, error)
	RecoverHost(ctx context.Context, host, reason string) (int64, error)
	PurgeEnded(ctx context.Context, before time.Time) (int64, error)
}
