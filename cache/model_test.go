package cache_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"pgregory.net/rapid"

	"github.com/tapekit/tapekit/cache"
)

// The model: what a cache must hold, without deciding which clean file to
// evict. The cache may drop a file only if the model says it was
// evictable; everything else must match exactly.

type mfile struct {
	state cache.State
	size  int64
	pins  map[string]time.Time // request id → expiry
}

type mres struct {
	r        *cache.Reservation
	size     int64
	released bool
}

type model struct {
	t          *rapid.T
	dir        string
	quota      int64
	clk        *clock.Mock
	c          *cache.Cache
	files      map[string]*mfile
	need       map[string]map[string]bool
	res        []*mres
	violations []string
	evicted    []string // by the last action, checked against the model after it
}

const modelQuota = 1000

func (m *model) evictable(name string) bool {
	f := m.files[name]
	if f == nil || f.state != cache.Online || len(m.need[name]) > 0 {
		return false
	}
	for _, exp := range f.pins {
		if exp.After(m.clk.Now()) {
			return false
		}
	}
	return true
}

func (m *model) open() {
	ev := &cache.Events{
		StateChanged: func(name string, from, to cache.State, size int64) {
			if !cache.Allowed(from, to) {
				m.violations = append(m.violations, fmt.Sprintf("%s: %v → %v", name, from, to))
			}
		},
		Evicted: func(name string, size int64) { m.evicted = append(m.evicted, name) },
	}
	c, err := cache.Open(m.dir, &cache.Options{Quota: m.quota, HighWater: 0.8, LowWater: 0.5,
		Clock: m.clk, Logger: quietLogger(), Events: ev})
	if err != nil {
		m.t.Fatal(err)
	}
	m.c = c
}

// nonEvictable is what no eviction can free: files that must stay and
// reservations.
func (m *model) nonEvictable() int64 {
	var n int64
	for name, f := range m.files {
		if !m.evictable(name) {
			n += f.size
		}
	}
	for _, r := range m.res {
		if !r.released {
			n += r.size
		}
	}
	return n
}

func (m *model) want(err, want error, what string) {
	if !errors.Is(err, want) && !(want == nil && err == nil) {
		m.t.Fatalf("%s: error %v, want %v", what, err, want)
	}
}

var names = []string{"f0", "f1", "f2", "f3", "d/f4", "d/f5", "e/f/f6", "f7"}

func tried() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

func (m *model) write(t *rapid.T) {
	name := rapid.SampledFrom(names).Draw(t, "name")
	size := rapid.Int64Range(0, 1200).Draw(t, "size")
	stage := rapid.Bool().Draw(t, "stage")
	abort := rapid.IntRange(0, 4).Draw(t, "abort") == 0
	begin, st := m.c.Create, cache.Precious
	if stage {
		begin, st = m.c.Stage, cache.Online
	}
	fits := m.nonEvictable()+size <= m.quota
	w, err := begin(tried(), name, size, nil)
	switch {
	case size > m.quota:
		m.want(err, cache.ErrTooLarge, "write too large")
		return
	case m.files[name] != nil:
		m.want(err, cache.ErrExists, "write existing")
		return
	case !fits:
		m.want(err, context.Canceled, "write without room")
		return
	}
	if err != nil {
		m.t.Fatalf("write %s (%d bytes, %d not evictable): %v", name, size, m.nonEvictable(), err)
	}
	if _, err := w.Write(content(name, int(size))); err != nil {
		m.t.Fatal(err)
	}
	if abort {
		m.want(w.Abort(), nil, "abort")
		return
	}
	// In the model before Commit returns: a staged file nobody needs may
	// be evicted by the commit itself when usage is above high water.
	m.files[name] = &mfile{state: st, size: size, pins: map[string]time.Time{}}
	if _, err := w.Commit(); err != nil {
		m.t.Fatal(err)
	}
}

func (m *model) archive(t *rapid.T) {
	name := rapid.SampledFrom(names).Draw(t, "name")
	f := m.files[name]
	was := cache.State(0)
	if f != nil {
		// Online in the model before the call returns: the call may evict
		// the file at once when usage is above high water.
		was, f.state = f.state, cache.Online
	}
	err := m.c.MarkArchived(name)
	switch {
	case f == nil:
		m.want(err, cache.ErrNotFound, "archive absent")
	case was != cache.Precious:
		m.want(err, cache.ErrWrongState, "archive online")
	default:
		m.want(err, nil, "archive")
	}
}

func (m *model) pin(t *rapid.T) {
	name := rapid.SampledFrom(names).Draw(t, "name")
	id := rapid.SampledFrom([]string{"r1", "r2"}).Draw(t, "id")
	lt := time.Duration(rapid.IntRange(1, 180).Draw(t, "minutes")) * time.Minute
	err := m.c.Pin(name, "owner", id, lt)
	f := m.files[name]
	if f == nil {
		m.want(err, cache.ErrNotFound, "pin absent")
		return
	}
	m.want(err, nil, "pin")
	if exp := m.clk.Now().Add(lt); exp.After(f.pins[id]) {
		f.pins[id] = exp
	}
}

func (m *model) unpin(t *rapid.T) {
	name := rapid.SampledFrom(names).Draw(t, "name")
	id := rapid.SampledFrom([]string{"r1", "r2"}).Draw(t, "id")
	err := m.c.Unpin(name, id)
	f := m.files[name]
	switch {
	case f == nil:
		m.want(err, cache.ErrNotFound, "unpin absent")
	case f.pins[id].IsZero():
		m.want(err, cache.ErrNotPinned, "unpin not pinned")
	default:
		m.want(err, nil, "unpin")
		delete(f.pins, id)
	}
}

