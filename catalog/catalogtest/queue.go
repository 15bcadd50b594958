package catalogtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tapekit/tapekit/catalog"
)

// TestQueue runs the conformance checks of a catalog.Queue, each as a
// subtest on a queue open returns: a new, empty one each call, which open
// closes (t.Cleanup) when the subtest ends.
func TestQueue(t *testing.T, open func(t *testing.T) catalog.Queue) {
	for _, c := range []struct {
		name string
		fn   func(t *testing.T, q catalog.Queue)
	}{
		{"Enqueue", queueEnqueue},
		{"BadEntriesChangeNothing", queueBadEntries},
		{"Times", queueTimes},
		{"Claim", queueClaim},
		{"ClaimMany", queueClaimMany},
		{"ConcurrentClaim", func(t *testing.T, q catalog.Queue) { queueConcurrentClaim(t, []catalog.Queue{q}) }},
		{"Requeue", queueRequeue},
		{"Finish", queueFinish},
		{"PendingEntries", queuePending},
		{"GroupEntries", queueGroups},
		{"RecoverHost", queueRecoverHost},
		{"PurgeEnded", queuePurge},
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, open(t)) })
	}
}

// TestQueueShared checks that queues on one database, as several hosts
// hold them, never claim one entry twice. qs must share an empty queue.
func TestQueueShared(t *testing.T, qs []catalog.Queue) {
	queueConcurrentClaim(t, qs)
}

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)

// entry returns a valid entry to enqueue, numbered n.
func entry(n int) catalog.QueueEntry {
	return catalog.QueueEntry{
		Kind: catalog.QueueRecall, Group: "g", FileID: int64(n), Path: fmt.Sprintf("/f/%d", n), Size: int64(n) * 10,
		StorageClass: "one", CopyNo: 0, Pool: "p1", Requester: "alice", Activity: "t1", Priority: n % 3,
		Created: t0.Add(time.Duration(n) * time.Second),
	}
}

func enqueue(t *testing.T, q catalog.Queue, es ...catalog.QueueEntry) []catalog.QueueEntry {
	t.Helper()
	got, err := q.Enqueue(context.Background(), es)
	if err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	return got
}

func enqueueN(t *testing.T, q catalog.Queue, n int) []int64 {
	t.Helper()
	es := make([]catalog.QueueEntry, n)
	for i := range es {
		es[i] = entry(i + 1)
	}
	var ids []int64
	for _, e := range enqueue(t, q, es...) {
		ids = append(ids, e.ID)
	}
	return ids
}

func get(t *testing.T, q catalog.Queue, id int64) catalog.QueueEntry {
	t.Helper()
	e, err := q.QueueEntry(context.Background(), id)
	if err != nil {
		t.Fatalf("QueueEntry(%d): %v", id, err)
	}
	return e
}

func claim(t *testing.T, q catalog.Queue, host, vol string, ids ...int64) []int64 {
	t.Helper()
	got, err := q.Claim(context.Background(), host, vol, ids, t0)
	if err != nil {
		t.Fatalf("Claim(%s, %v): %v", host, ids, err)
	}
	return got
}

func pending(t *testing.T, q catalog.Queue) []catalog.QueueEntry {
	t.Helper()
	es, err := q.PendingEntries(context.Background(), 0, 0)
	if err != nil {
		t.Fatalf("PendingEntries: %v", err)
	}
	return es
}

func same(t *testing.T, what string, want, got any) {
	t.Helper()
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}

