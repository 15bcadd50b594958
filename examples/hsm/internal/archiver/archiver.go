package archiver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/tapekit/tapekit/cache"
	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/scheduler"
)

// Scheduler is what the archiver needs of the scheduler: a subset of
// *scheduler.Scheduler's methods.
type Scheduler interface {
	Submit(ctx context.Context, reqs ...scheduler.Request) ([]scheduler.Request, error)
	CancelGroup(ctx context.Context, group string) (int, error)
}

// Config assembles an Archiver. Cache, Catalog and Scheduler are
// required.
type Config struct {
	Cache     *cache.Cache
	Catalog   catalog.Catalog
	Scheduler Scheduler
	// StorageClass is the catalog class of files the cache has no class
	// for (a PUT names none); it must exist in the catalog.
	StorageClass string
	// Requester is the Requester of the archive requests; "" means
	// "archiver". Hosts that share a queue tell theirs apart by it, since
	// the files are in this host's cache.
	Requester string
	// Logger: default slog.Default().
	Logger *slog.Logger
}

// Archiver submits archives and records their ends. It is safe for
// concurrent use.
type Archiver struct {
	cfg Config
	log *slog.Logger

	mu    sync.Mutex
	files map[string]*pending // cache name → archive in flight
	byReq map[int64]*pending  // scheduler request id → its file's
}

// pending is one file's archive requests, one per copy.
type pending struct {
	name    string
	left    map[int64]bool // request ids not ended
	failed  bool
	reasons []string
}

// Group is the scheduler group of a file's archive requests.
func Group(name string) string { return "archive:" + name }