func (m *model) needs(t *rapid.T) {
	name := rapid.SampledFrom(names).Draw(t, "name")
	id := rapid.SampledFrom([]string{"q1", "q2"}).Draw(t, "id")
	if rapid.Bool().Draw(t, "need") {
		m.want(m.c.Need(name, id), nil, "need")
		if m.need[name] == nil {
			m.need[name] = map[string]bool{}
		}
		m.need[name][id] = true
		return
	}
	err := m.c.Unneed(name, id)
	if !m.need[name][id] {
		m.want(err, cache.ErrNotNeeded, "unneed")
		return
	}
	m.want(err, nil, "unneed")
	delete(m.need[name], id)
}

func (m *model) remove(t *rapid.T) {
	name := rapid.SampledFrom(names).Draw(t, "name")
	err := m.c.Remove(name)
	f := m.files[name]
	if f == nil {
		m.want(err, cache.ErrNotFound, "remove absent")
		return
	}
	for _, exp := range f.pins {
		if exp.After(m.clk.Now()) {
			m.want(err, cache.ErrPinned, "remove pinned")
			return
		}
	}
	m.want(err, nil, "remove")
	delete(m.files, name)
}

func (m *model) reserve(t *rapid.T) {
	n := rapid.Int64Range(1, 1100).Draw(t, "bytes")
	fits := m.nonEvictable()+n <= m.quota
	r, err := m.c.Reserve(tried(), n)
	switch {
	case n > m.quota:
		m.want(err, cache.ErrTooLarge, "reserve too large")
	case !fits:
		m.want(err, context.Canceled, "reserve without room")
	default:
		m.want(err, nil, "reserve")
		m.res = append(m.res, &mres{r: r, size: n})
	}
}

func (m *model) release(t *rapid.T) {
	if len(m.res) == 0 {
		t.Skip("no reservation")
	}
	r := rapid.SampledFrom(m.res).Draw(t, "reservation")
	err := r.r.Release()
	if r.released {
		m.want(err, cache.ErrReleased, "double release")
		return
	}
	m.want(err, nil, "release")
	r.released = true
}

func (m *model) read(t *rapid.T) {
	name := rapid.SampledFrom(names).Draw(t, "name")
	f, err := m.c.Open(name)
	if m.files[name] == nil {
		m.want(err, cache.ErrNotFound, "read absent")
		return
	}
	m.want(err, nil, "read")
	f.Close()
}

func (m *model) tick(t *rapid.T) {
	m.clk.Add(time.Duration(rapid.IntRange(1, 120).Draw(t, "minutes")) * time.Minute)
}

// restart closes cleanly or crashes, and reopens. Reservations and needs
// live in memory and end with the process; files and pins do not.
func (m *model) restart(t *rapid.T) {
	if rapid.Bool().Draw(t, "clean") {
		m.want(m.c.Close(), nil, "close")
	} else {
		cache.Abandon(m.c)
	}
	m.res = nil
	m.need = map[string]map[string]bool{}
	m.open()
	if len(m.c.Recovery().Lost) != 0 {
		m.t.Fatalf("lost after restart: %v", m.c.Recovery().Lost)
	}
}

func (m *model) check(t *rapid.T) {
	if len(m.violations) > 0 {
		t.Fatalf("violations: %v", m.violations)
	}
	s := m.c.Stats()
	if s.Used > m.quota {
		t.Fatalf("used %d over quota %d", s.Used, m.quota)
	}
	// The model after the action decides whether an eviction was allowed.
	for _, name := range m.evicted {
		if !m.evictable(name) {
			t.Fatalf("evicted %s which is not evictable (%+v, needed %v)", name, m.files[name], m.need[name])
		}
		delete(m.files, name)
	}
	m.evicted = m.evicted[:0]
	var files, reserved int64
	for name, f := range m.files {
		inf, err := m.c.Stat(name)
		if err != nil || inf.State != f.state || inf.Size != f.size {
			t.Fatalf("%s: cache %+v %v, model %+v", name, inf, err, f)
		}
		files += f.size
	}
	for _, r := range m.res {
		if !r.released {
			reserved += r.size
		}
	}
	if s.Reserved != reserved || s.Used != files+reserved {
		t.Fatalf("accounting: cache used %d reserved %d, model files %d reserved %d", s.Used, s.Reserved, files, reserved)
	}
	if n := s.Files[cache.Precious] + s.Files[cache.Online]; n != len(m.files) {
		t.Fatalf("cache has %d files, model %d", n, len(m.files))
	}
}

func TestModel(t *testing.T) {
	base := t.TempDir()
	rapid.Check(t, func(rt *rapid.T) {
		dir, err := os.MkdirTemp(base, "")
		if err != nil {
			rt.Fatal(err)
		}
		defer os.RemoveAll(dir)
		m := &model{t: rt, dir: dir, quota: modelQuota, clk: clock.NewMock(),
			files: map[string]*mfile{}, need: map[string]map[string]bool{}}
		m.open()
		defer func() { m.c.Close() }()
		rt.Repeat(map[string]func(*rapid.T){
			"write":   m.write,
			"archive": m.archive,
			"pin":     m.pin,
			"unpin":   m.unpin,
			"need":    m.needs,
			"remove":  m.remove,
			"reserve": m.reserve,
			"release": m.release,
			"read":    m.read,
			"tick":    m.tick,
			"restart": m.restart,
			"":        m.check,
		})
	})
}
