package scheduler

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tapekit/tapekit/catalog"
)

func TestMountable(t *testing.T) {
	min := time.Minute
	tests := []struct {
		name   string
		p      Policy
		kind   Kind
		age    time.Duration
		bytes  int64
		files  int
		ok     bool
		waitAt time.Duration // from oldest; 0: none
	}{
		{"no minimum", Policy{}, Recall, 0, 1, 1, true, 0},
		{"min age not reached", Policy{MinAge: min}, Recall, 30 * time.Second, 1, 1, false, min},
		{"min age reached", Policy{MinAge: min}, Recall, min, 1, 1, true, 0},
		{"min bytes short", Policy{MinBytes: 100}, Recall, time.Hour, 99, 1, false, 0},
		{"min bytes short, max age later", Policy{MinBytes: 100, MaxAge: 2 * time.Hour}, Recall, time.Hour, 99, 1, false, 2 * time.Hour},
		{"min bytes short, max age over", Policy{MinBytes: 100, MaxAge: time.Hour}, Recall, time.Hour, 99, 1, true, 0},
		{"min files reached", Policy{MinBytes: 100, MinFiles: 3}, Recall, 0, 1, 3, true, 0},
		{"min bytes reached, min age not", Policy{MinBytes: 100, MinAge: min}, Recall, 0, 100, 1, false, min},
		{"archive at once", Policy{MinBytes: 100}, Archive, 0, 1, 1, true, 0},
		{"archive batch short", Policy{ArchiveMinBytes: 100, ArchiveMaxAge: 10 * min}, Archive, min, 50, 1, false, 10 * min},
		{"archive batch full", Policy{ArchiveMinBytes: 100, ArchiveMaxAge: 10 * min}, Archive, min, 100, 1, true, 0},
		{"archive batch files", Policy{ArchiveMinFiles: 2}, Archive, 0, 1, 2, true, 0},
		{"archive batch old", Policy{ArchiveMinBytes: 100, ArchiveMaxAge: 10 * min}, Archive, 10 * min, 50, 1, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, at := tt.p.mountable(tt.kind, t0.Add(tt.age), t0, tt.bytes, tt.files)
			var want time.Time
			if tt.waitAt != 0 {
				want = t0.Add(tt.waitAt)
			}
			if ok != tt.ok || !at.Equal(want) {
				t.Errorf("mountable = %v, %v; want %v, %v", ok, at, tt.ok, want)
			}
		})
	}
}

func TestPolicyByName(t *testing.T) {
	for _, n := range []string{"fifo", "by-volume", "best", "default"} {
		p, err := PolicyByName(n)
		if err != nil || p.Name != n {
			t.Errorf("PolicyByName(%q) = %v, %v", n, p, err)
		}
	}
	if _, err := PolicyByName("nope"); err == nil {
		t.Error("unknown policy accepted")
	}
}

// library: volumes V1..Vn in pool p (full), files given as volume lists.
func library(t *testing.T, pol *Policy, drives int, files map[int64][]string, sizes map[int64]int64) *harness {
	h := newHarness(t, pol, drives)
	for _, vs := range files {
		for _, v := range vs {
			if _, ok := h.cat.vols[v]; !ok {
				h.cat.addVolume(v, "p", catalog.StateFull, 1e12)
			}
		}
	}
	for f, vs := range files {
		size := sizes[f]
		if size == 0 {
			size = 100
		}
		h.cat.addFile(f, size, "c", vs...)
	}
	return h
}

