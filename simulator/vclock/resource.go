package vclock

import (
	"context"
	"fmt"
	"strings"
	"sync"
)

// Resource is a counted lock with a first-come, first-served queue: a
// robot that moves one cartridge at a time, a drive that runs one command
// at a time. A participant that waits for it is blocked on the clock, so
// virtual time moves on while it queues; a context naming no participant
// waits outside virtual time, like a sync.Mutex.
type Resource struct {
	c    *Clock
	name string
	n    int

	mu      sync.Mutex     // guards what follows when c is nil; else c.mu does
	holders []*participant // nil entries: holders outside virtual time
	queue   []*waiter
}

type waiter struct {
	r       *Resource
	p       *participant  // nil: outside virtual time
	ch      chan struct{} // closed when granted, for p == nil
	granted bool
}

// NewResource returns a resource that n holders may hold at once, named
// name in reports. With a nil Clock it is a plain FIFO lock, for clocks
// other than this one. n < 1 means 1.
func NewResource(c *Clock, name string, n int) *Resource {
	return &Resource{c: c, name: name, n: max(n, 1)}
}

// Name returns the resource's name.
func (r *Resource) Name() string { return r.name }

func (r *Resource) lock() {
	if r.c != nil {
		r.c.mu.Lock()
	} else {
		r.mu.Lock()
	}
}

func (r *Resource) unlock() {
	if r.c != nil {
		r.c.mu.Unlock()
	} else {
		r.mu.Unlock()
	}
}

// Acquire takes one unit of the resource, waiting behind earlier callers.
// It returns ctx.Err() if ctx ends first (holding nothing), and a
// *DeadlockError after a deadlock.
func (r *Resource) Acquire(ctx context.Context) error {
	r.lock()
	var p *participant
	if c := r.c; c != nil {
		if c.broken != nil {
			r.unlock()
			return c.broken
		}
		if p = c.participantOf(ctx); p != nil {
			c.mustRun(p, "Acquire("+r.name+")")
		}
	}
	if err := ctx.Err(); err != nil {
		r.unlock()
		return err
	}
	if len(r.holders) < r.n && len(r.queue) == 0 {
		r.grantLocked(p)
		r.unlock()
		return nil
	}
	w := &waiter{r: r, p: p}
	r.queue = append(r.queue, w)
	if p == nil {
		w.ch = make(chan struct{})
		r.unlock()
		select {
		case <-w.ch:
			return nil
		case <-ctx.Done():
			r.lock()
			defer r.unlock()
			if w.granted {
				return nil
			}
			r.dropLocked(w)
			return ctx.Err()
		}
	}
	c := r.c
	p.state, p.w, p.ctx = acquiring, w, ctx
	c.running = nil
	c.dispatchLocked()
	c.mu.Unlock()
	err := p.block(ctx)
	if w.granted {
		return nil
	}
	return err
}

func (r *Resource) grantLocked(p *participant) {
	r.holders = append(r.holders, p)
	if p != nil {
		p.holds++
	}
}

// dropLocked removes a waiter that gave up.
func (r *Resource) dropLocked(w *waiter) {
	for i, q := range r.queue {
		if q == w {
			r.queue = append(r.queue[:i], r.queue[i+1:]...)
			return
		}
	}
}

// Release gives back the unit that ctx's holder (the participant it names,
// or a goroutine outside virtual time) took, and grants it to the first
// in the queue.
func (r *Resource) Release(ctx context.Context) {
	r.lock()
	var p *participant
	if r.c != nil {
		p = r.c.participantOf(ctx)
	}
	i := 0
	for i < len(r.holders) && r.holders[i] != p {
		i++
	}
	if i == len(r.holders) {
		who := "a goroutine outside virtual time"
		if p != nil {
			who = fmt.Sprintf("participant %q", p.name)
		}
		msg := fmt.Sprintf("vclock: %s releases %s, which it does not hold (held by %s)", who, r.name, r.holdersLocked())
		r.unlock()
		panic(msg)
	}
	r.holders = append(r.holders[:i], r.holders[i+1:]...)
	if p != nil {
		p.holds--
	}
	for len(r.holders) < r.n && len(r.queue) > 0 {
		w := r.queue[0]
		r.queue = r.queue[1:]
		w.granted = true
		r.grantLocked(w.p)
		if w.p == nil {
			close(w.ch)
			continue
		}
		c := r.c
		w.p.state, w.p.w, w.p.ctx = runnable, nil, nil
		c.runq = append(c.runq, w.p)
		c.progress++
		c.dispatchLocked()
	}
	r.unlock()
}

// heldOutsideLocked reports whether a goroutine outside virtual time holds
// the resource, and so may release it whatever the participants do.
func (r *Resource) heldOutsideLocked() bool {
	for _, h := range r.holders {
		if h == nil {
			return true
		}
	}
	return false
}

func (r *Resource) holdersLocked() string {
	if len(r.holders) == 0 {
		return "no one"
	}
	var names []string
	for _, h := range r.holders {
		if h == nil {
			names = append(names, "a goroutine outside virtual time")
		} else {
			names = append(names, fmt.Sprintf("%q", h.name))
		}
	}
	return strings.Join(names, ", ")
}
