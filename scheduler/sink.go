package scheduler

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/benbjohnson/clock"

	"github.com/tapekit/tapekit/checksum"
	"github.com/tapekit/tapekit/simulator/vclock"
)

// TryReserver is implemented by sinks that tell at once whether a
// reservation fits. The mover reserves the first file of a batch with
// Sink.Reserve (waiting: a full sink delays the mount) and the others
// with TryReserve; the files it could not reserve before the mount it
// reserves, waiting, just before reading each.
type TryReserver interface {
	TryReserve(req Request) bool
}

// space is a sink's book of reservations: bytes reserved (and, for a
// MemorySink that keeps data, held) against a capacity, granted in the
// order they were asked. Waiting is clock-aware: a participant of a
// virtual clock waits on a vclock.Cond, anyone else on a channel.
type space struct {
	mu       sync.Mutex
	capacity int64 // ≤ 0: unbounded
	used     int64
	res      map[int64]int64 // request id → bytes reserved
	queue    []*spaceWaiter
	waits    int64

	vcond *vclock.Cond // nil without a virtual clock
	ocond *vclock.Cond // outside virtual time
}

type spaceWaiter struct {
	n    int64
	wake context.CancelFunc
}

func newSpace(capacity int64, c clock.Clock) *space {
	sp := &space{capacity: capacity, res: map[int64]int64{}, ocond: vclock.NewCond(nil)}
	if vc, ok := c.(*vclock.Clock); ok {
		sp.vcond = vclock.NewCond(vc)
	}
	return sp
}

func (sp *space) fitsLocked(n int64) bool { return sp.capacity <= 0 || sp.used+n <= sp.capacity }

// reserve waits until n bytes fit for request id and no earlier waiter
// is ahead, then books them.
func (sp *space) reserve(ctx context.Context, id, n int64) error {
	n = max(n, 0)
	sp.mu.Lock()
	if _, ok := sp.res[id]; ok {
		sp.mu.Unlock()
		return nil
	}
	if sp.capacity > 0 && n > sp.capacity {
		sp.mu.Unlock()
		return fmt.Errorf("%w: %d bytes, capacity %d", ErrTooLarge, n, sp.capacity)
	}
	if len(sp.queue) == 0 && sp.fitsLocked(n) {
		sp.grantLocked(id, n)
		sp.mu.Unlock()
		return nil
	}
	w := &spaceWaiter{n: n}
	sp.queue = append(sp.queue, w)
	sp.waits++
	cond := sp.ocond
	if _, ok := vclock.Participant(ctx); ok && sp.vcond != nil {
		cond = sp.vcond
	}
	for {
		if sp.queue[0] == w && sp.fitsLocked(n) {
			sp.queue = sp.queue[1:]
			sp.grantLocked(id, n)
			wakes := sp.wakesLocked()
			sp.mu.Unlock()
			sp.wakeAll(wakes) // the next waiter may fit as well
			return nil
		}
		// A broadcast between the unlock and Wait would be lost: it
		// cancels wctx as well, which makes Wait return at once.
		wctx, cancel := context.WithCancel(ctx)
		w.wake = cancel
		sp.mu.Unlock()
		_ = cond.Wait(wctx, -1)
		cancel()
		sp.mu.Lock()
		if err := ctx.Err(); err != nil {
			for i, q := range sp.queue {
				if q == w {
					sp.queue = append(sp.queue[:i], sp.queue[i+1:]...)
					break
				}
			}
			wakes := sp.wakesLocked()
			sp.mu.Unlock()
			sp.wakeAll(wakes)
			return err
		}
	}
}

// tryReserve books n bytes if they fit now and nobody waits.
func (sp *space) tryReserve(id, n int64) bool {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if _, ok := sp.res[id]; ok {
		return true
	}
	if len(sp.queue) > 0 || !sp.fitsLocked(max(n, 0)) {
		return false
	}
	sp.grantLocked(id, max(n, 0))
	return true
}

func (sp *space) grantLocked(id, n int64) {
	sp.res[id] = n
	sp.used += n
}

// release gives back id's reservation and moves keep bytes into the held
// total (a MemorySink keeping data).
func (sp *space) release(id, keep int64) {
	sp.mu.Lock()
	n, ok := sp.res[id]
	if ok {
		delete(sp.res, id)
		sp.used -= n
	}
	sp.used += keep
	wakes := sp.wakesLocked()
	sp.mu.Unlock()
	sp.wakeAll(wakes)
}

// free gives back held bytes.
func (sp *space) free(n int64) {
	sp.mu.Lock()
	sp.used -= n
	wakes := sp.wakesLocked()
	sp.mu.Unlock()
	sp.wakeAll(wakes)
}

func (sp *space) wakesLocked() []context.CancelFunc {
	var out []context.CancelFunc
	for _, w := range sp.queue {
		if w.wake != nil {
			out = append(out, w.wake)
			w.wake = nil
		}
	}
	return out
}

