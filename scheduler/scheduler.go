package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/changer"
)

// Sentinel errors of the scheduler.
var (
	// ErrNotFound: no request has this id.
	ErrNotFound = errors.New("scheduler: no such request")
	// ErrInvalid: a request or the Config is malformed.
	ErrInvalid = errors.New("scheduler: invalid argument")
	// ErrRunning: Run was called while the scheduler already runs.
	ErrRunning = errors.New("scheduler: already running")
	// ErrNoDrive: Run stopped because every drive is down (or there is
	// none).
	ErrNoDrive = errors.New("scheduler: no drive left")

	// ErrTooLarge: the file is larger than the sink's capacity; it can
	// never be reserved.
	ErrTooLarge = errors.New("scheduler: file larger than the sink")
	// ErrNotReserved: Create for a request without a reservation.
	ErrNotReserved = errors.New("scheduler: no reservation for the request")
	// ErrBadPath: a request's path cannot name a file under a DirSink
	// (empty, or it leaves the directory).
	ErrBadPath = errors.New("scheduler: path not usable in the sink")
	// ErrFileEnded: Write, Commit or Abort after Commit or Abort.
	ErrFileEnded = errors.New("scheduler: sink file already committed or aborted")

	// errDriveDown is what next returns to the worker of a drive that
	// went down: the worker stops.
	errDriveDown = errors.New("scheduler: drive is down")
)

// Config configures a Scheduler. Catalog and Drives are required; nil
// fields get the defaults documented on them.
type Config struct {
	// Catalog gives the copies of files to recall, the storage classes of
	// files to archive and the volumes' states; archive copies are
	// committed to it.
	Catalog catalog.Catalog
	Changer changer.Changer
	Drives  []Drive
	// Sink receives recalled files; Source gives files to archive.
	Sink   Sink
	Source Source
	// Queue keeps the requests (nil: a MemoryQueue, lost with the
	// process). Every change of a request's state goes through it first.
	Queue catalog.Queue
	// Clock: nil means the real clock. With a *vclock.Clock the workers
	// run as participants and every wait is one on the clock.
	Clock clock.Clock
	// Host names this scheduler in the queue: what it claims is running
	// on Host, and Run recovers what Host had running. Empty: the host
	// name.
	Host string
	// Library, when several libraries share the catalog, names the one
	// Changer is (catalog.Volume.Library): the scheduler then mounts only
	// volumes of it. Archives reserve volumes of this library (the
	// Catalog must be a catalog.LibraryReserver), and a recall is read
	// from a copy in it; a recall with no copy here is left in the queue
	// for the hosts of the other libraries (or, with Accept, fails).
	// Empty: every volume the catalog knows is in Changer.
	Library string
	// Accept, when set, says which requests of the queue are this host's
	// to run, for hosts that share a queue but not their Sink and
	// Source (each its own disk cache): it should accept each request on
	// exactly one host, the one whose Sink and Source hold the request's
	// data. Requests it refuses stay queued for the other hosts; Submit
	// stores them and returns them queued, and Get follows them through
	// the queue. A recall Accept takes whose copies are all in other
	// libraries fails at once, saying where they are. Nil: every request
	// is this host's as much as any other's. It is called with the
	// scheduler's lock held and must not call the scheduler.
	Accept func(Request) bool
	// Policy: nil means DefaultPolicy(). It is copied by New.
	Policy    *Policy
	TapeIO    TapeIO
	Orderer   Orderer
	CostModel CostModel
	// Logger: nil means no logs.
	Logger *slog.Logger
	// OnEnd is called once for every request that ends, after its end is
	// stored, outside the scheduler's lock (it may call the scheduler).
	// A request that ended before a crash is not reported again after the
	// restart.
	OnEnd func(Request)
	// Events: optional callbacks for metrics and logs (nil: none).
	Events *Events
}

// Events are callbacks for observability. Each is optional; they are
// called after the change, outside the scheduler's lock, one at a time.
type Events struct {
	// Batch: a drive was handed work (More: added to its mount).
	Batch func(BatchInfo)
	// DriveDown: the scheduler stopped using a drive because of its
	// errors (not SetDriveDown).
	DriveDown func(drive, reason string)
	// Suspect: a volume is skipped from now on.
	Suspect func(volume, reason string)
}

// BatchInfo describes work handed to a drive.
type BatchInfo struct {
	Time     time.Time
	Drive    string
	Volume   string
	Kind     Kind
	Pool     string // archive
	Activity string // the fair-share activity the drive counts for
	Requests []int64
	Bytes    int64
	More     bool // added to the mount through more, not a new batch
}

