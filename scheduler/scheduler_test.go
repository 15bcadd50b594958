package scheduler

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/google/go-cmp/cmp"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/simulator/vclock"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// harness runs the core without a mover: the test plays the mover,
// calling poll, more, done and unclaimed itself.
type harness struct {
	t      fataler
	cat    *fakeCatalog
	q      *MemoryQueue
	clk    *clock.Mock
	pol    *Policy
	drives []Drive
	s      *Scheduler
	ends   map[int64]int
	last   map[int64]Request
}

// fataler is what the harness needs of a *testing.T or *rapid.T.
type fataler interface{ Fatal(args ...any) }

func newHarness(t fataler, pol *Policy, ndrives int) *harness {
	h := &harness{t: t, cat: newFakeCatalog(), q: NewMemoryQueue(), clk: clock.NewMock(), pol: pol,
		ends: map[int64]int{}, last: map[int64]Request{}}
	h.clk.Set(t0)
	for i := range ndrives {
		h.drives = append(h.drives, Drive{Name: fmt.Sprintf("d%d", i)})
	}
	h.start()
	return h
}

// start makes a new Scheduler over the same queue and catalog, as after
// a restart, and recovers the queue.
func (h *harness) start() {
	s, err := New(Config{Catalog: h.cat, Queue: h.q, Clock: h.clk, Host: "h1", Policy: h.pol, Drives: h.drives,
		OnEnd: func(r Request) { h.ends[r.ID]++; h.last[r.ID] = r }})
	if err != nil {
		h.t.Fatal(err)
	}
	s.work = func(ctx context.Context, d *driveState) { <-ctx.Done() }
	if err := s.recover(context.Background()); err != nil {
		h.t.Fatal(err)
	}
	h.s = s
}

func (h *harness) drive(i int) *driveState { return h.s.drives[i] }

// poll is next without waiting.
func (h *harness) poll(d *driveState) (*batch, bool, time.Time) {
	h.s.lock()
	b, dismount, wake, err := h.s.pollLocked(context.Background(), d)
	h.s.unlock()
	if err != nil && !errors.Is(err, errDriveDown) {
		h.t.Fatal(err)
	}
	return b, dismount, wake
}

func (h *harness) submit(rs ...Request) []Request {
	got, err := h.s.Submit(context.Background(), rs...)
	if err != nil {
		h.t.Fatal(err)
	}
	return got
}

func recall(file int64) Request { return Request{Kind: Recall, FileID: file} }

func ids(b *batch) []int64 {
	if b == nil {
		return nil
	}
	var out []int64
	for _, e := range b.entries {
		out = append(out, e.ID)
	}
	return out
}

