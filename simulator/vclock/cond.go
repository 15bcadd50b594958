package vclock

import (
	"context"
	"sync"
	"time"
)

// Cond is a condition that participants wait on in virtual time: a drive
// with nothing to do waits until a request arrives or a policy's deadline
// passes. A participant waiting on it is blocked on the clock, so time
// moves on while it waits, and Broadcast wakes it at the current instant.
//
// Unlike a sync.Cond there is no associated lock: a waiter checks its
// condition, then waits; since participants run one at a time and a
// Broadcast from a participant cannot happen between another's check and
// its Wait, no wake-up is lost between participants. A Broadcast from a
// goroutine outside virtual time can come at any moment, so such callers
// should also give Wait a deadline or recheck with one.
//
// A Cond made with a nil Clock works outside virtual time, with real time
// for its deadlines, for programs on a real clock.
type Cond struct {
	c *Clock

	// Used by participants (c != nil), guarded by c.mu.
	waiters []*participant

	// Used outside virtual time: closed and replaced by each Broadcast.
	mu  sync.Mutex
	gen chan struct{}
}

// NewCond returns a condition of the clock c (nil: outside virtual time).
func NewCond(c *Clock) *Cond { return &Cond{c: c} }

// Wait waits until Broadcast is called, d has passed (d < 0: no deadline)
// or ctx ends. It returns ctx.Err() when ctx ended first, a
// *DeadlockError after a deadlock, and nil otherwise: the caller rechecks
// its condition either way.
//
// With a participant's context the participant waits on the clock. With
// any other context it waits outside virtual time: while participants
// exist, for Broadcast or ctx only, with d measured on the clock's events;
// with none, d moves virtual time on at once, as SleepContext does.
func (q *Cond) Wait(ctx context.Context, d time.Duration) error {
	c := q.c
	if c == nil {
		return q.waitOutside(ctx, d)
	}
	c.mu.Lock()
	if c.broken != nil {
		c.mu.Unlock()
		return c.broken
	}
	p := c.participantOf(ctx)
	if p == nil {
		if len(c.parts) == 0 {
			return c.sleepLocked(ctx, nil, d)
		}
		var timeout <-chan time.Time
		if d >= 0 {
			ch := make(chan time.Time, 1)
			c.pushLocked(c.now.Add(d), nil, func(now time.Time) { ch <- now })
			timeout = ch
		}
		gen := q.genOutside()
		c.mu.Unlock()
		return q.waitOn(ctx, gen, timeout)
	}
	c.mustRun(p, "Cond.Wait")
	if err := ctx.Err(); err != nil {
		c.mu.Unlock()
		return err
	}
	if d == 0 {
		c.mu.Unlock()
		return nil
	}
	p.cond = q
	q.waiters = append(q.waiters, p)
	if d > 0 {
		p.ev = c.pushLocked(c.now.Add(d), p, nil)
		p.state = sleeping
		c.sleeping++
	} else {
		p.state = waiting
	}
	p.ctx = ctx
	c.running = nil
	c.dispatchLocked()
	c.mu.Unlock()
	err := p.block(ctx)
	c.mu.Lock()
	q.dropLocked(p)
	p.cond = nil
	c.mu.Unlock()
	return err
}

func (q *Cond) dropLocked(p *participant) {
	for i, w := range q.waiters {
		if w == p {
			q.waiters = append(q.waiters[:i], q.waiters[i+1:]...)
			return
		}
	}
}

// genOutside returns the channel the next Broadcast closes.
func (q *Cond) genOutside() chan struct{} {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.gen == nil {
		q.gen = make(chan struct{})
	}
	return q.gen
}

func (q *Cond) waitOutside(ctx context.Context, d time.Duration) error {
	gen := q.genOutside()
	var timeout <-chan time.Time
	if d >= 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	return q.waitOn(ctx, gen, timeout)
}

func (q *Cond) waitOn(ctx context.Context, gen chan struct{}, timeout <-chan time.Time) error {
	select {
	case <-gen:
		return nil
	case <-timeout:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Broadcast wakes every waiter. It may be called by a participant or by
// any other goroutine.
func (q *Cond) Broadcast() {
	q.mu.Lock()
	if q.gen != nil {
		close(q.gen)
		q.gen = nil
	}
	q.mu.Unlock()
	c := q.c
	if c == nil {
		return
	}
	c.mu.Lock()
	woke := false
	for _, p := range q.waiters {
		if c.wakeLocked(p) {
			woke = true
		}
	}
	q.waiters = q.waiters[:0]
	if woke {
		c.progress++
		c.dispatchLocked()
	}
	c.mu.Unlock()
}
