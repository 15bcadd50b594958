package cache

import (
	"fmt"
	"slices"
	"time"
)

// Pin keeps a file in the cache for a request, like the disk lifetime of
// a WLCG stage request. A file stays while any live pin holds it; a pin
// past Expires no longer holds.
type Pin struct {
	Owner   string // who asked: a user, a VO, a transfer service
	ID      string // the request id that released the pin
	Expires time.Time
}

func addPin(ps []Pin, p Pin) []Pin {
	for k := range ps {
		if ps[k].ID == p.ID {
			if p.Expires.After(ps[k].Expires) {
				ps[k].Expires = p.Expires
			}
			ps[k].Owner = p.Owner
			return ps
		}
	}
	return append(ps, p)
}

func removePin(ps []Pin, id string) []Pin {
	return slices.DeleteFunc(ps, func(p Pin) bool { return p.ID == id })
}

// livePins returns the pins of name that have not expired.
func (c *Cache) livePins(name string) []Pin {
	ps := c.pins[name]
	if len(ps) == 0 {
		return nil
	}
	now := c.opts.Clock.Now()
	var out []Pin
	for _, p := range ps {
		if p.Expires.After(now) {
			out = append(out, p)
		}
	}
	return out
}

func committed(s State) bool { return s == Precious || s == Online }

// Pin holds name in the cache for lifetime on behalf of owner's request
// id. Pinning again with the same id extends the pin, never shortens it.
// A file being staged may be pinned: the pin holds once it is online.
func (c *Cache) Pin(name, owner, id string, lifetime time.Duration) error {
	n, err := CleanName(name)
	if err != nil {
		return err
	}
	if owner == "" || id == "" {
		return fmt.Errorf("%w: owner and request id are required", ErrBadPin)
	}
	if lifetime <= 0 || lifetime > c.opts.MaxPinLifetime {
		return fmt.Errorf("%w: lifetime %v not in (0, %v]", ErrBadPin, lifetime, c.opts.MaxPinLifetime)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	_, e, err := c.fileLocked(n)
	if err != nil {
		return err
	}
	p := Pin{Owner: owner, ID: id, Expires: c.opts.Clock.Now().Add(lifetime)}
	if committed(e.state) {
		if err := c.logLocked(record{typ: recPin, name: n, owner: owner, id: id, expires: p.Expires.UnixNano()}); err != nil {
			return err
		}
	}
	c.pins[n] = addPin(c.pins[n], p)
	return nil
}

// Unpin releases the pin of request id on name. Releasing a pin that is
// not there (or no longer) gives ErrNotPinned and changes nothing.
func (c *Cache) Unpin(name, id string) error {
	n, err := CleanName(name)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	_, e, err := c.fileLocked(n)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(c.pins[n], func(p Pin) bool { return p.ID == id }) {
		return fmt.Errorf("%w: %s by %q", ErrNotPinned, n, id)
	}
	if err := c.unpinLocked(n, e.state, func(p Pin) bool { return p.ID == id }); err != nil {
		return err
	}
	c.grantLocked()
	return nil
}

// UnpinRequest releases every pin of request id, on any file, and returns
// how many it released.
func (c *Cache) UnpinRequest(id string) (int, error) {
	return c.unpinAll(func(p Pin) bool { return p.ID == id })
}

// UnpinOwner releases every pin of owner and returns how many it released.
func (c *Cache) UnpinOwner(owner string) (int, error) {
	return c.unpinAll(func(p Pin) bool { return p.Owner == owner })
}

func (c *Cache) unpinAll(match func(Pin) bool) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, ErrClosed
	}
	total := 0
	for name, ps := range c.pins {
		k := 0
		for _, p := range ps {
			if match(p) {
				k++
			}
		}
		if k == 0 {
			continue
		}
		_, e := c.x.lookup(name)
		if err := c.unpinLocked(name, e.state, match); err != nil {
			return total, err
		}
		total += k
	}
	c.grantLocked()
	return total, nil
}

func (c *Cache) unpinLocked(name string, st State, match func(Pin) bool) error {
	ps := c.pins[name]
	if committed(st) {
		var recs []record
		for _, p := range ps {
			if match(p) {
				recs = append(recs, record{typ: recUnpin, name: name, id: p.ID})
			}
		}
		if err := c.logLocked(recs...); err != nil {
			return err
		}
	}
	ps = slices.DeleteFunc(ps, match)
	if len(ps) == 0 {
		delete(c.pins, name)
	} else {
		c.pins[name] = ps
	}
	return nil
}

// Need tells the cache that a queued request will read name soon: the
// file is not evicted until every request that needs it calls Unneed. The
// name need not be cached yet (a recall queued for it will stage it). This
// is what the scheduler feeds from its queue; it lives in memory only, so
// a scheduler re-declares its queue after a restart.
func (c *Cache) Need(name, requestID string) error {
	n, err := CleanName(name)
	if err != nil {
		return err
	}
	if requestID == "" {
		return fmt.Errorf("%w: request id required", ErrBadPin)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	m := c.need[n]
	if m == nil {
		m = map[string]struct{}{}
		c.need[n] = m
	}
	m[requestID] = struct{}{}
	return nil
}

// Unneed withdraws a Need; without a matching Need it returns ErrNotNeeded.
func (c *Cache) Unneed(name, requestID string) error {
	n, err := CleanName(name)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	m := c.need[n]
	if _, ok := m[requestID]; !ok {
		return fmt.Errorf("%w: %s by %q", ErrNotNeeded, n, requestID)
	}
	delete(m, requestID)
	if len(m) == 0 {
		delete(c.need, n)
	}
	c.grantLocked()
	return nil
}
