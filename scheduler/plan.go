package scheduler

// The planner, and the internal contract between it (the core) and the
// mover, both in this package. The core implements, the mover calls:
//
//	func (s *Scheduler) next(ctx context.Context, d *driveState) (b *batch, dismount bool, err error)
//	    Blocks (on the clock) until there is a batch for drive d, or d
//	    should dismount its idle tape (DismountDelay is over, or the
//	    tape became unusable), or ctx ends (ctx.Err()), or d is down
//	    (errDriveDown: unload what is in the drive if possible, report it
//	    with setMounted and return). Work for d.mounted comes first. A
//	    batch whose volume is not d.mounted means: dismount (if a tape is
//	    in the drive), then mount b.volume. Calling next also closes the
//	    previous batch: entries of it still claimed by d (neither done nor
//	    unclaimed) are requeued.
//	func (s *Scheduler) more(d *driveState) []*entry
//	    Claims the requests for d's mounted volume that arrived during
//	    the mount (nil with OneFilePerMount, or when another activity
//	    should have the drive), for the mover to append to its work
//	    before it dismounts. Call it when the batch's entries are done.
//	    The core keeps its own list: the mover may append them to
//	    b.entries or to a slice of its own.
//	func (s *Scheduler) done(d *driveState, e *entry, res result) (retry bool)
//	    The outcome of one entry. The core ends the request (exactly
//	    once) or requeues it (another copy, drive or mount), tracks
//	    suspect volumes and marks the drive down. retry true: try e again
//	    at once on this mount (RetriesPerMount); e stays claimed and needs
//	    another done. Ignoring the result compiles and is safe: the entry
//	    is requeued by the next call to next.
//	func (s *Scheduler) unclaimed(d *driveState, es []*entry, reason string)
//	    Gives back claimed entries not started (mount failed, sink
//	    reservation given up, shutdown): requeued without counting an
//	    attempt, or ended Cancelled when a cancel came meanwhile.
//	func (s *Scheduler) setMounted(d *driveState, volume string)
//	    What is in the drive: after a mount, after a dismount ("") and
//	    after finding a tape in it at start-up. The mover never writes
//	    d.mounted itself (it may read it).
//	func (s *Scheduler) writer(d *driveState) string
//	    The writer name under which the core reserved b.volume for an
//	    archive batch (catalog.ReserveVolume); the mover keeps the
//	    reservation while it writes, and may ReleaseVolume(volume,
//	    writer(d)) after marking a volume full.
//
//	type result struct { err error; kind failKind; volume string; copies []catalog.Copy; noRetry bool }
//	failKind: failNone (err nil: Done), failMedia (the tape, or the drive
//	with it: counts towards suspects), failDrive (the drive: down at once,
//	entry requeued uncounted), failSink (the sink refused the file),
//	failCancelled (e.ctx ended), failOther, failNoSpace (archive: end of
//	medium before the file was safe: requeued uncounted on another volume;
//	mark the volume full in the catalog), failGone (the file, or the copy
//	an archive relocates, is gone: the request fails at once).
//
// The mover reads, without locking, b.volume, b.kind, b.pool and
// b.entries (which it owns once handed out), and of an entry its Request fields (Path, Size, FileID,
// CopyNo, Pool...), e.file (recall: the catalog's file, with the
// Checksums to verify), e.copy (recall: the copy on b.volume: FileSeq,
// BlockID, Size) and e.ctx, which is cancelled when the request is
// cancelled: check it between blocks and abort the SinkFile. For the rest
// it uses s.cfg (Changer, Sink, Source, TapeIO, Orderer, CostModel),
// s.cat, s.clk, s.log and s.host. done, unclaimed, more and setMounted use
// their own background context for the store: bookkeeping must complete
// even while Run is ending. An archive entry is reported Done only after
// its copy is committed (CommitCopies after the synchronising filemark).

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/simulator/vclock"
)

// failKind classifies a failed entry for the core.
type failKind uint8

const (
	failNone      failKind = iota
	failMedia              // the tape (or the drive with it): counts towards suspects
	failDrive              // the drive: it goes down, the entry is requeued uncounted
	failSink               // the sink refused the file
	failCancelled          // the entry's ctx was cancelled
	failOther              // anything else
	failNoSpace            // archive: the volume is full; requeued uncounted
	failGone               // the file (or the copy to relocate) is gone: fails at once
)

func (k failKind) String() string {
	return [...]string{"ok", "media error", "drive error", "sink error", "cancelled", "error", "volume full", "gone"}[k]
}

// result is the outcome of one entry, given to done.
type result struct {
	err    error
	kind   failKind
	volume string         // the volume it was read from or written to
	copies []catalog.Copy // archive: the copy committed
	// noRetry: the mover cannot try the entry again on this mount (its
	// writer failed, the mount failed, the commit failed), so done must
	// not ask it to; the entry is requeued or ended.
	noRetry bool
}

// entry is a request the scheduler holds, with what the planner knows.
type entry struct {
	Request
	file   catalog.File   // recall: the catalog's file (Checksums to verify)
	copies []catalog.Copy // recall: every copy, in copy-number order
	copy   catalog.Copy   // recall, while claimed: the copy on the batch's volume

	// While claimed: cancelled when the request is cancelled (or ends).
	ctx          context.Context
	cancel       context.CancelFunc
	cancelReason string // a cancel came while running

	drive      *driveState     // while claimed
	avoid      map[string]bool // volumes that failed for it: other copies first
	fails      int             // failed attempts (mounts)
	mountTries int             // retries within the current mount
	notBefore  time.Time       // not planned before (RetryDelay)
	gone       bool            // removed from entries; dropped from order at the next compaction
}

// batch is one mount's work, chosen by the planner.
type batch struct {
	volume   string // barcode to mount
	kind     Kind
	pool     string   // archive: the pool written
	activity string   // the fair-share activity the drive counts for
	entries  []*entry // the mover's: the core never changes it once handed out
	held     []*entry // the core's: entries and what more added
	free     int64    // archive: bytes the volume takes besides entries (estimate)
	extra    bool     // work more adds to the mounted batch
}