// wakeAll wakes the waiters: participants through the Cond, in the
// clock's order (deterministic), then every wait context, for a waiter
// that had not reached Wait yet.
func (sp *space) wakeAll(wakes []context.CancelFunc) {
	if len(wakes) == 0 {
		return
	}
	if sp.vcond != nil {
		sp.vcond.Broadcast()
	}
	sp.ocond.Broadcast()
	for _, f := range wakes {
		f()
	}
}

func (sp *space) stats() (used, reserved, waits int64) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	for _, n := range sp.res {
		reserved += n
	}
	return sp.used, reserved, sp.waits
}

// MemorySinkOptions tune a MemorySink. A nil *MemorySinkOptions means the
// defaults.
type MemorySinkOptions struct {
	// Clock: when it is a *vclock.Clock (the scheduler's), Reserve waits
	// in virtual time for its participants. Any other clock, or nil, waits
	// on channels.
	Clock clock.Clock
	// Keep keeps committed files (Data, Remove): their bytes count
	// against the capacity until Remove. Without it a file's bytes are
	// counted and dropped, and its reservation ends with Commit.
	Keep bool
}

// MemorySink is a Sink in memory, for tests and benchmarks: a capacity in
// bytes bounds what is reserved (and kept), and Reserve waits while the
// sink is full.
type MemorySink struct {
	sp   *space
	keep bool

	mu    sync.Mutex
	files map[string]memData
	st    MemorySinkStats
}

type memData struct {
	data []byte
	sums []checksum.Value
}

// MemorySinkStats counts what a MemorySink received.
type MemorySinkStats struct {
	Committed, Aborted int64 // files
	Bytes              int64 // bytes of committed files, discarded ones included
	Used               int64 // reserved and kept bytes now
	Reserved           int64 // reserved bytes now
	Waits              int64 // Reserve calls that had to wait
}

var (
	_ Sink        = (*MemorySink)(nil)
	_ TryReserver = (*MemorySink)(nil)
)

// NewMemorySink returns an empty sink of capacity bytes (≤ 0: unbounded).
func NewMemorySink(capacity int64, opts *MemorySinkOptions) *MemorySink {
	var o MemorySinkOptions
	if opts != nil {
		o = *opts
	}
	return &MemorySink{sp: newSpace(capacity, o.Clock), keep: o.Keep, files: map[string]memData{}}
}

// Reserve implements Sink.
func (m *MemorySink) Reserve(ctx context.Context, req Request) error {
	return m.sp.reserve(ctx, req.ID, req.Size)
}

// TryReserve implements TryReserver.
func (m *MemorySink) TryReserve(req Request) bool { return m.sp.tryReserve(req.ID, req.Size) }

// Release implements Sink.
func (m *MemorySink) Release(req Request) { m.sp.release(req.ID, 0) }

// Create implements Sink.
func (m *MemorySink) Create(ctx context.Context, req Request) (SinkFile, error) {
	m.sp.mu.Lock()
	_, ok := m.sp.res[req.ID]
	m.sp.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("%w: request %d (%s)", ErrNotReserved, req.ID, req.Path)
	}
	return &memFile{m: m, req: req}, nil
}

// Data returns a committed file's bytes and checksums (Keep only).
func (m *MemorySink) Data(path string) ([]byte, []checksum.Value, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.files[path]
	return d.data, d.sums, ok
}

// Remove drops a kept file, giving its bytes back to the capacity.
func (m *MemorySink) Remove(path string) bool {
	m.mu.Lock()
	d, ok := m.files[path]
	delete(m.files, path)
	m.mu.Unlock()
	if ok {
		m.sp.free(int64(len(d.data)))
	}
	return ok
}

// Stats returns the counts so far.
func (m *MemorySink) Stats() MemorySinkStats {
	m.mu.Lock()
	st := m.st
	m.mu.Unlock()
	st.Used, st.Reserved, st.Waits = m.sp.stats()
	return st
}

type memFile struct {
	m     *MemorySink
	req   Request
	data  []byte
	n     int64
	ended bool
}

func (f *memFile) Write(p []byte) (int, error) {
	if f.ended {
		return 0, ErrFileEnded
	}
	if f.n+int64(len(p)) > f.req.Size {
		return 0, fmt.Errorf("scheduler: %s: more than the %d bytes reserved", f.req.Path, f.req.Size)
	}
	if f.m.keep {
		f.data = append(f.data, p...)
	}
	f.n += int64(len(p))
	return len(p), nil
}

// Discard implements Discarder: n bytes counted, not seen.
func (f *memFile) Discard(n int64) error {
	if f.ended {
		return ErrFileEnded
	}
	if f.m.keep {
		return fmt.Errorf("scheduler: a MemorySink that keeps data cannot discard: %w", errors.ErrUnsupported)
	}
	f.n += n
	return nil
}

func (f *memFile) Commit(sums []checksum.Value) error {
	if f.ended {
		return ErrFileEnded
	}
	f.ended = true
	m := f.m
	var kept int64
	m.mu.Lock()
	if m.keep {
		if old, ok := m.files[f.req.Path]; ok {
			defer m.sp.free(int64(len(old.data)))
		}
		m.files[f.req.Path] = memData{data: f.data, sums: sums}
		kept = int64(len(f.data))
	}
	m.st.Committed++
	m.st.Bytes += f.n
	m.mu.Unlock()
	m.sp.release(f.req.ID, kept)
	return nil
}