// Scheduler holds the queue of recall and archive requests and hands each
// free drive the best batch of work. See the package documentation.
type Scheduler struct {
	cfg    Config
	cat    catalog.Catalog
	q      catalog.Queue
	clk    clock.Clock
	host   string
	pol    Policy
	log    *slog.Logger
	events Events
	// work runs one drive until ctx ends or the drive is down: the
	// mover's runDrive, replaced by a fake executor in tests.
	work func(ctx context.Context, d *driveState)
	wake *waker

	mu       sync.Mutex
	entries  map[int64]*entry // not ended, this host's to run
	order    []*entry         // the entries in id order, and dead ones
	dead     int              // ended entries still in order
	drives   []*driveState
	vols     map[string]*volInfo
	volFails map[string]map[string]bool // volume → drives it had media errors in
	suspect  map[string]string          // volume → why it is suspect
	poolWait map[string]time.Time       // pool → no reservation before
	// poolMedia: the media type of a pool's volumes, as reservations
	// showed it, for drives that write only some (Drive.Writes).
	poolMedia map[string]string
	running   bool
	// shared: the queue is a database other hosts may use.
	shared      bool
	refreshing  bool
	nextRefresh time.Time
	workers     int        // workers not yet stopped
	ends        []Request  // ended, OnEnd not yet called
	evs         []func()   // Events not yet called
	callMu      sync.Mutex // guards callQ and calling
	callQ       []func()   // Events and OnEnd calls to make
	calling     bool
	changed     bool                          // requests went back to the queue: wake the drives
	outside     atomic.Bool                   // a call came from outside virtual time (see waker)
	onBatch     func(d *driveState, b *batch) // test hook: every batch handed out
}

// volInfo is what the planner knows of a volume from the catalog.
type volInfo struct {
	state   catalog.VolumeState
	pool    string
	media   string // catalog.Volume.MediaType
	library string // catalog.Volume.Library
	free    int64
	known   bool // false: the catalog does not know it (ErrUnknownVolume)
}

func (v *volInfo) readable() bool {
	if v == nil || !v.known {
		return false
	}
	switch v.state {
	case catalog.StateDisabled, catalog.StateBroken, catalog.StateExported:
		return false
	}
	return true
}

