package catalog

import (
	"context"
	"time"
)

// Kinds of queue entry (QueueEntry.Kind).
const (
	QueueRecall  = "recall"  // read a file's copy from tape
	QueueArchive = "archive" // write a file to a volume of a pool
)

// States of a queue entry (QueueEntry.State). An entry moves
// queued → running → (queued again after a retry or a restart) and ends
// exactly once in done, failed or cancelled.
const (
	QueueQueued    = "queued"
	QueueRunning   = "running"
	QueueDone      = "done"
	QueueFailed    = "failed"
	QueueCancelled = "cancelled"
)

// QueueEnded reports whether state is one a queue entry ends in: done,
// failed or cancelled.
func QueueEnded(state string) bool {
	return state == QueueDone || state == QueueFailed || state == QueueCancelled
}

// QueuePageMax is the most entries one PendingEntries call returns.
const QueuePageMax = 10000

// QueueEntry is one scheduler request as the queue stores it. The queue
// does not interpret the request's fields (Group … Priority, Created);
// it keeps them for the scheduler that reads them back after a restart.
type QueueEntry struct {
	ID           int64  // assigned by Enqueue, > 0
	Kind         string // QueueRecall or QueueArchive
	Group        string // requests cancelled or listed together ("" for none)
	FileID       int64  // the catalog file (recall), ≥ 0
	Path         string // the file's path or its place in a disk cache
	Size         int64  // bytes, ≥ 0
	StorageClass string
	CopyNo       int64 // archive: the copy written; recall: 0 for any copy
	Pool         string
	Requester    string
	Activity     string // tenant for fair share
	Priority     int
	Created      time.Time
	State        string    // QueueQueued … QueueCancelled
	Reason       string    // why it was requeued, failed or cancelled
	Started      time.Time // first claim; zero if never claimed
	Ended        time.Time // zero until it ends
	Attempts     int       // claims so far
	Volume       string    // the volume of the latest claim
	Host         string    // the host running it; "" when not running
	// Relocate, for an archive, names the volume the copy CopyNo of the
	// file leaves: the archive moves an existing copy (a repack) instead
	// of adding one. "" for every other entry.
	Relocate string
}

// Queue keeps a scheduler's requests in the catalog's database, so that
// they survive a restart and, with a database several hosts share
// (PostgreSQL), so that the hosts share one queue, each claiming work for
// its own drives. It is an optional interface of a Catalog: find it with
// q, ok := cat.(catalog.Queue). The SQLite and PostgreSQL catalogs
// implement it; catalogtest.TestQueue checks an implementation.
//
// Every method is safe for concurrent use, also by several processes or
// hosts where the database is shared, and every mutating method is one
// transaction: when it returns an error, the queue is unchanged. Invalid
// arguments give a *ValidationError wrapping ErrInvalid or ErrInvalidSize.
type Queue interface {
	// Enqueue adds the entries in one transaction and returns them with
	// their IDs, which increase in the order given and are never reused.
	// Each must pass ValidateQueueEntry: a zero ID, a known Kind, State
	// empty (taken as queued) or queued, a zero Ended, valid text and
	// times within [MinTime, MaxTime]. The other fields are stored as
	// given (a zero Created stays zero).
	Enqueue(ctx context.Context, entries []QueueEntry) ([]QueueEntry, error)
	// Claim moves those of ids that are queued to running on host, with
	// volume, Started set to now if it was zero, and Attempts one higher,
	// and returns the ids it moved in increasing order. Unknown ids and
	// entries not queued are skipped. Two calls, even from different
	// hosts, never both claim one entry.
	Claim(ctx context.Context, host, volume string, ids []int64, now time.Time) ([]int64, error)
	// Requeue moves those of ids that are running on host back to queued,
	// with reason and no host; Started, Attempts and Volume are kept.
	// Other entries are left as they are.
	Requeue(ctx context.Context, host string, ids []int64, reason string) error
	// Finish ends the entry in state (done, failed or cancelled) with
	// reason, Ended set to now, whatever state it was in. It returns
	// false and no error when the entry had already ended, so a request
	// ends exactly once; ErrNotFound when no entry has the id.
	Finish(ctx context.Context, id int64, state, reason string, now time.Time) (bool, error)
	// QueueEntry returns the entry (ErrNotFound if none).
	QueueEntry(ctx context.Context, id int64) (QueueEntry, error)
	// PendingEntries returns up to limit entries that have not ended and
	// whose ID is above after, in ID order: page through them by passing
	// the last ID returned. limit ≤ 0 or above QueuePageMax means
	// QueuePageMax.
	PendingEntries(ctx context.Context, after int64, limit int) ([]QueueEntry, error)
	// GroupEntries returns every entry of the group, ended or not, in ID
	// order.
	GroupEntries(ctx context.Context, group string) ([]QueueEntry, error)
	// RecoverHost moves every entry running on host back to queued with
	// reason, as Requeue, and returns how many it moved: what a host does
	// when it restarts, since nothing it ran before survived.
	RecoverHost(ctx context.Context, host, reason string) (int64, error)
	// PurgeEnded removes the entries that ended before the time given and
	// returns how many it removed.
	PurgeEnded(ctx context.Context, before time.Time) (int64, error)
}

// ValidateQueueEntry checks an entry before Enqueue stores it (see
// Queue.Enqueue).
func ValidateQueueEntry(e QueueEntry) error {
	switch {
	case e.ID != 0:
		return invalid("id", e.ID, ErrInvalid)
	case e.Kind != QueueRecall && e.Kind != QueueArchive:
		return invalid("kind", e.Kind, ErrInvalid)
	case e.State != "" && e.State != QueueQueued:
		return invalid("state", e.State, ErrInvalid)
	case e.FileID < 0:
		return invalid("file_id", e.FileID, ErrInvalid)
	case e.Size < 0:
		return invalid("size", e.Size, ErrInvalidSize)
	case e.CopyNo < 0:
		return invalid("copy_no", e.CopyNo, ErrInvalid)
	case e.Attempts < 0:
		return invalid("attempts", e.Attempts, ErrInvalid)
	case !e.Ended.IsZero():
		return invalid("ended", e.Ended.UTC().Format(time.RFC3339Nano), ErrInvalid)
	case e.Host != "":
		return invalid("host", e.Host, ErrInvalid)
	case e.Relocate != "" && (e.Kind != QueueArchive || e.CopyNo < 1):
		return invalid("relocate", e.Relocate, ErrInvalid)
	}
	for _, t := range []struct{ f, s string }{
		{"group", e.Group}, {"path", e.Path}, {"storage_class", e.StorageClass}, {"pool", e.Pool},
		{"requester", e.Requester}, {"activity", e.Activity}, {"reason", e.Reason}, {"volume", e.Volume},
		{"relocate", e.Relocate},
	} {
		if err := validText(t.f, t.s); err != nil {
			return err
		}
	}
	if err := ValidateTime("created", e.Created); err != nil {
		return err
	}
	return ValidateTime("started", e.Started)
}

// ValidateQueueHost checks the host a Claim, Requeue or RecoverHost names:
// a name as ValidateName checks it.
func ValidateQueueHost(host string) error { return validName("host", host) }

// ValidateQueueFinish checks the arguments of Finish: an ended state,
// valid reason text and a time within [MinTime, MaxTime].
func ValidateQueueFinish(state, reason string, now time.Time) error {
	if !QueueEnded(state) {
		return invalid("state", state, ErrInvalid)
	}
	if err := validText("reason", reason); err != nil {
		return err
	}
	return ValidateTime("now", now)
}
