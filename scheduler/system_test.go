package scheduler_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/tapekit/tapekit/scheduler"
	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/simulator/vclock"
)

// TestSystemStateMachine runs the whole scheduler — planner, mover, the
// simulator's drives and robot, the catalog — under random request
// streams, cancellations, drive, robot and media faults and restarts, in
// virtual time, against a simple model: the set of requests submitted and
// how each ended. After every step: no request ended twice, every
// cartridge is in exactly one place, and nothing queued waits past the
// policy's maximum age while a drive idles (checked by the planner's own
// test; here by the end state). At the end, faults are repaired and every
// request must end within a day of library time; every Done recall holds
// exactly the file's bytes.
func TestSystemStateMachine(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		r := newRig(t, 2, 4, 3, 300<<10, 0)
		q := scheduler.NewMemoryQueue()
		sink := scheduler.NewMemorySink(0, &scheduler.MemorySinkOptions{Clock: r.vc, Keep: true})
		pol := scheduler.PolicyBest()
		pol.MaxAttempts = 3
		pol.RetryDelay = 30 * time.Second

		var mu sync.Mutex
		ended := map[int64]scheduler.Request{}
		twice := ""
		submitted := map[int64]int64{} // request → file
		onEnd := func(x scheduler.Request) {
			mu.Lock()
			defer mu.Unlock()
			if _, dup := ended[x.ID]; dup && twice == "" {
				twice = fmt.Sprintf("request %d ended twice", x.ID)
			}
			ended[x.ID] = x
		}
		newSched := func() *scheduler.Scheduler {
			s, err := scheduler.New(scheduler.Config{Catalog: r.cat, Changer: r.lib.Changer(), Drives: r.drives(),
				Sink: sink, Queue: q, Clock: r.vc, Host: "h", Policy: pol, OnEnd: onEnd})
			if err != nil {
				rt.Fatal(err)
			}
			return s
		}
		files := int64(len(r.files))
		stopped := vclock.NewCond(r.vc)

		ctx, leave := r.vc.Join(context.Background(), "main")
		defer leave()
		var s *scheduler.Scheduler
		var stop context.CancelFunc
		running := false
		start := func() {
			s = newSched()
			var rctx context.Context
			rctx, stop = context.WithCancel(ctx)
			running = true
			r.vc.Go(rctx, "run", func(ctx context.Context) {
				if err := s.Run(ctx); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, scheduler.ErrNoDrive) {
					t.Errorf("Run = %v", err)
				}
				running = false
				stopped.Broadcast()
			})
		}
		halt := func() {
			stop()
			for running {
				if err := stopped.Wait(ctx, time.Minute); err != nil {
					rt.Fatal(err)
				}
			}
		}
		start()
		// outside runs a fault injection: the simulator stops the whole
		// library for it, taking every drive's and robot's lock outside
		// virtual time, so main waits on the clock meanwhile.
		injected := vclock.NewCond(r.vc)
		outside := func(f func()) {
			var done sync.WaitGroup
			done.Add(1)
			var over bool
			var omu sync.Mutex
			go func() {
				f()
				omu.Lock()
				over = true
				omu.Unlock()
				injected.Broadcast()
				done.Done()
			}()
			for {
				omu.Lock()
				o := over
				omu.Unlock()
				if o {
					break
				}
				injected.Wait(ctx, time.Second)
			}
			done.Wait()
		}
		checkPlaces := func() {
			seen := map[string]bool{}
			inv, err := r.lib.Changer().Inventory(ctx)
			if err != nil {
				rt.Fatal(err)
			}
			for _, e := range inv {
				if e.Full && e.Barcode != "" {
					if seen[e.Barcode] {
						rt.Fatalf("cartridge %s in two places", e.Barcode)
					}
					seen[e.Barcode] = true
				}
			}
			if len(seen) != len(r.lib.Cartridges()) {
				rt.Fatalf("inventory shows %d cartridges, the library has %d", len(seen), len(r.lib.Cartridges()))
			}
		}
		steps := rapid.IntRange(5, 25).Draw(rt, "steps")
		for range steps {
			switch rapid.IntRange(0, 10).Draw(rt, "action") {
			case 0, 1, 2:
				n := rapid.IntRange(1, 4).Draw(rt, "n")
				var reqs []scheduler.Request
				for range n {
					reqs = append(reqs, scheduler.Request{Kind: scheduler.Recall, FileID: rapid.Int64Range(1, files).Draw(rt, "file")})
				}
				got, err := s.Submit(ctx, reqs...)
				if err != nil {
					rt.Fatal(err)
				}
				for _, g := range got {
					submitted[g.ID] = g.FileID
				}
			case 3:
				if len(submitted) > 0 {
					id := rapid.Int64Range(1, int64(len(submitted))).Draw(rt, "cancel")
					if err := s.Cancel(ctx, id); err != nil && !errors.Is(err, scheduler.ErrNotFound) {
						rt.Fatal(err)
					}
				}
			case 4:
				f := rapid.Int64Range(1, files).Draw(rt, "bad file")
				rec := r.recs[f]
				outside(func() { r.lib.InjectMediaError(rec.Volume, rec.Block+1, rec.Block+1, simulator.FaultRead) })
			case 5:
				failed := rapid.Bool().Draw(rt, "robot failed")
				outside(func() { r.lib.FailRobot(failed) })
			case 6:
				i, failed := rapid.IntRange(0, 1).Draw(rt, "drive"), rapid.Bool().Draw(rt, "drive failed")
				outside(func() { r.lib.FailDrive(i, failed) })
			case 7:
				halt()
				start()
			case 8:
				// An operator puts a drive down or back up.
				name := fmt.Sprintf("drive%d", rapid.IntRange(0, 1).Draw(rt, "operator drive"))
				if rapid.Bool().Draw(rt, "operator down") {
					if err := s.SetDriveDown(name, "operator"); err != nil {
						rt.Fatal(err)
					}
				} else if err := s.SetDriveUp(name); err != nil {
					rt.Fatal(err)
				}
			default:
				r.vc.SleepContext(ctx, time.Duration(rapid.IntRange(1, 600).Draw(rt, "sleep"))*time.Second)
			}
			checkPlaces()
			mu.Lock()
			if twice != "" {
				mu.Unlock()
				rt.Fatal(twice)
			}
			mu.Unlock()
		}
		// Repair everything; a drive that went down comes back with a
		// restart (down drives live in memory).
		outside(func() {
			r.lib.FailRobot(false)
			r.lib.FailDrive(0, false)
			r.lib.FailDrive(1, false)
			for _, v := range r.vols {
				r.lib.ClearMediaErrors(v)
			}
		})
		halt()
		start()
		deadline := r.vc.Now().Add(24 * time.Hour)
		for r.vc.Now().Before(deadline) {
			mu.Lock()
			n := len(ended)
			mu.Unlock()
			if n >= len(submitted) {
				break
			}
			r.vc.SleepContext(ctx, time.Minute)
		}
		halt()
		checkPlaces()
		mu.Lock()
		defer mu.Unlock()
		if twice != "" {
			rt.Fatal(twice)
		}
		for id, f := range submitted {
			x, ok := ended[id]
			if !ok {
				st, _ := s.Get(context.Background(), id)
				rt.Fatalf("request %d (file %d) never ended: %v %s", id, f, st.State, st.Reason)
			}
			if x.State == scheduler.Failed && x.Reason == "" {
				rt.Fatalf("request %d failed without a reason", id)
			}
			if x.State == scheduler.Done {
				file := r.files[f]
				got, _, _ := sink.Data(file.Path)
				want := make([]byte, file.Size)
				file.Data().ReadAt(want, 0)
				if !bytes.Equal(got, want) {
					rt.Fatalf("request %d: %s differs in the sink", id, file.Path)
				}
			}
		}
		states := map[scheduler.State]int{}
		for _, x := range ended {
			states[x.State]++
		}
		rt.Logf("%d requests: %v", len(submitted), states)
		if len(ended) != len(submitted) {
			rt.Fatalf("%d ends for %d requests", len(ended), len(submitted))
		}
	})
}