// New returns a scheduler. It does not touch the queue or the drives
// before Run; Submit, Get and Cancel work at once.
func New(cfg Config) (*Scheduler, error) {
	if cfg.Catalog == nil {
		return nil, fmt.Errorf("%w: Config.Catalog is nil", ErrInvalid)
	}
	s := &Scheduler{
		cfg:       cfg,
		cat:       cfg.Catalog,
		q:         cfg.Queue,
		clk:       cfg.Clock,
		host:      cfg.Host,
		log:       cfg.Logger,
		entries:   map[int64]*entry{},
		vols:      map[string]*volInfo{},
		volFails:  map[string]map[string]bool{},
		suspect:   map[string]string{},
		poolWait:  map[string]time.Time{},
		poolMedia: map[string]string{},
	}
	if s.q == nil {
		s.q = NewMemoryQueue()
	}
	_, mem := s.q.(*MemoryQueue)
	s.shared = !mem
	if s.clk == nil {
		s.clk = clock.New()
	}
	if s.host == "" {
		h, err := os.Hostname()
		if err != nil {
			return nil, fmt.Errorf("scheduler: host name: %w", err)
		}
		s.host = h
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if cfg.Library != "" {
		if err := catalog.ValidateName("library", cfg.Library); err != nil {
			return nil, fmt.Errorf("%w: Config.Library: %v", ErrInvalid, err)
		}
		if _, ok := cfg.Catalog.(catalog.LibraryReserver); !ok {
			return nil, fmt.Errorf("%w: Config.Library is set but the catalog cannot reserve the volumes of one library (catalog.LibraryReserver)", ErrInvalid)
		}
	}
	p := cfg.Policy
	if p == nil {
		p = DefaultPolicy()
	}
	s.pol = p.clone()
	names := map[string]bool{}
	for _, d := range cfg.Drives {
		if d.Name == "" || names[d.Name] {
			return nil, fmt.Errorf("%w: drive name %q empty or repeated", ErrInvalid, d.Name)
		}
		names[d.Name] = true
		s.drives = append(s.drives, &driveState{Drive: d, volFails: map[string]bool{}})
	}
	if cfg.Events != nil {
		s.events = *cfg.Events
	}
	s.wake = newWaker(s.clk)
	s.work = func(ctx context.Context, d *driveState) { defaultWork(s, ctx, d) }
	return s, nil
}

// Policy returns the policy the scheduler runs.
func (s *Scheduler) Policy() Policy { return s.pol.clone() }

func (s *Scheduler) now() time.Time { return s.clk.Now() }

// lock and unlock guard the scheduler's state; unlock also reports the
// requests that ended meanwhile to OnEnd, outside the lock.
func (s *Scheduler) lock() { s.mu.Lock() }

func (s *Scheduler) unlock() {
	ends, changed, calls := s.ends, s.changed, s.evs
	s.ends, s.changed, s.evs = nil, false, nil
	s.mu.Unlock()
	if len(ends) > 0 || changed {
		s.wake.broadcast()
	}
	if f := s.cfg.OnEnd; f != nil {
		for _, r := range ends {
			calls = append(calls, func() { f(r) })
		}
	}
	if len(calls) == 0 {
		return
	}
	// Callbacks come one at a time, in order; one that calls the
	// scheduler (an OnEnd that resubmits, say) queues further callbacks
	// for the loop below instead of deadlocking on itself.
	s.callMu.Lock()
	s.callQ = append(s.callQ, calls...)
	if s.calling {
		s.callMu.Unlock()
		return
	}
	s.calling = true
	for len(s.callQ) > 0 {
		f := s.callQ[0]
		s.callQ = s.callQ[1:]
		s.callMu.Unlock()
		f()
		s.callMu.Lock()
	}
	s.calling = false
	s.callMu.Unlock()
}

// Submit queues requests and returns them with their ids and states.
//
// A recall names a file (FileID); Submit loads its copies from the catalog
// and fills Path and Size when they are empty. A recall with no readable
// copy (none at all, or every copy on a disabled, broken, exported or
// suspect volume) is stored and fails at once with the reason: it comes
// back Failed.
//
// An archive names a file and its StorageClass: it becomes one request per
// copy the class wants (CopyNo 1, 2, …), or one for CopyNo when it is set;
// Pool is filled from the class.
//
// All requests are stored in one transaction; an error means none was.
func (s *Scheduler) Submit(ctx context.Context, reqs ...Request) ([]Request, error) {
	s.noteCaller(ctx)
	now := s.now()
	var es []*entry
	var fails []string // reason to fail es[i] at once; "" to queue
	for i, r := range reqs {
		if r.Created.IsZero() {
			r.Created = now
		}
		r.State, r.Reason, r.Started, r.Ended, r.Attempts, r.Volume, r.Host = Queued, "", time.Time{}, time.Time{}, 0, "", ""
		switch r.Kind {
		case Recall:
			e, why, err := s.recallEntry(ctx, r)
			if err != nil {
				return nil, fmt.Errorf("scheduler: request %d: %w", i, err)
			}
			es, fails = append(es, e), append(fails, why)
		case Archive:
			more, why, err := s.archiveEntries(ctx, r)
			if err != nil {
				return nil, fmt.Errorf("scheduler: request %d: %w", i, err)
			}
			for _, e := range more {
				es, fails = append(es, e), append(fails, why)
			}
		default:
			return nil, fmt.Errorf("%w: request %d: kind %v", ErrInvalid, i, r.Kind)
		}
	}
	if len(es) == 0 {
		return nil, nil
	}
	qes := make([]catalog.QueueEntry, len(es))
	for i, e := range es {
		qes[i] = toQueue(e.Request)
	}
	stored, err := s.q.Enqueue(ctx, qes)
	if err != nil {
		return nil, fmt.Errorf("scheduler: enqueue: %w", err)
	}
	out := make([]Request, len(es))
	s.lock()
	for i, e := range es {
		e.ID = stored[i].ID
		if fails[i] == "" && !s.mineLocked(e) {
			out[i] = e.Request // another host's to run
			continue
		}
		s.addLocked(e)
		if fails[i] != "" {
			s.endLocked(e, Failed, fails[i])
		}
		out[i] = e.Request
	}
	s.unlock()
	s.wake.broadcast()
	return out, nil
}

// recallEntry builds the entry of a recall; why is set when it must fail
// at once.
func (s *Scheduler) recallEntry(ctx context.Context, r Request) (*entry, string, error) {
	if r.FileID <= 0 {
		return nil, "", fmt.Errorf("%w: recall without FileID", ErrInvalid)
	}
	e := &entry{Request: r}
	why, err := s.loadCopies(ctx, e)
	return e, why, err
}

// loadCopies reads the entry's file, its copies and their volumes from the
// catalog, and fills Path and Size when they are empty;
// why says why the recall cannot be served when no copy is readable.
func (s *Scheduler) loadCopies(ctx context.Context, e *entry) (why string, err error) {
	f, err := s.cat.File(ctx, e.FileID)
	switch {
	case errors.Is(err, catalog.ErrNotFound):
		return fmt.Sprintf("file %d not in the catalog", e.FileID), nil
	case err != nil:
		return "", err
	}
	e.file = f
	if e.Path == "" {
		e.Path = f.Path
	}
	if e.Size == 0 {
		e.Size = f.Size
	}
	cs, err := s.cat.Copies(ctx, e.FileID)
	switch {
	case errors.Is(err, catalog.ErrNotFound):
		return fmt.Sprintf("file %d not in the catalog", e.FileID), nil
	case err != nil:
		return "", err
	}
	e.copies = cs
	if len(cs) == 0 {
		return "no copy on tape", nil
	}
	for _, c := range cs {
		// A volume known to be unreadable is read again: an operator
		// (or a repack) may have made it readable since.
		s.mu.Lock()
		stale := !s.vols[c.Volume].readable()
		s.mu.Unlock()
		if err := s.loadVolume(ctx, c.Volume, stale); err != nil {
			return "", err
		}
	}
	s.lock()
	defer s.unlock()
	if !s.localCopyLocked(e) {
		if s.cfg.Accept == nil || !s.cfg.Accept(e.Request) {
			return "", nil // for a host of the library that has one
		}
		var where []string
		for _, c := range e.copies {
			lib := "unknown"
			if v := s.vols[c.Volume]; v != nil && v.known {
				lib = v.library
			}
			where = append(where, fmt.Sprintf("copy %d on %s in library %s", c.CopyNo, c.Volume, lib))
		}
		return fmt.Sprintf("no copy in library %s (%s): recall it through a host of that library", s.cfg.Library, strings.Join(where, "; ")), nil
	}
	if len(s.usableCopiesLocked(e)) == 0 {
		return "no readable copy: " + s.copiesStateLocked(e), nil
	}
	return "", nil
}

// localCopyLocked: the recall has a copy on a volume of Config.Library
// (always, without one).
func (s *Scheduler) localCopyLocked(e *entry) bool {
	if s.cfg.Library == "" {
		return true
	}
	for _, c := range e.copies {
		if v := s.vols[c.Volume]; v != nil && v.known && v.library == s.cfg.Library {
			return true
		}
	}
	return false
}

// mineLocked: the request is this host's to run (Config.Accept; a recall
// also needs a copy in Config.Library).
func (s *Scheduler) mineLocked(e *entry) bool {
	if s.cfg.Accept != nil && !s.cfg.Accept(e.Request) {
		return false
	}
	return e.Kind != Recall || s.localCopyLocked(e)
}

// loadVolume caches the catalog's view of a volume (again when refresh).
func (s *Scheduler) loadVolume(ctx context.Context, barcode string, refresh bool) error {
	s.mu.Lock()
	_, ok := s.vols[barcode]
	s.mu.Unlock()
	if ok && !refresh {
		return nil
	}
	v, err := s.cat.Volume(ctx, barcode)
	info := &volInfo{state: v.State, pool: v.Pool, media: v.MediaType, library: v.Library, free: v.Free(), known: err == nil}
	if err != nil && !errors.Is(err, catalog.ErrUnknownVolume) {
		return err
	}
	s.mu.Lock()
	s.vols[barcode] = info
	s.mu.Unlock()
	return nil
}

// archiveEntries expands an archive into one entry per copy.
func (s *Scheduler) archiveEntries(ctx context.Context, r Request) ([]*entry, string, error) {
	if r.FileID <= 0 || r.StorageClass == "" {
		return nil, "", fmt.Errorf("%w: archive without FileID or StorageClass", ErrInvalid)
	}
	c, err := s.cat.StorageClass(ctx, r.StorageClass)
	switch {
	case errors.Is(err, catalog.ErrUnknownStorageClass):
		return []*entry{{Request: r}}, fmt.Sprintf("unknown storage class %q", r.StorageClass), nil
	case err != nil:
		return nil, "", err
	}
	if r.Relocate != "" {
		// A repack moves one existing copy, to the pool the caller names
		// (new media) or else to the class's pool for that copy.
		if r.CopyNo < 1 || r.CopyNo > int64(len(c.Pools)) {
			return nil, "", fmt.Errorf("%w: relocation of copy %d of file %d: storage class %q has %d copies", ErrInvalid, r.CopyNo, r.FileID, c.Name, len(c.Pools))
		}
		if r.Pool == "" {
			r.Pool = c.Pools[r.CopyNo-1]
		}
		return []*entry{{Request: r}}, "", nil
	}
	if r.CopyNo > 0 {
		if r.CopyNo > int64(len(c.Pools)) {
			return []*entry{{Request: r}}, fmt.Sprintf("storage class %q has %d copies, not %d", c.Name, len(c.Pools), r.CopyNo), nil
		}
		r.Pool = c.Pools[r.CopyNo-1]
		return []*entry{{Request: r}}, "", nil
	}
	var es []*entry
	for i, p := range c.Pools {
		rr := r
		rr.CopyNo, rr.Pool = int64(i+1), p
		es = append(es, &entry{Request: rr})
	}
	return es, "", nil
}

// Get returns the request as it is now.
func (s *Scheduler) Get(ctx context.Context, id int64) (Request, error) {
	s.mu.Lock()
	e := s.entries[id]
	var r Request
	if e != nil {
		r = e.Request
	}
	s.mu.Unlock()
	if e != nil {
		return r, nil
	}
	qe, err := s.q.QueueEntry(ctx, id)
	if errors.Is(err, catalog.ErrNotFound) {
		return Request{}, fmt.Errorf("%w: %d", ErrNotFound, id)
	}
	if err != nil {
		return Request{}, err
	}
	return fromQueue(qe), nil
}

// Group returns the requests of a group (a stage request), ended or not,
// in id order.
func (s *Scheduler) Group(ctx context.Context, group string) ([]Request, error) {
	qes, err := s.q.GroupEntries(ctx, group)
	if err != nil {
		return nil, err
	}
	rs := make([]Request, len(qes))
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, qe := range qes {
		if e := s.entries[qe.ID]; e != nil {
			rs[i] = e.Request // what this host knows is newer
		} else {
			rs[i] = fromQueue(qe)
		}
	}
	return rs, nil
}

// Purge forgets the requests that ended before before, in the store; it
// returns how many.
func (s *Scheduler) Purge(ctx context.Context, before time.Time) (int64, error) {
	return s.q.PurgeEnded(ctx, before)
}

// Cancel cancels a request. A queued request ends Cancelled at once; a
// running one is stopped by the mover between two blocks and ends
// Cancelled then (or Done if it finished first). Cancelling an ended
// request does nothing.
func (s *Scheduler) Cancel(ctx context.Context, id int64) error {
	s.noteCaller(ctx)
	s.lock()
	e := s.entries[id]
	if e != nil {
		s.cancelLocked(e, "cancelled")
		s.unlock()
		return nil
	}
	s.unlock()
	qe, err := s.q.QueueEntry(ctx, id)
	if errors.Is(err, catalog.ErrNotFound) {
		return fmt.Errorf("%w: %d", ErrNotFound, id)
	}
	if err != nil || ended(qe.State) {
		return err
	}
	// Known to the store only: queued before Run loaded it, or running
	// on another host, whose end will then find it ended.
	first, err := s.q.Finish(ctx, id, Cancelled.String(), "cancelled", s.now())
	if err != nil || !first {
		return err
	}
	if qe, err = s.q.QueueEntry(ctx, id); err != nil {
		return err
	}
	s.lock()
	s.ends = append(s.ends, fromQueue(qe))
	s.unlock()
	return nil
}

// CancelFile cancels every request of this host for the file and returns
// how many it cancelled.
func (s *Scheduler) CancelFile(ctx context.Context, fileID int64) (int, error) {
	s.noteCaller(ctx)
	s.lock()
	defer s.unlock()
	n := 0
	for _, e := range s.sortedLocked() {
		if e.FileID == fileID && !e.State.Ended() {
			s.cancelLocked(e, "cancelled")
			n++
		}
	}
	return n, nil
}

// CancelGroup cancels every request of the group not ended yet and returns
// how many it cancelled.
func (s *Scheduler) CancelGroup(ctx context.Context, group string) (int, error) {
	s.noteCaller(ctx)
	qes, err := s.q.GroupEntries(ctx, group)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, qe := range qes {
		if ended(qe.State) {
			continue
		}
		if err := s.Cancel(ctx, qe.ID); err != nil && !errors.Is(err, ErrNotFound) {
			return n, err
		}
		n++
	}
	return n, nil
}

// cancelLocked ends a queued entry, or asks the mover to stop a running
// one.
func (s *Scheduler) cancelLocked(e *entry, reason string) {
	switch e.State {
	case Queued:
		s.endLocked(e, Cancelled, reason)
	case Running:
		if e.cancelReason == "" {
			e.cancelReason = reason
		}
		if e.cancel != nil {
			e.cancel()
		}
	}
}

// endLocked stores the end of e and queues its OnEnd call. The store says
// whether it had ended already (another host ended it): then OnEnd is not
// called again.
func (s *Scheduler) endLocked(e *entry, st State, reason string) {
	now := s.now()
	first, err := s.q.Finish(context.Background(), e.ID, st.String(), reason, now)
	if err != nil {
		// The store keeps it pending: the next Run will offer it again,
		// which is better than losing it.
		s.log.Error("scheduler: storing end", "id", e.ID, "state", st, "err", err)
	}
	s.removeLocked(e)
	if e.cancel != nil {
		e.cancel()
	}
	e.drive = nil
	e.State, e.Reason, e.Ended, e.Host = st, reason, now, ""
	if first {
		s.ends = append(s.ends, e.Request)
	}
}

// sortedLocked returns the entries in id order, for deterministic walks.
// Entries that end during the walk stay in it (skip them: State.Ended).
// The caller must not keep it across an unlock, nor call sortedLocked
// again while it walks it (that compacts it in place).
func (s *Scheduler) sortedLocked() []*entry {
	if s.dead > 0 {
		live := s.order[:0]
		for _, e := range s.order {
			if !e.gone {
				live = append(live, e)
			}
		}
		clear(s.order[len(live):])
		s.order, s.dead = live, 0
	}
	return s.order
}

// addLocked holds a new entry, keeping s.order in id order.
func (s *Scheduler) addLocked(e *entry) {
	s.entries[e.ID] = e
	n := len(s.order)
	if n == 0 || s.order[n-1].ID < e.ID {
		s.order = append(s.order, e)
		return
	}
	i := sort.Search(n, func(i int) bool { return s.order[i].ID >= e.ID })
	s.order = append(s.order, nil)
	copy(s.order[i+1:], s.order[i:])
	s.order[i] = e
}

// removeLocked forgets an entry; s.order is compacted lazily.
func (s *Scheduler) removeLocked(e *entry) {
	if s.entries[e.ID] == e {
		delete(s.entries, e.ID)
		e.gone = true
		s.dead++
	}
}

// Run recovers the queue of Host (requests it had running go back to the
// queue) and loads every pending request, then runs one worker per drive
// until ctx ends. It returns when every worker has stopped (a running
// mount finishes its current file) and what was not finished is queued
// again in the store; the error is ctx's, the recovery's, or ErrNoDrive
// when every drive went down before ctx ended.
//
// With a *vclock.Clock the workers are participants: call Run from a
// participant (or while there is none).
func (s *Scheduler) Run(ctx context.Context) error {
	s.lock()
	if s.running {
		s.unlock()
		return ErrRunning
	}
	s.running = true
	s.unlock()
	defer func() {
		s.lock()
		s.running = false
		s.unlock()
	}()
	if err := s.recover(ctx); err != nil {
		return err
	}
	s.lock()
	for _, d := range s.drives {
		if d.operator {
			continue // down until SetDriveUp
		}
		s.workers++
		s.goWorker(ctx, d)
	}
	s.unlock()
	// Wait for the workers on the clock, also after ctx ended. Drives an
	// operator put down may come back up.
	wctx := context.WithoutCancel(ctx)
	for {
		s.lock()
		for _, d := range s.drives {
			if d.restart {
				// SetDriveUp: started here, as a participant of Run's
				// context when the clock is virtual.
				d.restart = false
				if ctx.Err() == nil && !d.working {
					s.workers++
					s.goWorker(ctx, d)
				}
			}
		}
		n := s.workers
		waitUp := ctx.Err() == nil && slices.ContainsFunc(s.drives, func(d *driveState) bool { return d.operator })
		g := s.wake.arm()
		s.unlock()
		if n == 0 && !waitUp {
			break
		}
		if n == 0 {
			// Only drives put down are left: their SetDriveUp wakes
			// Run, and so must the end of ctx, which no worker will
			// report.
			_ = s.wake.wait(ctx, g, -1)
			continue
		}
		_ = s.wake.wait(wctx, g, -1)
	}

	if err := ctx.Err(); err != nil {
		return err
	}
	return ErrNoDrive
}

// DriveShares returns how many drives each activity ("" counts as
// "default") has at this moment: drives running a batch for it. Sampled
// over time it gives each tenant's share of the drives.
func (s *Scheduler) DriveShares() map[string]int {
	s.lock()
	defer s.unlock()
	m := map[string]int{}
	for _, d := range s.drives {
		if d.batch.live(d) {
			m[d.batch.activity]++
		}
	}
	return m
}

// DriveStatus is a drive as the scheduler sees it.
type DriveStatus struct {
	Name       string `json:"name"`
	Up         bool   `json:"up"`
	DownReason string `json:"down_reason,omitempty"`
	// Mounted is the volume in the drive, "" for none.
	Mounted string `json:"mounted,omitempty"`
	// Busy: it runs a batch now, for Activity (the last one it ran
	// otherwise), of Kind.
	Busy     bool   `json:"busy"`
	Activity string `json:"activity,omitempty"`
	Kind     string `json:"kind,omitempty"`
	// Working: the drive's worker runs. A drive put down is left to other
	// programs (a label, a cleaning) only once Working is false: it has
	// finished its batch and unloaded.
	Working bool `json:"working"`
}

// SetDriveDown puts the drive down, as an operator does before a repair
// or a firmware update: it takes no new work, finishes the batch it runs
// (the requests still queued in it go back to the queue), and unloads
// its tape. reason is what Drives shows. A drive that is down already
// keeps its first reason but stays down until SetDriveUp.
func (s *Scheduler) SetDriveDown(name, reason string) error {
	if reason == "" {
		reason = "put down by an operator"
	}
	return s.withDrive(name, func(d *driveState) {
		if !d.down {
			// Not driveDownLocked: an operator's choice is no drive
			// error (Events.DriveDown), and the drive's error history
			// stays.
			d.down, d.downReason = true, reason
			s.log.Info("scheduler: drive put down", "drive", d.Name, "why", reason)
		}
		d.operator = true
	})
}

// SetDriveUp puts the drive back to work: one an operator put down, or
// one that went down on its errors (its error history starts afresh).
// While Run runs, the drive's worker starts at once and adopts the tape it
// may hold. Up already: nothing changes.
func (s *Scheduler) SetDriveUp(name string) error {
	return s.withDrive(name, func(d *driveState) {
		if !d.down {
			return
		}
		d.down, d.downReason, d.operator = false, "", false
		clear(d.volFails)
		s.log.Info("scheduler: drive up", "drive", d.Name)
		d.restart = !d.working // Run starts its worker
		s.changed = true
	})
}

// withDrive calls f with the drive named name under the lock, then wakes
// the workers and Run; ErrNotFound when there is no such drive.
func (s *Scheduler) withDrive(name string, f func(d *driveState)) error {
	s.lock()
	d := s.driveLocked(name)
	if d == nil {
		s.unlock()
		return fmt.Errorf("%w: no drive %q", ErrNotFound, name)
	}
	f(d)
	s.unlock()
	s.wake.broadcast()
	return nil
}

func (s *Scheduler) driveLocked(name string) *driveState {
	for _, d := range s.drives {
		if d.Name == name {
			return d
		}
	}
	return nil
}

// Drives returns every drive as the scheduler sees it now, in the order of
// Config.Drives.
func (s *Scheduler) Drives() []DriveStatus {
	s.lock()
	defer s.unlock()
	out := make([]DriveStatus, len(s.drives))
	for i, d := range s.drives {
		out[i] = DriveStatus{Name: d.Name, Up: !d.down, DownReason: d.downReason, Mounted: d.mounted,
			Busy: d.batch.live(d), Activity: d.activity, Working: d.working}
		if d.mounted != "" {
			out[i].Kind = d.mountKind.String()
		}
	}
	return out
}

// Pending returns up to limit requests that have not ended, queued or
// running, on any host sharing the queue, in id order (limit ≤ 0:
// catalog.QueuePageMax).
func (s *Scheduler) Pending(ctx context.Context, limit int) ([]Request, error) {
	qes, err := s.q.PendingEntries(ctx, 0, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Request, len(qes))
	for i, qe := range qes {
		out[i] = fromQueue(qe)
	}
	return out, nil
}

func (s *Scheduler) runWorker(ctx context.Context, d *driveState) {
	defer func() {
		s.lock()
		d.idle, d.working = false, false
		s.releaseDriveLocked(d, "worker stopped")
		s.workers--
		s.unlock()
		s.wake.broadcast()
	}()
	s.work(ctx, d)
}

// releaseDriveLocked requeues what the drive still holds.
func (s *Scheduler) releaseDriveLocked(d *driveState, reason string) {
	if d.batch == nil {
		return
	}
	b := d.batch
	d.batch = nil
	var left []*entry
	for _, e := range b.held {
		if e.drive == d && e.State == Running {
			left = append(left, e)
		}
	}
	if reason == reasonNoResult {
		// A mover that gives no outcome for a request is a bug or a state
		// it cannot handle (a tape it cannot resume): count it as a failed
		// attempt, so the request ends, with a reason, after MaxAttempts
		// instead of being claimed again for ever.
		var back []*entry
		for _, e := range left {
			e.fails++
			if e.fails >= s.pol.MaxAttempts {
				s.endLocked(e, Failed, fmt.Sprintf("%s (attempt %d of %d)", reason, e.fails, s.pol.MaxAttempts))
				continue
			}
			e.notBefore = s.now().Add(s.pol.RetryDelay)
			back = append(back, e)
		}
		left = back
	}
	s.requeueLocked(left, reason)
}

// reasonNoResult: the mover asked for new work while requests of its
// last batch were still claimed, without an outcome.
const reasonNoResult = "batch ended without a result"

// recover requeues what Host had running and loads the pending requests
// not yet known.
func (s *Scheduler) recover(ctx context.Context) error {
	n, err := s.q.RecoverHost(ctx, s.host, "requeued after a restart")
	if err != nil {
		if ctx.Err() != nil {
			// database/sql rolls back a transaction whose context ends and
			// reports that instead of the cancellation: Run's caller must
			// see context.Canceled, as from any other stop.
			return fmt.Errorf("scheduler: recover: %w", context.Cause(ctx))
		}
		return fmt.Errorf("scheduler: recover: %w", err)
	}
	if n > 0 {
		s.log.Info("scheduler: requeued requests that were running", "host", s.host, "n", n)
	}
	if err := s.load(ctx); err != nil {
		return err
	}
	s.wake.broadcast()
	return nil
}

// load adds the queued requests of the store that the scheduler does not
// hold: at Run, and every refreshEvery when the queue is shared, for the
// requests other hosts submitted or gave back.
func (s *Scheduler) load(ctx context.Context) error {
	var after int64
	added := false
	for {
		page, err := s.q.PendingEntries(ctx, after, 1000)
		if err != nil {
			return fmt.Errorf("scheduler: load queue: %w", err)
		}
		if len(page) == 0 {
			break
		}
		for _, qe := range page {
			after = qe.ID
			s.mu.Lock()
			_, known := s.entries[qe.ID]
			s.mu.Unlock()
			if known || qe.State != Queued.String() {
				continue // ours already, or running on a host
			}
			e := &entry{Request: fromQueue(qe)}
			if s.cfg.Accept != nil && !s.cfg.Accept(e.Request) {
				continue // another host's
			}
			why := ""
			if e.Kind == Recall {
				if why, err = s.loadCopies(ctx, e); err != nil {
					return fmt.Errorf("scheduler: load queue: %w", err)
				}
			}
			s.lock()
			if _, known := s.entries[e.ID]; !known && (why != "" || s.mineLocked(e)) {
				s.addLocked(e)
				added = true
				if why != "" {
					s.endLocked(e, Failed, why)
				}
			}
			s.unlock()
		}
	}
	if added {
		s.wake.broadcast()
	}
	return nil
}

// refreshEvery is how often a scheduler on a shared queue (Config.Queue
// set) looks for requests other hosts queued.
const refreshEvery = 30 * time.Second

// refresh runs load when it is due.
func (s *Scheduler) refresh(ctx context.Context) {
	if !s.shared {
		return
	}
	now := s.now()
	s.mu.Lock()
	due := !s.refreshing && !now.Before(s.nextRefresh)
	if due {
		s.refreshing, s.nextRefresh = true, now.Add(refreshEvery)
	}
	s.mu.Unlock()
	if !due {
		return
	}
	if err := s.load(ctx); err != nil && ctx.Err() == nil {
		s.log.Error("scheduler: refresh", "err", err)
	}
	s.mu.Lock()
	s.refreshing = false
	s.mu.Unlock()
}

func toQueue(r Request) catalog.QueueEntry {
	return catalog.QueueEntry{
		ID: r.ID, Kind: r.Kind.String(), Group: r.Group, FileID: r.FileID, Path: r.Path, Size: r.Size,
		StorageClass: r.StorageClass, CopyNo: r.CopyNo, Pool: r.Pool, Requester: r.Requester,
		Activity: r.Activity, Priority: r.Priority, Created: r.Created, State: r.State.String(),
		Reason: r.Reason, Started: r.Started, Ended: r.Ended, Attempts: r.Attempts, Volume: r.Volume,
		Host: r.Host, Relocate: r.Relocate,
	}
}

func fromQueue(q catalog.QueueEntry) Request {
	r := Request{
		ID: q.ID, Group: q.Group, FileID: q.FileID, Path: q.Path, Size: q.Size,
		StorageClass: q.StorageClass, CopyNo: q.CopyNo, Pool: q.Pool, Requester: q.Requester,
		Activity: q.Activity, Priority: q.Priority, Created: q.Created, Reason: q.Reason,
		Started: q.Started, Ended: q.Ended, Attempts: q.Attempts, Volume: q.Volume, Host: q.Host,
		Relocate: q.Relocate,
	}
	switch q.Kind {
	case "recall":
		r.Kind = Recall
	case "archive":
		r.Kind = Archive
	}
	for _, st := range []State{Queued, Running, Done, Failed, Cancelled} {
		if q.State == st.String() {
			r.State = st
		}
	}
	return r
}
