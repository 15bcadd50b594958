package repack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/scheduler"
)

// Errors.
var (
	// ErrRunning: the volume already has a repack that has not ended.
	ErrRunning = errors.New("repack: the volume is already being repacked")
	// ErrNoJob: no repack of that volume is known.
	ErrNoJob = errors.New("repack: no repack of that volume")
	// ErrNotAttached: Start, Cancel or Reconcile before Attach.
	ErrNotAttached = errors.New("repack: no scheduler attached")
)

// Scheduler is what a Repacker needs of the scheduler: the method set of
// *scheduler.Scheduler.
type Scheduler interface {
	Submit(ctx context.Context, reqs ...scheduler.Request) ([]scheduler.Request, error)
	Group(ctx context.Context, group string) ([]scheduler.Request, error)
	CancelGroup(ctx context.Context, group string) (int, error)
}

// Config assembles a Repacker.
type Config struct {
	// Catalog is the scheduler's catalog. Required.
	Catalog catalog.Catalog
	// Dir is the repacker's own directory: the files between their read
	// and their write (Dir/staging) and the jobs (Dir/jobs), which it
	// creates. Required.
	Dir string
	// Activity is the fair-share activity of repack requests; "" means
	// "repack". Give it a weight in scheduler.Policy.Shares so that a
	// repack never takes the drives users need.
	Activity string
	// Priority of repack requests (default 0).
	Priority int
	// Requester is the Requester of repack requests; "" means "repack".
	// Hosts that share a queue tell theirs apart by it (scheduler
	// Config.Accept), since the staging directory is this host's.
	Requester string
	// MaxAttempts is how many requests for one file (read or write) may
	// fail before the repack gives the file up and reports it; 0 means 3.
	MaxAttempts int
	// Staging keeps the files between their read and their write; nil
	// means a directory, Dir/staging.
	Staging Staging
	// Clock: nil means the real clock; use the library's in virtual time.
	Clock clock.Clock
	// Logger: nil means none.
	Logger *slog.Logger
}

// JobState is where a repack stands.
type JobState string

// Job states.
const (
	Running   JobState = "running"   // files are moving
	Done      JobState = "done"      // no live copy is left on the volume
	Stuck     JobState = "stuck"     // only files that failed MaxAttempts times are left
	Cancelled JobState = "cancelled" // Cancel stopped it
)

// Status is a repack's progress.
type Status struct {
	Volume  string    `json:"volume"`
	Pool    string    `json:"pool"` // the destination pool
	State   JobState  `json:"state"`
	Started time.Time `json:"started"`
	Ended   time.Time `json:"ended,omitzero"`
	// Files and Bytes are the live copies on the volume when it started;
	// FilesLeft and BytesLeft those still on it.
	Files     int   `json:"files"`
	Bytes     int64 `json:"bytes"`
	FilesLeft int   `json:"files_left"`
	BytesLeft int64 `json:"bytes_left"`
	// Rate is the bytes moved per second since the start; ETA the time
	// left at that rate (zero when unknown).
	Rate float64       `json:"rate_bytes_per_s"`
	ETA  time.Duration `json:"eta_ns,omitempty"`
	// Failed lists the files given up (MaxAttempts failures), with the
	// last reason, by file id.
	Failed map[int64]string `json:"failed,omitempty"`
}

// job is one repack as it is kept on disk (Dir/jobs/VOLUME.json).
type job struct {
	Volume    string              `json:"volume"`
	Pool      string              `json:"pool"`
	State     JobState            `json:"state"`
	Started   time.Time           `json:"started"`
	Ended     time.Time           `json:"ended,omitzero"`
	Files     int                 `json:"files"`
	Bytes     int64               `json:"bytes"`
	PrevState catalog.VolumeState `json:"prev_state"`
	Failed    map[int64]string    `json:"failed,omitempty"`

	inFlight int // requests submitted and not ended (not kept on disk)
}

