package scheduler

import (
	"fmt"
	"maps"
	"time"
)

// Policy says when a tape is worth a mount, which work a free drive takes,
// how long a tape stays mounted, and how often a request is retried. Zero
// fields mean "off" (no minimum, no delay, no limit), not "default": start
// from DefaultPolicy or a preset and change what you need.
type Policy struct {
	// Name identifies the policy in benchmarks and logs ("fifo",
	// "by-volume", "best").
	Name string

	// MinAge: a recall volume is not mounted before its oldest request
	// is this old, so requests for the same tape that arrive together
	// share one mount.
	MinAge time.Duration
	// MinBytes and MinFiles: a recall volume is not mounted before this
	// much work for it is queued (either threshold suffices; both zero:
	// no minimum).
	MinBytes int64
	MinFiles int
	// MaxAge forces a mount: a request this old is served by the next
	// free drive before any other work (but for the work of the tape that
	// drive has mounted), whatever MinAge, MinBytes, priority and fair
	// share say. Zero: never forced.
	MaxAge time.Duration

	// ArchiveMinBytes, ArchiveMinFiles and ArchiveMaxAge batch the
	// archives of one pool: a pool's queue is written when it holds this
	// many bytes or files or its oldest request is this old (all zero:
	// at once). MaxAge forces archives as well.
	ArchiveMinBytes int64
	ArchiveMinFiles int
	ArchiveMaxAge   time.Duration

	// MaxBatchFiles and MaxBatchBytes bound the work handed out at once
	// (zero: no bound); the drive asks for more before it dismounts.
	MaxBatchFiles int
	MaxBatchBytes int64
	// ArchiveMaxBatchBytes bounds the archive work handed out at once, so
	// that a deep queue of one pool is written by several drives, each on
	// its own volume, instead of by one (zero: no bound).
	ArchiveMaxBatchBytes int64

	// OneFilePerMount hands out one request per batch and nothing more
	// during the mount: the baseline a volume-batching scheduler is
	// measured against.
	OneFilePerMount bool
	// ArrivalOrder serves requests strictly oldest first, reading each
	// from its first readable copy, ignoring priority, fair share and
	// which volume holds the most work.
	ArrivalOrder bool

	// Shares are the fair-share weights of activities (Request.Activity;
	// "" counts as "default"); an activity not listed weighs 1. A drive
	// that becomes free goes to the activity with work that is furthest
	// below its weighted share of the busy drives.
	Shares map[string]float64

	// DismountDelay keeps an idle tape mounted this long in case work for
	// it arrives (zero: dismount at once when nothing is left for it).
	DismountDelay time.Duration
	// ReadyDrive shortens DismountDelay for the library's sake: with more
	// than one working drive, an idle tape is dismounted at once when no
	// other drive is idle and empty, so that a request for another tape
	// finds a drive ready to mount instead of waiting for a rewind and an
	// unload first. One drive at a time keeps its tape for the delay.
	ReadyDrive bool

	// RetriesPerMount is how many times a failed read or write is retried
	// at once on the same mounted tape before the request goes back to
	// the queue (for another copy, drive or mount).
	RetriesPerMount int
	// MaxAttempts is how many failed attempts a request gets in all
	// before it fails (drive failures and full volumes do not count;
	// zero: 1).
	MaxAttempts int
	// RetryDelay keeps a request that failed an attempt out of planning
	// this long, so that a retry is not the very next mount.
	RetryDelay time.Duration
}

// DefaultPolicy returns the defaults an operator would pick: every
// optimisation of PolicyBest, plus a minimum age of a few seconds so that
// requests submitted together share their mounts, a four-hour maximum
// age, and archives batched up to 10 GB or 20 minutes.
func DefaultPolicy() *Policy {
	p := PolicyBest()
	p.Name = "default"
	p.MinAge = 5 * time.Second
	p.ArchiveMinBytes = 10e9
	p.ArchiveMaxAge = 20 * time.Minute
	return p
}