func queueEnqueue(t *testing.T, q catalog.Queue) {
	ctx := context.Background()
	if got, err := q.Enqueue(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("Enqueue(nil) = %v, %v", got, err)
	}
	in := []catalog.QueueEntry{entry(1), entry(2), entry(3)}
	in[1].State = catalog.QueueQueued
	in[2].Kind, in[2].CopyNo, in[2].Started, in[2].Attempts, in[2].Reason, in[2].Volume, in[2].Relocate =
		catalog.QueueArchive, 2, t0, 3, "retry", "V1", "OLD001"
	in[2].Created = time.Time{}
	got := enqueue(t, q, in...)
	if len(got) != 3 || got[0].ID <= 0 || got[1].ID <= got[0].ID || got[2].ID <= got[1].ID {
		t.Fatalf("ids not increasing: %+v", got)
	}
	for i := range in {
		want := in[i]
		want.ID, want.State = got[i].ID, catalog.QueueQueued
		same(t, "Enqueue result", want, got[i])
		same(t, "QueueEntry", want, get(t, q, want.ID))
	}
	if !get(t, q, got[2].ID).Created.IsZero() {
		t.Error("zero Created not kept zero")
	}
	if _, err := q.QueueEntry(ctx, got[2].ID+100); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("QueueEntry(unknown): %v, want ErrNotFound", err)
	}
	more := enqueue(t, q, entry(4))
	if more[0].ID <= got[2].ID {
		t.Errorf("later id %d not above %d", more[0].ID, got[2].ID)
	}
}

func queueBadEntries(t *testing.T, q catalog.Queue) {
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		mod    func(*catalog.QueueEntry)
		target error
	}{
		{"id", func(e *catalog.QueueEntry) { e.ID = 7 }, catalog.ErrInvalid},
		{"kind", func(e *catalog.QueueEntry) { e.Kind = "copy" }, catalog.ErrInvalid},
		{"empty kind", func(e *catalog.QueueEntry) { e.Kind = "" }, catalog.ErrInvalid},
		{"running", func(e *catalog.QueueEntry) { e.State = catalog.QueueRunning }, catalog.ErrInvalid},
		{"done", func(e *catalog.QueueEntry) { e.State = catalog.QueueDone }, catalog.ErrInvalid},
		{"file id", func(e *catalog.QueueEntry) { e.FileID = -1 }, catalog.ErrInvalid},
		{"size", func(e *catalog.QueueEntry) { e.Size = -1 }, catalog.ErrInvalidSize},
		{"copy", func(e *catalog.QueueEntry) { e.CopyNo = -1 }, catalog.ErrInvalid},
		{"attempts", func(e *catalog.QueueEntry) { e.Attempts = -1 }, catalog.ErrInvalid},
		{"ended", func(e *catalog.QueueEntry) { e.Ended = t0 }, catalog.ErrInvalid},
		{"host", func(e *catalog.QueueEntry) { e.Host = "h1" }, catalog.ErrInvalid},
		{"relocating recall", func(e *catalog.QueueEntry) { e.Relocate = "V1" }, catalog.ErrInvalid},
		{"relocate no copy", func(e *catalog.QueueEntry) { e.Kind, e.Relocate = catalog.QueueArchive, "V1" }, catalog.ErrInvalid},
		{"nul relocate", func(e *catalog.QueueEntry) { e.Kind, e.CopyNo, e.Relocate = catalog.QueueArchive, 1, "V\x001" }, catalog.ErrInvalid},
		{"nul path", func(e *catalog.QueueEntry) { e.Path = "/a\x00b" }, catalog.ErrInvalid},
		{"bad utf8 group", func(e *catalog.QueueEntry) { e.Group = "\xff" }, catalog.ErrInvalid},
		{"nul reason", func(e *catalog.QueueEntry) { e.Reason = "\x00" }, catalog.ErrInvalid},
		{"nul requester", func(e *catalog.QueueEntry) { e.Requester = "\x00" }, catalog.ErrInvalid},
		{"created early", func(e *catalog.QueueEntry) { e.Created = catalog.MinTime.Add(-1) }, catalog.ErrInvalid},
		{"started late", func(e *catalog.QueueEntry) { e.Started = catalog.MaxTime.Add(1) }, catalog.ErrInvalid},
	} {
		bad := entry(2)
		c.mod(&bad)
		_, err := q.Enqueue(ctx, []catalog.QueueEntry{entry(1), bad})
		var ve *catalog.ValidationError
		if !errors.Is(err, c.target) || !errors.As(err, &ve) || !strings.HasPrefix(ve.Field, "entries[1].") {
			t.Errorf("%s: Enqueue: %v, want a ValidationError on entries[1] matching %v", c.name, err, c.target)
		}
	}
	if es := pending(t, q); len(es) != 0 {
		t.Errorf("refused batches left entries: %+v", es)
	}
	ids := enqueueN(t, q, 1)
	for _, c := range []struct {
		name string
		err  error
	}{
		{"Claim no host", func() error { _, err := q.Claim(ctx, "", "V", ids, t0); return err }()},
		{"Claim host with space", func() error { _, err := q.Claim(ctx, "h 1", "V", ids, t0); return err }()},
		{"Claim bad volume", func() error { _, err := q.Claim(ctx, "h1", "\x00", ids, t0); return err }()},
		{"Claim bad time", func() error { _, err := q.Claim(ctx, "h1", "V", ids, catalog.MaxTime.Add(1)); return err }()},
		{"Requeue no host", q.Requeue(ctx, "", ids, "r")},
		{"Requeue bad reason", q.Requeue(ctx, "h1", ids, "\xff")},
		{"Finish queued", func() error { _, err := q.Finish(ctx, ids[0], catalog.QueueQueued, "", t0); return err }()},
		{"Finish running", func() error { _, err := q.Finish(ctx, ids[0], catalog.QueueRunning, "", t0); return err }()},
		{"Finish bad reason", func() error { _, err := q.Finish(ctx, ids[0], catalog.QueueDone, "\x00", t0); return err }()},
		{"Finish bad time", func() error {
			_, err := q.Finish(ctx, ids[0], catalog.QueueDone, "", catalog.MinTime.Add(-1))
			return err
		}()},
		{"RecoverHost no host", func() error { _, err := q.RecoverHost(ctx, "", "r"); return err }()},
		{"PurgeEnded bad time", func() error { _, err := q.PurgeEnded(ctx, catalog.MaxTime.Add(1)); return err }()},
	} {
		if !errors.Is(c.err, catalog.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", c.name, c.err)
		}
	}
	want := entry(1)
	want.ID, want.State = ids[0], catalog.QueueQueued
	same(t, "entry after refused calls", want, get(t, q, ids[0]))
}

