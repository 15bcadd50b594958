package cache

import (
	"context"
	"fmt"
	"time"
)

// Space is accounted in bytes against the quota: the declared sizes of
// incoming and staging files, the sizes of precious and online files, and
// reservations not yet turned into files. Callers that do not fit wait in
// FIFO order (a large recall is not starved by a stream of small ones)
// until eviction, a release or an archived file makes room, or their
// context ends.

type waiter struct {
	n       int64
	ready   chan struct{}
	granted bool
}

// Reservation is space set aside ahead of the writes that will use it: a
// recall reserves its batch's bytes before the tape is mounted, then
// stages files from it with WriteOptions.Reservation.
type Reservation struct {
	c        *Cache
	size     int64
	released bool
}

// Reserve sets n bytes aside, evicting clean files if needed, and waits
// while the cache is full of files that cannot be evicted (precious,
// pinned, needed soon). It fails only with ErrBadSize, ErrTooLarge (n
// exceeds the quota: waiting cannot help), ErrClosed, or ctx's error. A
// context that is already done makes Reserve a try: it succeeds only if
// the space is there without waiting.
func (c *Cache) Reserve(ctx context.Context, n int64) (*Reservation, error) {
	if n <= 0 {
		return nil, fmt.Errorf("%w: reserve %d bytes", ErrBadSize, n)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClosed
	}
	if err := c.acquireLocked(ctx, n); err != nil {
		return nil, err
	}
	return &Reservation{c: c, size: n}, nil
}

// Size returns the bytes still held.
func (r *Reservation) Size() int64 {
	r.c.mu.Lock()
	defer r.c.mu.Unlock()
	return r.size
}

// Release gives the unused bytes back. A second Release returns
// ErrReleased and changes nothing.
func (r *Reservation) Release() error {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if r.released {
		return ErrReleased
	}
	r.released = true
	c.reserved -= r.size
	r.size = 0
	c.grantLocked()
	return nil
}

// take moves n bytes out of the reservation for a file.
func (r *Reservation) takeLocked(n int64) error {
	if r.released {
		return ErrReleased
	}
	if n > r.size {
		return fmt.Errorf("%w: %d bytes from a reservation of %d", ErrSizeExceeded, n, r.size)
	}
	r.size -= n
	r.c.reserved -= n
	return nil
}

// acquireLocked adds n bytes to c.reserved, waiting if needed; c.mu is
// held on entry and on return, and released while waiting.
func (c *Cache) acquireLocked(ctx context.Context, n int64) error {
	if n > c.quota {
		return fmt.Errorf("%w: %d bytes, quota %d", ErrTooLarge, n, c.quota)
	}
	if len(c.waiters) == 0 && c.fitLocked(n) {
		c.reserved += n
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	w := &waiter{n: n, ready: make(chan struct{})}
	c.waiters = append(c.waiters, w)
	c.waits++
	if c.opts.Events.WaitBegan != nil {
		c.opts.Events.WaitBegan(n)
	}
	start := c.opts.Clock.Now()
	c.armTimerLocked()
	c.mu.Unlock()
	select {
	case <-w.ready:
	case <-ctx.Done():
	}
	c.mu.Lock()
	var err error
	switch {
	case w.granted:
	case c.closed:
		err = ErrClosed
	default:
		err = ctx.Err()
		for k, o := range c.waiters {
			if o == w {
				c.waiters = append(c.waiters[:k], c.waiters[k+1:]...)
				break
			}
		}
		c.grantLocked()
	}
	if c.opts.Events.WaitEnded != nil {
		c.opts.Events.WaitEnded(n, c.opts.Clock.Since(start), err)
	}
	return err
}

// fitLocked evicts if n more bytes would pass the high watermark, and
// reports whether n bytes fit in the quota.
func (c *Cache) fitLocked(n int64) bool {
	if c.usedLocked()+n > c.high {
		c.evictLocked(n)
	}
	return c.usedLocked()+n <= c.quota
}

// grantLocked serves waiters in order while they fit, after something
// freed space or made files evictable.
func (c *Cache) grantLocked() {
	if c.usedLocked() > c.high {
		c.evictLocked(0)
	}
	for len(c.waiters) > 0 {
		w := c.waiters[0]
		if !c.fitLocked(w.n) {
			break
		}
		c.reserved += w.n
		w.granted = true
		close(w.ready)
		c.waiters = c.waiters[1:]
	}
	c.armTimerLocked()
}

// armTimerLocked wakes the waiters when the next pin expires, since an
// expired pin may free an evictable file.
func (c *Cache) armTimerLocked() {
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	if len(c.waiters) == 0 {
		return
	}
	now := c.opts.Clock.Now()
	var next time.Time
	for _, ps := range c.pins {
		for _, p := range ps {
			if p.Expires.After(now) && (next.IsZero() || p.Expires.Before(next)) {
				next = p.Expires
			}
		}
	}
	if next.IsZero() {
		return
	}
	c.timer = c.opts.Clock.AfterFunc(next.Sub(now)+time.Nanosecond, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if !c.closed {
			c.grantLocked()
		}
	})
}

// evictableLocked: online, no live pin, not needed by a queued request.
func (c *Cache) evictableLocked(i int32) bool {
	e := &c.x.slots[i]
	if e.state != Online {
		return false
	}
	name := e.name()
	if _, ok := c.need[name]; ok {
		return false
	}
	return len(c.livePins(name)) == 0
}

// evictLocked removes least recently used evictable files until usage
// plus n is at the low watermark or nothing more can go. The removals are
// journaled in one write before any file is unlinked.
func (c *Cache) evictLocked(n int64) {
	used := c.usedLocked() + n
	var victims []int32
	for i := c.x.head; i != nilSlot && used > c.low; i = c.x.slots[i].next {
		if c.evictableLocked(i) {
			victims = append(victims, i)
			used -= c.x.slots[i].size
		}
	}
	if len(victims) == 0 {
		return
	}
	recs := make([]record, len(victims))
	for k, i := range victims {
		recs[k] = record{typ: recDel, name: c.x.slots[i].name()}
	}
	if err := c.logLocked(recs...); err != nil {
		c.opts.Logger.Error("cache: eviction not journaled; nothing evicted", "err", err)
		return
	}
	for _, i := range victims {
		e := &c.x.slots[i]
		name, size := e.name(), e.size
		if err := unlinkData(c.root, name); err != nil {
			c.opts.Logger.Warn("cache: could not unlink an evicted file", "name", name, "err", err)
		}
		c.evictions++
		c.evictedBytes += uint64(size)
		if c.opts.Events.Evicted != nil {
			c.opts.Events.Evicted(name, size)
		}
		c.forgetLocked(i)
	}
	c.opts.Logger.Debug("cache: evicted", "files", len(victims), "used", c.usedLocked())
}
