package vclock_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tapekit/tapekit/simulator/vclock"
)

// A worker waiting on a Cond with no deadline resumes at the instant a
// producer broadcasts; one waiting with a deadline resumes at its deadline
// when nobody broadcasts before it. Time moves on while both wait.
func TestCondBroadcastAndDeadline(t *testing.T) {
	c := vclock.New(start, nil)
	q := vclock.NewCond(c)
	var mu sync.Mutex
	woke := map[string]time.Duration{}
	note := func(name string) {
		mu.Lock()
		woke[name] = c.Since(start)
		mu.Unlock()
	}
	queued := 0
	run(c, map[string]func(context.Context){
		"a consumer": func(ctx context.Context) {
			for queued == 0 {
				if err := q.Wait(ctx, -1); err != nil {
					t.Error(err)
					return
				}
			}
			note("consumer")
		},
		"b timed": func(ctx context.Context) {
			if err := q.Wait(ctx, 3*time.Second); err != nil {
				t.Error(err)
			}
			note("timed")
		},
		"c producer": func(ctx context.Context) {
			// A broadcast with nothing queued: the consumer rechecks and
			// waits again.
			if err := c.SleepContext(ctx, time.Second); err != nil {
				t.Error(err)
			}
			q.Broadcast()
			if err := c.SleepContext(ctx, 4*time.Second); err != nil {
				t.Error(err)
			}
			queued++
			q.Broadcast()
		},
	})
	want := map[string]time.Duration{"consumer": 5 * time.Second, "timed": time.Second}
	if diff := cmp.Diff(want, woke); diff != "" {
		t.Errorf("wake-up times (-want +got):\n%s", diff)
	}
}

// A waiter whose deadline passes before any broadcast resumes exactly at
// its deadline.
func TestCondTimeout(t *testing.T) {
	c := vclock.New(start, nil)
	q := vclock.NewCond(c)
	var at time.Duration
	run(c, map[string]func(context.Context){
		"w": func(ctx context.Context) {
			if err := q.Wait(ctx, 7*time.Second); err != nil {
				t.Error(err)
			}
			at = c.Since(start)
		},
	})
	if at != 7*time.Second {
		t.Errorf("woke after %v, want 7s", at)
	}
}

// A virtual context deadline and a cancellation by another participant both
// end a wait with no deadline, with the context's error.
func TestCondContextEnds(t *testing.T) {
	c := vclock.New(start, nil)
	q := vclock.NewCond(c)
	var errDeadline, errCancel error
	var atDeadline time.Duration
	run(c, map[string]func(context.Context){
		"a deadline": func(ctx context.Context) {
			ctx, cancel := c.WithTimeout(ctx, 9*time.Second)
			defer cancel()
			errDeadline = q.Wait(ctx, -1)
			atDeadline = c.Since(start)
		},
		"b cancelled": func(ctx context.Context) {
			ctx, cancel := context.WithCancel(ctx)
			c.Go(ctx, "canceller", func(ctx context.Context) {
				if err := c.SleepContext(context.WithoutCancel(ctx), 2*time.Second); err != nil {
					t.Error(err)
				}
				cancel()
			})
			errCancel = q.Wait(ctx, -1)
		},
	})
	if !errors.Is(errDeadline, context.DeadlineExceeded) || atDeadline != 9*time.Second {
		t.Errorf("deadline: Wait = %v at %v; want DeadlineExceeded at 9s", errDeadline, atDeadline)
	}
	if !errors.Is(errCancel, context.Canceled) {
		t.Errorf("cancel: Wait = %v; want Canceled", errCancel)
	}
}

// Participants waiting on a Cond are not a deadlock: a goroutine outside
// virtual time may still broadcast, and does here.
func TestCondBroadcastFromOutside(t *testing.T) {
	var reports []error
	c := vclock.New(start, &vclock.Options{OnDeadlock: func(e *vclock.DeadlockError) { reports = append(reports, e) }})
	q := vclock.NewCond(c)
	var flag sync.Mutex
	ready := false
	started := make(chan struct{})
	done := make(chan struct{})
	go func() {
		run(c, map[string]func(context.Context){
			"w": func(ctx context.Context) {
				close(started)
				for {
					flag.Lock()
					r := ready
					flag.Unlock()
					if r {
						break
					}
					if err := q.Wait(ctx, -1); err != nil {
						t.Error(err)
						return
					}
				}
			},
		})
		close(done)
	}()
	<-started
	time.Sleep(10 * time.Millisecond)
	flag.Lock()
	ready = true
	flag.Unlock()
	q.Broadcast()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the waiter never woke")
	}
	if len(reports) > 0 {
		t.Errorf("reports: %v", reports)
	}
}

// Without a clock a Cond works in real time.
func TestCondRealTime(t *testing.T) {
	q := vclock.NewCond(nil)
	t0 := time.Now()
	if err := q.Wait(context.Background(), 20*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if time.Since(t0) < 20*time.Millisecond {
		t.Errorf("timed out early after %v", time.Since(t0))
	}
	go func() {
		time.Sleep(10 * time.Millisecond)
		q.Broadcast()
	}()
	if err := q.Wait(context.Background(), -1); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := q.Wait(ctx, -1); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait with an ended context = %v", err)
	}
}