// live reports whether the drive d still runs some of b's entries: until
// then b holds its volume and d counts as busy for b.activity.
func (b *batch) live(d *driveState) bool {
	if b == nil {
		return false
	}
	for _, e := range b.held {
		if e.drive == d && e.State == Running {
			return true
		}
	}
	return false
}

// driveState is the core's view of one drive.
type driveState struct {
	Drive
	mounted    string // the volume in the drive ("" none); see setMounted
	down       bool
	downReason string
	// operator: an operator put it down (SetDriveDown), not its errors;
	// Run waits for it to come back up.
	operator  bool
	working   bool      // its worker runs
	restart   bool      // put up with no worker: Run starts one
	batch     *batch    // the batch it works on; nil between batches
	idleSince time.Time // when its mounted tape ran out of work
	mountKind Kind      // what the mounted tape was mounted for
	mountPool string    // archive: its pool
	activity  string    // the activity of its last batch
	idle      bool      // its worker waits in next for work
	volFails  map[string]bool
}

// writer names d when the core reserves archive volumes for it.
func (s *Scheduler) writer(d *driveState) string { return s.host + "/" + d.Name }

// setMounted records what is in the drive.
func (s *Scheduler) setMounted(d *driveState, volume string) {
	s.lock()
	if d.mounted != volume {
		d.idleSince = time.Time{}
	}
	d.mounted = volume
	if volume == "" {
		d.mountKind, d.mountPool = 0, ""
	}
	s.unlock()
	s.wake.broadcast()
}

// next: see the contract above.
func (s *Scheduler) next(ctx context.Context, d *driveState) (*batch, bool, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, false, err
		}
		s.refresh(ctx)
		s.lock()
		b, dismount, wake, err := s.pollLocked(ctx, d)
		d.idle = err == nil && b == nil && !dismount
		g := s.wake.arm()
		s.unlock()
		if err != nil || b != nil || dismount {
			return b, dismount, err
		}
		wait := time.Duration(-1)
		if !wake.IsZero() {
			wait = max(wake.Sub(s.now()), time.Millisecond)
		}
		if s.outside.Load() && (wait < 0 || wait > outsidePoll) {
			wait = outsidePoll
		}
		if s.shared && (wait < 0 || wait > refreshEvery) {
			wait = refreshEvery
		}
		if err := s.wake.wait(ctx, g, wait); err != nil {
			s.lock()
			d.idle = false
			s.unlock()
			return nil, false, err
		}
	}
}

// pollLocked is next without waiting: a batch, a dismount, or the time at
// which to look again (zero: when something changes).
func (s *Scheduler) pollLocked(ctx context.Context, d *driveState) (*batch, bool, time.Time, error) {
	s.releaseDriveLocked(d, reasonNoResult)
	if d.down {
		return nil, false, time.Time{}, errDriveDown
	}
	now := s.now()
	yielded := false
	if d.mounted != "" && !s.pol.ArrivalOrder && !s.preemptedLocked(d, now) {
		if yielded = s.yieldLocked(d, d.activity, now); !yielded {
			b, err := s.mountedWorkLocked(ctx, d, now)
			if err != nil || b != nil {
				return b, false, time.Time{}, err
			}
		}
	}
	var b *batch
	var wake time.Time
	var err error
	// A drive that yields its tape to fair share plans even while an empty
	// drive waits: the fairest work may be for its own tape, which the
	// empty drive cannot have (found by the HSM's repack test: recalls for
	// tapes that repack writers held waited for the dismount delay).
	if d.mounted == "" || yielded || !s.emptyDriveWaitsLocked(d) {
		b, wake, err = s.planLocked(ctx, d, now)
		if err != nil || b != nil {
			return b, false, time.Time{}, err
		}
	}
	if d.mounted != "" {
		if d.idleSince.IsZero() {
			d.idleSince = now
		}
		at := d.idleSince.Add(s.pol.DismountDelay)
		if !now.Before(at) || !s.volumeUsableLocked(d.mounted) || (s.pol.ReadyDrive && s.noReadyDriveLocked(d)) {
			return nil, true, time.Time{}, nil
		}
		wake = earliest(wake, at)
	}
	return nil, false, wake, nil
}

// preemptedLocked reports whether work for another tape that d could
// mount goes before the work of d's mounted tape: a request past MaxAge,
// or one of a higher priority than any for the mounted tape. A steady
// stream of work for one tape must not starve the others.
func (s *Scheduler) preemptedLocked(d *driveState, now time.Time) bool {
	mountedPrio, otherPrio := 0, 0
	mountedWork, otherWork := false, false
	for _, e := range s.sortedLocked() {
		if e.State != Queued || now.Before(e.notBefore) {
			continue
		}
		here, elsewhere := false, false
		if e.Kind == Archive {
			here = d.mountKind == Archive && e.Pool == d.mountPool
			elsewhere = !here && !now.Before(s.poolWait[e.Pool])
		} else {
			for _, c := range s.usableCopiesLocked(e) {
				if c.Volume == d.mounted {
					here = true
					break
				}
				if !s.inUseLocked(d, c.Volume) {
					elsewhere = true
				}
			}
		}
		switch {
		case here:
			if !mountedWork || e.Priority > mountedPrio {
				mountedPrio = e.Priority
			}
			mountedWork = true
		case elsewhere:
			if s.pol.MaxAge > 0 && now.Sub(e.Created) >= s.pol.MaxAge {
				return true
			}
			if !otherWork || e.Priority > otherPrio {
				otherPrio = e.Priority
			}
			otherWork = true
		}
	}
	return mountedWork && otherWork && otherPrio > mountedPrio
}

// emptyDriveWaitsLocked reports whether another working drive without a
// tape waits for work: new work goes to it first, since d would have to
// dismount its tape before mounting another.
func (s *Scheduler) emptyDriveWaitsLocked(d *driveState) bool {
	for _, o := range s.drives {
		if o != d && !o.down && o.idle && o.mounted == "" && !o.batch.live(o) {
			return true
		}
	}
	return false
}

