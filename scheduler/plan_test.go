package scheduler

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/tapekit/tapekit/catalog"
)

// machine plays random request streams, cancellations, drive and media
// faults, mount failures, volume state changes, clock jumps and restarts
// against the core, with the test as the mover, and checks the core
// against a simple model after every step.
type machine struct {
	h      *harness
	cur    [][]*entry // per drive: claimed entries not yet reported
	ids    []int64    // every request submitted
	seen   map[int64]string
	maxAge time.Duration
}

// allowed are the edges a request's stored state may take between two
// looks.
var allowed = map[[2]string]bool{
	{"queued", "running"}: true, {"running", "queued"}: true,
	{"queued", "done"}:   false, // a queued request is never done without running
	{"queued", "failed"}: true, {"queued", "cancelled"}: true,
	{"running", "done"}: true, {"running", "failed"}: true, {"running", "cancelled"}: true,
}

func newMachine(t *rapid.T) *machine {
	var pol *Policy
	switch rapid.IntRange(0, 3).Draw(t, "policy") {
	case 0:
		pol = PolicyFIFO()
	case 1:
		pol = PolicyByVolume()
	case 2:
		pol = PolicyBest()
		pol.Shares = map[string]float64{"a": 3, "b": 1}
	default:
		pol = PolicyBest() // only MaxAge mounts: checks that it forces
		pol.MinBytes, pol.ArchiveMinBytes = 1e15, 1e15
		pol.MaxAge = time.Hour
	}
	pol.MaxAttempts = rapid.IntRange(1, 3).Draw(t, "maxAttempts")
	ndrives := rapid.IntRange(1, 3).Draw(t, "drives")
	h := newHarness(t, pol, ndrives)
	for v := range 6 {
		st := catalog.StateFull
		if v == 5 {
			st = catalog.StateBroken
		}
		h.cat.addVolume("V"+itoa(int64(v)), "r", st, 1e12)
	}
	for v := range 4 {
		h.cat.addVolume("W"+itoa(int64(v)), "a"+itoa(int64(v%2+1)), catalog.StateActive, 3000)
	}
	h.cat.classes["one"] = catalog.StorageClass{Name: "one", Pools: []string{"a1"}}
	h.cat.classes["two"] = catalog.StorageClass{Name: "two", Pools: []string{"a1", "a2"}}
	h.cat.classes["none"] = catalog.StorageClass{Name: "none", Pools: []string{"nopool"}}
	for f := int64(1); f <= 12; f++ {
		n := rapid.IntRange(0, 2).Draw(t, "copies")
		var vs []string
		for range n {
			v := "V" + itoa(int64(rapid.IntRange(0, 5).Draw(t, "volume")))
			if len(vs) == 0 || vs[0] != v {
				vs = append(vs, v)
			}
		}
		h.cat.addFile(f, int64(rapid.IntRange(1, 1000).Draw(t, "size")), "one", vs...)
	}
	return &machine{h: h, cur: make([][]*entry, ndrives), seen: map[int64]string{}, maxAge: pol.MaxAge}
}

func (m *machine) SubmitRecall(t *rapid.T) {
	r := Request{Kind: Recall, FileID: int64(rapid.IntRange(1, 14).Draw(t, "file")),
		Activity: rapid.SampledFrom([]string{"", "a", "b"}).Draw(t, "activity"),
		Priority: rapid.IntRange(0, 1).Draw(t, "prio"),
		Group:    rapid.SampledFrom([]string{"g0", "g1"}).Draw(t, "group")}
	for _, r := range m.h.submit(r) {
		m.ids = append(m.ids, r.ID)
	}
}

func (m *machine) SubmitArchive(t *rapid.T) {
	f := int64(100 + rapid.IntRange(0, 50).Draw(t, "file"))
	r := Request{Kind: Archive, FileID: f, Path: "/a/" + itoa(f), Size: int64(rapid.IntRange(1, 2000).Draw(t, "size")),
		StorageClass: rapid.SampledFrom([]string{"one", "two", "none", "bogus"}).Draw(t, "class"),
		Activity:     rapid.SampledFrom([]string{"", "a", "b"}).Draw(t, "activity")}
	for _, r := range m.h.submit(r) {
		m.ids = append(m.ids, r.ID)
	}
}

