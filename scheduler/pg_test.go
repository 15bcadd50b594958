package scheduler_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/postgres"
	"github.com/tapekit/tapekit/internal/pgtest"
	"github.com/tapekit/tapekit/scheduler"
)

// TestMain stops the PostgreSQL server the tests that need one start.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// Two hosts share one PostgreSQL catalog and queue, each with its own
// connection pool and its own drive of one library. Each host takes
// requests from both hosts' submissions, every request ends exactly once
// across the two, and every file arrives whole in the sink of the host
// that read it.
func TestTwoHostsOnePostgresQueue(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL")
	}
	ctx := context.Background()
	dsn, err := pgtest.Require(t).NewDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	open := func() *postgres.DB {
		db, err := postgres.Open(ctx, dsn, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	cat1, cat2 := open(), open()
	r := newRigOn(t, cat1, 2, 4, 3, 1<<20, 0)
	drives := r.drives()

	var mu sync.Mutex
	ends := map[int64][]string{} // request id -> the hosts that ended it
	var ended []scheduler.Request
	sinks := map[string]*scheduler.MemorySink{}
	mk := func(host string, cat store, d scheduler.Drive) *scheduler.Scheduler {
		sinks[host] = scheduler.NewMemorySink(0, &scheduler.MemorySinkOptions{Clock: r.vc, Keep: true})
		s, err := scheduler.New(scheduler.Config{Catalog: cat, Queue: cat, Changer: r.lib.Changer(),
			Drives: []scheduler.Drive{d}, Sink: sinks[host], Clock: r.vc, Host: host, Policy: scheduler.PolicyByVolume(),
			OnEnd: func(q scheduler.Request) {
				mu.Lock()
				defer mu.Unlock()
				ends[q.ID] = append(ends[q.ID], host)
				ended = append(ended, q)
			}})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s1, s2 := mk("h1", cat1, drives[0]), mk("h2", cat2, drives[1])

	want := len(r.files)
	runCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	pctx, leave := r.vc.Join(runCtx, "main")
	for _, s := range []*scheduler.Scheduler{s1, s2} {
		r.vc.Go(pctx, "run", func(ctx context.Context) {
			if err := s.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("Run = %v", err)
			}
		})
	}
	r.vc.Go(pctx, "client", func(ctx context.Context) {
		// Odd files through h1, even ones through h2, in one group.
		var q1, q2 []scheduler.Request
		for id := range int64(want) {
			q := scheduler.Request{Kind: scheduler.Recall, FileID: id + 1, Group: "g"}
			if id%2 == 0 {
				q1 = append(q1, q)
			} else {
				q2 = append(q2, q)
			}
		}
		if _, err := s1.Submit(ctx, q1...); err != nil {
			t.Error(err)
		}
		if _, err := s2.Submit(ctx, q2...); err != nil {
			t.Error(err)
		}
		for {
			es, err := cat1.GroupEntries(ctx, "g")
			if err != nil {
				t.Error(err)
				break
			}
			open := 0
			for _, e := range es {
				if e.Ended.IsZero() {
					open++
				}
			}
			if len(es) == want && open == 0 {
				break
			}
			if err := r.vc.SleepContext(ctx, 5*time.Second); err != nil {
				t.Errorf("%d of %d requests still open: %v", open, len(es), err)
				return
			}
		}
		cancel()
	})
	leave()
	r.vc.Wait()

	es, err := cat2.GroupEntries(ctx, "g")
	if err != nil {
		t.Fatal(err)
	}
	hosts := map[string]int{}
	for _, e := range es {
		if e.State != catalog.QueueDone {
			t.Errorf("request %d (file %d): %s %s", e.ID, e.FileID, e.State, e.Reason)
		}
		if n := len(ends[e.ID]); n != 1 {
			t.Errorf("request %d ended %d times (%v)", e.ID, n, ends[e.ID])
		}
	}
	for _, q := range ended {
		hosts[ends[q.ID][0]]++
		f := r.files[q.FileID]
		got, _, ok := sinks[ends[q.ID][0]].Data(f.Path)
		wantData := make([]byte, f.Size)
		f.Data().ReadAt(wantData, 0)
		if !ok || !bytes.Equal(got, wantData) {
			t.Errorf("file %d: %d bytes in %s's sink, want %d identical", q.FileID, len(got), ends[q.ID][0], len(wantData))
		}
	}
	if len(es) != want || hosts["h1"] == 0 || hosts["h2"] == 0 {
		t.Errorf("%d requests, ended by host: %v; want %d, both hosts working", len(es), hosts, want)
	}
	t.Logf("requests ended by host: %v", hosts)
}