// noReadyDriveLocked: with more than one working drive, none but d is
// idle and empty (Policy.ReadyDrive).
func (s *Scheduler) noReadyDriveLocked(d *driveState) bool {
	working := 0
	for _, o := range s.drives {
		if !o.down {
			working++
		}
	}
	return working > 1 && !s.emptyDriveWaitsLocked(d)
}

// volumeUsableLocked: readable, not suspect, in this host's library.
func (s *Scheduler) volumeUsableLocked(v string) bool {
	info := s.vols[v]
	return info.readable() && s.suspect[v] == "" && (s.cfg.Library == "" || info.library == s.cfg.Library)
}

// reserveVolume reserves a volume of the pool, in Config.Library when set.
func (s *Scheduler) reserveVolume(ctx context.Context, pool string, minFree int64, writer string) (catalog.Volume, error) {
	if s.cfg.Library != "" {
		return s.cat.(catalog.LibraryReserver).ReserveVolumeIn(ctx, pool, s.cfg.Library, minFree, writer)
	}
	return s.cat.ReserveVolume(ctx, pool, minFree, writer)
}

// usableCopiesLocked returns e's copies the planner may read: on readable,
// not suspect volumes that are not stuck in a down drive; the copies on
// volumes e should avoid only when there are no others.
func (s *Scheduler) usableCopiesLocked(e *entry) []catalog.Copy {
	all := true // the common case, without allocating
	for _, c := range e.copies {
		if !s.volumeUsableLocked(c.Volume) || s.inDownDriveLocked(c.Volume) || e.avoid[c.Volume] {
			all = false
			break
		}
	}
	if all {
		return e.copies
	}
	var ok, avoided []catalog.Copy
	for _, c := range e.copies {
		if !s.volumeUsableLocked(c.Volume) || s.inDownDriveLocked(c.Volume) {
			continue
		}
		if e.avoid[c.Volume] {
			avoided = append(avoided, c)
		} else {
			ok = append(ok, c)
		}
	}
	if len(ok) == 0 {
		return avoided
	}
	return ok
}

func (s *Scheduler) inDownDriveLocked(v string) bool {
	for _, d := range s.drives {
		if d.down && d.mounted == v {
			return true
		}
	}
	return false
}

// copiesStateLocked says why e's copies cannot be read.
func (s *Scheduler) copiesStateLocked(e *entry) string {
	var parts []string
	for _, c := range e.copies {
		v := s.vols[c.Volume]
		why := "unknown volume"
		switch {
		case v == nil || !v.known:
		case s.suspect[c.Volume] != "":
			why = "suspect (" + s.suspect[c.Volume] + ")"
		case s.inDownDriveLocked(c.Volume):
			why = "in a drive that is down"
		default:
			why = string(v.state)
		}
		parts = append(parts, fmt.Sprintf("copy %d on %s: %s", c.CopyNo, c.Volume, why))
	}
	return strings.Join(parts, "; ")
}

// copyOn returns e's copy on the volume.
func copyOn(e *entry, v string) (catalog.Copy, bool) {
	for _, c := range e.copies {
		if c.Volume == v {
			return c, true
		}
	}
	return catalog.Copy{}, false
}

// mountedWorkLocked claims the queued work for d's mounted tape.
func (s *Scheduler) mountedWorkLocked(ctx context.Context, d *driveState, now time.Time) (*batch, error) {
	var es []*entry
	kind := Recall
	if s.volumeUsableLocked(d.mounted) {
		for _, e := range s.sortedLocked() {
			if e.State == Queued && e.Kind == Recall && !now.Before(e.notBefore) && s.canReadLocked(e, d.mounted) {
				es = append(es, e)
			}
		}
	}
	if len(es) == 0 && d.mountKind == Archive && s.vols[d.mounted] != nil && s.vols[d.mounted].state == catalog.StateActive && s.suspect[d.mounted] == "" {
		kind = Archive
		for _, e := range s.sortedLocked() {
			if e.State == Queued && e.Kind == Archive && e.Pool == d.mountPool && !now.Before(e.notBefore) {
				es = append(es, e)
			}
		}
	}
	if len(es) == 0 {
		return nil, nil
	}
	b := &batch{volume: d.mounted, kind: kind, activity: activityName(es[0].Activity)}
	if kind == Archive {
		b.pool, b.free = d.mountPool, s.vols[d.mounted].free
	}
	s.fillLocked(b, es)
	return s.claimLocked(ctx, d, b, now)
}

// canReadLocked: e may be read from volume v now.
func (s *Scheduler) canReadLocked(e *entry, v string) bool {
	for _, c := range s.usableCopiesLocked(e) {
		if c.Volume == v {
			return true
		}
	}
	return false
}

// fillLocked puts into b the entries es in the order the policy serves
// them, within the batch bounds (and, for an archive, the volume's free
// space).
func (s *Scheduler) fillLocked(b *batch, es []*entry) {
	bytes := b.bytes()
	for _, e := range s.orderLocked(es) {
		if s.pol.OneFilePerMount && len(b.entries) == 1 {
			break
		}
		if s.pol.MaxBatchFiles > 0 && len(b.entries) >= s.pol.MaxBatchFiles {
			break
		}
		if len(b.entries) > 0 && s.pol.MaxBatchBytes > 0 && bytes+e.Size > s.pol.MaxBatchBytes {
			break
		}
		if b.kind == Archive {
			if len(b.entries) > 0 && s.pol.ArchiveMaxBatchBytes > 0 && bytes+e.Size > s.pol.ArchiveMaxBatchBytes {
				break
			}
			if e.Size > b.free {
				continue
			}
			b.free -= e.Size
		}
		bytes += e.Size
		b.entries = append(b.entries, e)
	}
}

func (b *batch) bytes() int64 {
	var n int64
	for _, e := range b.entries {
		n += e.Size
	}
	return n
}