func TestCopyChoice(t *testing.T) {
	t.Run("most queued bytes", func(t *testing.T) {
		h := library(t, PolicyByVolume(), 1, map[int64][]string{1: {"A", "B"}, 2: {"B"}, 3: {"C"}}, nil)
		h.submit(recall(1), recall(2), recall(3))
		b, _, _ := h.poll(h.drive(0))
		if b.volume != "B" || len(b.entries) != 2 {
			t.Fatalf("batch %s %v, want B with both files", b.volume, ids(b))
		}
		if b.entries[0].copy.Volume != "B" || b.entries[0].copy.CopyNo != 2 {
			t.Errorf("copy %+v, want copy 2 on B", b.entries[0].copy)
		}
	})
	t.Run("mounted first", func(t *testing.T) {
		h := library(t, PolicyByVolume(), 2, map[int64][]string{1: {"A", "B"}, 2: {"B"}, 3: {"B"}, 4: {"A"}}, nil)
		h.s.setMounted(h.drive(1), "A")
		h.submit(recall(1), recall(2), recall(3), recall(4))
		b, _, _ := h.poll(h.drive(1))
		if b.volume != "A" || len(b.entries) != 2 {
			t.Fatalf("batch %s %v, want A with files 1 and 4", b.volume, ids(b))
		}
	})
	t.Run("skips unusable volumes", func(t *testing.T) {
		h := library(t, PolicyByVolume(), 1, map[int64][]string{1: {"A", "B", "C", "D"}, 2: {"A"}, 3: {"B"}, 4: {"C"}}, nil)
		h.cat.vols["A"].State = catalog.StateDisabled
		h.cat.vols["B"].State = catalog.StateExported
		h.cat.vols["C"].State = catalog.StateBroken
		rs := h.submit(recall(1), recall(2), recall(3), recall(4))
		b, _, _ := h.poll(h.drive(0))
		if b.volume != "D" || len(b.entries) != 1 || b.entries[0].ID != rs[0].ID {
			t.Fatalf("batch %s %v, want D with file 1", b.volume, ids(b))
		}
		for _, r := range rs[1:] {
			if h.state(r.ID) != Failed {
				t.Errorf("file %d: %v, want failed", r.FileID, h.state(r.ID))
			}
		}
	})
	t.Run("volume disabled after submit", func(t *testing.T) {
		h := library(t, PolicyByVolume(), 1, map[int64][]string{1: {"A", "B"}, 2: {"A"}}, nil)
		rs := h.submit(recall(1), recall(2))
		h.cat.vols["A"].State = catalog.StateDisabled
		b, _, _ := h.poll(h.drive(0))
		if b.volume != "B" {
			t.Fatalf("batch on %s, want B", b.volume)
		}
		if h.state(rs[1].ID) != Failed {
			t.Errorf("file 2 only on a disabled volume: %v", h.state(rs[1].ID))
		}
	})
}

func TestMinBytesAndMaxAge(t *testing.T) {
	pol := PolicyBest()
	pol.MinBytes, pol.MaxAge, pol.MinAge = 1000, time.Hour, 0
	h := library(t, pol, 1, map[int64][]string{1: {"A"}, 2: {"A"}, 3: {"B"}}, map[int64]int64{1: 600, 2: 600})
	h.submit(recall(3))
	h.clk.Add(time.Minute)
	if b, _, wake := h.poll(h.drive(0)); b != nil || !wake.Equal(t0.Add(time.Hour)) {
		t.Fatalf("batch %v wake %v; want none until MaxAge", ids(b), wake)
	}
	h.submit(recall(1))
	if b, _, _ := h.poll(h.drive(0)); b != nil {
		t.Fatal("mounted A below MinBytes")
	}
	h.submit(recall(2))
	if b, _, _ := h.poll(h.drive(0)); b == nil || b.volume != "A" {
		t.Fatalf("A has 1200 bytes: want it mounted, got %v", b)
	}
	h.clk.Add(time.Hour)
	h.drive(0).mounted = ""
	if b, _, _ := h.poll(h.drive(0)); b == nil || b.volume != "B" {
		t.Fatalf("B past MaxAge: want it mounted, got %v", b)
	}
}

func TestPriorityAndForcedAge(t *testing.T) {
	pol := PolicyByVolume()
	pol.MaxAge = time.Hour
	h := library(t, pol, 1, map[int64][]string{1: {"A"}, 2: {"A"}, 3: {"B"}, 4: {"C"}}, nil)
	h.submit(recall(4))
	h.clk.Add(30 * time.Minute)
	h.submit(recall(1), recall(2), Request{Kind: Recall, FileID: 3, Priority: 5})
	b, _, _ := h.poll(h.drive(0))
	if b.volume != "B" {
		t.Fatalf("got %s, want the priority request's B", b.volume)
	}
	h.s.unclaimed(h.drive(0), b.entries, "test")
	h.clk.Add(31 * time.Minute)
	b, _, _ = h.poll(h.drive(0))
	if b.volume != "C" {
		t.Fatalf("got %s, want C: its request is past MaxAge", b.volume)
	}
}