func queueTimes(t *testing.T, q catalog.Queue) {
	ctx := context.Background()
	es := []catalog.QueueEntry{entry(1), entry(2), entry(3)}
	es[0].Created, es[0].Started = catalog.MinTime, catalog.MaxTime
	es[1].Created, es[1].Started = time.Unix(0, 0), time.Unix(0, 0)
	es[2].Created = time.Date(2030, 5, 6, 7, 8, 9, 123456789, time.FixedZone("x", 3600))
	got := enqueue(t, q, es...)
	for i, g := range got {
		r := get(t, q, g.ID)
		if !r.Created.Equal(es[i].Created) || !r.Started.Equal(es[i].Started) ||
			r.Created.Location() != time.UTC || r.Started.Location() != time.UTC && !r.Started.IsZero() {
			t.Errorf("entry %d: Created %v Started %v, want %v %v in UTC", i, r.Created, r.Started, es[i].Created, es[i].Started)
		}
		if !g.Created.Equal(r.Created) {
			t.Errorf("entry %d: Enqueue returned Created %v, read %v", i, g.Created, r.Created)
		}
	}
	// Claim at the epoch sets Started to the epoch; a finish at MaxTime
	// keeps it.
	if c := claim(t, q, "h1", "V", got[2].ID); len(c) != 1 {
		t.Fatalf("claim: %v", c)
	}
	ok, err := q.Finish(ctx, got[2].ID, catalog.QueueDone, "", catalog.MaxTime)
	if err != nil || !ok {
		t.Fatalf("Finish: %v, %v", ok, err)
	}
	if e := get(t, q, got[2].ID); !e.Started.Equal(t0) || !e.Ended.Equal(catalog.MaxTime) {
		t.Errorf("Started %v Ended %v, want %v %v", e.Started, e.Ended, t0, catalog.MaxTime)
	}
}