// orderLocked returns es in the order the policy serves them: arrival, or
// priority then arrival.
func (s *Scheduler) orderLocked(es []*entry) []*entry {
	es = append([]*entry(nil), es...)
	if s.pol.ArrivalOrder {
		sort.SliceStable(es, func(i, j int) bool { return older(es[i], es[j]) })
	} else {
		sort.SliceStable(es, func(i, j int) bool {
			if es[i].Priority != es[j].Priority {
				return es[i].Priority > es[j].Priority
			}
			return older(es[i], es[j])
		})
	}
	return es
}

// older orders by arrival: creation time, then id.
func older(a, b *entry) bool {
	if !a.Created.Equal(b.Created) {
		return a.Created.Before(b.Created)
	}
	return a.ID < b.ID
}

// claimLocked claims b's entries in the store and hands b to d; nil if
// the store gave none of them (another host took them).
func (s *Scheduler) claimLocked(ctx context.Context, d *driveState, b *batch, now time.Time) (*batch, error) {
	ids := make([]int64, len(b.entries))
	for i, e := range b.entries {
		ids[i] = e.ID
	}
	got, err := s.q.Claim(ctx, s.host, b.volume, ids, now)
	if err != nil {
		return nil, fmt.Errorf("scheduler: claim: %w", err)
	}
	claimed := make(map[int64]bool, len(got))
	for _, id := range got {
		claimed[id] = true
	}
	es := b.entries[:0]
	for _, e := range b.entries {
		if !claimed[e.ID] {
			// Taken or ended by another host: no longer ours.
			s.log.Warn("scheduler: request not claimable, dropped", "id", e.ID)
			s.removeLocked(e)
			continue
		}
		s.startLocked(d, b, e, now)
		es = append(es, e)
	}
	b.entries = es
	if len(es) == 0 {
		return nil, nil
	}
	b.held = slices.Clone(es)
	d.batch = b
	d.idleSince = time.Time{}
	d.mountKind, d.mountPool, d.activity = b.kind, b.pool, b.activity
	if s.onBatch != nil {
		s.onBatch(d, b)
	}
	if f := s.events.Batch; f != nil {
		bi := BatchInfo{Time: now, Drive: d.Name, Volume: b.volume, Kind: b.kind, Pool: b.pool,
			Activity: b.activity, Bytes: b.bytes(), More: b.extra}
		for _, e := range es {
			bi.Requests = append(bi.Requests, e.ID)
		}
		s.evs = append(s.evs, func() { f(bi) })
	}
	return b, nil
}

func (s *Scheduler) startLocked(d *driveState, b *batch, e *entry, now time.Time) {
	e.State, e.Host, e.Volume, e.drive = Running, s.host, b.volume, d
	if e.Started.IsZero() {
		e.Started = now
	}
	e.Attempts++
	e.mountTries = 0
	if b.kind == Recall {
		e.copy, _ = copyOn(e, b.volume)
	}
	e.ctx, e.cancel = context.WithCancel(context.Background())
}

// more: see the contract above.
func (s *Scheduler) more(d *driveState) []*entry {
	s.lock()
	defer s.unlock()
	b := d.batch
	if b == nil || d.down || d.mounted == "" || d.mounted != b.volume || s.pol.OneFilePerMount {
		return nil
	}
	now := s.now()
	if s.preemptedLocked(d, now) || s.yieldLocked(d, b.activity, now) {
		return nil
	}
	var es []*entry
	for _, e := range s.sortedLocked() {
		if e.State != Queued || e.Kind != b.kind || now.Before(e.notBefore) {
			continue
		}
		if (b.kind == Recall && s.canReadLocked(e, b.volume)) || (b.kind == Archive && e.Pool == b.pool) {
			es = append(es, e)
		}
	}
	if len(es) == 0 {
		return nil
	}
	add := &batch{volume: b.volume, kind: b.kind, pool: b.pool, activity: b.activity, free: b.free, extra: true}
	s.fillLocked(add, es)
	got, err := s.claimLocked(context.Background(), d, add, now)
	if err != nil {
		s.log.Error("scheduler: claim more", "drive", d.Name, "err", err)
	}
	d.batch = b // claimLocked made add d's batch; it belongs to b
	if got == nil {
		return nil
	}
	b.free = add.free
	b.held = append(b.held, got.entries...)
	return got.entries
}

// done: see the contract above.
func (s *Scheduler) done(d *driveState, e *entry, res result) (retry bool) {
	s.lock()
	defer s.unlock()
	if e.drive != d || e.State != Running {
		s.log.Warn("scheduler: result for a request the drive does not hold", "drive", d.Name, "id", e.ID)
		return false
	}
	if res.err == nil && res.kind == failNone {
		if res.volume != "" {
			e.Volume = res.volume
		}
		if e.Kind == Archive && e.Relocate != "" {
			for _, c := range res.copies {
				s.relocatedLocked(c)
			}
		}
		if e.Kind == Archive {
			if v := s.vols[e.Volume]; v != nil {
				v.free -= e.Size
			}
		}
		s.endLocked(e, Done, "")
		return false
	}
	if e.cancelReason != "" || res.kind == failCancelled {
		reason := e.cancelReason
		if reason == "" {
			reason = "cancelled"
		}
		s.endLocked(e, Cancelled, reason)
		return false
	}
	reason := res.kind.String()
	if res.err != nil {
		reason = res.err.Error()
	}
	vol := res.volume
	if vol == "" {
		vol = e.Volume
	}
	switch res.kind {
	case failGone:
		s.endLocked(e, Failed, reason)
		return false
	case failDrive:
		s.driveDownLocked(d, reason)
		s.requeueLocked([]*entry{e}, reason)
		return false
	case failNoSpace:
		if v := s.vols[vol]; v != nil {
			v.free = 0
		}
		s.requeueLocked([]*entry{e}, reason)
		return false
	case failMedia:
		s.mediaFailLocked(d, vol, reason)
	}
	if !res.noRetry && res.kind != failSink && e.mountTries < s.pol.RetriesPerMount && !d.down && s.suspect[vol] == "" {
		e.mountTries++
		return true
	}
	e.fails++
	if res.kind == failMedia {
		if e.avoid == nil {
			e.avoid = map[string]bool{}
		}
		e.avoid[vol] = true
	}
	if e.fails >= s.pol.MaxAttempts {
		s.endLocked(e, Failed, fmt.Sprintf("%s (attempt %d of %d)", reason, e.fails, s.pol.MaxAttempts))
		return false
	}
	e.notBefore = s.now().Add(s.pol.RetryDelay)
	s.requeueLocked([]*entry{e}, reason)
	return false
}

