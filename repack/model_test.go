package repack_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/repack"
	"github.com/tapekit/tapekit/scheduler"
)

// step is one action of the model test.
type step struct {
	Op  string // start, cancel, delete, undelete, recall, wait, reconcile
	Vol int    // start, cancel: which old volume
	Id  int    // delete, undelete, recall: which file, by index
	Sec int    // wait
}

func stepGen(vols, files int) *rapid.Generator[step] {
	return rapid.Custom(func(t *rapid.T) step {
		return step{
			Op:  rapid.SampledFrom([]string{"start", "start", "cancel", "delete", "undelete", "recall", "recall", "wait", "wait", "reconcile"}).Draw(t, "op"),
			Vol: rapid.IntRange(0, vols-1).Draw(t, "vol"),
			Id:  rapid.IntRange(0, files-1).Draw(t, "file"),
			Sec: rapid.IntRange(1, 300).Draw(t, "sec"),
		}
	})
}

// Repacks interleaved with deletes, undeletes, cancels and user recalls,
// against a simple model: after every step each live file has exactly
// one copy, on its old volume or on a new one, and a deleted file none; a
// recall that ends done delivers the file byte for byte, and one that
// fails is of a file deleted meanwhile. At the end, with every repack
// reconciled and finished, a repack that ended done left no live copy on
// its volume, the catalog checks clean and every live file reads back.
func TestRepackModel(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		const vols, per = 2, 3
		steps := rapid.SliceOfN(stepGen(vols, vols*per), 1, 25).Draw(rt, "steps")
		st := newSite(t, vols, per, 2)
		var ids []int64
		for id := range st.files {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		oldOf := map[int64]string{}
		for _, id := range ids {
			oldOf[id] = st.files[id].Path[5:13]
		}
		rp, err := repack.New(repack.Config{Catalog: st.cat, Dir: t.TempDir(), Clock: st.vc})
		if err != nil {
			rt.Fatal(err)
		}
		defer rp.Close()
		sink := scheduler.NewMemorySink(0, &scheduler.MemorySinkOptions{Clock: st.vc, Keep: true})
		var mu sync.Mutex
		var errs []string
		fail := func(format string, a ...any) {
			mu.Lock()
			errs = append(errs, fmt.Sprintf(format, a...))
			mu.Unlock()
		}
		deleted := map[int64]bool{}
		// recalls: request id → whether the file was deleted at some
		// moment since the recall was submitted.
		recalls := map[int64]*bool{}
		userEnds := map[int64]scheduler.Request{}
		pol := scheduler.PolicyBest()
		pol.Shares = map[string]float64{"repack": 1, "users": 3}
		ctx := context.Background()
		check := func(when string) {
			for _, id := range ids {
				cs, err := st.cat.Copies(ctx, id)
				if deleted[id] {
					if !errors.Is(err, catalog.ErrNotFound) {
						fail("%s: deleted file %d: copies %+v, %v", when, id, cs, err)
					}
					continue
				}
				if err != nil || len(cs) != 1 || (cs[0].Volume != oldOf[id] && !strings.HasPrefix(cs[0].Volume, "NEW")) {
					fail("%s: file %d: copies %+v, %v; want one, on %s or a NEW volume", when, id, cs, err, oldOf[id])
				}
			}
		}
		st.run(scheduler.Config{Sink: rp.Sink(sink), Source: rp.Source(nil), Policy: pol,
			OnEnd: func(q scheduler.Request) {
				rp.OnEnd(q)
				if !repack.IsRepack(q) {
					mu.Lock()
					userEnds[q.ID] = q
					mu.Unlock()
				}
			}},
			func(ctx context.Context, s *scheduler.Scheduler) {
				if err := rp.Attach(ctx, s); err != nil {
					fail("Attach: %v", err)
					return
				}
				for i, sp := range steps {
					id := ids[sp.Id]
					vol := fmt.Sprintf("OLD%03dL7", sp.Vol)
					switch sp.Op {
					case "start":
						_, err := rp.Start(ctx, vol, "new")
						if err != nil && !errors.Is(err, repack.ErrRunning) {
							fail("step %d Start(%s): %v", i, vol, err)
						}
					case "cancel":
						if err := rp.Cancel(ctx, vol); err != nil && !errors.Is(err, repack.ErrNoJob) {
							fail("step %d Cancel(%s): %v", i, vol, err)
						}
					case "delete":
						if deleted[id] {
							continue
						}
						if err := st.cat.Delete(ctx, id, "model"); err != nil {
							fail("step %d Delete(%d): %v", i, id, err)
						}
						deleted[id] = true
						for _, d := range recalls {
							*d = true
						}
					case "undelete":
						if !deleted[id] {
							continue
						}
						if _, err := st.cat.Undelete(ctx, id); err != nil {
							fail("step %d Undelete(%d): %v", i, id, err)
						}
						deleted[id] = false
					case "recall":
						if deleted[id] {
							continue
						}
						got, err := s.Submit(ctx, scheduler.Request{Kind: scheduler.Recall, FileID: id, Activity: "users"})
						if err != nil {
							fail("step %d recall %d: %v", i, id, err)
							continue
						}
						recalls[got[0].ID] = new(bool)
					case "wait":
						st.vc.SleepContext(ctx, time.Duration(sp.Sec)*time.Second)
					case "reconcile":
						if err := rp.Reconcile(ctx); err != nil {
							fail("step %d Reconcile: %v", i, err)
						}
					}
					check(fmt.Sprintf("after step %d (%+v)", i, sp))
				}
				// Drain: reconcile (undeleted files of finished repacks),
				// let everything end.
				if err := rp.Reconcile(ctx); err != nil {
					fail("Reconcile: %v", err)
				}
				for range 500 {
					jobs, err := rp.Jobs(ctx)
					if err != nil {
						fail("Jobs: %v", err)
						return
					}
					mu.Lock()
					ended := len(userEnds)
					mu.Unlock()
					if ended == len(recalls) && !slices.ContainsFunc(jobs, func(j repack.Status) bool { return j.State == repack.Running }) {
						break
					}
					st.vc.SleepContext(ctx, time.Minute)
				}
				check("at the end")
				jobs, _ := rp.Jobs(ctx)
				for _, j := range jobs {
					switch {
					case j.State == repack.Running:
						fail("repack of %s still running: %+v", j.Volume, j)
					case j.State == repack.Done && j.FilesLeft != 0:
						fail("repack of %s done with %d files left", j.Volume, j.FilesLeft)
					}
				}
			})
		for rid, deletedSince := range recalls {
			q, ok := userEnds[rid]
			switch {
			case !ok:
				fail("recall %d never ended", rid)
			case q.State == scheduler.Done:
				f := st.files[q.FileID]
				got, _, _ := sink.Data(f.Path)
				want := make([]byte, f.Size)
				f.Data().ReadAt(want, 0)
				if !bytes.Equal(got, want) {
					fail("recall of %s done with %d bytes, want %d identical", f.Path, len(got), len(want))
				}
			case !*deletedSince:
				fail("recall of file %d: %v (%s), and it was not deleted", q.FileID, q.State, q.Reason)
			}
		}
		rep, err := st.cat.Check(ctx)
		if err != nil || len(rep.OrphanCopies)+len(rep.FilelessCopies)+len(rep.Underreplicated) != 0 {
			fail("Check = %+v, %v", rep, err)
		}
		if len(errs) > 0 {
			rt.Fatalf("%d problems:\n%s", len(errs), strings.Join(errs, "\n"))
		}
	})
}
