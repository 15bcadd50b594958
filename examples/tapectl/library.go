package main

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/benbjohnson/clock"

	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/tape"
)

// library is what the commands work on: a changer and its drives, whatever
// is behind them. openLibrary is the only place that knows how to get one,
// so a new kind of device is added there and no command changes.
type library struct {
	// name says which library this is, in headers and messages.
	name    string
	changer changer.Changer
	// drive opens drive i: the i-th data transfer element in address
	// order, counted from 0 as mtx counts drives.
	drive func(i int) (tape.Drive, error)
	// close releases the library; for the simulator it also saves the state
	// directory, so it must run even when a command fails.
	close func() error

	opened []tape.Drive
}

// openLibrary opens the library the global flags name.
func openLibrary(ctx context.Context, e *env) (*library, error) {
	if e.simDir == "" {
		return nil, usagef("no library given: use -sim DIR (a simulated library kept in DIR, created on first use)")
	}
	opts := &simulator.Options{}
	if e.simSpeed > 0 {
		opts.Clock, opts.Scale = clock.New(), e.simSpeed
	}
	sim, err := simulator.Open(e.simDir, nil, opts)
	if err != nil {
		return nil, explainOpen(e.simDir, err)
	}
	return &library{
		name:    "simulated library " + e.simDir,
		changer: sim.Changer(),
		drive:   func(i int) (tape.Drive, error) { return sim.Drive(i) },
		close:   sim.Close,
	}, nil
}

// closeLibrary closes l and the drives opened through it, and reports a
// failure in *err unless the command already failed: a command deferring
// it never loses its own error, nor a failure to save the library.
func closeLibrary(l *library, err *error) {
	var errs []error
	for _, d := range l.opened {
		errs = append(errs, d.Close())
	}
	errs = append(errs, l.changer.Close(), l.close())
	if cerr := errors.Join(errs...); cerr != nil && *err == nil {
		*err = fmt.Errorf("closing the %s: %w", l.name, cerr)
	}
}

// openDrive checks drive number n against the inventory and opens it. The
// element tells callers what the library knows about the drive, such as
// the barcode of its cartridge when the drive does not report one.
func (l *library) openDrive(ctx context.Context, n int) (tape.Drive, changer.Element, error) {
	inv, err := l.changer.Inventory(ctx)
	if err != nil {
		return nil, changer.Element{}, err
	}
	el, err := element(inv, changer.DataTransfer, n)
	if err != nil {
		return nil, changer.Element{}, err
	}
	d, err := l.drive(n)
	if err != nil {
		return nil, changer.Element{}, err
	}
	l.opened = append(l.opened, d)
	return d, el, nil
}

// firstNumber is where the operator's numbering of a type starts: storage
// slots and I/E ports count from 1 and drives from 0, as in mtx. Transports,
// which mtx does not show, count from 0 like drives.
func firstNumber(t changer.ElementType) int {
	if t == changer.Storage || t == changer.ImportExport {
		return 1
	}
	return 0
}

// kindName names an element type for an operator.
func kindName(t changer.ElementType) string {
	switch t {
	case changer.ImportExport:
		return "I/E port"
	case changer.DataTransfer:
		return "drive"
	case changer.Storage:
		return "slot"
	}
	return t.String()
}

// ofType returns the elements of type t in address order, the order that
// gives them their numbers, whatever order the driver reports them in.
func ofType(inv changer.Inventory, t changer.ElementType) []changer.Element {
	els := inv.OfType(t)
	slices.SortFunc(els, func(a, b changer.Element) int { return int(a.Address) - int(b.Address) })
	return els
}

// element returns the element an operator calls n. A number out of range
// is an error naming the valid range: it is a mistake about this library,
// not about the command line.
func element(inv changer.Inventory, t changer.ElementType, n int) (changer.Element, error) {
	els := ofType(inv, t)
	first := firstNumber(t)
	if n >= first && n < first+len(els) {
		return els[n-first], nil
	}
	if len(els) == 0 {
		return changer.Element{}, fmt.Errorf("no %s %d: the library has no %ss", kindName(t), n, kindName(t))
	}
	return changer.Element{}, fmt.Errorf("no %s %d: the library has %ss %d to %d", kindName(t), n, kindName(t), first, first+len(els)-1)
}

// numberOf returns the type and operator's number of the element at addr.
func numberOf(inv changer.Inventory, addr changer.Address) (changer.ElementType, int, bool) {
	el, ok := inv.Element(addr)
	if !ok {
		return 0, 0, false
	}
	for i, e := range ofType(inv, el.Type) {
		if e.Address == addr {
			return el.Type, firstNumber(el.Type) + i, true
		}
	}
	return 0, 0, false
}

// describe names the element at addr for an operator: "slot 3", "drive 0".
func describe(inv changer.Inventory, addr changer.Address) string {
	t, n, ok := numberOf(inv, addr)
	if !ok {
		return fmt.Sprintf("element %d", addr)
	}
	return fmt.Sprintf("%s %d", kindName(t), n)
}
