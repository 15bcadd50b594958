package vclock

import (
	"container/heap"
	"context"
	"sync"
	"time"

	"github.com/benbjohnson/clock"
)

// After implements clock.Clock: the channel receives the virtual time once
// it reaches now+d.
func (c *Clock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pushLocked(c.now.Add(d), nil, func(now time.Time) { ch <- now })
	return ch
}

// Tick implements clock.Clock: like time.Tick, the ticker cannot be
// stopped, and ticks a slow receiver misses are dropped.
func (c *Clock) Tick(d time.Duration) <-chan time.Time {
	if d <= 0 {
		return nil
	}
	ch := make(chan time.Time, 1)
	c.mu.Lock()
	defer c.mu.Unlock()
	var tick func(time.Time)
	tick = func(now time.Time) {
		select {
		case ch <- now:
		default:
		}
		c.pushLocked(now.Add(d), nil, tick)
	}
	c.pushLocked(c.now.Add(d), nil, tick)
	return ch
}

// WithTimeout implements clock.Clock.
func (c *Clock) WithTimeout(parent context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return c.WithDeadline(parent, c.Now().Add(d))
}

// WithDeadline implements clock.Clock: the context ends with
// context.DeadlineExceeded when virtual time reaches d, and a participant
// waiting with it wakes at that instant.
func (c *Clock) WithDeadline(parent context.Context, d time.Time) (context.Context, context.CancelFunc) {
	if cur, ok := parent.Deadline(); ok && cur.Before(d) {
		return context.WithCancel(parent)
	}
	ctx := &deadlineCtx{Context: parent, deadline: d, done: make(chan struct{})}
	stop := context.AfterFunc(parent, func() { ctx.cancel(parent.Err()) })
	c.mu.Lock()
	if !d.After(c.now) {
		c.mu.Unlock()
		ctx.cancel(context.DeadlineExceeded)
		return ctx, func() { stop() }
	}
	ev := c.pushLocked(d, nil, func(time.Time) { ctx.cancel(context.DeadlineExceeded) })
	ev.cancels = true
	c.mu.Unlock()
	return ctx, func() {
		stop()
		c.mu.Lock()
		if ev.index >= 0 {
			heap.Remove(&c.events, ev.index)
		}
		c.mu.Unlock()
		ctx.cancel(context.Canceled)
	}
}

// deadlineCtx is a context that a virtual deadline ends. It implements
// the AfterFunc method the context package uses to propagate cancellation
// synchronously to contexts derived from it.
type deadlineCtx struct {
	context.Context // the parent, for Value
	deadline        time.Time

	mu    sync.Mutex
	done  chan struct{}
	err   error
	funcs map[*func()]struct{}
}

func (x *deadlineCtx) Deadline() (time.Time, bool) { return x.deadline, true }
func (x *deadlineCtx) Done() <-chan struct{}       { return x.done }
func (x *deadlineCtx) Err() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.err
}

func (x *deadlineCtx) cancel(err error) {
	x.mu.Lock()
	if x.err != nil {
		x.mu.Unlock()
		return
	}
	x.err = err
	close(x.done)
	funcs := x.funcs
	x.funcs = nil
	x.mu.Unlock()
	for f := range funcs {
		(*f)()
	}
}

// AfterFunc arranges for f to run when the context ends, as
// context.AfterFunc does for the context package's own contexts.
func (x *deadlineCtx) AfterFunc(f func()) (stop func() bool) {
	x.mu.Lock()
	if x.err != nil {
		x.mu.Unlock()
		go f()
		return func() bool { return false }
	}
	if x.funcs == nil {
		x.funcs = map[*func()]struct{}{}
	}
	key := &f
	x.funcs[key] = struct{}{}
	x.mu.Unlock()
	return func() bool {
		x.mu.Lock()
		defer x.mu.Unlock()
		_, ok := x.funcs[key]
		delete(x.funcs, key)
		return ok
	}
}

// Timer implements clock.Clock; see "Timers" in the package documentation.
func (c *Clock) Timer(d time.Duration) *clock.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.innerLocked()
	t := m.Timer(d)
	c.syncAtLocked(c.now.Add(d), 0)
	return t
}

// AfterFunc implements clock.Clock; see "Timers" in the package
// documentation.
func (c *Clock) AfterFunc(d time.Duration, f func()) *clock.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.innerLocked()
	t := m.AfterFunc(d, f)
	c.syncAtLocked(c.now.Add(d), 0)
	return t
}

// Ticker implements clock.Clock; see "Timers" in the package
// documentation.
func (c *Clock) Ticker(d time.Duration) *clock.Ticker {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.innerLocked()
	t := m.Ticker(d)
	c.syncAtLocked(c.now.Add(d), d)
	return t
}

// innerLocked returns the inner clock.Mock, set to now.
func (c *Clock) innerLocked() *clock.Mock {
	if c.inner == nil {
		c.inner = clock.NewMock()
	}
	if !c.inner.Now().Equal(c.now) {
		c.inner.Set(c.now)
	}
	return c.inner
}

// syncAtLocked sets the inner mock to at when virtual time gets there, and
// every period after that if period > 0.
func (c *Clock) syncAtLocked(at time.Time, period time.Duration) {
	var fire func(time.Time)
	fire = func(now time.Time) {
		c.inner.Set(now)
		if period > 0 {
			c.pushLocked(now.Add(period), nil, fire)
		}
	}
	c.pushLocked(at, nil, fire).cancels = true
}