func queueClaim(t *testing.T, q catalog.Queue) {
	ctx := context.Background()
	ids := enqueueN(t, q, 4)
	got := claim(t, q, "h1", "V1", ids[2], ids[0], ids[0], ids[3]+1000)
	same(t, "claimed", []int64{ids[0], ids[2]}, got)
	if got := claim(t, q, "h2", "V2", ids...); !slices.Equal(got, []int64{ids[1], ids[3]}) {
		t.Errorf("second claim = %v, want %v", got, []int64{ids[1], ids[3]})
	}
	if got := claim(t, q, "h1", "V1", ids...); len(got) != 0 {
		t.Errorf("claim of running entries = %v", got)
	}
	e := get(t, q, ids[0])
	want := entry(1)
	want.ID, want.State, want.Host, want.Volume, want.Started, want.Attempts = ids[0], catalog.QueueRunning, "h1", "V1", t0, 1
	same(t, "claimed entry", want, e)

	// A second claim after a requeue counts the attempt and keeps the
	// first start.
	if err := q.Requeue(ctx, "h1", []int64{ids[0]}, "drive down"); err != nil {
		t.Fatal(err)
	}
	later := t0.Add(time.Hour)
	if got, err := q.Claim(ctx, "h3", "V9", []int64{ids[0]}, later); err != nil || len(got) != 1 {
		t.Fatalf("reclaim: %v, %v", got, err)
	}
	want.Host, want.Volume, want.Attempts, want.Reason = "h3", "V9", 2, "drive down"
	same(t, "reclaimed entry", want, get(t, q, ids[0]))

	// Ended entries are never claimed.
	if _, err := q.Finish(ctx, ids[1], catalog.QueueCancelled, "", t0); err != nil {
		t.Fatal(err)
	}
	if err := q.Requeue(ctx, "h2", []int64{ids[1]}, "x"); err != nil {
		t.Fatal(err)
	}
	if got := claim(t, q, "h1", "V", ids[1]); len(got) != 0 {
		t.Errorf("claimed an ended entry: %v", got)
	}
	if got := claim(t, q, "h1", "V"); len(got) != 0 {
		t.Errorf("claim of no ids: %v", got)
	}
}

func queueClaimMany(t *testing.T, q catalog.Queue) {
	ids := enqueueN(t, q, 1234)
	got := claim(t, q, "h1", "", ids...)
	same(t, "claimed", ids, got)
	if got := claim(t, q, "h2", "", ids...); len(got) != 0 {
		t.Errorf("second claim got %d", len(got))
	}
	if err := q.Requeue(context.Background(), "h1", ids, "back"); err != nil {
		t.Fatal(err)
	}
	for _, e := range pending(t, q) {
		if e.State != catalog.QueueQueued || e.Host != "" {
			t.Fatalf("after Requeue: %+v", e)
		}
	}
}