func (m *machine) Cancel(t *rapid.T) {
	if len(m.ids) == 0 {
		t.Skip("nothing submitted")
	}
	ctx := context.Background()
	id := rapid.SampledFrom(m.ids).Draw(t, "id")
	switch rapid.IntRange(0, 2).Draw(t, "how") {
	case 0:
		if err := m.h.s.Cancel(ctx, id); err != nil {
			t.Fatal(err)
		}
	case 1:
		r, _ := m.h.s.Get(ctx, id)
		if _, err := m.h.s.CancelFile(ctx, r.FileID); err != nil {
			t.Fatal(err)
		}
	default:
		if _, err := m.h.s.CancelGroup(ctx, rapid.SampledFrom([]string{"g0", "g1"}).Draw(t, "group")); err != nil {
			t.Fatal(err)
		}
	}
}

func (m *machine) Tick(t *rapid.T) {
	m.h.clk.Add(rapid.SampledFrom([]time.Duration{time.Second, time.Minute, 10 * time.Minute, 2 * time.Hour}).Draw(t, "tick"))
}

func (m *machine) Restart(t *rapid.T) {
	m.h.start()
	clear(m.cur)
}

func (m *machine) VolumeState(t *rapid.T) {
	v := "V" + itoa(int64(rapid.IntRange(0, 4).Draw(t, "volume")))
	st := rapid.SampledFrom([]catalog.VolumeState{catalog.StateFull, catalog.StateDisabled}).Draw(t, "state")
	_ = m.h.cat.SetVolumeState(context.Background(), v, st, "test")
}

func (m *machine) MountFails(t *rapid.T) {
	i := rapid.IntRange(0, len(m.cur)-1).Draw(t, "drive")
	d := m.h.drive(i)
	if len(m.cur[i]) == 0 {
		t.Skip("nothing claimed")
	}
	m.h.s.unclaimed(d, m.cur[i], "mount failed")
	m.cur[i] = nil
	m.h.s.setMounted(d, "")
}

// Step lets drive i do one thing: report one entry with a random outcome,
// or ask for work.
func (m *machine) Step(t *rapid.T) {
	i := rapid.IntRange(0, len(m.cur)-1).Draw(t, "drive")
	d := m.h.drive(i)
	s := m.h.s
	if d.down {
		t.Skip("drive down")
	}
	if len(m.cur[i]) == 0 {
		b, dismount, _ := m.h.poll(d)
		if b == nil {
			m.checkMaxAge(t, d)
			if dismount {
				s.setMounted(d, "")
			}
			return
		}
		if b.volume != d.mounted {
			s.setMounted(d, b.volume)
		}
		m.cur[i] = append([]*entry(nil), b.entries...)
		return
	}
	e := m.cur[i][0]
	kinds := []failKind{failNone, failNone, failNone, failMedia, failDrive, failSink, failOther}
	if e.Kind == Archive {
		kinds = append(kinds, failNoSpace)
	}
	k := rapid.SampledFrom(kinds).Draw(t, "outcome")
	res := result{kind: k, volume: d.mounted}
	if k != failNone {
		res.err = errors.New(k.String())
	}
	if e.ctx != nil && e.ctx.Err() != nil && rapid.Bool().Draw(t, "seesCancel") {
		res = result{kind: failCancelled, err: e.ctx.Err()}
	}
	if k == failNone && e.Kind == Archive {
		m.h.cat.written(d.mounted, e.Size)
	}
	if !s.done(d, e, res) {
		m.cur[i] = m.cur[i][1:]
	}
	if d.down {
		s.unclaimed(d, m.cur[i], "drive down")
		m.cur[i] = nil
		s.setMounted(d, "")
		return
	}
	if len(m.cur[i]) == 0 && rapid.Bool().Draw(t, "more") {
		m.cur[i] = s.more(d)
	}
}

// checkMaxAge: a live drive got no work, so no request may be past
// MaxAge that it could have served.
func (m *machine) checkMaxAge(t *rapid.T, d *driveState) {
	if m.maxAge == 0 {
		return
	}
	s := m.h.s
	now := s.now()
	for _, e := range s.sortedLocked() {
		if e.State != Queued || now.Sub(e.Created) < m.maxAge || now.Before(e.notBefore) {
			continue
		}
		if e.Kind == Archive {
			if !now.Before(s.poolWait[e.Pool]) {
				t.Fatalf("archive %d is %v old and drive %s is idle", e.ID, now.Sub(e.Created), d.Name)
			}
			continue
		}
		for _, c := range s.usableCopiesLocked(e) {
			if !s.inUseLocked(d, c.Volume) {
				t.Fatalf("recall %d is %v old, its copy on %s is free and drive %s is idle", e.ID, now.Sub(e.Created), c.Volume, d.Name)
			}
		}
	}
}