// Repacker moves the live copies of volumes to volumes of another pool,
// through the scheduler. See the package documentation.
type Repacker struct {
	cfg     Config
	cat     catalog.Catalog
	clk     clock.Clock
	log     *slog.Logger
	staging Staging

	mu   sync.Mutex
	s    Scheduler
	jobs map[string]*job
	// One goroutine at a time works on the jobs (the worker): Start,
	// Cancel and Reconcile wait for their turn; OnEnd, which the
	// scheduler may call from inside a Submit the worker makes, queues
	// its request for the worker instead.
	busy   bool
	turn   *sync.Cond
	events []scheduler.Request
	// misses counts, by file, reads that ended done without the file
	// staged whole (in memory: a restart tries again).
	misses map[int64]int
}

// missed returns the misses of a file.
func (r *Repacker) missed(id int64) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.misses[id]
}

// groupPrefix starts the scheduler group of every repack request:
// "repack/VOLUME".
const groupPrefix = "repack/"

func group(volume string) string { return groupPrefix + volume }

// New returns a Repacker over cfg.Dir, reading the jobs a previous run
// left there. Attach a scheduler before Start.
func New(cfg Config) (*Repacker, error) {
	if cfg.Catalog == nil || cfg.Dir == "" {
		return nil, errors.New("repack: Config needs Catalog and Dir")
	}
	if cfg.Activity == "" {
		cfg.Activity = "repack"
	}
	if cfg.Requester == "" {
		cfg.Requester = "repack"
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 3
	}
	r := &Repacker{cfg: cfg, cat: cfg.Catalog, clk: cfg.Clock, log: cfg.Logger, jobs: map[string]*job{}}
	r.turn = sync.NewCond(&r.mu)
	if r.clk == nil {
		r.clk = clock.New()
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(filepath.Join(cfg.Dir, "jobs"), 0o755); err != nil {
		return nil, err
	}
	r.staging = cfg.Staging
	if r.staging == nil {
		var err error
		if r.staging, err = newDirStaging(filepath.Join(cfg.Dir, "staging"), r.clk); err != nil {
			return nil, err
		}
	}
	ents, err := os.ReadDir(filepath.Join(cfg.Dir, "jobs"))
	if err != nil {
		r.Close()
		return nil, err
	}
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(cfg.Dir, "jobs", e.Name()))
		if err != nil {
			r.Close()
			return nil, err
		}
		var j job
		if err := json.Unmarshal(b, &j); err != nil || j.Volume == "" {
			r.Close()
			return nil, fmt.Errorf("repack: job file %s: %v", e.Name(), err)
		}
		r.jobs[j.Volume] = &j
	}
	return r, nil
}

// Close releases the staging.
func (r *Repacker) Close() error { return r.staging.Close() }

// Attach gives the Repacker its scheduler, which must route repack
// requests through Sink, Source and OnEnd, and resumes the jobs that
// have not ended (Reconcile).
func (r *Repacker) Attach(ctx context.Context, s Scheduler) error {
	r.mu.Lock()
	r.s = s
	r.mu.Unlock()
	return r.Reconcile(ctx)
}

// IsRepack reports whether a scheduler request is one of a repack's.
func IsRepack(q scheduler.Request) bool { return strings.HasPrefix(q.Group, groupPrefix) }

// Sink returns the scheduler's Sink: repack recalls go to the staging
// directory, every other recall to next.
func (r *Repacker) Sink(next scheduler.Sink) scheduler.Sink { return &sink{r: r, next: next} }

type sink struct {
	r    *Repacker
	next scheduler.Sink
}

func (s *sink) pick(q scheduler.Request) scheduler.Sink {
	if IsRepack(q) || s.next == nil {
		return s.r.staging
	}
	return s.next
}

func (s *sink) Reserve(ctx context.Context, q scheduler.Request) error {
	return s.pick(q).Reserve(ctx, q)
}
func (s *sink) Release(q scheduler.Request) { s.pick(q).Release(q) }
func (s *sink) Create(ctx context.Context, q scheduler.Request) (scheduler.SinkFile, error) {
	return s.pick(q).Create(ctx, q)
}

// Source returns the scheduler's Source: a repack's archives read the
// staged file, every other archive reads from next.
func (r *Repacker) Source(next scheduler.Source) scheduler.Source { return &source{r: r, next: next} }

