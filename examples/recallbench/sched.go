package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/tapekit/tapekit/scheduler"
	"github.com/tapekit/tapekit/simulator/vclock"
)

// shareSample is how often the share of the drives each tenant holds is
// sampled (W6), in library time.
const shareSample = 10 * time.Second

// runScheduler runs a workload through the real scheduler in virtual
// time: the scheduler's Run and a client that submits each request at its
// arrival time are participants of the library's clock; the run ends
// when every request has ended.
func runScheduler(ctx context.Context, st *setup, p policyDef) (runStats, error) {
	return measure(st.lib, func() (runStats, error) {
		vc := st.vc
		pol := p.preset()
		pol.Shares = st.spec.shares
		var drives []scheduler.Drive
		for i := range st.spec.drives {
			d, err := st.lib.Drive(i)
			if err != nil {
				return runStats{}, err
			}
			defer d.Close()
			drives = append(drives, scheduler.Drive{Name: fmt.Sprintf("drive%d", i), Drive: d, Element: st.lib.DriveAddress(i)})
		}
		blocks := map[volBlock]int64{}
		for _, r := range st.reqs {
			if !r.archive {
				blocks[volBlock{r.volume, r.block}] = r.blocks
			}
		}
		sink := newTTFBSink(scheduler.NewMemorySink(0, &scheduler.MemorySinkOptions{Clock: vc}), vc.Now)

		var (
			mu      sync.Mutex
			ended   int
			failed  int
			reason  string
			last    time.Time
			ttfb    []time.Duration
			pending = map[string]int{} // per tenant: recalls submitted, not yet handed to a drive
			tenant  = map[int64]string{}
		)
		done := vclock.NewCond(vc)
		t0 := vc.Now()
		s, err := scheduler.New(scheduler.Config{
			Catalog: st.cat, Changer: st.lib.Changer(), Drives: drives,
			Sink: sink, Source: zeroSource{},
			Clock: vc, Host: "recallbench", Policy: pol,
			TapeIO:    fastIO{blocks: blocks},
			Orderer:   p.order(st.cost),
			CostModel: st.cost,
			Events: &scheduler.Events{Batch: func(b scheduler.BatchInfo) {
				mu.Lock()
				defer mu.Unlock()
				if os.Getenv("RB_TRACE") != "" {
					fmt.Fprintf(os.Stderr, "%8.0f %s %s %-8s %s n=%d more=%v pend=%v\n", b.Time.Sub(t0).Seconds(), b.Drive, b.Kind, b.Activity, b.Volume, len(b.Requests), b.More, pending)
				}
				for _, id := range b.Requests {
					if t, ok := tenant[id]; ok {
						pending[t]--
						delete(tenant, id)
					}
				}
			}},
			OnEnd: func(r scheduler.Request) {
				mu.Lock()
				defer mu.Unlock()
				ended++
				last = vc.Now()
				if r.State != scheduler.Done {
					failed++
					if reason == "" {
						reason = fmt.Sprintf("%s %s: %s", r.Path, r.State, r.Reason)
					}
				} else if r.Kind == scheduler.Recall {
					if t, ok := sink.firstByte(r.ID); ok {
						ttfb = append(ttfb, t.Sub(r.Created))
					}
				}
				if ended == len(st.reqs) {
					done.Broadcast()
				}
			},
		})
		if err != nil {
			return runStats{}, err
		}
		runCtx, stop := context.WithCancel(ctx)
		defer stop()
		pctx, leave := vc.Join(runCtx, "main")
		var runErr, subErr error
		busy := map[string]float64{} // drive-samples per tenant while both wait
		vc.Go(pctx, "scheduler", func(ctx context.Context) {
			runErr = s.Run(ctx)
			stop()
		})
		vc.Go(pctx, "client", func(ctx context.Context) {
			defer stop()
			for i := 0; i < len(st.reqs); {
				at := st.reqs[i].at
				if err := vc.SleepContext(ctx, t0.Add(at).Sub(vc.Now())); err != nil {
					return
				}
				var batch []scheduler.Request
				for ; i < len(st.reqs) && st.reqs[i].at == at; i++ {
					r := st.reqs[i]
					q := scheduler.Request{Kind: scheduler.Recall, FileID: r.fileID, Path: r.path, Size: r.size, Activity: r.activity, Requester: "recallbench"}
					if r.archive {
						q.Kind, q.StorageClass = scheduler.Archive, classNew
					}
					batch = append(batch, q)
				}
				got, err := s.Submit(ctx, batch...)
				if err != nil {
					subErr = err
					return
				}
				mu.Lock()
				for _, q := range got {
					// Recalls only: archives wait for their batch by
					// design, so queued archives are not a claim on a
					// drive now.
					if q.Activity != "" && q.Kind == scheduler.Recall && !q.State.Ended() {
						tenant[q.ID] = q.Activity
						pending[q.Activity]++
					}
				}
				mu.Unlock()
			}
			for {
				mu.Lock()
				n := ended
				mu.Unlock()
				if n >= len(st.reqs) {
					return
				}
				if err := done.Wait(ctx, -1); err != nil {
					return
				}
			}
		})
		if st.spec.shares != nil {
			vc.Go(pctx, "shares", func(ctx context.Context) {
				for vc.SleepContext(ctx, shareSample) == nil {
					mu.Lock()
					both := len(pending) > 1
					for _, n := range pending {
						both = both && n > 0
					}
					mu.Unlock()
					if !both {
						continue
					}
					for a, n := range s.DriveShares() {
						busy[a] += float64(n)
					}
					if os.Getenv("RB_TRACE") != "" && int(vc.Now().Sub(t0).Seconds())%500 < 10 {
						fmt.Fprintf(os.Stderr, "%8.0f shares now %v cumulative %v\n", vc.Now().Sub(t0).Seconds(), s.DriveShares(), busy)
					}
				}
			})
		}
		leave()
		vc.Wait()
		switch {
		case subErr != nil:
			return runStats{}, subErr
		case runErr != nil && !errors.Is(runErr, context.Canceled):
			return runStats{}, runErr
		case ended < len(st.reqs):
			return runStats{}, fmt.Errorf("the run stopped with %d of %d requests ended", ended, len(st.reqs))
		}
		rs := runStats{makespan: last.Sub(t0), ttfb: ttfb, failed: failed, reason: reason}
		if st.spec.shares != nil {
			var total float64
			for _, n := range busy {
				total += n
			}
			rs.shares = map[string]float64{}
			for a := range st.spec.shares {
				if total > 0 {
					rs.shares[a] = busy[a] / total
				}
			}
		}
		return rs, nil
	})
}