// relocatedLocked points the queued recalls of c's file at c, the copy
// that replaced the one of the same number (a repack): the volume that
// copy was on may be disabled as soon as the repack ends.
func (s *Scheduler) relocatedLocked(c catalog.Copy) {
	for _, o := range s.sortedLocked() {
		if o.Kind != Recall || o.FileID != c.FileID || o.State.Ended() {
			continue
		}
		for i := range o.copies {
			if o.copies[i].CopyNo == c.CopyNo {
				o.copies[i] = c
			}
		}
	}
}

// unclaimed: see the contract above.
func (s *Scheduler) unclaimed(d *driveState, es []*entry, reason string) {
	s.lock()
	defer s.unlock()
	var back []*entry
	for _, e := range es {
		if e.drive != d || e.State != Running {
			continue
		}
		if e.cancelReason != "" {
			s.endLocked(e, Cancelled, e.cancelReason)
			continue
		}
		back = append(back, e)
	}
	s.requeueLocked(back, reason)
}

// requeueLocked puts running entries back in the queue.
func (s *Scheduler) requeueLocked(es []*entry, reason string) {
	if len(es) == 0 {
		return
	}
	ids := make([]int64, len(es))
	for i, e := range es {
		ids[i] = e.ID
	}
	if err := s.q.Requeue(context.Background(), s.host, ids, reason); err != nil {
		// The store keeps them running on this host: the next Run's
		// recovery requeues them.
		s.log.Error("scheduler: requeue", "ids", ids, "err", err)
	}
	for _, e := range es {
		if e.cancel != nil {
			e.cancel()
		}
		e.State, e.Host, e.Volume, e.Reason, e.drive = Queued, "", "", reason, nil
		e.ctx, e.cancel = nil, nil
	}
	s.changed = true
}

// mediaFailLocked counts a media error of volume v in drive d: a volume
// that failed in two drives is suspect; a drive that failed with two
// volumes goes down. Blame goes to one side: a suspect volume's errors no
// longer count against drives, a down drive's no longer against volumes.
func (s *Scheduler) mediaFailLocked(d *driveState, v, reason string) {
	if v == "" {
		return
	}
	if s.volFails[v] == nil {
		s.volFails[v] = map[string]bool{}
	}
	s.volFails[v][d.Name] = true
	d.volFails[v] = true
	if len(s.volFails[v]) >= 2 && s.suspect[v] == "" {
		names := sortedKeys(s.volFails[v])
		s.suspect[v] = "media errors in drives " + strings.Join(names, ", ")
		s.log.Warn("scheduler: volume suspect", "volume", v, "why", s.suspect[v], "last", reason)
		if f := s.events.Suspect; f != nil {
			why := s.suspect[v]
			s.evs = append(s.evs, func() { f(v, why) })
		}
		for _, o := range s.drives {
			delete(o.volFails, v)
		}
	}
	if len(d.volFails) >= 2 {
		s.driveDownLocked(d, "media errors with volumes "+strings.Join(sortedKeys(d.volFails), ", "))
	}
}

func (s *Scheduler) driveDownLocked(d *driveState, reason string) {
	if d.down {
		return
	}
	d.down, d.downReason = true, reason
	s.log.Warn("scheduler: drive down", "drive", d.Name, "why", reason)
	if f := s.events.DriveDown; f != nil {
		s.evs = append(s.evs, func() { f(d.Name, reason) })
	}
	for v, ds := range s.volFails {
		delete(ds, d.Name)
		if len(ds) == 0 {
			delete(s.volFails, v)
		}
	}
	clear(d.volFails)
}

func sortedKeys(m map[string]bool) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// cand is a candidate batch: the queued work of one volume (recall) or
// one pool (archive).
type cand struct {
	kind    Kind
	key     string // volume or pool
	entries []*entry
	bytes   int64
	oldest  *entry
	prio    int
	forced  bool
}

func (c *cand) add(e *entry) {
	c.entries = append(c.entries, e)
	c.bytes += e.Size
	if c.oldest == nil || older(e, c.oldest) {
		c.oldest = e
	}
	if len(c.entries) == 1 || e.Priority > c.prio {
		c.prio = e.Priority
	}
}

// planLocked picks a new batch for d among the volumes no other drive
// holds, and claims it.
func (s *Scheduler) planLocked(ctx context.Context, d *driveState, now time.Time) (*batch, time.Time, error) {
	var wake time.Time
	for range 8 { // each round drops what made the previous one fail
		cands, w := s.candidatesLocked(d, now)
		wake = w
		c, act := s.chooseLocked(d, cands)
		if c == nil {
			return nil, wake, nil
		}
		b := &batch{volume: c.key, kind: c.kind, activity: act}
		if c.kind == Archive {
			b.pool = c.key
			v, ok, err := s.reserveLocked(ctx, d, c, now)
			if err != nil {
				return nil, wake, err
			}
			if !ok {
				continue
			}
			b.volume, b.free = v.Barcode, v.Free()
		} else if c.key != d.mounted {
			if err := s.refreshVolumeLocked(ctx, c.key); err != nil {
				return nil, wake, err
			}
			if !s.volumeUsableLocked(c.key) {
				continue
			}
		}
		s.fillLocked(b, c.entries)
		if len(b.entries) == 0 {
			continue
		}
		got, err := s.claimLocked(ctx, d, b, now)
		if err != nil || got != nil {
			return got, wake, err
		}
	}
	return nil, earliest(wake, now.Add(time.Second)), nil
}