// queueConcurrentClaim has goroutines on each queue, as hosts, claim
// overlapping sets of ids at once; no id may go to two of them.
func queueConcurrentClaim(t *testing.T, qs []catalog.Queue) {
	ctx := context.Background()
	ids := enqueueN(t, qs[0], 300)
	const workers = 8
	var mu sync.Mutex
	owner := map[int64]string{}
	var errs []error
	var wg sync.WaitGroup
	for w := range workers {
		q := qs[w%len(qs)]
		host := fmt.Sprintf("h%d", w)
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each worker tries every id, in rounds of overlapping
			// windows, in a different order.
			for off := 0; off < len(ids); off += 25 {
				lo := (off + w*37) % len(ids)
				win := ids[lo:min(lo+60, len(ids))]
				got, err := q.Claim(ctx, host, "V", win, t0)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				}
				for _, id := range got {
					if o, ok := owner[id]; ok {
						errs = append(errs, fmt.Errorf("id %d claimed by %s and %s", id, o, host))
					}
					owner[id] = host
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		t.Error(err)
	}
	// Every entry that is running now was claimed by exactly the host
	// recorded, and entries still queued were not reported claimed.
	for _, e := range pending(t, qs[len(qs)-1]) {
		o, ok := owner[e.ID]
		switch {
		case e.State == catalog.QueueRunning && (!ok || o != e.Host || e.Attempts != 1):
			t.Errorf("entry %d running on %s (attempts %d); claims reported %q", e.ID, e.Host, e.Attempts, o)
		case e.State == catalog.QueueQueued && ok:
			t.Errorf("entry %d queued but reported claimed by %s", e.ID, o)
		}
	}
}

func queueRequeue(t *testing.T, q catalog.Queue) {
	ctx := context.Background()
	ids := enqueueN(t, q, 4)
	claim(t, q, "h1", "V1", ids[0], ids[1])
	claim(t, q, "h2", "V2", ids[2])
	if err := q.Requeue(ctx, "h1", ids, "mount failed"); err != nil {
		t.Fatal(err)
	}
	states := func() []string {
		var s []string
		for _, id := range ids {
			e := get(t, q, id)
			s = append(s, e.State+"/"+e.Host+"/"+e.Reason)
		}
		return s
	}
	same(t, "states after Requeue", []string{"queued//mount failed", "queued//mount failed", "running/h2/", "queued//"}, states())
	if e := get(t, q, ids[0]); e.Volume != "V1" || e.Attempts != 1 || !e.Started.Equal(t0) {
		t.Errorf("requeued entry lost its history: %+v", e)
	}
	if err := q.Requeue(ctx, "h2", nil, "x"); err != nil {
		t.Fatal(err)
	}
	same(t, "states after empty Requeue", []string{"queued//mount failed", "queued//mount failed", "running/h2/", "queued//"}, states())
}

func queueFinish(t *testing.T, q catalog.Queue) {
	ctx := context.Background()
	ids := enqueueN(t, q, 3)
	claim(t, q, "h1", "V1", ids[0])
	end := t0.Add(time.Minute)
	for i, st := range []string{catalog.QueueDone, catalog.QueueFailed, catalog.QueueCancelled} {
		ok, err := q.Finish(ctx, ids[i], st, "why "+st, end)
		if err != nil || !ok {
			t.Fatalf("Finish(%d, %s) = %v, %v; want true", ids[i], st, ok, err)
		}
		e := get(t, q, ids[i])
		if e.State != st || e.Reason != "why "+st || !e.Ended.Equal(end) {
			t.Errorf("finished entry: %+v", e)
		}
		// Only the first Finish counts.
		ok, err = q.Finish(ctx, ids[i], catalog.QueueDone, "again", end.Add(time.Hour))
		if err != nil || ok {
			t.Errorf("second Finish = %v, %v; want false, nil", ok, err)
		}
		same(t, "entry after second Finish", e, get(t, q, ids[i]))
	}
	if ok, err := q.Finish(ctx, ids[2]+100, catalog.QueueDone, "", end); ok || !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("Finish(unknown) = %v, %v; want ErrNotFound", ok, err)
	}
	if n, err := q.RecoverHost(ctx, "h1", "restart"); err != nil || n != 0 {
		t.Errorf("RecoverHost after Finish = %d, %v; want 0", n, err)
	}
	if es := pending(t, q); len(es) != 0 {
		t.Errorf("pending after every entry ended: %+v", es)
	}

	// Racing finishers: exactly one wins.
	id := enqueueN(t, q, 1)[0]
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := q.Finish(ctx, id, catalog.QueueCancelled, "", end)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d concurrent Finish calls won, want 1", wins)
	}
}

func queuePending(t *testing.T, q catalog.Queue) {
	ctx := context.Background()
	ids := enqueueN(t, q, 10)
	claim(t, q, "h1", "V", ids[1], ids[2])
	for _, i := range []int{0, 2, 5} {
		if _, err := q.Finish(ctx, ids[i], catalog.QueueDone, "", t0); err != nil {
			t.Fatal(err)
		}
	}
	var want []int64
	for i, id := range ids {
		if i != 0 && i != 2 && i != 5 {
			want = append(want, id)
		}
	}
	var got []int64
	after := int64(0)
	for {
		page, err := q.PendingEntries(ctx, after, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) > 3 {
			t.Fatalf("page of %d, limit 3", len(page))
		}
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			if catalog.QueueEnded(e.State) {
				t.Errorf("ended entry listed: %+v", e)
			}
			got = append(got, e.ID)
		}
		after = page[len(page)-1].ID
	}
	same(t, "pending ids", want, got)
	if page, err := q.PendingEntries(ctx, ids[6], -1); err != nil || len(page) != 3 || page[0].ID != ids[7] {
		t.Errorf("PendingEntries(after %d, -1) = %v, %v", ids[6], page, err)
	}
	if page, err := q.PendingEntries(ctx, 0, catalog.QueuePageMax+5); err != nil || len(page) != len(want) {
		t.Errorf("PendingEntries(limit above max) = %d entries, %v", len(page), err)
	}
	if e := pending(t, q)[0]; e.State != catalog.QueueRunning || e.Host != "h1" {
		t.Errorf("first pending: %+v, want running on h1", e)
	}
}

