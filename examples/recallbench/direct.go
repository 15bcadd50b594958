package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/tape"
)

// The direct executor runs plans on the simulator without the scheduler:
// each drive is a participant of the virtual clock that asks a planner
// for its next mount, moves the cartridge in (dismounting the one it
// holds), locates and reads each file through the fast path. It runs the
// brute-force schedules of the lower-bound test and the reference
// policies "direct-fifo" and "direct-by-volume", which check the
// scheduler's numbers against a few lines of obvious code.

// mount is one mount of a plan: a volume and the requests (indexes into
// setup.reqs) to read from it, in order.
type mount struct {
	volume string
	reqs   []int
}

// planner hands a free drive its next mount. Calls come from one
// participant at a time, under the executor's lock. now is the time
// since the start of the run; mounted the volume in drive d ("" if none).
// held reports whether another drive holds a volume (or is about to).
// With no mount to hand out, it returns how long to wait before asking
// again, or done when the drive may stop.
type planner interface {
	next(d int, now time.Duration, mounted string, held func(vol string) bool) (m mount, wait time.Duration, done bool)
}

// runDirect runs the planner's mounts on every drive of st and measures.
// Archive requests are not served (counted failed).
func runDirect(ctx context.Context, st *setup, p planner) (runStats, error) {
	return measure(st.lib, func() (runStats, error) {
		var (
			mu       sync.Mutex
			firstErr error
			ttfb     []time.Duration
			end      time.Duration
			served   int
			// busy intervals of each tenant's mounts, for shares
			spans []span
			// holder is the drive each volume is in or headed for.
			holder = map[string]int{}
		)
		vc := st.vc
		pctx, leave := vc.Join(ctx, "main")
		t0 := vc.Now()
		since := func() time.Duration { return vc.Now().Sub(t0) }
		for d := range st.spec.drives {
			vc.Go(pctx, fmt.Sprintf("drive %d", d), func(ctx context.Context) {
				drv, err := st.lib.Drive(d)
				if err != nil {
					mu.Lock()
					firstErr = cmp.Or(firstErr, err)
					mu.Unlock()
					return
				}
				defer drv.Close()
				fail := func(err error) {
					mu.Lock()
					firstErr = cmp.Or(firstErr, err)
					mu.Unlock()
				}
				addr := st.lib.DriveAddress(d)
				mounted := ""
				// giveBack dismounts the mounted tape and lets other
				// drives have it.
				giveBack := func() error {
					err := dismount(ctx, st, drv, addr, mounted)
					mu.Lock()
					delete(holder, mounted)
					mu.Unlock()
					return err
				}
				for {
					mu.Lock()
					m, wait, done := p.next(d, since(), mounted, func(vol string) bool {
						h, ok := holder[vol]
						return ok && h != d
					})
					if m.volume != "" {
						holder[m.volume] = d
					}
					stop := firstErr != nil
					mu.Unlock()
					if done || stop {
						// Give the tape back: a fixed plan may want it on
						// another drive.
						if mounted != "" && !stop {
							if err := giveBack(); err != nil {
								fail(err)
							}
						}
						return
					}
					if m.volume == "" {
						// Nothing to do: dismount at once (no dismount
						// delay), then wait.
						if mounted != "" {
							if err := giveBack(); err != nil {
								fail(err)
								return
							}
							mounted = ""
							continue
						}
						if err := vc.SleepContext(ctx, wait); err != nil {
							fail(err)
							return
						}
						continue
					}
					begin := since()
					if m.volume != mounted {
						if mounted != "" {
							if err := giveBack(); err != nil {
								fail(err)
								return
							}
						}
						mounted = ""
						if err := st.lib.Changer().Move(ctx, st.home[m.volume], addr); err != nil {
							fail(err)
							return
						}
						mounted = m.volume
					}
					for _, i := range m.reqs {
						r := &st.reqs[i]
						if err := drv.Locate(ctx, tape.Position{Block: r.block}); err != nil {
							fail(fmt.Errorf("%s block %d: %w", r.volume, r.block, err))
							return
						}
						first := true
						err := readFast(ctx, drv, r.block, r.blocks, func(int64) error {
							if first {
								first = false
								mu.Lock()
								ttfb = append(ttfb, since()-r.at)
								mu.Unlock()
							}
							return nil
						})
						if err != nil {
							fail(fmt.Errorf("%s: %w", r.path, err))
							return
						}
						mu.Lock()
						served++
						end = max(end, since())
						mu.Unlock()
					}
					if len(m.reqs) > 0 {
						mu.Lock()
						spans = append(spans, span{st.reqs[m.reqs[0]].activity, begin, since()})
						mu.Unlock()
					}
				}
			})
		}
		leave()
		vc.Wait()
		if firstErr != nil {
			return runStats{}, firstErr
		}
		rs := runStats{makespan: end, ttfb: ttfb, failed: len(st.reqs) - served}
		if st.spec.shares != nil {
			rs.shares = shares(st, spans)
		}
		return rs, nil
	})
}

