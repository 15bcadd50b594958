package simulator

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/tapekit/tapekit/changer"
)

// Changer is a handle on the library's robot; it implements
// changer.Changer and changer.Reinventorier. Get one from Library.Changer.
//
// A move out of a drive whose cartridge is still loaded unloads it first
// (rewind and unload are charged to that drive), as libraries that manage
// their drives do.
type Changer struct {
	l      *Library
	closed atomic.Bool
}

var (
	_ changer.Changer       = (*Changer)(nil)
	_ changer.Reinventorier = (*Changer)(nil)
)

// Inventory implements changer.Changer.
func (c *Changer) Inventory(ctx context.Context) (changer.Inventory, error) {
	if err := c.check(ctx); err != nil {
		return nil, err
	}
	l := c.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, fmt.Errorf("%w: %w", changer.ErrClosed, ErrClosed)
	}
	inv := make(changer.Inventory, 0, len(l.elems))
	for _, e := range l.elems {
		el := changer.Element{Type: e.typ, Address: e.addr, Full: e.cart != nil, Accessible: true}
		if e.cart != nil {
			if e.cart.unreadable {
				el.Exception, el.ASC, el.ASCQ = true, 0x83, 0x00
			} else {
				el.Barcode = e.cart.barcode
			}
			el.Source, el.SourceValid = e.src, e.srcValid
		}
		if e.drive != nil {
			el.DriveSerial = e.drive.serial
		}
		inv = append(inv, el)
	}
	return inv, nil
}

func (c *Changer) check(ctx context.Context) error {
	if c.closed.Load() {
		return changer.ErrClosed
	}
	return ctx.Err()
}

// Reinventory implements changer.Reinventorier: the robot scans every
// element, which takes a second per element of library time.
func (c *Changer) Reinventory(ctx context.Context) error {
	if err := c.check(ctx); err != nil {
		return err
	}
	l := c.l
	if err := l.robots.Acquire(ctx); err != nil {
		return err
	}
	defer l.robots.Release(ctx)
	l.mu.Lock()
	failed, n := l.robotFailed, len(l.elems)
	l.mu.Unlock()
	if failed {
		return fmt.Errorf("%w: robot failed (injected)", changer.ErrRobotFailure)
	}
	return l.wait(ctx, time.Duration(n)*time.Second)
}

// Move implements changer.Changer.
func (c *Changer) Move(ctx context.Context, from, to changer.Address) error {
	if err := c.check(ctx); err != nil {
		return &changer.MoveError{From: from, To: to, Err: err}
	}
	if err := c.l.move(ctx, from, to); err != nil {
		return &changer.MoveError{From: from, To: to, Err: err}
	}
	return nil
}

// move does one robot move. Locks are taken robot → drive → library, the
// order every path follows.
func (l *Library) move(ctx context.Context, from, to changer.Address) error {
	if err := l.robots.Acquire(ctx); err != nil {
		return err
	}
	defer l.robots.Release(ctx)

	l.mu.Lock()
	src, dst := l.byAddr[from], l.byAddr[to]
	l.mu.Unlock()
	switch {
	case src == nil || src.typ == changer.Transport:
		return fmt.Errorf("%w: no source element %d", changer.ErrInvalidElement, from)
	case dst == nil || dst.typ == changer.Transport:
		return fmt.Errorf("%w: no destination element %d", changer.ErrInvalidElement, to)
	case from == to:
		return fmt.Errorf("%w: source and destination are the same element", changer.ErrInvalidElement)
	}
	// Take the drives involved, so no drive operation runs while its
	// cartridge comes or goes.
	for _, e := range []*element{src, dst} {
		if e.drive != nil {
			if err := e.drive.op.Acquire(ctx); err != nil {
				return err
			}
			defer e.drive.op.Release(ctx)
		}
	}
	l.mu.Lock()
	switch {
	case l.closed:
		l.mu.Unlock()
		return fmt.Errorf("%w: %w", changer.ErrClosed, ErrClosed)
	case l.robotFailed:
		l.mu.Unlock()
		return fmt.Errorf("%w: robot failed (injected)", changer.ErrRobotFailure)
	case src.cart == nil:
		l.mu.Unlock()
		return changer.ErrSourceEmpty
	case dst.cart != nil:
		l.mu.Unlock()
		return changer.ErrDestinationFull
	}
	cart := src.cart
	if d := dst.drive; d != nil && !cart.cleaning && !d.typ.CanRead(cart.media) {
		l.mu.Unlock()
		return fmt.Errorf("%w: %s cartridge %s in %s drive", changer.ErrIncompatibleMedium, cart.media.Name, cart.barcode, d.typ.Product)
	}
	l.mu.Unlock()

	// A loaded drive is unloaded first; its cartridge stays in place if
	// that fails.
	if d := src.drive; d != nil && d.threaded {
		if err := d.unload(ctx); err != nil {
			return fmt.Errorf("%w: unloading drive %d: %v", changer.ErrDriveLoaded, d.index, err)
		}
	}
	if err := l.wait(ctx, l.cfg.RobotMove); err != nil {
		return err
	}

	l.mu.Lock()
	src.cart, dst.cart = nil, cart
	switch {
	case src.typ == changer.DataTransfer:
		// The cartridge carries the storage element it came from.
		dst.src, dst.srcValid = src.src, src.srcValid
	default:
		dst.src, dst.srcValid = from, true
	}
	src.src, src.srcValid = 0, false
	l.logger.Debug("move", "barcode", cart.barcode, "from", from, "to", to)
	l.mu.Unlock()

	// A drive loads a cartridge as it is inserted; the load is charged to
	// the drive's next operation, like a drive becoming ready.
	if d := dst.drive; d != nil {
		d.mediumChanged = true
		if cart.cleaning {
			if err := d.clean(ctx, cart); err != nil {
				l.logger.Debug("cleaning failed", "drive", d.index, "err", err)
			}
		} else {
			d.threaded, d.pos, d.stopped, d.powerLost = true, 0, false, ""
			l.mu.Lock()
			cart.mounts++
			l.mu.Unlock()
			d.stats.Mounts++
			d.stats.Loading += cart.geo.Load()
			d.debt += cart.geo.Load()
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range []*element{src, dst} {
		if e.drive != nil {
			e.drive.snapshot()
		}
	}
	return l.saveLocked(true)
}

// Close implements changer.Changer: it invalidates the handle.
func (c *Changer) Close() error {
	c.closed.Store(true)
	return nil
}