func TestFairShareChoice(t *testing.T) {
	pol := PolicyByVolume()
	pol.Shares = map[string]float64{"atlas": 3, "cms": 1}
	files := map[int64][]string{}
	var rs []Request
	for f := int64(1); f <= 20; f++ {
		files[f] = []string{"V" + itoa(f)}
		act := "atlas"
		if f > 10 {
			act = "cms"
		}
		rs = append(rs, Request{Kind: Recall, FileID: f, Activity: act})
	}
	h := library(t, pol, 4, files, nil)
	h.submit(rs...)
	var got []string
	for i := range 4 {
		b, _, _ := h.poll(h.drive(i))
		got = append(got, b.activity)
	}
	// Shares of 4 busy drives: atlas 3, cms 1.
	want := []string{"atlas", "atlas", "cms", "atlas"}
	if d := cmp.Diff(want, got); d != "" {
		t.Error(d)
	}
}

func TestDismountDelay(t *testing.T) {
	pol := PolicyBest()
	pol.DismountDelay = 2 * time.Minute
	h := library(t, pol, 1, map[int64][]string{1: {"A"}, 2: {"A"}}, nil)
	h.submit(recall(1))
	d := h.drive(0)
	b, _, _ := h.poll(d)
	h.s.setMounted(d, b.volume)
	h.s.done(d, b.entries[0], result{volume: "A"})
	b, dismount, wake := h.poll(d)
	if b != nil || dismount || !wake.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("idle tape: %v %v %v; want kept until the delay", ids(b), dismount, wake)
	}
	h.clk.Add(time.Minute)
	h.submit(recall(2))
	b, _, _ = h.poll(d)
	if b == nil || b.volume != "A" {
		t.Fatalf("work for the mounted tape: got %v", b)
	}
	h.s.done(d, b.entries[0], result{volume: "A"})
	h.poll(d)
	h.clk.Add(2 * time.Minute)
	if _, dismount, _ := h.poll(d); !dismount {
		t.Fatal("no dismount after the delay")
	}
}

func TestFIFO(t *testing.T) {
	h := library(t, PolicyFIFO(), 1, map[int64][]string{1: {"A"}, 2: {"B"}, 3: {"A"}, 4: {"A", "B"}}, nil)
	for f := int64(1); f <= 4; f++ {
		h.submit(recall(f))
		h.clk.Add(time.Second)
	}
	d := h.drive(0)
	var got []string
	for range 4 {
		b, _, _ := h.poll(d)
		if len(b.entries) != 1 {
			t.Fatalf("batch of %d", len(b.entries))
		}
		if more := h.s.more(d); more != nil {
			t.Fatal("more with one file per mount")
		}
		h.s.setMounted(d, b.volume)
		got = append(got, b.volume+":"+itoa(b.entries[0].FileID))
		h.s.done(d, b.entries[0], result{volume: b.volume})
	}
	if d := cmp.Diff([]string{"A:1", "B:2", "A:3", "A:4"}, got); d != "" {
		t.Error(d)
	}
	if _, dismount, _ := h.poll(d); !dismount {
		t.Error("fifo keeps the tape mounted")
	}
}

func TestMoreDuringMount(t *testing.T) {
	h := library(t, PolicyByVolume(), 1, map[int64][]string{1: {"A"}, 2: {"A"}, 3: {"B"}}, nil)
	h.submit(recall(1))
	d := h.drive(0)
	b, _, _ := h.poll(d)
	h.s.setMounted(d, "A")
	rs := h.submit(recall(2), recall(3))
	more := h.s.more(d)
	if len(more) != 1 || more[0].ID != rs[0].ID || len(b.entries) != 1 || len(b.held) != 2 {
		t.Fatalf("more = %v, batch %v", more, ids(b))
	}
}

func TestRetriesAndCopies(t *testing.T) {
	pol := PolicyBest()
	pol.RetriesPerMount, pol.MaxAttempts, pol.RetryDelay = 1, 2, time.Minute
	h := library(t, pol, 2, map[int64][]string{1: {"A", "B"}}, nil)
	rs := h.submit(recall(1))
	d := h.drive(0)
	b, _, _ := h.poll(d)
	first := b.volume
	e := b.entries[0]
	merr := errors.New("read error")
	if !h.s.done(d, e, result{err: merr, kind: failMedia, volume: first}) {
		t.Fatal("no retry within the mount")
	}
	if h.s.done(d, e, result{err: merr, kind: failMedia, volume: first}) {
		t.Fatal("second retry within the mount")
	}
	if h.state(rs[0].ID) != Queued {
		t.Fatal("not requeued")
	}
	h.s.setMounted(d, "")
	if b, _, wake := h.poll(d); b != nil || !wake.Equal(t0.Add(time.Minute)) {
		t.Fatalf("retried before RetryDelay: %v, wake %v", b, wake)
	}
	h.clk.Add(time.Minute)
	b, _, _ = h.poll(d)
	if b.volume == first {
		t.Fatalf("retried on %s again, want the other copy", first)
	}
	h.s.done(d, b.entries[0], result{err: merr, kind: failSink})
	if h.last[rs[0].ID].State != Failed || h.ends[rs[0].ID] != 1 {
		t.Fatalf("after %d attempts: %v", pol.MaxAttempts, h.last[rs[0].ID])
	}
	t.Log(h.last[rs[0].ID].Reason)
}

