package scheduler_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tapekit/tapekit/scheduler"
)

// An operator puts a drive down: the other drive does all the work. With
// both down, Run does not give up; the requests wait, and run as soon as
// one drive is put back up.
func TestOperatorDrivesDownAndUp(t *testing.T) {
	r := newRig(t, 2, 2, 3, 1<<20, 0)
	sink := scheduler.NewMemorySink(0, &scheduler.MemorySinkOptions{Clock: r.vc, Keep: true})
	var mu sync.Mutex
	used := map[string]int{} // drive → batches while the phase runs
	phase := 0
	ended, _ := r.run(scheduler.Config{Sink: sink, Policy: scheduler.PolicyBest(),
		Events: &scheduler.Events{Batch: func(b scheduler.BatchInfo) {
			mu.Lock()
			defer mu.Unlock()
			if phase == 1 && b.Drive != "drive1" || phase == 2 {
				t.Errorf("phase %d: %s got a batch", phase, b.Drive)
			}
			used[b.Drive]++
		}}},
		len(r.files), func(ctx context.Context, s *scheduler.Scheduler) {
			if err := s.SetDriveDown("nope", ""); !errors.Is(err, scheduler.ErrNotFound) {
				t.Errorf("SetDriveDown(nope) = %v, want ErrNotFound", err)
			}
			mu.Lock()
			phase = 1
			mu.Unlock()
			if err := s.SetDriveDown("drive0", "cleaning the heads"); err != nil {
				t.Fatal(err)
			}
			if ds := s.Drives(); ds[0].Up || ds[0].DownReason != "cleaning the heads" || !ds[1].Up {
				t.Errorf("Drives after SetDriveDown(drive0) = %+v", ds)
			}
			half := int64(len(r.files) / 2)
			submit := func(from, to int64) []scheduler.Request {
				var reqs []scheduler.Request
				for id := from; id <= to; id++ {
					reqs = append(reqs, scheduler.Request{Kind: scheduler.Recall, FileID: id})
				}
				got, err := s.Submit(ctx, reqs...)
				if err != nil {
					t.Fatal(err)
				}
				return got
			}
			first := submit(1, half)
			for _, q := range first {
				for {
					g, err := s.Get(ctx, q.ID)
					if err != nil {
						t.Fatal(err)
					}
					if g.State.Ended() {
						break
					}
					r.vc.Sleep(time.Second)
				}
			}
			// Both down: nothing runs, and Run waits rather than ending.
			mu.Lock()
			phase = 2
			mu.Unlock()
			if err := s.SetDriveDown("drive1", ""); err != nil {
				t.Fatal(err)
			}
			second := submit(half+1, int64(len(r.files)))
			r.vc.Sleep(30 * time.Minute)
			for _, q := range second {
				if g, _ := s.Get(ctx, q.ID); g.State != scheduler.Queued {
					t.Errorf("request %d with every drive down: %v, want queued", q.ID, g.State)
				}
			}
			if ds := s.Drives(); ds[1].Up || ds[1].DownReason != "put down by an operator" || ds[1].Mounted != "" || ds[1].Working {
				t.Errorf("Drives with both down = %+v, want drive1 down with the default reason, its tape unloaded", ds)
			}
			mu.Lock()
			phase = 3
			mu.Unlock()
			if err := s.SetDriveUp("drive0"); err != nil {
				t.Fatal(err)
			}
			if err := s.SetDriveUp("drive0"); err != nil {
				t.Errorf("SetDriveUp of a drive that is up = %v", err)
			}
		})
	for id, q := range ended {
		if q.State != scheduler.Done {
			t.Errorf("request %d: %v %s", id, q.State, q.Reason)
		}
	}
	if len(ended) != len(r.files) || used["drive0"] == 0 || used["drive1"] == 0 {
		t.Errorf("%d of %d ended; batches by drive %v, want both drives used in their phases", len(ended), len(r.files), used)
	}
}