// refreshVolumeLocked rereads a volume's state before it is mounted.
func (s *Scheduler) refreshVolumeLocked(ctx context.Context, barcode string) error {
	v, err := s.cat.Volume(ctx, barcode)
	if err != nil && !errors.Is(err, catalog.ErrUnknownVolume) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.log.Error("scheduler: volume state", "volume", barcode, "err", err)
		return nil // keep what we knew
	}
	s.vols[barcode] = &volInfo{state: v.State, pool: v.Pool, media: v.MediaType, library: v.Library, free: v.Free(), known: err == nil}
	return nil
}

// reserveLocked reserves a volume of the candidate's pool for d. ok false:
// none now (the pool waits, and its requests count a failed attempt when
// the pool has no writable volume).
func (s *Scheduler) reserveLocked(ctx context.Context, d *driveState, c *cand, now time.Time) (catalog.Volume, bool, error) {
	pool := c.key
	need := max(s.orderLocked(c.entries)[0].Size, 1)
	backoff := max(s.pol.RetryDelay, time.Minute)
	for range 3 {
		v, err := s.reserveVolume(ctx, pool, need, s.writer(d))
		if err != nil {
			if ctx.Err() != nil {
				return v, false, ctx.Err()
			}
			s.poolWait[pool] = now.Add(backoff)
			reason := fmt.Sprintf("no volume to write in pool %s: %v", pool, err)
			s.log.Warn("scheduler: reserve volume", "pool", pool, "err", err)
			if errors.Is(err, catalog.ErrNoVolume) || errors.Is(err, catalog.ErrUnknownPool) {
				for _, e := range c.entries {
					e.fails++
					e.Reason = reason
					if e.fails >= s.pol.MaxAttempts {
						s.endLocked(e, Failed, reason)
					}
				}
			}
			return v, false, nil
		}
		s.vols[v.Barcode] = &volInfo{state: v.State, pool: v.Pool, media: v.MediaType, library: v.Library, free: v.Free(), known: true}
		s.poolMedia[pool] = v.MediaType
		if !d.writes(v.MediaType) {
			// Another drive writes this pool: candidatesLocked now
			// knows to leave it to one.
			if err := s.cat.ReleaseVolume(ctx, v.Barcode, s.writer(d)); err != nil {
				s.log.Error("scheduler: release a volume the drive cannot write", "volume", v.Barcode, "err", err)
			}
			return v, false, nil
		}
		if why := s.suspect[v.Barcode]; why != "" {
			// Stop writing to it for good; reads go on from other copies.
			if err := s.cat.SetVolumeState(ctx, v.Barcode, catalog.StateReadOnly, "suspect: "+why); err != nil {
				s.log.Error("scheduler: set suspect volume read-only", "volume", v.Barcode, "err", err)
			}
			if err := s.cat.ReleaseVolume(ctx, v.Barcode, s.writer(d)); err != nil {
				s.log.Error("scheduler: release suspect volume", "volume", v.Barcode, "err", err)
			}
			s.vols[v.Barcode].state = catalog.StateReadOnly
			continue
		}
		if s.inUseLocked(d, v.Barcode) {
			s.poolWait[pool] = now.Add(backoff)
			return v, false, nil
		}
		return v, true, nil
	}
	s.poolWait[pool] = now.Add(backoff)
	return catalog.Volume{}, false, nil
}

// inUseLocked: another drive holds or is about to mount the volume.
func (s *Scheduler) inUseLocked(d *driveState, v string) bool {
	for _, o := range s.drives {
		if o != d && (o.mounted == v || (o.batch.live(o) && o.batch.volume == v)) {
			return true
		}
	}
	return false
}

// mountedLiveLocked: a working drive has the volume (or is mounting it).
func (s *Scheduler) mountedLiveLocked(v string) bool {
	for _, o := range s.drives {
		if !o.down && (o.mounted == v || (o.batch.live(o) && o.batch.volume == v)) {
			return true
		}
	}
	return false
}

// candidatesLocked groups the queued work into candidate batches that
// may be mounted now, and says when more will be.
func (s *Scheduler) candidatesLocked(d *driveState, now time.Time) ([]*cand, time.Time) {
	if c, ok := s.arrivalCandLocked(d, now); ok {
		return []*cand{c}, time.Time{}
	}
	var wake time.Time
	es := s.sortedLocked()
	// Queued bytes per volume, counting every usable copy.
	volBytes := map[string]int64{}
	var ready []*entry
	for _, e := range es {
		if e.State != Queued {
			continue
		}
		if now.Before(e.notBefore) {
			wake = earliest(wake, e.notBefore)
			continue
		}
		if e.Kind == Archive {
			if at := s.poolWait[e.Pool]; now.Before(at) {
				wake = earliest(wake, at)
				continue
			}
			ready = append(ready, e)
			continue
		}
		cs := s.usableCopiesLocked(e)
		if len(cs) == 0 {
			s.endLocked(e, Failed, "no readable copy: "+s.copiesStateLocked(e))
			continue
		}
		if why := s.unreadableLocked(cs); why != "" {
			s.endLocked(e, Failed, why)
			continue
		}
		for _, c := range cs {
			volBytes[c.Volume] += e.Size
		}
		ready = append(ready, e)
	}
	byKey := map[string]*cand{}
	var cands []*cand
	for _, e := range ready {
		key := e.Pool
		if e.Kind == Archive {
			if m, ok := s.poolMedia[key]; ok && !d.writes(m) {
				continue // for a drive that writes it
			}
		}
		if e.Kind == Recall {
			c, ok := s.chooseCopyLocked(d, e, volBytes)
			if !ok {
				continue // for a drive that reads it
			}
			key = c.Volume
			if s.inUseLocked(d, key) {
				continue // the drive that has it serves it
			}
		}
		ck := e.Kind.String() + "\x00" + key
		c := byKey[ck]
		if c == nil {
			c = &cand{kind: e.Kind, key: key}
			byKey[ck] = c
			cands = append(cands, c)
		}
		c.add(e)
	}
	out := cands[:0]
	for _, c := range cands {
		if c.kind == Recall && c.key == d.mounted {
			out = append(out, c)
			continue
		}
		ok, at := s.pol.mountable(c.kind, now, c.oldest.Created, c.bytes, len(c.entries))
		if !ok {
			wake = earliest(wake, at)
			continue
		}
		c.forced = s.pol.MaxAge > 0 && !now.Before(c.oldest.Created.Add(s.pol.MaxAge))
		out = append(out, c)
	}
	return out, wake
}