func TestSuspectsAndDownDrives(t *testing.T) {
	pol := PolicyByVolume()
	pol.MaxAttempts = 10
	files := map[int64][]string{1: {"A", "C"}, 2: {"B"}, 3: {"A", "C"}}
	h := library(t, pol, 3, files, map[int64]int64{2: 1000})
	h.submit(recall(1), recall(3))
	d0, d1 := h.drive(0), h.drive(1)
	fail := func(d *driveState, b *batch) {
		t.Helper()
		h.s.setMounted(d, b.volume)
		for _, e := range b.entries {
			for h.s.done(d, e, result{err: errors.New("medium error"), kind: failMedia, volume: b.volume}) {
			}
		}
		h.s.setMounted(d, "")
	}
	b, _, _ := h.poll(d0)
	if b.volume != "A" {
		t.Fatalf("want A first (two files), got %s", b.volume)
	}
	fail(d0, b)
	if h.s.suspect["A"] != "" {
		t.Fatal("suspect after one drive")
	}
	h.drive(0).volFails = map[string]bool{} // keep d0 up for this part
	h.s.volFails["A"] = map[string]bool{"d0": true}
	// the entries avoid A now; make A attractive again by forgetting that
	for _, e := range h.s.entries {
		e.avoid = nil
	}
	b, _, _ = h.poll(d1)
	if b.volume != "A" {
		t.Fatalf("want A again, got %s", b.volume)
	}
	fail(d1, b)
	if h.s.suspect["A"] == "" {
		t.Fatal("A failed in two drives and is not suspect")
	}
	if d0.down || d1.down {
		t.Fatal("a suspect volume's errors count against drives")
	}
	for _, e := range h.s.entries {
		e.avoid = nil
	}
	b, _, _ = h.poll(d0)
	if b.volume != "C" {
		t.Fatalf("suspect A planned again: %s", b.volume)
	}
	// d0 fails with two volumes: down.
	fail(d0, b)
	h.submit(recall(2))
	b, _, _ = h.poll(d0)
	if b == nil || b.volume != "B" {
		t.Fatalf("got %v", b)
	}
	fail(d0, b)
	if !d0.down {
		t.Fatal("drive failed with C and B and is not down")
	}
	if _, _, err := h.s.next(context.Background(), d0); !errors.Is(err, errDriveDown) {
		t.Fatalf("next on a down drive: %v", err)
	}
	if len(h.s.volFails["B"]) != 0 || len(h.s.volFails["C"]) != 0 {
		t.Errorf("a down drive's errors still count against volumes: %v", h.s.volFails)
	}
}

func TestDriveFailureRequeuesUncounted(t *testing.T) {
	pol := PolicyByVolume()
	pol.MaxAttempts = 1
	h := library(t, pol, 2, map[int64][]string{1: {"A"}}, nil)
	rs := h.submit(recall(1))
	b, _, _ := h.poll(h.drive(0))
	h.s.done(h.drive(0), b.entries[0], result{err: errors.New("hardware error"), kind: failDrive})
	if !h.drive(0).down || h.state(rs[0].ID) != Queued {
		t.Fatalf("drive down %v, request %v", h.drive(0).down, h.state(rs[0].ID))
	}
	b, _, _ = h.poll(h.drive(1))
	if b == nil {
		t.Fatal("not served by the other drive")
	}
}

