package server_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapekit/tapekit/scheduler"
)

// TestStageConcurrent runs clients that stage, poll, cancel, release and
// delete overlapping sets of files while recalls start and end in any
// order. Then every recall ends, and every request still there must have
// ended with each file in an end state, and the server must wait for no
// recall any more. Run with -race.
func TestStageConcurrent(t *testing.T) {
	e := newEnv(t, func(c *serverConfig) { c.StateDir = t.TempDir() })
	files := map[string][]byte{}
	var paths []string
	for i := range 40 {
		p := fmt.Sprintf("/s/%02d", i)
		files[p] = []byte(p)
		paths = append(paths, p)
	}
	e.onTape(volActive, files)
	ctx := context.Background()

	var mu sync.Mutex
	var ids []string
	var wg sync.WaitGroup
	tokens := []string{ftsTok, otherTok}
	for c := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), 1))
			tok := tokens[c%2]
			var mine []string
			for range 40 {
				switch op := rng.IntN(10); {
				case op < 4 || len(mine) == 0:
					n := 1 + rng.IntN(8)
					ps := make([]string, n)
					for i := range ps {
						ps[i] = paths[rng.IntN(len(paths))]
					}
					id := e.stage(tok, ps...)
					mine = append(mine, id)
					mu.Lock()
					ids = append(ids, id)
					mu.Unlock()
				case op < 6:
					e.status(tok, mine[rng.IntN(len(mine))])
				case op < 7:
					e.do("POST", "/api/v1/stage/"+mine[rng.IntN(len(mine))]+"/cancel", tok,
						map[string]any{"paths": []string{paths[rng.IntN(len(paths))]}}) // 400 when not in the request
				case op < 8:
					e.do("POST", "/api/v1/release/"+mine[rng.IntN(len(mine))], tok,
						map[string]any{"paths": []string{paths[rng.IntN(len(paths))]}}).want(t, http.StatusOK)
				default:
					i := rng.IntN(len(mine))
					e.do("DELETE", "/api/v1/stage/"+mine[i], tok, nil).want(t, http.StatusOK)
					mine = append(mine[:i], mine[i+1:]...)
				}
			}
		}()
	}
	// The tape side: recalls start and end in any order meanwhile.
	stop := make(chan struct{})
	var tape sync.WaitGroup
	tape.Add(1)
	go func() {
		defer tape.Done()
		rng := rand.New(rand.NewPCG(99, 1))
		for {
			select {
			case <-stop:
				return
			default:
			}
			reqs := e.sched.Requests()
			if len(reqs) == 0 {
				continue
			}
			r := reqs[rng.IntN(len(reqs))]
			switch {
			case r.State == scheduler.Queued && rng.IntN(2) == 0:
				e.sched.Start(r.ID)
			case !r.State.Ended():
				st := []scheduler.State{scheduler.Done, scheduler.Done, scheduler.Failed}[rng.IntN(3)]
				e.sched.Finish(ctx, r.ID, st, "test")
			}
		}
	}()
	wg.Wait()
	close(stop)
	tape.Wait()
	must(t, e.sched.FinishAll(ctx))

	for _, id := range ids {
		for _, tok := range tokens {
			r := e.do("GET", "/api/v1/stage/"+id, tok, nil)
			if r.StatusCode == http.StatusNotFound {
				continue // deleted, or the other client's
			}
			var st stageStatus
			r.want(t, http.StatusOK).json(t, &st)
			if st.CompletedAt == 0 {
				t.Errorf("request %s not completed: %+v", id, st)
			}
			for _, f := range st.Files {
				switch f.State {
				case "COMPLETED", "FAILED", "CANCELED":
				default:
					t.Errorf("request %s: %+v", id, f)
				}
				if f.State == "FAILED" && f.Error == "" {
					t.Errorf("request %s: failed without an error: %+v", id, f)
				}
			}
		}
	}
	if byFile, byID := e.srv.InFlight(); byFile != 0 || byID != 0 {
		t.Fatalf("the server still waits for %d/%d recalls", byFile, byID)
	}

	// The journal gives every request back as it was.
	before := map[string]stageStatus{}
	for _, id := range ids {
		for _, tok := range tokens {
			if r := e.do("GET", "/api/v1/stage/"+id, tok, nil); r.StatusCode == http.StatusOK {
				var st stageStatus
				r.json(t, &st)
				before[id] = st
			}
		}
	}
	e.restart()
	for _, id := range ids {
		for _, tok := range tokens {
			if r := e.do("GET", "/api/v1/stage/"+id, tok, nil); r.StatusCode == http.StatusOK {
				var st stageStatus
				r.json(t, &st)
				if diff := cmp.Diff(before[id], st); diff != "" {
					t.Errorf("request %s after a restart:\n%s", id, diff)
				}
				delete(before, id)
			}
		}
	}
	if len(before) != 0 {
		t.Errorf("%d requests lost in the restart", len(before))
	}
}

// TestLargeStageRequest: one request of 10,000 files goes through accept,
// poll, partial cancel, the end of every recall and release, as one
// client's bulk recall does; each step is linear in the files.
func TestLargeStageRequest(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 catalog files")
	}
	e := newEnv(t, nil)
	paths := e.benchFiles(10_000)
	r := e.do("POST", "/api/v1/stage", ftsTok, stageBody(paths)).want(t, http.StatusCreated)
	var created struct{ RequestID string }
	r.json(t, &created)
	id := created.RequestID
	if n := len(e.sched.Requests()); n != len(paths) {
		t.Fatalf("%d recalls for %d files", n, len(paths))
	}
	cancel := make([]string, 0, len(paths)/2)
	for _, p := range paths[:len(paths)/2] {
		cancel = append(cancel, "/files"+p)
	}
	e.do("POST", "/api/v1/stage/"+id+"/cancel", ftsTok, map[string]any{"paths": cancel}).want(t, http.StatusOK)
	must(t, e.sched.FinishAll(context.Background())) // no data: the rest fail
	st := e.status(ftsTok, id)
	counts := map[string]int{}
	for _, f := range st.Files {
		counts[f.State]++
	}
	if counts["CANCELED"] != len(paths)/2 || counts["FAILED"] != len(paths)/2 || st.CompletedAt == 0 {
		t.Fatalf("states %v, completed %d", counts, st.CompletedAt)
	}
	e.do("POST", "/api/v1/release/"+id, ftsTok, map[string]any{"paths": paths}).want(t, http.StatusOK)
	if byFile, byID := e.srv.InFlight(); byFile+byID != 0 {
		t.Fatalf("%d/%d recalls still waited for", byFile, byID)
	}
}