func queueGroups(t *testing.T, q catalog.Queue) {
	ctx := context.Background()
	es := []catalog.QueueEntry{entry(1), entry(2), entry(3), entry(4)}
	es[0].Group, es[1].Group, es[2].Group, es[3].Group = "a", "b", "a", ""
	got := enqueue(t, q, es...)
	if _, err := q.Finish(ctx, got[0].ID, catalog.QueueCancelled, "group cancelled", t0); err != nil {
		t.Fatal(err)
	}
	ids := func(group string) []int64 {
		g, err := q.GroupEntries(ctx, group)
		if err != nil {
			t.Fatal(err)
		}
		var s []int64
		for _, e := range g {
			s = append(s, e.ID)
		}
		return s
	}
	same(t, "group a", []int64{got[0].ID, got[2].ID}, ids("a"))
	same(t, "group b", []int64{got[1].ID}, ids("b"))
	same(t, "no group", []int64{got[3].ID}, ids(""))
	if s := ids("c"); len(s) != 0 {
		t.Errorf("unknown group: %v", s)
	}
}

func queueRecoverHost(t *testing.T, q catalog.Queue) {
	ctx := context.Background()
	ids := enqueueN(t, q, 5)
	claim(t, q, "h1", "V1", ids[0], ids[1], ids[2])
	claim(t, q, "h2", "V2", ids[3])
	if _, err := q.Finish(ctx, ids[2], catalog.QueueDone, "", t0); err != nil {
		t.Fatal(err)
	}
	n, err := q.RecoverHost(ctx, "h1", "restarted")
	if err != nil || n != 2 {
		t.Fatalf("RecoverHost = %d, %v; want 2", n, err)
	}
	var got []string
	for _, id := range ids {
		e := get(t, q, id)
		got = append(got, e.State+"/"+e.Host+"/"+e.Reason)
	}
	same(t, "after RecoverHost", []string{"queued//restarted", "queued//restarted", "done/h1/", "running/h2/", "queued//"}, got)
	if n, err := q.RecoverHost(ctx, "h1", "again"); err != nil || n != 0 {
		t.Errorf("second RecoverHost = %d, %v", n, err)
	}
}

func queuePurge(t *testing.T, q catalog.Queue) {
	ctx := context.Background()
	ids := enqueueN(t, q, 5)
	claim(t, q, "h1", "V", ids[3])
	for i, at := range []time.Time{t0, t0.Add(time.Hour), t0.Add(2 * time.Hour)} {
		if _, err := q.Finish(ctx, ids[i], catalog.QueueDone, "", at); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := q.Finish(ctx, ids[4], catalog.QueueFailed, "", t0); err != nil {
		t.Fatal(err)
	}
	n, err := q.PurgeEnded(ctx, t0.Add(2*time.Hour))
	if err != nil || n != 3 {
		t.Fatalf("PurgeEnded = %d, %v; want 3", n, err)
	}
	for i, id := range ids {
		_, err := q.QueueEntry(ctx, id)
		gone := errors.Is(err, catalog.ErrNotFound)
		if want := i == 0 || i == 1 || i == 4; gone != want {
			t.Errorf("entry %d: gone %v, want %v (%v)", i, gone, want, err)
		}
	}
	if n, err := q.PurgeEnded(ctx, time.Time{}); err != nil || n != 0 {
		t.Errorf("PurgeEnded(zero) = %d, %v", n, err)
	}
	// Purging the newest entry does not free its id.
	if _, err := q.Finish(ctx, ids[3], catalog.QueueDone, "", t0); err != nil {
		t.Fatal(err)
	}
	if n, err := q.PurgeEnded(ctx, catalog.MaxTime); err != nil || n != 2 {
		t.Fatalf("PurgeEnded(all) = %d, %v; want 2", n, err)
	}
	if id := enqueueN(t, q, 1)[0]; id <= ids[4] {
		t.Errorf("id %d reused after purge (last was %d)", id, ids[4])
	}
}