// New returns an Archiver.
func New(cfg Config) (*Archiver, error) {
	if cfg.Cache == nil || cfg.Catalog == nil || cfg.Scheduler == nil {
		return nil, errors.New("archiver: Config needs Cache, Catalog and Scheduler")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Requester == "" {
		cfg.Requester = "archiver"
	}
	return &Archiver{cfg: cfg, log: cfg.Logger, files: map[string]*pending{}, byReq: map[int64]*pending{}}, nil
}

// Flush submits archives for the precious files that are due and have
// none in flight. It returns how many files it submitted; a file that
// cannot be submitted is logged and left for the next flush.
func (a *Archiver) Flush(ctx context.Context) (int, error) {
	n := 0
	for _, b := range a.cfg.Cache.FlushDue() {
		for _, name := range b.Files {
			a.mu.Lock()
			busy := a.files[name] != nil
			a.mu.Unlock()
			if busy {
				continue
			}
			ok, err := a.submit(ctx, name)
			if ctx.Err() != nil {
				return n, ctx.Err()
			}
			if err != nil {
				a.log.Warn("archive not submitted", "path", name, "err", err)
				continue
			}
			if ok {
				n++
			}
		}
	}
	return n, nil
}

// submit records one precious file in the catalog and submits the copies
// it lacks.
func (a *Archiver) submit(ctx context.Context, name string) (bool, error) {
	info, err := a.cfg.Cache.Stat(name)
	if err != nil || info.State != cache.Precious {
		return false, nil // archived, deleted or changed meanwhile
	}
	class := info.StorageClass
	if class == "" {
		class = a.cfg.StorageClass
	}
	sc, err := a.cfg.Catalog.StorageClass(ctx, class)
	if err != nil {
		return false, fmt.Errorf("storage class %q: %w", class, err)
	}
	path := "/" + name
	sums := map[string]string{}
	for _, v := range info.Checksums {
		sums[v.Algorithm] = v.Hex()
	}
	file := catalog.File{Path: path, Size: info.Size, Checksums: sums, StorageClass: class, Created: info.Created}
	var have map[int64]bool // copy numbers on tape already
	created, err := a.cfg.Catalog.CreateFiles(ctx, []catalog.File{file})
	switch {
	case err == nil:
		file = created[0]
	case errors.Is(err, catalog.ErrExists):
		// Recorded by a run that did not finish: this file, if it is the
		// same bytes. Its requests left in the scheduler go first.
		old, err := a.cfg.Catalog.FileByPath(ctx, path)
		if err != nil {
			return false, err
		}
		if old.Size != info.Size || !sameSums(old.Checksums, sums) {
			return false, fmt.Errorf("the catalog has another file at %s (size %d, checksums %v): not archived", path, old.Size, old.Checksums)
		}
		file = old
		if _, err := a.cfg.Scheduler.CancelGroup(ctx, Group(name)); err != nil {
			return false, err
		}
		copies, err := a.cfg.Catalog.Copies(ctx, file.ID)
		if err != nil {
			return false, err
		}
		have = map[int64]bool{}
		for _, c := range copies {
			have[c.CopyNo] = true
		}
	default:
		return false, err
	}

	var reqs []scheduler.Request
	base := scheduler.Request{Kind: scheduler.Archive, Group: Group(name), FileID: file.ID, Path: path, Size: info.Size, StorageClass: class, Requester: a.cfg.Requester}
	if have == nil {
		reqs = append(reqs, base) // one per copy, the scheduler splits it
	} else {
		for c := int64(1); c <= int64(sc.Copies()); c++ {
			if !have[c] {
				r := base
				r.CopyNo = c
				reqs = append(reqs, r)
			}
		}
	}
	if len(reqs) == 0 { // every copy is on tape: only the mark was lost
		return false, a.markArchived(name)
	}
	got, err := a.cfg.Scheduler.Submit(ctx, reqs...)
	if err != nil {
		return false, err
	}
	p := &pending{name: name, left: map[int64]bool{}}
	var ended []scheduler.Request
	a.mu.Lock()
	for _, r := range got {
		p.left[r.ID] = true
		a.byReq[r.ID] = p
		if r.State.Ended() {
			ended = append(ended, r)
		}
	}
	a.files[name] = p
	a.mu.Unlock()
	for _, r := range ended {
		a.Ended(r)
	}
	return true, nil
}

func sameSums(a, b map[string]string) bool {
	common := 0
	for alg, v := range a {
		if w, ok := b[alg]; ok {
			if v != w {
				return false
			}
			common++
		}
	}
	return common > 0 || (len(a) == 0 && len(b) == 0)
}

// Ended records the end of an archive request; wire it to the
// scheduler's Config.OnEnd. When the last copy of a file ends, the file is
// marked archived if every copy was written, or left precious for the
// next flush. Other requests are ignored.
func (a *Archiver) Ended(r scheduler.Request) {
	if r.Kind != scheduler.Archive || !r.State.Ended() {
		return
	}
	a.mu.Lock()
	p := a.byReq[r.ID]
	if p == nil || !p.left[r.ID] {
		a.mu.Unlock()
		return
	}
	delete(p.left, r.ID)
	delete(a.byReq, r.ID)
	if r.State != scheduler.Done {
		p.failed = true
		p.reasons = append(p.reasons, fmt.Sprintf("copy %d: %v: %s", r.CopyNo, r.State, r.Reason))
	}
	last := len(p.left) == 0
	if last {
		delete(a.files, p.name)
	}
	a.mu.Unlock()
	if !last {
		return
	}
	if p.failed {
		a.log.Warn("archive failed; the next flush tries again", "path", p.name, "reasons", p.reasons)
		return
	}
	if err := a.markArchived(p.name); err != nil {
		a.log.Warn("archived, but not marked in the cache", "path", p.name, "err", err)
	}
}

func (a *Archiver) markArchived(name string) error {
	err := a.cfg.Cache.MarkArchived(name)
	if errors.Is(err, cache.ErrNotFound) {
		return nil // deleted meanwhile: nothing to mark
	}
	return err
}

// Run flushes every interval until ctx ends.
func (a *Archiver) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := a.Flush(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("flush", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