// dismount unloads the drive and puts its cartridge back in its slot.
// The unload comes first: a move out of a loaded drive would hold the
// robot through the rewind.
func dismount(ctx context.Context, st *setup, drv tape.Drive, addr changer.Address, vol string) error {
	if err := drv.Unload(ctx); err != nil {
		return err
	}
	return st.lib.Changer().Move(ctx, addr, st.home[vol])
}

// span is a drive's time on one mount, for one tenant.
type span struct {
	activity   string
	begin, end time.Duration
}

// shares returns each tenant's share of the drive time spent on recalls
// while every tenant still had recalls to do: up to the time the first
// tenant's last recall ended.
func shares(st *setup, spans []span) map[string]float64 {
	last := map[string]time.Duration{}
	for _, s := range spans {
		last[s.activity] = max(last[s.activity], s.end)
	}
	window := time.Duration(-1)
	for _, t := range last {
		if window < 0 || t < window {
			window = t
		}
	}
	busy := map[string]time.Duration{}
	var total time.Duration
	for _, s := range spans {
		if d := min(s.end, window) - s.begin; d > 0 {
			busy[s.activity] += d
			total += d
		}
	}
	out := map[string]float64{}
	for a := range st.spec.shares {
		if total > 0 {
			out[a] = float64(busy[a]) / float64(total)
		}
	}
	return out
}

// planFixed is a planner of fixed mounts per drive: the brute-force
// schedules of tests.
type planFixed [][]mount

func (p planFixed) next(d int, _ time.Duration, _ string, held func(string) bool) (mount, time.Duration, bool) {
	if len(p[d]) == 0 {
		return mount{}, 0, true
	}
	m := p[d][0]
	if held(m.volume) {
		return mount{}, 10 * time.Second, false
	}
	p[d] = p[d][1:]
	return m, 0, false
}

// planOnline is the reference policies' planner: fifo takes the oldest
// request that has arrived, one per mount; by-volume takes every request
// that has arrived for the mounted volume, else for the volume with the
// most queued bytes, in block order.
type planOnline struct {
	st       *setup
	byVolume bool
	served   []bool
	left     int
}

// errNoPolicy: the policy is not one the runner knows.
var errNoPolicy = errors.New("recallbench: unknown policy")

func newPlanOnline(st *setup, policy string) (*planOnline, error) {
	p := &planOnline{st: st, served: make([]bool, len(st.reqs))}
	switch policy {
	case "direct-fifo":
	case "direct-by-volume":
		p.byVolume = true
	default:
		return nil, fmt.Errorf("%w %q", errNoPolicy, policy)
	}
	for i, r := range st.reqs {
		if r.archive {
			p.served[i] = true // not served by the direct executor
		} else {
			p.left++
		}
	}
	return p, nil
}

func (p *planOnline) next(d int, now time.Duration, mounted string, busy func(string) bool) (mount, time.Duration, bool) {
	if p.left == 0 {
		return mount{}, 0, true
	}
	wait := time.Duration(-1)
	var pick []int
	bytes := map[string]int64{}
	best := ""
	for i, r := range p.st.reqs {
		if p.served[i] {
			continue
		}
		if r.at > now {
			if wait < 0 || r.at-now < wait {
				wait = r.at - now
			}
			continue
		}
		if busy(r.volume) {
			continue
		}
		if !p.byVolume {
			pick = []int{i}
			break
		}
		bytes[r.volume] += r.size
	}
	if p.byVolume {
		for v, b := range bytes {
			if v == mounted {
				best = v
				break
			}
			if best == "" || b > bytes[best] || (b == bytes[best] && v < best) {
				best = v
			}
		}
		for i, r := range p.st.reqs {
			if !p.served[i] && r.at <= now && r.volume == best {
				pick = append(pick, i)
			}
		}
		slices.SortFunc(pick, func(a, b int) int { return cmp.Compare(p.st.reqs[a].block, p.st.reqs[b].block) })
	}
	if len(pick) == 0 {
		// Work left only on volumes other drives hold, or not arrived yet.
		if wait < 0 || wait > 30*time.Second {
			wait = 30 * time.Second
		}
		return mount{}, wait, false
	}
	for _, i := range pick {
		p.served[i] = true
		p.left--
	}
	v := p.st.reqs[pick[0]].volume
	return mount{volume: v, reqs: pick}, 0, false
}