func (m *machine) Check(t *rapid.T) {
	ctx := context.Background()
	s := m.h.s
	inCur := map[int64]int{}
	for i, es := range m.cur {
		for _, e := range es {
			inCur[e.ID] = i + 1
		}
	}
	for _, id := range m.ids {
		qe, err := m.h.q.QueueEntry(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if n := m.h.ends[id]; n > 1 || (n == 1) != ended(qe.State) {
			t.Fatalf("request %d: store %s, OnEnd called %d times", id, qe.State, n)
		}
		if prev := m.seen[id]; prev != "" && prev != qe.State && !allowed[[2]string{prev, qe.State}] {
			t.Fatalf("request %d went %s → %s: %+v", id, prev, qe.State, qe)
		}
		m.seen[id] = qe.State
		e := s.entries[id]
		switch {
		case ended(qe.State):
			if e != nil {
				t.Fatalf("request %d ended in the store but held in memory", id)
			}
			if qe.State == "failed" && qe.Reason == "" {
				t.Fatalf("request %d failed without a reason", id)
			}
		case e == nil:
			t.Fatalf("request %d %s in the store, unknown to the scheduler (orphan)", id, qe.State)
		case e.State.String() != qe.State:
			t.Fatalf("request %d: memory %v, store %s", id, e.State, qe.State)
		case e.State == Running && (e.drive == nil || inCur[id] == 0 || s.drives[inCur[id]-1] != e.drive):
			t.Fatalf("request %d running but no drive works on it", id)
		case e.State == Queued && inCur[id] != 0:
			t.Fatalf("request %d queued while drive %d works on it", id, inCur[id]-1)
		}
	}
	if len(s.entries) > len(m.ids) {
		t.Fatalf("%d requests held, %d submitted (phantoms)", len(s.entries), len(m.ids))
	}
	// A cartridge is in one drive at most, and handed to one drive.
	where := map[string]string{}
	for _, d := range s.drives {
		for _, v := range []string{d.mounted, batchVolume(d)} {
			if v == "" {
				continue
			}
			if o, ok := where[v]; ok && o != d.Name {
				t.Fatalf("volume %s in drives %s and %s", v, o, d.Name)
			}
			where[v] = d.Name
		}
	}
}

func batchVolume(d *driveState) string {
	if d.batch.live(d) {
		return d.batch.volume
	}
	return ""
}

func TestStateMachine(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := newMachine(t)
		t.Repeat(rapid.StateMachineActions(m))
		m.drain(t)
	})
}

// drain runs the live drives without faults until nothing is left: then
// every request has ended exactly once, unless no drive is left.
func (m *machine) drain(t *rapid.T) {
	s := m.h.s
	for range 50 {
		for i, d := range s.drives {
			if d.down {
				continue
			}
			for _, e := range m.cur[i] {
				for s.done(d, e, result{volume: d.mounted}) {
				}
			}
			m.cur[i] = nil
			b, dismount, _ := m.h.poll(d)
			if dismount {
				s.setMounted(d, "")
			}
			if b != nil {
				s.setMounted(d, b.volume)
				m.cur[i] = b.entries
			}
		}
		m.h.clk.Add(time.Hour)
		m.Check(t)
	}
	live := false
	for _, d := range s.drives {
		live = live || !d.down
	}
	if !live {
		return
	}
	for _, id := range m.ids {
		if m.h.ends[id] != 1 {
			r, _ := s.Get(context.Background(), id)
			t.Fatalf("request %d never ended: %+v", id, r)
		}
	}
}

