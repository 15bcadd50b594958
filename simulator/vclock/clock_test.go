package vclock_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tapekit/tapekit/simulator/vclock"
)

var start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// run starts one participant per body from a joined main participant and
// waits for them all.
func run(c *vclock.Clock, bodies map[string]func(ctx context.Context)) {
	ctx, leave := c.Join(context.Background(), "main")
	names := make([]string, 0, len(bodies))
	for n := range bodies {
		names = append(names, n)
	}
	// Map order is random: start them in name order, so runs compare.
	sortStrings(names)
	for _, n := range names {
		c.Go(ctx, n, bodies[n])
	}
	leave()
	c.Wait()
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// Four participants that each sleep an hour in one-minute steps finish an
// hour after they start, not four.
func TestConcurrentSleepsOverlap(t *testing.T) {
	c := vclock.New(start, nil)
	var mu sync.Mutex
	done := map[string]time.Duration{}
	bodies := map[string]func(context.Context){}
	for i := range 4 {
		name := fmt.Sprintf("drive %d", i)
		bodies[name] = func(ctx context.Context) {
			for range 60 {
				if err := c.SleepContext(ctx, time.Minute); err != nil {
					t.Error(err)
					return
				}
			}
			mu.Lock()
			done[name] = c.Since(start)
			mu.Unlock()
		}
	}
	run(c, bodies)
	want := map[string]time.Duration{"drive 0": time.Hour, "drive 1": time.Hour, "drive 2": time.Hour, "drive 3": time.Hour}
	if d := cmp.Diff(want, done); d != "" {
		t.Fatalf("finish times (-want +got):\n%s", d)
	}
	if got := c.Since(start); got != time.Hour {
		t.Fatalf("clock at %v after the run, want 1h", got)
	}
}

// Eight participants asking at once for a resource of one unit, each
// holding it 12 s, get it in the order they asked, 12 s apart.
func TestResourceFIFO(t *testing.T) {
	c := vclock.New(start, nil)
	robot := vclock.NewResource(c, "robot", 1)
	var mu sync.Mutex
	var got []string
	bodies := map[string]func(context.Context){}
	for i := range 8 {
		name := fmt.Sprintf("m%d", i)
		bodies[name] = func(ctx context.Context) {
			if err := robot.Acquire(ctx); err != nil {
				t.Error(err)
				return
			}
			c.SleepContext(ctx, 12*time.Second)
			robot.Release(ctx)
			mu.Lock()
			got = append(got, fmt.Sprintf("%s %v", name, c.Since(start)))
			mu.Unlock()
		}
	}
	run(c, bodies)
	var want []string
	for i := range 8 {
		want = append(want, fmt.Sprintf("m%d %v", i, time.Duration(i+1)*12*time.Second))
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("completions (-want +got):\n%s", d)
	}
}

// TestDeterministic runs a workload of participants with sleeps of equal
// and different lengths, a shared resource of two units, After channels,
// and participants started by participants, twice, and compares the logs
// event for event.
func TestDeterministic(t *testing.T) {
	once := func() []string {
		c := vclock.New(start, nil)
		res := vclock.NewResource(c, "pair", 2)
		var log []string // appended by the running participant only
		rec := func(ctx context.Context, what string) {
			name, _ := vclock.Participant(ctx)
			log = append(log, fmt.Sprintf("%v %s %s", c.Since(start), name, what))
		}
		bodies := map[string]func(context.Context){}
		for i := range 6 {
			bodies[fmt.Sprintf("w%d", i)] = func(ctx context.Context) {
				rng := rand.New(rand.NewPCG(uint64(i), 1))
				for j := range 20 {
					if err := res.Acquire(ctx); err != nil {
						t.Error(err)
						return
					}
					rec(ctx, "got")
					c.SleepContext(ctx, time.Duration(rng.IntN(3))*time.Second)
					res.Release(ctx)
					rec(ctx, "released")
					if j%7 == 3 {
						c.Go(ctx, fmt.Sprintf("w%d child %d", i, j), func(ctx context.Context) {
							c.SleepContext(ctx, time.Second)
							rec(ctx, "child done")
						})
					}
					c.SleepContext(ctx, time.Duration(rng.IntN(2))*time.Second)
				}
			}
		}
		run(c, bodies)
		return log
	}
	a, b := once(), once()
	if len(a) < 200 {
		t.Fatalf("only %d events", len(a))
	}
	if d := cmp.Diff(a, b); d != "" {
		t.Fatalf("two runs differ (-first +second):\n%s", d)
	}
}

// A cycle of resources is reported at once as a deadlock naming who waits
// for what, and every wait fails with it.
func TestDeadlockReported(t *testing.T) {
	reports := make(chan *vclock.DeadlockError, 1)
	c := vclock.New(start, &vclock.Options{OnDeadlock: func(e *vclock.DeadlockError) { reports <- e }})
	a, b := vclock.NewResource(c, "robot", 1), vclock.NewResource(c, "drive 0", 1)
	errs := make(chan error, 2)
	grab := func(first, second *vclock.Resource) func(context.Context) {
		return func(ctx context.Context) {
			first.Acquire(ctx)
			c.SleepContext(ctx, time.Second)
			errs <- second.Acquire(ctx)
		}
	}
	run(c, map[string]func(context.Context){"mover": grab(a, b), "loader": grab(b, a)})
	for range 2 {
		if err := <-errs; !errors.Is(err, vclock.ErrDeadlock) {
			t.Fatalf("acquire in a cycle: %v, want ErrDeadlock", err)
		}
	}
	e := <-reports
	msg := e.Error()
	for _, want := range []string{`"loader" waits for robot (held by "mover")`, `"mover" waits for drive 0 (held by "loader")`, "deadlock at 2026-01-01T00:00:01Z"} {
		if !strings.Contains(msg, want) {
			t.Errorf("report lacks %q:\n%s", want, msg)
		}
	}
}

// A participant blocked on a channel while another sleeps holds virtual
// time still: the clock reports a stall naming it, instead of hanging.
func TestStallReported(t *testing.T) {
	reports := make(chan *vclock.DeadlockError, 1)
	c := vclock.New(start, &vclock.Options{StallTimeout: 20 * time.Millisecond, OnDeadlock: func(e *vclock.DeadlockError) { reports <- e }})
	never := make(chan struct{})
	go func() {
		e := <-reports
		if e.Stalled != "blocked" || !strings.Contains(e.Error(), `"sleeper" sleeps until 2026-01-01T00:01:00Z`) {
			t.Errorf("stall report:\n%v", e)
		}
		close(never)
	}()
	run(c, map[string]func(context.Context){
		"sleeper": func(ctx context.Context) { c.SleepContext(ctx, time.Minute) },
		"blocked": func(ctx context.Context) { c.SleepContext(ctx, time.Second); <-never },
	})
	if got := c.Since(start); got != time.Minute {
		t.Fatalf("clock at %v, want 1m once the blocked participant went on", got)
	}
}

func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil || !strings.Contains(fmt.Sprint(r), want) {
			t.Fatalf("panic %v, want one saying %q", r, want)
		}
	}()
	f()
}

