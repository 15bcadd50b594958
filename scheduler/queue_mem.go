package scheduler

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/tapekit/tapekit/catalog"
)

// MemoryQueue keeps the request queue in memory: the store a Scheduler
// uses when Config.Queue is nil. It follows the catalog.Queue contract
// exactly (a request ends once, a claim is never given twice), so tests
// can restart a Scheduler over the same MemoryQueue to play a restart,
// but it does not survive the process.
type MemoryQueue struct {
	mu      sync.Mutex
	lastID  int64
	entries map[int64]*catalog.QueueEntry
}

// NewMemoryQueue returns an empty queue.
func NewMemoryQueue() *MemoryQueue {
	return &MemoryQueue{entries: map[int64]*catalog.QueueEntry{}}
}

var _ catalog.Queue = (*MemoryQueue)(nil)

func ended(state string) bool {
	return state == "done" || state == "failed" || state == "cancelled"
}

// Enqueue stores the entries as queued and returns them with their ids.
func (q *MemoryQueue) Enqueue(ctx context.Context, es []catalog.QueueEntry) ([]catalog.QueueEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i, e := range es {
		if err := catalog.ValidateQueueEntry(e); err != nil {
			return nil, catalog.WithIndex(err, "entries", i)
		}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]catalog.QueueEntry, len(es))
	for i, e := range es {
		e.Created, e.Started = utc(e.Created), utc(e.Started)
		q.lastID++
		e.ID = q.lastID
		if e.State == "" {
			e.State = "queued"
		}
		c := e
		q.entries[e.ID] = &c
		out[i] = e
	}
	return out, nil
}

// Claim moves the queued entries among ids to running on host.
func (q *MemoryQueue) Claim(ctx context.Context, host, volume string, ids []int64, now time.Time) ([]int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := catalog.ValidateQueueHost(host); err != nil {
		return nil, err
	}
	if err := catalog.ValidateText("volume", volume); err != nil {
		return nil, err
	}
	if err := catalog.ValidateTime("now", now); err != nil {
		return nil, err
	}
	ids = append([]int64(nil), ids...)
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	q.mu.Lock()
	defer q.mu.Unlock()
	var got []int64
	for _, id := range ids {
		e := q.entries[id]
		if e == nil || e.State != "queued" {
			continue
		}
		e.State, e.Host, e.Volume = "running", host, volume
		if e.Started.IsZero() {
			e.Started = now.UTC()
		}
		e.Attempts++
		got = append(got, id)
	}
	return got, nil
}

// Requeue moves the entries among ids running on host back to queued.
func (q *MemoryQueue) Requeue(ctx context.Context, host string, ids []int64, reason string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := catalog.ValidateQueueHost(host); err != nil {
		return err
	}
	if err := catalog.ValidateText("reason", reason); err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, id := range ids {
		e := q.entries[id]
		if e == nil || e.State != "running" || e.Host != host {
			continue
		}
		e.State, e.Host, e.Reason = "queued", "", reason
	}
	return nil
}

// Finish ends the entry; false if it had ended already.
func (q *MemoryQueue) Finish(ctx context.Context, id int64, state, reason string, now time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if err := catalog.ValidateQueueFinish(state, reason, now); err != nil {
		return false, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	e := q.entries[id]
	if e == nil {
		return false, catalog.ErrNotFound
	}
	if ended(e.State) {
		return false, nil
	}
	e.State, e.Reason, e.Ended = state, reason, now.UTC()
	return true, nil
}

// QueueEntry returns one entry (catalog.ErrNotFound if none).
func (q *MemoryQueue) QueueEntry(ctx context.Context, id int64) (catalog.QueueEntry, error) {
	if err := ctx.Err(); err != nil {
		return catalog.QueueEntry{}, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	e := q.entries[id]
	if e == nil {
		return catalog.QueueEntry{}, catalog.ErrNotFound
	}
	return *e, nil
}

// PendingEntries returns up to limit entries not ended with id > after, in
// id order.
func (q *MemoryQueue) PendingEntries(ctx context.Context, after int64, limit int) ([]catalog.QueueEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > catalog.QueuePageMax {
		limit = catalog.QueuePageMax
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []catalog.QueueEntry
	for _, id := range q.sortedLocked() {
		e := q.entries[id]
		if id > after && !ended(e.State) {
			out = append(out, *e)
			if len(out) == limit {
				break
			}
		}
	}
	return out, nil
}

// GroupEntries returns the entries of the group, ended or not, in id order.
func (q *MemoryQueue) GroupEntries(ctx context.Context, group string) ([]catalog.QueueEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []catalog.QueueEntry
	for _, id := range q.sortedLocked() {
		if e := q.entries[id]; e.Group == group {
			out = append(out, *e)
		}
	}
	return out, nil
}

// RecoverHost moves every entry running on host back to queued.
func (q *MemoryQueue) RecoverHost(ctx context.Context, host, reason string) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := catalog.ValidateQueueHost(host); err != nil {
		return 0, err
	}
	if err := catalog.ValidateText("reason", reason); err != nil {
		return 0, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	var n int64
	for _, e := range q.entries {
		if e.State == "running" && e.Host == host {
			e.State, e.Host, e.Reason = "queued", "", reason
			n++
		}
	}
	return n, nil
}

// PurgeEnded forgets entries that ended before before.
func (q *MemoryQueue) PurgeEnded(ctx context.Context, before time.Time) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := catalog.ValidateTime("before", before); err != nil {
		return 0, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	var n int64
	for id, e := range q.entries {
		if ended(e.State) && e.Ended.Before(before) {
			delete(q.entries, id)
			n++
		}
	}
	return n, nil
}

func (q *MemoryQueue) sortedLocked() []int64 {
	ids := make([]int64, 0, len(q.entries))
	for id := range q.entries {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}