func TestArchiveBatches(t *testing.T) {
	pol := PolicyBest()
	pol.ArchiveMinBytes, pol.ArchiveMaxAge = 1000, 10*time.Minute
	h := newHarness(t, pol, 2)
	h.cat.classes["c"] = catalog.StorageClass{Name: "c", Pools: []string{"p1"}}
	h.cat.addVolume("W1", "p1", catalog.StateActive, 1500)
	h.cat.addVolume("W2", "p1", catalog.StateActive, 5000)
	arch := func(f int64, size int64) Request {
		return Request{Kind: Archive, FileID: f, StorageClass: "c", Path: "/a" + itoa(f), Size: size}
	}
	h.submit(arch(1, 400))
	if b, _, wake := h.poll(h.drive(0)); b != nil || !wake.Equal(t0.Add(10*time.Minute)) {
		t.Fatalf("archive below the batch size: %v wake %v", b, wake)
	}
	h.submit(arch(2, 400), arch(3, 400))
	b, _, _ := h.poll(h.drive(0))
	if b == nil || b.kind != Archive || b.pool != "p1" || len(b.entries) != 3 {
		t.Fatalf("got %+v", b)
	}
	if b.volume != "W1" && b.volume != "W2" {
		t.Fatalf("volume %q", b.volume)
	}
	// A second drive gets another volume: the first is reserved.
	h.submit(arch(4, 1200))
	h.clk.Add(10 * time.Minute)
	b2, _, _ := h.poll(h.drive(1))
	if b2 == nil || b2.volume == b.volume {
		t.Fatalf("second archive batch %+v", b2)
	}
}

func TestArchiveNoVolumeFailsAfterAttempts(t *testing.T) {
	pol := PolicyByVolume()
	pol.MaxAttempts = 2
	h := newHarness(t, pol, 1)
	h.cat.classes["c"] = catalog.StorageClass{Name: "c", Pools: []string{"empty"}}
	rs := h.submit(Request{Kind: Archive, FileID: 1, StorageClass: "c", Path: "/a", Size: 1})
	h.poll(h.drive(0))
	if h.state(rs[0].ID) != Queued {
		t.Fatal("failed at the first attempt")
	}
	h.clk.Add(time.Hour)
	h.poll(h.drive(0))
	if st := h.last[rs[0].ID]; st.State != Failed {
		t.Fatalf("got %v", st)
	}
}

func TestOverdueGoesBeforeTheMountedTape(t *testing.T) {
	pol := PolicyBest()
	pol.MaxAge = time.Hour
	h := library(t, pol, 1, map[int64][]string{1: {"A"}, 2: {"A"}, 3: {"B"}}, nil)
	d := h.drive(0)
	h.submit(recall(3))
	h.s.setMounted(d, "A")
	h.clk.Add(2 * time.Hour)
	h.submit(recall(1), recall(2))
	b, _, _ := h.poll(d)
	if b == nil || b.volume != "B" {
		t.Fatalf("got %v, want B: its request is past MaxAge", b)
	}
}

func TestSuspectArchiveVolumeIsMadeReadOnly(t *testing.T) {
	pol := PolicyByVolume()
	pol.MaxAttempts, pol.RetriesPerMount = 5, 0
	h := newHarness(t, pol, 2)
	h.cat.classes["c"] = catalog.StorageClass{Name: "c", Pools: []string{"p1"}}
	h.cat.addVolume("W1", "p1", catalog.StateActive, 1e6)
	h.cat.vols["W1"].BytesUsed = 10 // fullest: reserved first
	h.cat.addVolume("W2", "p1", catalog.StateActive, 1e6)
	rs := h.submit(Request{Kind: Archive, FileID: 1, StorageClass: "c", Path: "/a", Size: 10})
	for i := range 2 {
		d := h.drive(i)
		b, _, _ := h.poll(d)
		if b == nil || b.volume != "W1" {
			t.Fatalf("drive %d: %+v, want W1", i, b)
		}
		h.s.setMounted(d, "W1")
		h.s.done(d, b.entries[0], result{err: errors.New("write error"), kind: failMedia, volume: "W1"})
		h.s.setMounted(d, "")
		// the other drive's writer must be able to take W1 for this test
		_ = h.cat.ReleaseVolume(context.Background(), "W1", "")
	}
	if h.s.suspect["W1"] == "" {
		t.Fatal("W1 failed in two drives and is not suspect")
	}
	_, _ = h.cat.ReserveVolume(context.Background(), "p1", 1, h.s.writer(h.drive(0))) // d0 holds W1 again
	b, _, _ := h.poll(h.drive(0))
	if b == nil || b.volume != "W2" {
		t.Fatalf("got %+v, want W2", b)
	}
	if v, _ := h.cat.Volume(context.Background(), "W1"); v.State != catalog.StateReadOnly || v.Writer != "" {
		t.Errorf("W1 %s, writer %q: want read-only and released", v.State, v.Writer)
	}
	if got := h.s.DriveShares(); got["default"] != 1 {
		t.Errorf("DriveShares = %v", got)
	}
	_ = rs
}