// arrivalCandLocked is candidatesLocked and chooseLocked at once for
// arrival order, one file per mount and no minimum before a mount (the
// fifo baseline), when every volume is usable: then the choice is the
// oldest queued recall that may run now on a volume no other drive holds,
// found with a cheap comparison per queued request instead of grouping
// the whole queue at every mount, which made the baseline quadratic in
// the queue (10,000 mounts of a 10,000-request queue took half a minute).
// It reports false when the full walk is needed: some volume is not
// usable (requests may have to fail), or the oldest work is an archive or
// none.
func (s *Scheduler) arrivalCandLocked(d *driveState, now time.Time) (*cand, bool) {
	p := &s.pol
	if !p.ArrivalOrder || !p.OneFilePerMount || p.MinAge > 0 || p.MinBytes > 0 || p.MinFiles > 0 || !s.allUsableLocked() {
		return nil, false
	}
	var best *entry
	var vol string
	for _, e := range s.sortedLocked() {
		if e.State != Queued || (best != nil && !older(e, best)) || now.Before(e.notBefore) {
			continue
		}
		if e.Kind == Archive {
			if now.Before(s.poolWait[e.Pool]) {
				continue
			}
			best, vol = e, ""
			continue
		}
		if len(e.copies) == 0 {
			return nil, false
		}
		v := e.copies[0].Volume
		if len(e.avoid) > 0 {
			cs := s.usableCopiesLocked(e)
			if len(cs) == 0 {
				return nil, false
			}
			v = cs[0].Volume
		}
		if s.inUseLocked(d, v) || !d.reads(s.mediaLocked(v)) {
			continue
		}
		best, vol = e, v
	}
	if best == nil || best.Kind != Recall {
		return nil, false
	}
	c := &cand{kind: Recall, key: vol}
	c.add(best)
	c.forced = p.MaxAge > 0 && !now.Before(best.Created.Add(p.MaxAge))
	return c, true
}

// allUsableLocked: every known volume is readable and not suspect, and no
// down drive holds a tape, so that every copy is usable.
func (s *Scheduler) allUsableLocked() bool {
	for v, info := range s.vols {
		if !info.readable() || s.suspect[v] != "" {
			return false
		}
	}
	for _, d := range s.drives {
		if d.down && d.mounted != "" {
			return false
		}
	}
	return true
}

// chooseCopyLocked picks the copy to read: the first readable one in
// arrival order; otherwise one on a tape a working drive has (d's own
// first), else the one on the volume with the most queued bytes.
func (s *Scheduler) chooseCopyLocked(d *driveState, e *entry, volBytes map[string]int64) (catalog.Copy, bool) {
	cs := s.usableCopiesLocked(e)
	if d.Reads != nil {
		cs = slices.DeleteFunc(slices.Clone(cs), func(c catalog.Copy) bool { return !d.reads(s.mediaLocked(c.Volume)) })
	}
	if len(cs) == 0 {
		return catalog.Copy{}, false
	}
	if s.pol.ArrivalOrder || len(cs) == 1 {
		return cs[0], true
	}
	for _, c := range cs {
		if c.Volume == d.mounted {
			return c, true
		}
	}
	for _, c := range cs {
		if s.mountedLiveLocked(c.Volume) {
			return c, true
		}
	}
	best := cs[0]
	for _, c := range cs[1:] {
		if volBytes[c.Volume] > volBytes[best.Volume] {
			best = c
		}
	}
	return best, true
}

// mediaLocked is the media type of volume v, "" when unknown.
func (s *Scheduler) mediaLocked(v string) string {
	if info := s.vols[v]; info != nil {
		return info.media
	}
	return ""
}

// unreadableLocked says why no drive of the scheduler can read any of the
// copies cs (Drive.Reads), or "" when one can.
func (s *Scheduler) unreadableLocked(cs []catalog.Copy) string {
	var media []string
	for _, c := range cs {
		m := s.mediaLocked(c.Volume)
		for _, d := range s.drives {
			if d.reads(m) {
				return ""
			}
		}
		media = append(media, m)
	}
	return "no drive reads " + strings.Join(slices.Compact(slices.Sorted(slices.Values(media))), " or ")
}

// chooseLocked picks the candidate for d: in arrival order the one with
// the oldest request; otherwise one with a request past MaxAge (the
// activity furthest below its share first, then its oldest request), else among the highest priority the activity furthest below its
// fair share, and within it d's mounted tape, the most bytes, the oldest
// request. The activity is the one the drive then counts for.
func (s *Scheduler) chooseLocked(d *driveState, cands []*cand) (*cand, string) {
	if len(cands) == 0 {
		return nil, ""
	}
	if s.pol.ArrivalOrder {
		best := cands[0]
		for _, c := range cands[1:] {
			if older(c.oldest, best.oldest) {
				best = c
			}
		}
		return best, activityName(best.oldest.Activity)
	}
	// Requests past MaxAge go first. When there are several such
	// candidates (a backlog older than MaxAge), fair share still divides
	// the drives between their activities, and within one activity the
	// oldest request goes first.
	var forced []*cand
	acts := map[string]bool{}
	for _, c := range cands {
		if c.forced {
			forced = append(forced, c)
			for _, e := range c.entries {
				acts[activityName(e.Activity)] = true
			}
		}
	}
	if len(forced) > 0 {
		act := s.fairestLocked(d, acts)
		var best *cand
		for _, c := range forced {
			o := c.oldestOf(act)
			if o != nil && (best == nil || older(o, best.oldestOf(act))) {
				best = c
			}
		}
		return best, act
	}
	prio := cands[0].prio
	for _, c := range cands {
		prio = max(prio, c.prio)
	}
	// Activities with work at the top priority.
	for _, c := range cands {
		if c.prio != prio {
			continue
		}
		for _, e := range c.entries {
			if e.Priority == prio {
				acts[activityName(e.Activity)] = true
			}
		}
	}
	act := s.fairestLocked(d, acts)
	var best *cand
	for _, c := range cands {
		if c.prio != prio || !c.has(act, prio) {
			continue
		}
		if best == nil || s.betterLocked(d, c, best) {
			best = c
		}
	}
	return best, act
}

