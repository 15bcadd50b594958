package catalogtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/tapekit/tapekit/catalog"
)

// CheckQueueModel drives q, which must be empty, with a random sequence
// of queue calls and compares every entry after each call with a simple
// in-memory model of the catalog.Queue contract. Run it under rapid.Check
// with a new queue per run.
func CheckQueueModel(rt *rapid.T, q catalog.Queue) {
	ctx := context.Background()
	model := map[int64]catalog.QueueEntry{}
	var lastID int64
	clock := t0
	tick := func() time.Time { clock = clock.Add(time.Second); return clock }
	hosts := []string{"h1", "h2", "h3"}
	pickIDs := func(t *rapid.T) []int64 {
		n := rapid.IntRange(0, 4).Draw(t, "n")
		var ids []int64
		for range n {
			ids = append(ids, rapid.Int64Range(1, lastID+2).Draw(t, "id"))
		}
		return ids
	}
	rt.Repeat(map[string]func(*rapid.T){
		"Enqueue": func(t *rapid.T) {
			n := rapid.IntRange(1, 3).Draw(t, "n")
			es := make([]catalog.QueueEntry, n)
			for i := range es {
				es[i] = entry(int(lastID) + i + 1)
				es[i].Group = rapid.SampledFrom([]string{"", "a", "b"}).Draw(t, "group")
				es[i].Created = clock
			}
			got, err := q.Enqueue(ctx, es)
			if err != nil {
				t.Fatalf("Enqueue: %v", err)
			}
			for i, g := range got {
				if g.ID <= lastID {
					t.Fatalf("id %d not above %d", g.ID, lastID)
				}
				lastID = g.ID
				want := es[i]
				want.ID, want.State = g.ID, catalog.QueueQueued
				model[g.ID] = want
			}
		},
		"Claim": func(t *rapid.T) {
			host := rapid.SampledFrom(hosts).Draw(t, "host")
			vol := rapid.SampledFrom([]string{"V1", "V2"}).Draw(t, "volume")
			ids := pickIDs(t)
			now := tick()
			got, err := q.Claim(ctx, host, vol, ids, now)
			if err != nil {
				t.Fatalf("Claim: %v", err)
			}
			var want []int64
			for _, id := range ids {
				if e, ok := model[id]; ok && e.State == catalog.QueueQueued && !slices.Contains(want, id) {
					want = append(want, id)
					e.State, e.Host, e.Volume, e.Attempts = catalog.QueueRunning, host, vol, e.Attempts+1
					if e.Started.IsZero() {
						e.Started = now
					}
					model[id] = e
				}
			}
			slices.Sort(want)
			if !slices.Equal(want, got) && len(want)+len(got) > 0 {
				t.Fatalf("Claim(%s, %v) = %v, want %v", host, ids, got, want)
			}
		},
		"Requeue": func(t *rapid.T) {
			host := rapid.SampledFrom(hosts).Draw(t, "host")
			ids := pickIDs(t)
			if err := q.Requeue(ctx, host, ids, "requeued"); err != nil {
				t.Fatalf("Requeue: %v", err)
			}
			for _, id := range ids {
				if e, ok := model[id]; ok && e.State == catalog.QueueRunning && e.Host == host {
					e.State, e.Host, e.Reason = catalog.QueueQueued, "", "requeued"
					model[id] = e
				}
			}
		},
		"Finish": func(t *rapid.T) {
			id := rapid.Int64Range(1, lastID+2).Draw(t, "id")
			st := rapid.SampledFrom([]string{catalog.QueueDone, catalog.QueueFailed, catalog.QueueCancelled}).Draw(t, "state")
			now := tick()
			ok, err := q.Finish(ctx, id, st, "r-"+st, now)
			e, known := model[id]
			switch {
			case !known:
				if !errors.Is(err, catalog.ErrNotFound) {
					t.Fatalf("Finish(unknown %d) = %v, %v; want ErrNotFound", id, ok, err)
				}
			case err != nil || ok == catalog.QueueEnded(e.State):
				t.Fatalf("Finish(%d) of a %s entry = %v, %v", id, e.State, ok, err)
			case ok:
				e.State, e.Reason, e.Ended = st, "r-"+st, now
				model[id] = e
			}
		},
		"RecoverHost": func(t *rapid.T) {
			host := rapid.SampledFrom(hosts).Draw(t, "host")
			n, err := q.RecoverHost(ctx, host, "restart")
			if err != nil {
				t.Fatalf("RecoverHost: %v", err)
			}
			var want int64
			for id, e := range model {
				if e.State == catalog.QueueRunning && e.Host == host {
					e.State, e.Host, e.Reason = catalog.QueueQueued, "", "restart"
					model[id] = e
					want++
				}
			}
			if n != want {
				t.Fatalf("RecoverHost(%s) = %d, want %d", host, n, want)
			}
		},
		"PurgeEnded": func(t *rapid.T) {
			before := clock.Add(-time.Duration(rapid.IntRange(0, 5).Draw(t, "ago")) * time.Second)
			n, err := q.PurgeEnded(ctx, before)
			if err != nil {
				t.Fatalf("PurgeEnded: %v", err)
			}
			var want int64
			for id, e := range model {
				if catalog.QueueEnded(e.State) && e.Ended.Before(before) {
					delete(model, id)
					want++
				}
			}
			if n != want {
				t.Fatalf("PurgeEnded(%v) = %d, want %d", before, n, want)
			}
		},
		"": func(t *rapid.T) { checkQueueModel(t, ctx, q, model) },
	})
}

// checkQueueModel compares every entry and the listings with the model.
func checkQueueModel(t *rapid.T, ctx context.Context, q catalog.Queue, model map[int64]catalog.QueueEntry) {
	var pend []catalog.QueueEntry
	groups := map[string][]catalog.QueueEntry{}
	ids := make([]int64, 0, len(model))
	for id := range model {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		e := model[id]
		got, err := q.QueueEntry(ctx, id)
		if err != nil {
			t.Fatalf("QueueEntry(%d): %v", id, err)
		}
		if d := cmp.Diff(e, got); d != "" {
			t.Fatalf("entry %d (-model +queue):\n%s", id, d)
		}
		if !catalog.QueueEnded(e.State) {
			pend = append(pend, e)
		}
		groups[e.Group] = append(groups[e.Group], e)
	}
	var got []catalog.QueueEntry
	for after := int64(0); ; {
		page, err := q.PendingEntries(ctx, after, 2)
		if err != nil {
			t.Fatalf("PendingEntries: %v", err)
		}
		if len(page) == 0 {
			break
		}
		got = append(got, page...)
		after = page[len(page)-1].ID
	}
	if d := cmp.Diff(pend, got); d != "" {
		t.Fatalf("PendingEntries (-model +queue):\n%s", d)
	}
	for _, g := range []string{"", "a", "b"} {
		es, err := q.GroupEntries(ctx, g)
		if err != nil {
			t.Fatalf("GroupEntries(%q): %v", g, err)
		}
		if d := cmp.Diff(groups[g], es); d != "" {
			t.Fatal(fmt.Sprintf("GroupEntries(%q) (-model +queue):\n%s", g, d))
		}
	}
}