func TestMountedTapeYieldsToFairShare(t *testing.T) {
	pol := PolicyBest()
	h := library(t, pol, 2, map[int64][]string{1: {"A"}, 2: {"B"}, 3: {"A"}, 4: {"C"}, 5: {"A"}}, nil)
	d0, d1 := h.drive(0), h.drive(1)
	h.submit(Request{Kind: Recall, FileID: 1, Activity: "a"}, Request{Kind: Recall, FileID: 2, Activity: "a"})
	b0, _, _ := h.poll(d0)
	b1, _, _ := h.poll(d1)
	if b0 == nil || b1 == nil || b0.volume != "A" {
		t.Fatalf("batches %+v %+v", b0, b1)
	}
	h.s.setMounted(d0, "A")
	h.s.setMounted(d1, "B")
	// More for A by a, and work for C by b, while a holds both drives.
	h.submit(Request{Kind: Recall, FileID: 3, Activity: "a"}, Request{Kind: Recall, FileID: 4, Activity: "b"})
	if more := h.s.more(d0); more != nil {
		t.Fatalf("a extends its mount past its share: %v", more)
	}
	h.s.done(d0, b0.entries[0], result{volume: "A"})
	b, _, _ := h.poll(d0)
	if b == nil || b.volume != "C" || b.activity != "b" {
		t.Fatalf("got %+v, want C for b", b)
	}
	// Once b has its drive, a's mounted tape keeps its work again.
	h.s.done(d1, b1.entries[0], result{volume: "B"})
	h.s.setMounted(d1, "A") // as if d1 had A now
	h.s.setMounted(d0, "C")
	h.submit(Request{Kind: Recall, FileID: 5, Activity: "a"})
	if b, _, _ := h.poll(d1); b == nil || b.volume != "A" {
		t.Fatalf("got %+v, want A's work on the mounted A", b)
	}
}

func TestEmptyDriveTakesNewWork(t *testing.T) {
	h := library(t, PolicyBest(), 2, map[int64][]string{1: {"A"}, 2: {"B"}}, nil)
	d0, d1 := h.drive(0), h.drive(1)
	h.s.setMounted(d0, "A") // idle in its dismount delay
	d1.idle = true          // waiting in next, no tape
	h.submit(recall(2))
	if b, _, _ := h.poll(d0); b != nil {
		t.Fatalf("the drive with a tape took %s while an empty drive waits", b.volume)
	}
	if b, _, _ := h.poll(d1); b == nil || b.volume != "B" {
		t.Fatalf("empty drive got %+v", b)
	}
	h.submit(recall(1)) // A's work still goes to the drive that has A
	if b, _, _ := h.poll(d0); b == nil || b.volume != "A" {
		t.Fatalf("got %+v", b)
	}
}

func TestPriorityGoesBeforeTheMountedTape(t *testing.T) {
	h := library(t, PolicyBest(), 1, map[int64][]string{1: {"A"}, 2: {"B"}, 3: {"A"}}, nil)
	d := h.drive(0)
	h.s.setMounted(d, "A")
	h.submit(recall(1), Request{Kind: Recall, FileID: 2, Priority: 1})
	b, _, _ := h.poll(d)
	if b == nil || b.volume != "B" {
		t.Fatalf("got %+v, want B: its request has a higher priority", b)
	}
	h.s.setMounted(d, "B")
	h.submit(Request{Kind: Recall, FileID: 3, Priority: 1})
	if more := h.s.more(d); more != nil {
		t.Fatal("more for B while higher-priority work waits for A")
	}
}

// A drive whose tape was last used by another activity yields it to fair
// share, but when the fairest work is for that very tape it takes it, even
// while an empty drive waits (which cannot have the tape): before, such
// work waited for the dismount delay (found by the HSM's repack test).
func TestYieldingDriveTakesWorkForItsOwnTape(t *testing.T) {
	pol := PolicyBest()
	pol.Shares = map[string]float64{"default": 3, "repack": 1}
	h := library(t, pol, 2, map[int64][]string{1: {"A"}}, nil)
	d0, d1 := h.drive(0), h.drive(1)
	h.s.setMounted(d0, "A")
	d0.activity = "repack" // it wrote A for a repack
	d1.idle = true         // empty, waiting
	h.submit(recall(1))    // a user's recall of a file on A
	if b, _, _ := h.poll(d0); b == nil || b.volume != "A" {
		t.Fatalf("the drive holding A got %+v, want the recall from A", b)
	}
}