// oldestOf returns the oldest request of the activity in c.
func (c *cand) oldestOf(act string) *entry {
	var o *entry
	for _, e := range c.entries {
		if activityName(e.Activity) == act && (o == nil || older(e, o)) {
			o = e
		}
	}
	return o
}

func (c *cand) has(act string, prio int) bool {
	for _, e := range c.entries {
		if e.Priority == prio && activityName(e.Activity) == act {
			return true
		}
	}
	return false
}

// betterLocked: a before b when both may go.
func (s *Scheduler) betterLocked(d *driveState, a, b *cand) bool {
	am, bm := a.kind == Recall && a.key == d.mounted, b.kind == Recall && b.key == d.mounted
	if am != bm {
		return am
	}
	if a.bytes != b.bytes {
		return a.bytes > b.bytes
	}
	if a.oldest != b.oldest {
		return older(a.oldest, b.oldest)
	}
	return a.key < b.key
}

// fairestLocked returns, among the activities with work, the one furthest
// below its weighted share of the busy drives counting d.
func (s *Scheduler) fairestLocked(d *driveState, acts map[string]bool) string {
	defs := s.deficitsLocked(d, acts)
	best := ""
	for _, a := range sortedKeys(acts) {
		if best == "" || defs[a] > defs[best]+1e-9 {
			best = a
		}
	}
	return best
}

// deficitsLocked returns how far each activity is below its weighted
// share of the busy drives, counting d as one more busy drive: the
// activities with work (acts) and those other drives are busy for share
// them.
func (s *Scheduler) deficitsLocked(d *driveState, acts map[string]bool) map[string]float64 {
	busy := map[string]int{}
	total := 1
	for _, o := range s.drives {
		if o != d && !o.down && o.batch.live(o) {
			busy[o.batch.activity]++
			total++
		}
	}
	var sum float64 // in a fixed order: the same sum every run
	for _, a := range sortedKeys(acts) {
		sum += s.pol.weight(a)
	}
	for _, a := range sortedKeys(busyActs(busy)) {
		if !acts[a] {
			sum += s.pol.weight(a)
		}
	}
	defs := make(map[string]float64, len(acts))
	for a := range acts {
		defs[a] = float64(total)*s.pol.weight(a)/sum - float64(busy[a])
	}
	return defs
}

// yieldLocked reports whether d, which ran work of activity act, should
// let the planner give it to another activity rather than keep serving
// its mounted tape: another activity has queued work and is further below
// its share. Without this a tenant whose requests keep arriving for
// mounted tapes would hold its drives past its share.
func (s *Scheduler) yieldLocked(d *driveState, act string, now time.Time) bool {
	acts := map[string]bool{act: true}
	for _, e := range s.sortedLocked() {
		if e.State == Queued && !now.Before(e.notBefore) {
			acts[activityName(e.Activity)] = true
		}
	}
	if len(acts) == 1 {
		return false
	}
	defs := s.deficitsLocked(d, acts)
	for a := range acts {
		if defs[a] > defs[act]+1e-9 {
			return true
		}
	}
	return false
}

// outsidePoll bounds a wait on a virtual clock while goroutines outside
// virtual time call the scheduler: their Broadcast may fall between a
// participant's look at the queue and its wait.
const outsidePoll = 10 * time.Second

// waker lets drive workers wait for work: on a *vclock.Clock through a
// vclock.Cond, otherwise through a channel closed by broadcast and the
// clock's timers.
type waker struct {
	clk  clock.Clock
	cond *vclock.Cond

	mu  sync.Mutex
	gen chan struct{}
}

func newWaker(c clock.Clock) *waker {
	w := &waker{clk: c}
	if vc, ok := c.(*vclock.Clock); ok {
		w.cond = vclock.NewCond(vc)
	}
	return w
}

// arm returns what wait waits on; call it while the scheduler is locked,
// after looking at the queue, so that no broadcast is lost between.
func (w *waker) arm() chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.gen == nil {
		w.gen = make(chan struct{})
	}
	return w.gen
}

func (w *waker) broadcast() {
	w.mu.Lock()
	if w.gen != nil {
		close(w.gen)
		w.gen = nil
	}
	w.mu.Unlock()
	if w.cond != nil {
		w.cond.Broadcast()
	}
}

// wait waits for a broadcast after arm returned g, for d (d < 0: no
// limit), or for ctx.
func (w *waker) wait(ctx context.Context, g chan struct{}, d time.Duration) error {
	if w.cond != nil {
		return w.cond.Wait(ctx, d)
	}
	var tc <-chan time.Time
	if d >= 0 {
		t := w.clk.Timer(d)
		defer t.Stop()
		tc = t.C
	}
	select {
	case <-g:
	case <-tc:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// noteCaller remembers a call from outside virtual time (see outsidePoll).
func (s *Scheduler) noteCaller(ctx context.Context) {
	if _, ok := s.clk.(*vclock.Clock); ok {
		if _, p := vclock.Participant(ctx); !p {
			s.outside.Store(true)
		}
	}
}

// goWorker starts d's worker: a participant on a virtual clock.
func (s *Scheduler) goWorker(ctx context.Context, d *driveState) {
	d.working = true
	if vc, ok := s.clk.(*vclock.Clock); ok {
		vc.Go(ctx, "drive "+d.Name, func(ctx context.Context) { s.runWorker(ctx, d) })
		return
	}
	go s.runWorker(ctx, d)
}

func busyActs(busy map[string]int) map[string]bool {
	m := make(map[string]bool, len(busy))
	for a := range busy {
		m[a] = true
	}
	return m
}