func (h *harness) state(id int64) State {
	r, err := h.s.Get(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	return r.State
}

func TestSubmitRecallWithoutReadableCopyFailsAtOnce(t *testing.T) {
	h := newHarness(t, PolicyBest(), 1)
	h.cat.addVolume("V1", "p", catalog.StateBroken, 1e12)
	h.cat.addVolume("V2", "p", catalog.StateDisabled, 1e12)
	h.cat.addFile(1, 100, "c", "V1", "V2")
	h.cat.addFile(2, 100, "c") // never written
	got := h.submit(recall(1), recall(2), recall(99))
	for _, r := range got {
		if r.State != Failed || r.Reason == "" {
			t.Errorf("request %d: %v %q, want failed with a reason", r.ID, r.State, r.Reason)
		}
		if h.ends[r.ID] != 1 {
			t.Errorf("request %d: OnEnd called %d times", r.ID, h.ends[r.ID])
		}
	}
	t.Log(got[0].Reason)
}

func TestSubmitArchiveOnePerCopy(t *testing.T) {
	h := newHarness(t, PolicyBest(), 1)
	h.cat.classes["two"] = catalog.StorageClass{Name: "two", Pools: []string{"p1", "p2"}}
	got := h.submit(Request{Kind: Archive, FileID: 7, StorageClass: "two", Path: "/a", Size: 10},
		Request{Kind: Archive, FileID: 8, StorageClass: "two", CopyNo: 2, Path: "/b", Size: 10})
	var pools []string
	for _, r := range got {
		pools = append(pools, fmt.Sprintf("%d:%d:%s:%v", r.FileID, r.CopyNo, r.Pool, r.State))
	}
	want := []string{"7:1:p1:queued", "7:2:p2:queued", "8:2:p2:queued"}
	if d := cmp.Diff(want, pools); d != "" {
		t.Error(d)
	}
	if _, err := h.s.Submit(context.Background(), Request{Kind: 9}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad kind: %v", err)
	}
}

func TestCancel(t *testing.T) {
	h := newHarness(t, PolicyByVolume(), 1)
	h.cat.addVolume("V1", "p", catalog.StateFull, 1e12)
	for f := int64(1); f <= 4; f++ {
		h.cat.addFile(f, 100, "c", "V1")
	}
	rs := h.submit(Request{Kind: Recall, FileID: 1, Group: "g"}, Request{Kind: Recall, FileID: 2, Group: "g"}, recall(3))
	if err := h.s.Cancel(context.Background(), rs[2].ID); err != nil {
		t.Fatal(err)
	}
	if h.state(rs[2].ID) != Cancelled || h.ends[rs[2].ID] != 1 {
		t.Fatal("queued request not cancelled at once")
	}
	b, _, _ := h.poll(h.drive(0))
	if d := cmp.Diff([]int64{rs[0].ID, rs[1].ID}, ids(b)); d != "" {
		t.Fatal(d)
	}
	if n, err := h.s.CancelGroup(context.Background(), "g"); err != nil || n != 2 {
		t.Fatalf("CancelGroup = %d, %v", n, err)
	}
	if b.entries[0].ctx.Err() == nil || h.state(rs[0].ID) != Running {
		t.Fatal("running request: want its ctx cancelled and still running until the mover says")
	}
	h.s.done(h.drive(0), b.entries[0], result{kind: failCancelled, err: context.Canceled})
	h.s.done(h.drive(0), b.entries[1], result{volume: "V1"}) // finished before it saw the cancel
	if h.last[rs[0].ID].State != Cancelled || h.last[rs[1].ID].State != Done {
		t.Errorf("got %v and %v, want cancelled and done", h.last[rs[0].ID].State, h.last[rs[1].ID].State)
	}
	if err := h.s.Cancel(context.Background(), 12345); !errors.Is(err, ErrNotFound) {
		t.Errorf("Cancel(unknown) = %v", err)
	}
	if err := h.s.Cancel(context.Background(), rs[0].ID); err != nil {
		t.Errorf("Cancel(ended) = %v", err)
	}
	for id, n := range h.ends {
		if n != 1 {
			t.Errorf("request %d ended %d times", id, n)
		}
	}
}

func TestRestartRecoversRunningAndQueued(t *testing.T) {
	h := newHarness(t, PolicyByVolume(), 1)
	h.cat.addVolume("V1", "p", catalog.StateFull, 1e12)
	h.cat.addVolume("V2", "p", catalog.StateFull, 1e12)
	h.cat.addFile(1, 100, "c", "V1")
	h.cat.addFile(2, 100, "c", "V2")
	rs := h.submit(recall(1), recall(2))
	b, _, _ := h.poll(h.drive(0))
	if len(ids(b)) != 1 {
		t.Fatalf("batch %v", ids(b))
	}
	h.start() // crash: the running one goes back to the queue
	for _, r := range rs {
		if st := h.state(r.ID); st != Queued {
			t.Errorf("request %d after restart: %v", r.ID, st)
		}
	}
	seen := map[int64]bool{}
	for range 2 {
		b, _, _ := h.poll(h.drive(0))
		for _, e := range b.entries {
			seen[e.ID] = true
			h.s.done(h.drive(0), e, result{volume: b.volume})
		}
	}
	if len(seen) != 2 || h.ends[rs[0].ID] != 1 || h.ends[rs[1].ID] != 1 {
		t.Errorf("seen %v, ends %v", seen, h.ends)
	}
}

func TestNextWaitsOnTheClock(t *testing.T) {
	pol := PolicyBest()
	pol.MinAge = time.Minute
	h := newHarness(t, pol, 1)
	h.cat.addVolume("V1", "p", catalog.StateFull, 1e12)
	h.cat.addFile(1, 100, "c", "V1")
	type got struct {
		b   *batch
		err error
	}
	ch := make(chan got, 1)
	go func() {
		b, _, err := h.s.next(context.Background(), h.drive(0))
		ch <- got{b, err}
	}()
	time.Sleep(10 * time.Millisecond)
	h.submit(recall(1)) // wakes it, but MinAge is not over yet
	time.Sleep(10 * time.Millisecond)
	select {
	case g := <-ch:
		t.Fatalf("next returned before MinAge: %v", g)
	default:
	}
	h.clk.Add(time.Minute)
	select {
	case g := <-ch:
		if g.err != nil || len(ids(g.b)) != 1 {
			t.Fatalf("next = %v, %v", ids(g.b), g.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("next did not wake when MinAge passed")
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(10 * time.Millisecond); cancel() }()
	h.s.setMounted(h.drive(0), "V1")
	h.s.done(h.drive(0), h.drive(0).batch.entries[0], result{})
	if _, _, err := h.s.next(ctx, h.drive(0)); !errors.Is(err, context.Canceled) {
		t.Fatalf("next after cancel: %v", err)
	}
}

// fakeCatalog implements the part of catalog.Catalog the core uses.
type fakeCatalog struct {
	catalog.Catalog // nil: any other method panics

	mu      sync.Mutex
	files   map[int64]catalog.File
	copies  map[int64][]catalog.Copy
	vols    map[string]*catalog.Volume
	classes map[string]catalog.StorageClass
}

func newFakeCatalog() *fakeCatalog {
	return &fakeCatalog{
		files:   map[int64]catalog.File{},
		copies:  map[int64][]catalog.Copy{},
		vols:    map[string]*catalog.Volume{},
		classes: map[string]catalog.StorageClass{},
	}
}

func (c *fakeCatalog) addVolume(barcode, pool string, state catalog.VolumeState, capacity int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.vols[barcode] = &catalog.Volume{Barcode: barcode, Pool: pool, State: state, Capacity: capacity}
}

func (c *fakeCatalog) addFile(id, size int64, class string, vols ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.files[id] = catalog.File{ID: id, Path: "/f/" + itoa(id), Size: size, StorageClass: class}
	var cs []catalog.Copy
	for i, v := range vols {
		cs = append(cs, catalog.Copy{FileID: id, CopyNo: int64(i + 1), Volume: v, FileSeq: id, BlockID: id * 10, Size: size})
	}
	c.copies[id] = cs
}

func itoa(i int64) string {
	const digits = "0123456789"
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{digits[i%10]}, b...)
	}
	return string(b)
}

func (c *fakeCatalog) File(ctx context.Context, id int64) (catalog.File, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f, ok := c.files[id]
	if !ok {
		return f, catalog.ErrNotFound
	}
	return f, nil
}

func (c *fakeCatalog) Copies(ctx context.Context, id int64) ([]catalog.Copy, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.files[id]; !ok {
		return nil, catalog.ErrNotFound
	}
	return append([]catalog.Copy(nil), c.copies[id]...), nil
}

func (c *fakeCatalog) Volume(ctx context.Context, barcode string) (catalog.Volume, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.vols[barcode]
	if !ok {
		return catalog.Volume{}, catalog.ErrUnknownVolume
	}
	return *v, nil
}

func (c *fakeCatalog) SetVolumeState(ctx context.Context, barcode string, st catalog.VolumeState, reason string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.vols[barcode]
	if !ok {
		return catalog.ErrUnknownVolume
	}
	v.State, v.StateReason = st, reason
	return nil
}

func (c *fakeCatalog) StorageClass(ctx context.Context, name string) (catalog.StorageClass, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	sc, ok := c.classes[name]
	if !ok {
		return sc, catalog.ErrUnknownStorageClass
	}
	return sc, nil
}

func (c *fakeCatalog) ReserveVolume(ctx context.Context, pool string, minFree int64, writer string) (catalog.Volume, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var fits []*catalog.Volume
	for _, v := range c.vols {
		if v.Pool == pool && v.State == catalog.StateActive && v.Free() >= minFree && (v.Writer == "" || v.Writer == writer) {
			fits = append(fits, v)
		}
	}
	if len(fits) == 0 {
		return catalog.Volume{}, catalog.ErrNoVolume
	}
	sort.Slice(fits, func(i, j int) bool {
		a, b := fits[i], fits[j]
		if (a.Writer == writer) != (b.Writer == writer) {
			return a.Writer == writer
		}
		if a.BytesUsed != b.BytesUsed {
			return a.BytesUsed > b.BytesUsed
		}
		return a.Barcode < b.Barcode
	})
	fits[0].Writer = writer
	return *fits[0], nil
}

func (c *fakeCatalog) ReleaseVolume(ctx context.Context, barcode, writer string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.vols[barcode]
	if !ok {
		return catalog.ErrUnknownVolume
	}
	if writer != "" && v.Writer != writer {
		return catalog.ErrReserved
	}
	v.Writer = ""
	return nil
}

// written records an archive copy, as the mover's CommitCopies would.
func (c *fakeCatalog) written(barcode string, size int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.vols[barcode]; ok {
		v.BytesUsed += size
	}
}

// fakeWork is a test executor for Run: it mounts in mountTime, reads
// each file in readTime, and reports success.
func fakeWork(s *Scheduler, sleep func(ctx context.Context, d time.Duration) error, mountTime, readTime time.Duration) func(ctx context.Context, d *driveState) {
	return func(ctx context.Context, d *driveState) {
		for {
			b, dismount, err := s.next(ctx, d)
			if err != nil {
				return
			}
			if dismount || (b != nil && d.mounted != b.volume && d.mounted != "") {
				if sleep(ctx, mountTime) != nil {
					return
				}
				s.setMounted(d, "")
			}
			if b == nil {
				continue
			}
			if d.mounted != b.volume {
				if sleep(ctx, mountTime) != nil {
					s.unclaimed(d, b.entries, "stopping")
					return
				}
				s.setMounted(d, b.volume)
			}
			es := b.entries
			for i := 0; i < len(es); i++ {
				if sleep(ctx, readTime) != nil {
					s.unclaimed(d, es[i:], "stopping")
					return
				}
				s.done(d, es[i], result{volume: b.volume})
				if i == len(es)-1 {
					es = append(es, s.more(d)...)
				}
			}
		}
	}
}

// runVirtual runs Run on a virtual clock with a fake executor: 40 recalls
// over 5 tapes, submitted 10 s apart by a client participant, and faults
// from seed. It returns the batches handed out and the virtual time.
func runVirtual(t *testing.T, seed uint64) ([]string, time.Duration) {
	vc := vclock.New(t0, nil)
	cat := newFakeCatalog()
	const files = 40
	for v := range 5 {
		cat.addVolume("V"+itoa(int64(v)), "p", catalog.StateFull, 1e12)
	}
	rng := rand.New(rand.NewPCG(seed, 2))
	for f := int64(1); f <= files; f++ {
		cat.addFile(f, 100, "c", "V"+itoa(rng.Int64N(5)), "V"+itoa(rng.Int64N(5)))
	}
	ended := 0
	var last time.Time
	pol := PolicyBest()
	pol.DismountDelay = time.Minute
	s, err := New(Config{Catalog: cat, Clock: vc, Host: "h", Policy: pol,
		Drives: []Drive{{Name: "d0"}, {Name: "d1"}},
		OnEnd:  func(r Request) { ended++; last = r.Ended }})
	if err != nil {
		t.Fatal(err)
	}
	var log []string
	s.onBatch = func(d *driveState, b *batch) {
		log = append(log, fmt.Sprintf("%v %s %s %v", vc.Now().Sub(t0), d.Name, b.volume, ids(b)))
	}
	s.work = fakeWork(s, vc.SleepContext, 2*time.Minute, time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pctx, leave := vc.Join(ctx, "main")
	vc.Go(pctx, "run", func(ctx context.Context) {
		if err := s.Run(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v", err)
		}
	})
	vc.Go(pctx, "client", func(ctx context.Context) {
		for f := int64(1); f <= files; f++ {
			if _, err := s.Submit(ctx, Request{Kind: Recall, FileID: f, Activity: []string{"a", "b"}[rng.IntN(2)]}); err != nil {
				t.Error(err)
			}
			_ = vc.SleepContext(ctx, time.Duration(rng.IntN(20))*time.Second)
		}
		for ended < files {
			_ = vc.SleepContext(ctx, time.Minute)
		}
		cancel()
	})
	leave()
	vc.Wait()
	if ended != files {
		t.Fatalf("ended %d of %d", ended, files)
	}
	// The time Run returns depends on when the workers see ctx end, a
	// goroutine outside virtual time; the last end does not.
	return log, last.Sub(t0)
}

func TestRunOnVirtualClock(t *testing.T) {
	for seed := range uint64(5) {
		log, el := runVirtual(t, seed)
		// 40 one-minute reads on two drives, 5 tapes: at least 20
		// minutes, and with batching well under an hour.
		if el < 20*time.Minute || el > time.Hour {
			t.Errorf("seed %d: virtual time %v", seed, el)
		}
		again, el2 := runVirtual(t, seed)
		if d := cmp.Diff(log, again); d != "" || el != el2 {
			t.Fatalf("seed %d: the same run gave another schedule (%v, %v):\n%s", seed, el, el2, d)
		}
	}
}

func TestOnEndMayCallTheScheduler(t *testing.T) {
	cat := newFakeCatalog()
	var s *Scheduler
	var got []int64
	s, err := New(Config{Catalog: cat, Host: "h", OnEnd: func(r Request) {
		got = append(got, r.ID)
		if len(got) < 3 {
			// resubmitting a recall of a missing file ends at once, inside OnEnd
			if _, err := s.Submit(context.Background(), recall(42)); err != nil {
				t.Error(err)
			}
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Submit(context.Background(), recall(42)); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]int64{1, 2, 3}, got); d != "" {
		t.Error(d)
	}
}

func TestTwoHostsShareOneQueue(t *testing.T) {
	h := library(t, PolicyByVolume(), 1, map[int64][]string{1: {"A"}, 2: {"A"}, 3: {"B"}}, nil)
	ends2 := map[int64]int{}
	s2, err := New(Config{Catalog: h.cat, Queue: h.q, Clock: h.clk, Host: "h2", Policy: h.pol,
		Drives: []Drive{{Name: "e0"}}, OnEnd: func(r Request) { ends2[r.ID]++ }})
	if err != nil {
		t.Fatal(err)
	}
	rs := h.submit(recall(1), recall(2), recall(3))
	ctx := context.Background()
	if err := s2.recover(ctx); err != nil {
		t.Fatal(err)
	}
	b1, _, _ := h.poll(h.drive(0))
	s2.lock()
	b2, _, _, err := s2.pollLocked(ctx, s2.drives[0])
	s2.unlock()
	if err != nil || b1 == nil || b2 == nil {
		t.Fatalf("batches %v %v %v", b1, b2, err)
	}
	got := append(ids(b1), ids(b2)...)
	sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
	if d := cmp.Diff([]int64{rs[0].ID, rs[1].ID, rs[2].ID}, got); d != "" {
		t.Fatalf("each request claimed once: %s", d)
	}
	// s2 cancels what h1 runs: h1's mover then finds it ended.
	if err := s2.Cancel(ctx, b1.entries[0].ID); err != nil {
		t.Fatal(err)
	}
	for _, e := range b1.entries {
		h.s.done(h.drive(0), e, result{volume: b1.volume})
	}
	for _, e := range b2.entries {
		s2.done(s2.drives[0], e, result{volume: b2.volume})
	}
	for _, r := range rs {
		if n := h.ends[r.ID] + ends2[r.ID]; n != 1 {
			t.Errorf("request %d ended %d times", r.ID, n)
		}
	}
}

// sharedQueue hides that the queue is a MemoryQueue, as a database queue
// other hosts use would be.
type sharedQueue struct{ *MemoryQueue }

func TestSharedQueueSeesOtherHostsRequests(t *testing.T) {
	cat := newFakeCatalog()
	cat.addVolume("A", "p", catalog.StateFull, 1e12)
	cat.addFile(1, 100, "c", "A")
	q := sharedQueue{NewMemoryQueue()}
	clk := clock.NewMock()
	clk.Set(t0)
	mk := func(host string) *Scheduler {
		s, err := New(Config{Catalog: cat, Queue: q, Clock: clk, Host: host, Policy: PolicyByVolume(), Drives: []Drive{{Name: "d"}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.recover(context.Background()); err != nil {
			t.Fatal(err)
		}
		return s
	}
	s1, s2 := mk("h1"), mk("h2")
	s1.drives[0].down = true // h1 has no drive to run it
	ch := make(chan *batch, 1)
	go func() {
		b, _, err := s2.next(context.Background(), s2.drives[0])
		if err != nil {
			t.Error(err)
		}
		ch <- b
	}()
	time.Sleep(10 * time.Millisecond)
	if _, err := s1.Submit(context.Background(), recall(1)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	clk.Add(refreshEvery)
	select {
	case b := <-ch:
		if b == nil || len(b.entries) != 1 {
			t.Fatalf("got %+v", b)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("h2 never saw h1's request")
	}
}

// TestMixedTenantsShareDrives runs W6 in small: atlas (weight 3) recalls
// 20 files from each of 60 tapes, cms (weight 1) archives files arriving
// all along; sampled every minute while both have work, each tenant's
// share of the busy drives is within 10 % of its weight's.
func TestMixedTenantsShareDrives(t *testing.T) {
	vc := vclock.New(t0, nil)
	cat := newFakeCatalog()
	for v := range 60 {
		cat.addVolume("V"+itoa(int64(v)), "r", catalog.StateFull, 1e12)
	}
	for v := range 8 {
		cat.addVolume("W"+itoa(int64(v)), "arch", catalog.StateActive, 1e12)
	}
	cat.classes["c"] = catalog.StorageClass{Name: "c", Pools: []string{"arch"}}
	for f := int64(1); f <= 1200; f++ {
		cat.addFile(f, 1e9, "c", "V"+itoa(f%60))
	}
	pol := PolicyBest()
	pol.Shares = map[string]float64{"atlas": 3, "cms": 1}
	pol.ArchiveMaxBatchBytes = 20e9
	left := map[string]int{}
	s, err := New(Config{Catalog: cat, Clock: vc, Host: "h", Policy: pol,
		Drives: []Drive{{Name: "d0"}, {Name: "d1"}, {Name: "d2"}, {Name: "d3"}},
		OnEnd:  func(r Request) { left[r.Activity]-- }})
	if err != nil {
		t.Fatal(err)
	}
	s.work = fakeWork(s, vc.SleepContext, 90*time.Second, 5*time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	busy := map[string]int{}
	pctx, leave := vc.Join(ctx, "main")
	vc.Go(pctx, "run", func(ctx context.Context) { _ = s.Run(ctx) })
	vc.Go(pctx, "atlas", func(ctx context.Context) {
		var rs []Request
		for f := int64(1); f <= 1200; f++ {
			rs = append(rs, Request{Kind: Recall, FileID: f, Activity: "atlas"})
		}
		left["atlas"] += len(rs)
		if _, err := s.Submit(ctx, rs...); err != nil {
			t.Error(err)
		}
	})
	vc.Go(pctx, "cms", func(ctx context.Context) {
		for f := int64(5000); f < 5000+3000; f++ {
			left["cms"]++
			if _, err := s.Submit(ctx, Request{Kind: Archive, FileID: f, Path: "/w/" + itoa(f), Size: 1e9, StorageClass: "c", Activity: "cms"}); err != nil {
				t.Error(err)
			}
			_ = vc.SleepContext(ctx, time.Second)
		}
	})
	vc.Go(pctx, "sampler", func(ctx context.Context) {
		for left["atlas"] > 0 && left["cms"] > 0 {
			for a, n := range s.DriveShares() {
				busy[a] += n
			}
			_ = vc.SleepContext(ctx, time.Minute)
		}
		cancel()
	})
	leave()
	vc.Wait()
	share := float64(busy["atlas"]) / float64(busy["atlas"]+busy["cms"])
	t.Logf("atlas share %.3f over %v (busy samples %v)", share, vc.Now().Sub(t0), busy)
	if share < 0.75*0.9 || share > 0.75*1.1 {
		t.Errorf("atlas share %.3f, want 0.75 ± 10%%", share)
	}
}

// TestRunConcurrently runs the real-clock workers with submitters and
// cancellers in other goroutines (for the race detector): every request
// ends exactly once, and Run requeues nothing it lost.
func TestRunConcurrently(t *testing.T) {
	cat := newFakeCatalog()
	for v := range 10 {
		cat.addVolume("V"+itoa(int64(v)), "p", catalog.StateFull, 1e12)
	}
	for f := int64(1); f <= 200; f++ {
		cat.addFile(f, 100, "c", "V"+itoa(f%10), "V"+itoa((f+3)%10))
	}
	var mu sync.Mutex
	ends := map[int64]int{}
	pol := PolicyBest()
	pol.DismountDelay = time.Millisecond
	pol.RetryDelay = 0
	s, err := New(Config{Catalog: cat, Host: "h", Policy: pol,
		Drives: []Drive{{Name: "d0"}, {Name: "d1"}, {Name: "d2"}},
		OnEnd: func(r Request) {
			mu.Lock()
			ends[r.ID]++
			mu.Unlock()
		}})
	if err != nil {
		t.Fatal(err)
	}
	sleep := func(ctx context.Context, d time.Duration) error {
		select {
		case <-time.After(d):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	s.work = fakeWork(s, sleep, 200*time.Microsecond, 50*time.Microsecond)
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() { runErr <- s.Run(ctx) }()
	var wg sync.WaitGroup
	var submitted sync.Map
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := int64(1 + g); f <= 200; f += 4 {
				rs, err := s.Submit(context.Background(), Request{Kind: Recall, FileID: f, Group: "g" + itoa(f%3)})
				if err != nil {
					t.Error(err)
					return
				}
				submitted.Store(rs[0].ID, true)
				if f%7 == 0 {
					_ = s.Cancel(context.Background(), rs[0].ID)
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 5 {
			_, _ = s.CancelGroup(context.Background(), "g1")
			time.Sleep(time.Millisecond)
		}
	}()
	wg.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(ends)
		mu.Unlock()
		if n == 200 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-runErr; !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	submitted.Range(func(k, _ any) bool {
		if ends[k.(int64)] != 1 {
			t.Errorf("request %d ended %d times", k, ends[k.(int64)])
		}
		return true
	})
}

func TestGroupAndPurge(t *testing.T) {
	h := library(t, PolicyByVolume(), 1, map[int64][]string{1: {"A"}, 2: {"A"}}, nil)
	ctx := context.Background()
	rs := h.submit(Request{Kind: Recall, FileID: 1, Group: "g"}, Request{Kind: Recall, FileID: 2, Group: "g"}, Request{Kind: Recall, FileID: 3, Group: "g"})
	b, _, _ := h.poll(h.drive(0))
	h.s.done(h.drive(0), b.entries[0], result{volume: "A"})
	g, err := h.s.Group(ctx, "g")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range g {
		got = append(got, r.State.String())
	}
	if d := cmp.Diff([]string{"done", "running", "failed"}, got); d != "" {
		t.Error(d)
	}
	h.clk.Add(time.Hour)
	if n, err := h.s.Purge(ctx, h.clk.Now()); err != nil || n != 2 {
		t.Errorf("Purge = %d, %v", n, err)
	}
	if _, err := h.s.Get(ctx, rs[0].ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("purged request: %v", err)
	}
}

func TestEvents(t *testing.T) {
	h := library(t, PolicyByVolume(), 2, map[int64][]string{1: {"A"}, 2: {"A"}, 3: {"B"}}, nil)
	var got []string
	ev := &Events{
		Batch: func(b BatchInfo) {
			got = append(got, fmt.Sprintf("batch %s %s %v more=%v", b.Drive, b.Volume, b.Requests, b.More))
		},
		DriveDown: func(d, why string) { got = append(got, "down "+d) },
		Suspect:   func(v, why string) { got = append(got, "suspect "+v) },
	}
	s, err := New(Config{Catalog: h.cat, Queue: h.q, Clock: h.clk, Host: "h1", Policy: h.pol, Drives: h.drives, Events: ev})
	if err != nil {
		t.Fatal(err)
	}
	h.s = s
	h.submit(recall(1))
	d := h.drive(0)
	b, _, _ := h.poll(d)
	h.s.setMounted(d, "A")
	h.submit(recall(2), recall(3))
	h.s.done(d, b.entries[0], result{volume: "A"})
	more := h.s.more(d)
	h.s.done(d, more[0], result{err: errors.New("x"), kind: failDrive})
	want := []string{"batch d0 A [1] more=false", "batch d0 A [2] more=true", "down d0"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}
}

// Drives and Pending show what an operator asks first: which drives work
// on what, and what waits.
func TestDrivesAndPending(t *testing.T) {
	h := library(t, PolicyByVolume(), 2, map[int64][]string{1: {"A"}, 2: {"B"}}, nil)
	rs := h.submit(recall(1), recall(2))
	b, _, _ := h.poll(h.drive(0))
	if b == nil {
		t.Fatal("no batch")
	}
	h.s.setMounted(h.drive(0), b.volume)
	ds := h.s.Drives()
	if len(ds) != 2 || !ds[0].Up || !ds[0].Busy || ds[0].Mounted != b.volume || ds[0].Kind != "recall" || ds[1].Busy || ds[1].Mounted != "" {
		t.Errorf("Drives = %+v", ds)
	}
	ps, err := h.s.Pending(context.Background(), 0)
	if err != nil || len(ps) != 2 || ps[0].ID != rs[0].ID || ps[1].ID != rs[1].ID {
		t.Errorf("Pending = %+v, %v", ps, err)
	}
	states := map[State]int{}
	for _, p := range ps {
		states[p.State]++
	}
	if states[Running] != 1 || states[Queued] != 1 {
		t.Errorf("states %v, want one running and one queued", states)
	}
}