// run plays a random workload from seed on a fresh harness and returns
// the schedule: every batch handed out and every end, in order.
func runWorkload(t fataler, seed uint64, pol *Policy) []string {
	rng := rand.New(rand.NewPCG(seed, 1))
	h := newHarness(t, pol, 3)
	var log []string
	for v := range 8 {
		h.cat.addVolume("V"+itoa(int64(v)), "r", catalog.StateFull, 1e12)
	}
	h.cat.addVolume("W0", "a1", catalog.StateActive, 1e6)
	h.cat.addVolume("W1", "a1", catalog.StateActive, 1e6)
	h.cat.classes["one"] = catalog.StorageClass{Name: "one", Pools: []string{"a1"}}
	for f := int64(1); f <= 50; f++ {
		h.cat.addFile(f, 1+rng.Int64N(1000), "one", "V"+itoa(rng.Int64N(8)), "V"+itoa(rng.Int64N(8)))
	}
	hook := func() {
		h.s.onBatch = func(d *driveState, b *batch) {
			log = append(log, fmt.Sprintf("%v %s %s %v %v", h.s.now().Sub(t0), d.Name, b.volume, b.activity, ids(b)))
		}
	}
	hook()
	cur := make([][]*entry, 3)
	for range 400 {
		switch rng.IntN(10) {
		case 0, 1:
			h.submit(Request{Kind: Recall, FileID: 1 + rng.Int64N(50), Activity: []string{"a", "b"}[rng.IntN(2)]})
		case 2:
			h.submit(Request{Kind: Archive, FileID: 100 + rng.Int64N(50), Path: "/x", Size: 1 + rng.Int64N(10000), StorageClass: "one"})
		case 3:
			h.clk.Add(time.Duration(rng.IntN(600)) * time.Second)
		case 4:
			if rng.IntN(10) == 0 {
				h.start()
				hook()
				clear(cur)
			}
		default:
			i := rng.IntN(3)
			d := h.drive(i)
			if d.down {
				continue
			}
			if len(cur[i]) == 0 {
				b, dismount, _ := h.poll(d)
				if dismount {
					h.s.setMounted(d, "")
				}
				if b != nil {
					h.s.setMounted(d, b.volume)
					cur[i] = b.entries
				}
				continue
			}
			k := []failKind{failNone, failNone, failNone, failNone, failMedia, failOther}[rng.IntN(6)]
			res := result{kind: k, volume: d.mounted}
			if k != failNone {
				res.err = errors.New("fault")
			}
			if !h.s.done(d, cur[i][0], res) {
				cur[i] = cur[i][1:]
			}
		}
	}
	ids := make([]int64, 0, len(h.last))
	for id := range h.last {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		r := h.last[id]
		log = append(log, fmt.Sprintf("end %d %v %v %s", id, r.State, r.Ended.Sub(t0), r.Reason))
	}
	return log
}

func TestSameSeedSameSchedule(t *testing.T) {
	for _, pol := range []*Policy{PolicyFIFO(), PolicyByVolume(), PolicyBest()} {
		for seed := range uint64(20) {
			a, b := runWorkload(t, seed, pol), runWorkload(t, seed, pol)
			if d := cmp.Diff(a, b); d != "" {
				t.Fatalf("%s seed %d: schedules differ:\n%s", pol.Name, seed, d)
			}
			if len(a) < 10 {
				t.Fatalf("%s seed %d: only %d events", pol.Name, seed, len(a))
			}
		}
	}
}

// TestFairShareOverTime runs two activities with weights 3:1 on four
// drives, with equal work per mount, in simulated time; while both have
// work, each gets its weight's share of drive time within 10 %.
func TestFairShareOverTime(t *testing.T) {
	for _, drives := range []int{4, 8} {
		t.Run(fmt.Sprintf("%d drives", drives), func(t *testing.T) {
			pol := PolicyBest()
			pol.Shares = map[string]float64{"atlas": 3, "cms": 1}
			pol.DismountDelay = 0
			h := newHarness(t, pol, drives)
			var rs []Request
			for f := int64(1); f <= 400; f++ {
				h.cat.addVolume("V"+itoa(f), "r", catalog.StateFull, 1e12)
				h.cat.addFile(f, 100, "c", "V"+itoa(f))
				act := "atlas"
				if f%2 == 0 {
					act = "cms"
				}
				rs = append(rs, Request{Kind: Recall, FileID: f, Activity: act})
			}
			h.submit(rs...)
			const mount = 10 * time.Minute
			type slot struct {
				b     *batch
				until time.Time
			}
			slots := make([]slot, drives)
			for i := range slots {
				b, _, _ := h.poll(h.drive(i))
				slots[i] = slot{b, t0.Add(mount)}
			}
			busy := map[string]time.Duration{}
			left := map[string]int{"atlas": 200, "cms": 200}
			for left["atlas"] > 0 && left["cms"] > 0 {
				i := 0
				for j := range slots {
					if slots[j].until.Before(slots[i].until) {
						i = j
					}
				}
				h.clk.Set(slots[i].until)
				d, b := h.drive(i), slots[i].b
				for _, e := range b.entries {
					h.s.done(d, e, result{volume: b.volume})
					left[activityName(e.Activity)]--
				}
				busy[b.activity] += mount
				h.s.setMounted(d, "")
				nb, _, _ := h.poll(d)
				if nb == nil {
					break // what is left runs on the other drives
				}
				slots[i] = slot{nb, h.s.now().Add(mount)}
			}
			share := float64(busy["atlas"]) / float64(busy["atlas"]+busy["cms"])
			if share < 0.75*0.9 || share > 0.75*1.1 {
				t.Errorf("atlas share %.3f, want 0.75 ± 10%%", share)
			}
			t.Logf("atlas %.3f", share)
		})
	}
}