// PolicyFIFO is the baseline: arrival order, one file per mount (a file
// on the tape already mounted is read without a remount), no dismount
// delay, no batching.
func PolicyFIFO() *Policy {
	return &Policy{
		Name:            "fifo",
		OneFilePerMount: true,
		ArrivalOrder:    true,
		MaxAttempts:     3,
	}
}

// PolicyByVolume batches all queued work of a volume into one mount, takes
// the volume with the most queued bytes first, and has no minimum before
// a mount and no dismount delay. The order of reads within the mount is
// the Orderer's (block order for this baseline).
func PolicyByVolume() *Policy {
	return &Policy{
		Name:            "by-volume",
		MaxAttempts:     3,
		RetriesPerMount: 1,
	}
}

// PolicyBest turns everything on: batching per volume, mounted tapes
// first, most queued work next, fair share, a dismount delay that keeps a
// tape mounted while work for it may come (but keeps a drive ready for
// other tapes: ReadyDrive), and retries; no minimum age, so
// that a lone request on an idle library starts at once.
func PolicyBest() *Policy {
	return &Policy{
		Name:                 "best",
		ArchiveMaxBatchBytes: 100e9,
		MaxAge:               4 * time.Hour,
		DismountDelay:        2 * time.Minute,
		ReadyDrive:           true,
		RetriesPerMount:      1,
		MaxAttempts:          3,
		RetryDelay:           30 * time.Second,
	}
}

// PolicyByName returns the preset of that name: "fifo", "by-volume",
// "best" or "default".
func PolicyByName(name string) (*Policy, error) {
	switch name {
	case "fifo":
		return PolicyFIFO(), nil
	case "by-volume":
		return PolicyByVolume(), nil
	case "best":
		return PolicyBest(), nil
	case "default":
		return DefaultPolicy(), nil
	}
	return nil, fmt.Errorf("scheduler: unknown policy %q", name)
}

// clone returns a copy the caller cannot change under the scheduler.
func (p *Policy) clone() Policy {
	c := *p
	c.Shares = maps.Clone(p.Shares)
	if c.MaxAttempts < 1 {
		c.MaxAttempts = 1
	}
	return c
}

// weight returns the fair-share weight of an activity.
func (p *Policy) weight(activity string) float64 {
	if w, ok := p.Shares[activityName(activity)]; ok && w > 0 {
		return w
	}
	return 1
}

func activityName(a string) string {
	if a == "" {
		return "default"
	}
	return a
}

// mountable reports whether a volume's (or a pool's) queued work is worth a
// mount at now by the policy, and if not, when it will be (zero: only when
// more work arrives). oldest is the creation time of its oldest request.
func (p *Policy) mountable(kind Kind, now, oldest time.Time, bytes int64, files int) (bool, time.Time) {
	var forceAt time.Time
	if p.MaxAge > 0 {
		forceAt = oldest.Add(p.MaxAge)
		if !now.Before(forceAt) {
			return true, time.Time{}
		}
	}
	var at time.Time // when it becomes mountable without more work
	if kind == Archive {
		if (p.ArchiveMinBytes <= 0 && p.ArchiveMinFiles <= 0 && p.ArchiveMaxAge <= 0) ||
			(p.ArchiveMinBytes > 0 && bytes >= p.ArchiveMinBytes) ||
			(p.ArchiveMinFiles > 0 && files >= p.ArchiveMinFiles) {
			return true, time.Time{}
		}
		if p.ArchiveMaxAge > 0 {
			at = oldest.Add(p.ArchiveMaxAge)
			if !now.Before(at) {
				return true, time.Time{}
			}
		}
	} else {
		enough := (p.MinBytes <= 0 && p.MinFiles <= 0) ||
			(p.MinBytes > 0 && bytes >= p.MinBytes) ||
			(p.MinFiles > 0 && files >= p.MinFiles)
		if enough {
			at = oldest.Add(p.MinAge)
			if !now.Before(at) {
				return true, time.Time{}
			}
		}
	}
	return false, earliest(at, forceAt)
}

// earliest returns the earlier of two times, ignoring zero ones.
func earliest(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero() || a.Before(b):
		return a
	}
	return b
}