// Wrong counts fail loudly: a wait or a start from outside any participant
// while participants exist, and a participant's context used by another
// goroutine.
func TestMisusePanics(t *testing.T) {
	c := vclock.New(start, nil)
	ctx, leave := c.Join(context.Background(), "main")
	mustPanic(t, "names no participant", func() { c.SleepContext(context.Background(), time.Second) })
	mustPanic(t, "from outside any participant", func() { c.Go(context.Background(), "x", func(context.Context) {}) })
	mustPanic(t, "Join", func() { c.Join(context.Background(), "y") })
	stolen := make(chan any, 1)
	c.Go(ctx, "thief", func(context.Context) {
		defer func() { stolen <- recover() }()
		c.SleepContext(ctx, time.Second) // main's context, while main runs
	})
	c.SleepContext(ctx, time.Second) // let the thief run
	if r := <-stolen; !strings.Contains(fmt.Sprint(r), `participant "main", which is not the one running`) {
		t.Fatalf("sleep with another participant's context: %v", r)
	}
	_ = leave
}

// Without participants, the clock behaves as a clock.Mock: each sleep
// moves time on at once, firing the timers and deadlines it passes.
func TestWithoutParticipants(t *testing.T) {
	c := vclock.New(start, nil)
	after := c.After(90 * time.Second)
	ctx, cancel := c.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	child, cancelChild := context.WithCancel(ctx)
	defer cancelChild()
	c.Sleep(time.Minute)
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) || !errors.Is(child.Err(), context.DeadlineExceeded) {
		t.Fatalf("after the deadline: ctx %v, child %v", ctx.Err(), child.Err())
	}
	select {
	case <-after:
		t.Fatal("After(90s) fired at 60s")
	default:
	}
	if err := c.SleepContext(context.Background(), time.Minute); err != nil {
		t.Fatal(err)
	}
	if got := (<-after).Sub(start); got != 90*time.Second {
		t.Fatalf("After(90s) fired at %v", got)
	}
	tm := c.Timer(time.Second)
	c.Sleep(time.Second)
	if got := (<-tm.C).Sub(start); got != 121*time.Second {
		t.Fatalf("Timer(1s) fired at %v", got)
	}
	if c.Since(start) != 2*time.Minute+time.Second {
		t.Fatalf("clock at %v", c.Since(start))
	}
}

// A participant sleeping with a context whose virtual deadline comes
// first wakes at the deadline, with DeadlineExceeded.
func TestDeadlineWakesParticipant(t *testing.T) {
	c := vclock.New(start, nil)
	var err error
	var at time.Duration
	run(c, map[string]func(context.Context){
		"p": func(ctx context.Context) {
			ctx, cancel := c.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			err = c.SleepContext(ctx, time.Hour)
			at = c.Since(start)
		},
		"q": func(ctx context.Context) { c.SleepContext(ctx, 30*time.Second) },
	})
	if !errors.Is(err, context.DeadlineExceeded) || at != 10*time.Second {
		t.Fatalf("sleep of 1h with a 10s deadline: %v at %v", err, at)
	}
}