type source struct {
	r    *Repacker
	next scheduler.Source
}

func (s *source) Open(ctx context.Context, q scheduler.Request) (io.ReadCloser, error) {
	if !IsRepack(q) {
		if s.next == nil {
			return nil, fmt.Errorf("repack: no source for %s", q.Path)
		}
		return s.next.Open(ctx, q)
	}
	return s.r.staging.Open(q.Path)
}

// Start begins the repack of volume onto volumes of pool: the volume
// becomes StateRepacking (so nothing more is written to it), every live
// copy on it is recalled into staging and written again, in pool, by an
// archive that relocates it. A volume with a repack that has ended may be
// started again.
func (r *Repacker) Start(ctx context.Context, volume, pool string) (Status, error) {
	if volume == "" || strings.ContainsAny(volume, `/\`) || volume[0] == '.' || volume[0] == '+' {
		return Status{}, fmt.Errorf("repack: %w: volume %q", catalog.ErrInvalid, volume)
	}
	r.acquire()
	err := r.start(ctx, volume, pool)
	r.release()
	if err != nil {
		return Status{}, err
	}
	return r.Status(ctx, volume)
}

func (r *Repacker) start(ctx context.Context, volume, pool string) error {
	r.mu.Lock()
	s := r.s
	if j := r.jobs[volume]; j != nil && j.State == Running {
		r.mu.Unlock()
		return fmt.Errorf("%w: %s", ErrRunning, volume)
	}
	r.mu.Unlock()
	if s == nil {
		return ErrNotAttached
	}
	v, err := r.cat.Volume(ctx, volume)
	if err != nil {
		return err
	}
	pools, err := r.cat.Pools(ctx)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(pools, func(p catalog.Pool) bool { return p.Name == pool }) {
		return fmt.Errorf("repack: %w: pool %q", catalog.ErrNotFound, pool)
	}
	if pool == v.Pool {
		return fmt.Errorf("repack: %w: %s is in pool %s already: name another pool", catalog.ErrInvalid, volume, pool)
	}
	j := &job{Volume: volume, Pool: pool, State: Running, Started: r.clk.Now().UTC(), PrevState: v.State}
	if v.State == catalog.StateRepacking {
		j.PrevState = catalog.StateFull
	}
	for c, err := range r.cat.VolumeCopies(ctx, volume) {
		if err != nil {
			return err
		}
		j.Files++
		j.Bytes += c.Size
	}
	if err := r.cat.SetVolumeState(ctx, volume, catalog.StateRepacking, "repack to pool "+pool); err != nil {
		return err
	}
	r.mu.Lock()
	r.jobs[volume] = j
	err = r.saveLocked(j)
	r.mu.Unlock()
	if err != nil {
		return err
	}
	r.log.Info("repack: started", "volume", volume, "pool", pool, "files", j.Files, "bytes", j.Bytes)
	return r.reconcile(ctx, volume)
}

// Cancel stops the repack of volume: its requests are cancelled and the
// volume gets back the state it had. Copies already moved stay moved.
func (r *Repacker) Cancel(ctx context.Context, volume string) error {
	r.acquire()
	defer r.release()
	r.mu.Lock()
	s, j := r.s, r.jobs[volume]
	r.mu.Unlock()
	switch {
	case s == nil:
		return ErrNotAttached
	case j == nil:
		return fmt.Errorf("%w: %s", ErrNoJob, volume)
	case j.State != Running:
		return nil
	}
	if _, err := s.CancelGroup(ctx, group(volume)); err != nil {
		return err
	}
	if err := r.cat.SetVolumeState(ctx, volume, j.PrevState, "repack cancelled"); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	j.State, j.Ended = Cancelled, r.clk.Now().UTC()
	return r.saveLocked(j)
}

// Status returns the progress of the repack of volume.
func (r *Repacker) Status(ctx context.Context, volume string) (Status, error) {
	r.mu.Lock()
	j := r.jobs[volume]
	var st Status
	if j != nil {
		st = Status{Volume: j.Volume, Pool: j.Pool, State: j.State, Started: j.Started, Ended: j.Ended,
			Files: j.Files, Bytes: j.Bytes}
		if len(j.Failed) > 0 {
			st.Failed = make(map[int64]string, len(j.Failed))
			for k, v := range j.Failed {
				st.Failed[k] = v
			}
		}
	}
	r.mu.Unlock()
	if j == nil {
		return Status{}, fmt.Errorf("%w: %s", ErrNoJob, volume)
	}
	for c, err := range r.cat.VolumeCopies(ctx, volume) {
		if err != nil {
			return Status{}, err
		}
		st.FilesLeft++
		st.BytesLeft += c.Size
	}
	end := st.Ended
	if end.IsZero() {
		end = r.clk.Now()
	}
	if secs := end.Sub(st.Started).Seconds(); secs > 0 {
		st.Rate = float64(max(st.Bytes-st.BytesLeft, 0)) / secs
	}
	if st.Rate > 0 && st.State == Running {
		st.ETA = time.Duration(float64(st.BytesLeft) / st.Rate * float64(time.Second))
	}
	return st, nil
}

// Jobs returns the progress of every repack known, by volume.
func (r *Repacker) Jobs(ctx context.Context) ([]Status, error) {
	r.mu.Lock()
	vols := make([]string, 0, len(r.jobs))
	for v := range r.jobs {
		vols = append(vols, v)
	}
	r.mu.Unlock()
	slices.Sort(vols)
	out := make([]Status, 0, len(vols))
	for _, v := range vols {
		st, err := r.Status(ctx, v)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// OnEnd is the repacker's part of the scheduler's Config.OnEnd: call it
// for every request that ends (it ignores those that are not a
// repack's). A recalled file goes on to its write; a written one leaves
// staging; when a volume has nothing left in flight, its repack is
// reconciled with the catalog, which retries what failed and ends the
// repack when no live copy is left.
func (r *Repacker) OnEnd(q scheduler.Request) {
	if !IsRepack(q) {
		return
	}
	r.mu.Lock()
	r.events = append(r.events, q)
	if r.busy {
		r.mu.Unlock()
		return // the worker handles it
	}
	r.busy = true
	r.mu.Unlock()
	r.release()
}

// acquire waits for the worker's turn; release handles the queued ends
// and gives the turn back.
func (r *Repacker) acquire() {
	r.mu.Lock()
	for r.busy {
		r.turn.Wait()
	}
	r.busy = true
	r.mu.Unlock()
}

func (r *Repacker) release() {
	for {
		r.mu.Lock()
		if len(r.events) == 0 {
			r.busy = false
			r.turn.Broadcast()
			r.mu.Unlock()
			return
		}
		q := r.events[0]
		r.events = r.events[1:]
		r.mu.Unlock()
		r.handle(q)
	}
}

// handle is one repack request's end, on the worker.
func (r *Repacker) handle(q scheduler.Request) {
	volume := strings.TrimPrefix(q.Group, groupPrefix)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if q.Group == copiesGroup {
		r.handleCopies(ctx, q)
		return
	}
	r.mu.Lock()
	j := r.jobs[volume]
	if j != nil && j.inFlight > 0 {
		j.inFlight--
	}
	r.mu.Unlock()
	if j == nil || j.State != Running {
		return
	}
	switch {
	case q.Kind == scheduler.Recall && q.State == scheduler.Done:
		// On to the write, unless the copy left meanwhile. A read that
		// ended done without staging the file whole counts as failed,
		// so that a staging that never holds it cannot loop for ever.
		if !r.staging.Has(q.Path, q.Size) {
			r.mu.Lock()
			if r.misses == nil {
				r.misses = map[int64]int{}
			}
			r.misses[q.FileID]++
			r.mu.Unlock()
			r.log.Warn("repack: a read ended without staging the file whole", "volume", volume, "file", q.FileID, "path", q.Path)
		}
		if r.missed(q.FileID) >= r.cfg.MaxAttempts {
			break
		}
		if err := r.reconcileFiles(ctx, j, q.FileID); err != nil {
			r.log.Warn("repack: write a recalled file", "volume", volume, "file", q.FileID, "err", err)
		}
	case q.Kind == scheduler.Archive && (q.State == scheduler.Done || !r.stagedNeeded(ctx, volume, q.FileID)):
		if err := r.staging.Remove(q.Path); err != nil {
			r.log.Warn("repack: remove a staged file", "path", q.Path, "err", err)
		}
	}
	r.mu.Lock()
	idle := j.inFlight == 0
	r.mu.Unlock()
	if idle {
		if err := r.reconcile(ctx, volume); err != nil {
			r.log.Warn("repack: reconcile", "volume", volume, "err", err)
		}
	}
}

// stagedNeeded reports whether a file's staged data may still be
// written: its copy is still on the volume.
func (r *Repacker) stagedNeeded(ctx context.Context, volume string, fileID int64) bool {
	cs, err := r.cat.Copies(ctx, fileID)
	if err != nil {
		return !errors.Is(err, catalog.ErrNotFound)
	}
	return slices.ContainsFunc(cs, func(c catalog.Copy) bool { return c.Volume == volume })
}

// Reconcile brings every running repack in line with the catalog and the
// queue: what Attach does after a restart, and what a caller may do now
// and then (it is idempotent). A repack that is done but whose volume
// holds live copies again (a file undeleted after it moved on: its copy
// came back on the old volume) runs again, so that the file is not left
// on a volume about to be relabelled.
func (r *Repacker) Reconcile(ctx context.Context) error {
	r.acquire()
	defer r.release()
	r.mu.Lock()
	var vols, done []string
	for v, j := range r.jobs {
		switch j.State {
		case Running:
			vols = append(vols, v)
		case Done:
			done = append(done, v)
		}
	}
	r.mu.Unlock()
	slices.Sort(done)
	for _, v := range done {
		again := false
		for _, err := range r.cat.VolumeCopies(ctx, v) {
			if err != nil {
				return fmt.Errorf("repack %s: %w", v, err)
			}
			again = true
			break
		}
		if !again {
			continue
		}
		if err := r.cat.SetVolumeState(ctx, v, catalog.StateRepacking, "repack again: live copies came back"); err != nil {
			return fmt.Errorf("repack %s: %w", v, err)
		}
		r.mu.Lock()
		j := r.jobs[v]
		j.State, j.Ended = Running, time.Time{}
		err := r.saveLocked(j)
		r.mu.Unlock()
		if err != nil {
			return err
		}
		r.log.Info("repack: live copies came back; running again", "volume", v)
		vols = append(vols, v)
	}
	slices.Sort(vols)
	for _, v := range vols {
		if err := r.reconcile(ctx, v); err != nil {
			return fmt.Errorf("repack %s: %w", v, err)
		}
	}
	return nil
}

// reconcile looks at the live copies left on volume and at the repack's
// requests, and asks for what is missing: a write for a file staged and
// not in flight, a read for one neither staged nor in flight; a file
// whose requests failed MaxAttempts times is given up. With nothing left
// on the volume and nothing in flight the repack ends. Call it on the
// worker.
func (r *Repacker) reconcile(ctx context.Context, volume string) error {
	r.mu.Lock()
	s, j := r.s, r.jobs[volume]
	r.mu.Unlock()
	if s == nil {
		return ErrNotAttached
	}
	if j == nil || j.State != Running {
		return nil
	}
	reqs, err := s.Group(ctx, group(volume))
	if err != nil {
		return err
	}
	inFlight := map[int64]bool{}
	fails := map[int64]int{}
	reason := map[int64]string{}
	for _, q := range reqs {
		switch {
		case !q.State.Ended():
			inFlight[q.FileID] = true
		case q.State == scheduler.Failed:
			fails[q.FileID]++
			reason[q.FileID] = q.Reason
		}
	}
	r.mu.Lock()
	for id, n := range r.misses {
		if n > 0 {
			fails[id] += n
			reason[id] = "read done without staging the file whole"
		}
	}
	r.mu.Unlock()
	var want []scheduler.Request
	left, givenUp := 0, map[int64]string{}
	for c, err := range r.cat.VolumeCopies(ctx, volume) {
		if err != nil {
			return err
		}
		left++
		if inFlight[c.FileID] {
			continue
		}
		if fails[c.FileID] >= r.cfg.MaxAttempts {
			givenUp[c.FileID] = reason[c.FileID]
			continue
		}
		q, ok, err := r.request(ctx, j, c)
		if err != nil {
			return err
		}
		if ok {
			want = append(want, q)
		}
	}
	r.mu.Lock()
	j.inFlight = len(inFlight)
	r.mu.Unlock()
	if len(want) > 0 {
		return r.submit(ctx, j, want)
	}
	if len(inFlight) > 0 {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	j.Failed = givenUp
	j.Ended = r.clk.Now().UTC()
	if left == 0 {
		j.State = Done
		if err := r.cat.SetVolumeState(ctx, volume, catalog.StateDisabled,
			"repacked to pool "+j.Pool+": no live copy left; relabel it for reuse or retire it"); err != nil {
			return err
		}
		r.log.Info("repack: done", "volume", volume, "pool", j.Pool, "files", j.Files)
	} else {
		j.State = Stuck
		r.log.Warn("repack: files given up", "volume", volume, "left", left, "failed", len(givenUp))
	}
	return r.saveLocked(j)
}

// reconcileFiles asks for the next step of one file of j: its write when
// it is staged, else its read; nothing when its copy has left the volume.
func (r *Repacker) reconcileFiles(ctx context.Context, j *job, fileID int64) error {
	cs, err := r.cat.Copies(ctx, fileID)
	if errors.Is(err, catalog.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, c := range cs {
		if c.Volume != j.Volume {
			continue
		}
		q, ok, err := r.request(ctx, j, c)
		if err != nil || !ok {
			return err
		}
		return r.submit(ctx, j, []scheduler.Request{q})
	}
	return nil
}

// request returns the request that moves copy c of j on: the write
// (an archive relocating it) when the file is staged, else its read. ok
// is false for a file deleted meanwhile.
func (r *Repacker) request(ctx context.Context, j *job, c catalog.Copy) (scheduler.Request, bool, error) {
	f, err := r.cat.File(ctx, c.FileID)
	if errors.Is(err, catalog.ErrNotFound) {
		return scheduler.Request{}, false, nil
	}
	if err != nil {
		return scheduler.Request{}, false, err
	}
	q := scheduler.Request{FileID: f.ID, Path: f.Path, Size: f.Size, Group: group(j.Volume),
		Activity: r.cfg.Activity, Priority: r.cfg.Priority, Requester: r.cfg.Requester}
	if r.staged(f) {
		q.Kind, q.StorageClass, q.CopyNo, q.Pool, q.Relocate = scheduler.Archive, f.StorageClass, c.CopyNo, j.Pool, j.Volume
	} else {
		q.Kind = scheduler.Recall
	}
	return q, true, nil
}

// submit queues reqs for j, counting them in flight first: their ends
// may come before Submit returns.
func (r *Repacker) submit(ctx context.Context, j *job, reqs []scheduler.Request) error {
	r.mu.Lock()
	s := r.s
	j.inFlight += len(reqs)
	r.mu.Unlock()
	if _, err := s.Submit(ctx, reqs...); err != nil {
		r.mu.Lock()
		j.inFlight -= len(reqs)
		r.mu.Unlock()
		return err
	}
	return nil
}

// staged reports whether the staging holds f whole (the default one
// shows a file only once it is verified and synced).
func (r *Repacker) staged(f catalog.File) bool { return r.staging.Has(f.Path, f.Size) }

// saveLocked writes j to Dir/jobs atomically: a temporary file, synced,
// renamed, and the directory synced.
func (r *Repacker) saveLocked(j *job) error {
	b, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Join(r.cfg.Dir, "jobs")
	name := filepath.Join(dir, j.Volume+".json")
	tmp := name + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if serr := f.Sync(); err == nil {
		err = serr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