func (f *memFile) Abort() error {
	if f.ended {
		return ErrFileEnded
	}
	f.ended = true
	f.m.mu.Lock()
	f.m.st.Aborted++
	f.m.mu.Unlock()
	f.m.sp.release(f.req.ID, 0)
	return nil
}

// DirSinkOptions tune a DirSink. A nil *DirSinkOptions means the
// defaults.
type DirSinkOptions struct {
	// Capacity bounds the bytes reserved for files being recalled (not
	// the files already delivered); ≤ 0 means unbounded.
	Capacity int64
	// Clock: as MemorySinkOptions.Clock.
	Clock clock.Clock
	// Perm is the files' permission bits; 0 means 0644.
	Perm fs.FileMode
}

// DirSink is a Sink that delivers files under a directory, at their
// catalog path made relative ("/exp/run1/f" → DIR/exp/run1/f). A file is
// written to a temporary name beside its final one, synced, and renamed
// on Commit (then the directory is synced), so a reader never sees a
// partial file and a crash leaves at most a temporary file. Paths cannot
// leave the directory, through ".." or symbolic links (os.Root).
type DirSink struct {
	root *os.Root
	sp   *space
	perm fs.FileMode
}

var (
	_ Sink        = (*DirSink)(nil)
	_ TryReserver = (*DirSink)(nil)
)

// NewDirSink returns a sink writing under dir, which must exist.
func NewDirSink(dir string, opts *DirSinkOptions) (*DirSink, error) {
	var o DirSinkOptions
	if opts != nil {
		o = *opts
	}
	if o.Perm == 0 {
		o.Perm = 0o644
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &DirSink{root: root, sp: newSpace(o.Capacity, o.Clock), perm: o.Perm}, nil
}

// Close releases the directory.
func (s *DirSink) Close() error { return s.root.Close() }

// Reserve implements Sink.
func (s *DirSink) Reserve(ctx context.Context, req Request) error {
	return s.sp.reserve(ctx, req.ID, req.Size)
}

// TryReserve implements TryReserver.
func (s *DirSink) TryReserve(req Request) bool { return s.sp.tryReserve(req.ID, req.Size) }

// Release implements Sink.
func (s *DirSink) Release(req Request) { s.sp.release(req.ID, 0) }

// localName turns a catalog path into a name relative to the sink's
// directory, refusing any that would leave it.
func localName(p string) (string, error) {
	rel := path.Clean("/" + p)[1:]
	if p == "" || rel == "" {
		return "", fmt.Errorf("%w: %q", ErrBadPath, p)
	}
	for _, el := range splitPath(p) {
		if el == ".." {
			return "", fmt.Errorf("%w: %q has a \"..\" element", ErrBadPath, p)
		}
	}
	name, err := filepath.Localize(rel)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %v", ErrBadPath, p, err)
	}
	return name, nil
}

func splitPath(p string) []string {
	var out []string
	for p != "" {
		i := 0
		for i < len(p) && p[i] != '/' {
			i++
		}
		out = append(out, p[:i])
		if i == len(p) {
			break
		}
		p = p[i+1:]
	}
	return out
}

// Create implements Sink.
func (s *DirSink) Create(ctx context.Context, req Request) (SinkFile, error) {
	s.sp.mu.Lock()
	_, ok := s.sp.res[req.ID]
	s.sp.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("%w: request %d (%s)", ErrNotReserved, req.ID, req.Path)
	}
	name, err := localName(req.Path)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(name)
	if err := s.root.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	tmp := filepath.Join(dir, "."+filepath.Base(name)+".tapekit-"+strconv.FormatInt(req.ID, 10)+".part")
	f, err := s.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, s.perm)
	if err != nil {
		return nil, err
	}
	return &dirFile{s: s, req: req, f: f, tmp: tmp, name: name, dir: dir}, nil
}

type dirFile struct {
	s              *DirSink
	req            Request
	f              *os.File
	tmp, name, dir string
	ended          bool
}

func (f *dirFile) Write(p []byte) (int, error) {
	if f.ended {
		return 0, ErrFileEnded
	}
	return f.f.Write(p)
}

func (f *dirFile) Commit(sums []checksum.Value) error {
	if f.ended {
		return ErrFileEnded
	}
	f.ended = true
	defer f.s.sp.release(f.req.ID, 0)
	err := f.f.Sync()
	if cerr := f.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = f.s.root.Rename(f.tmp, f.name)
	}
	if err != nil {
		f.s.root.Remove(f.tmp)
		return err
	}
	d, err := f.s.root.Open(f.dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

func (f *dirFile) Abort() error {
	if f.ended {
		return ErrFileEnded
	}
	f.ended = true
	defer f.s.sp.release(f.req.ID, 0)
	f.f.Close()
	return f.s.root.Remove(f.tmp)
}
