package changertest

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/tapekit/tapekit/changer"
)

// Library is what the suite tests: a changer and facts about its contents.
type Library struct {
	Changer changer.Changer
	// Incompatible is the barcode of a cartridge no drive accepts; empty
	// skips the incompatible-medium check.
	Incompatible string
	// UnloadDrive, when set, ejects the cartridge of a drive before the
	// suite moves it out, for libraries that need the drive unloaded
	// first. Nil means the library takes care of it.
	UnloadDrive func(ctx context.Context, drive changer.Address) error
}

// Config says how to get the library under test.
type Config struct {
	// New returns the library; it is called once per check, and the suite
	// closes the changer after the check. Required.
	New func(ctx context.Context) (Library, error)
	// Report, when set, is told the outcome of every check as it ends
	// (err nil for a pass, ErrSkipped when the library lacks what the check
	// needs).
	Report func(check string, err error)
}

// ErrSkipped is reported for checks the library cannot run (no I/E port,
// one drive, no incompatible cartridge).
var ErrSkipped = errors.New("changertest: skipped")

// CheckError is one failed check.
type CheckError struct {
	Check string
	Err   error
}

func (e *CheckError) Error() string { return e.Check + ": " + e.Err.Error() }
func (e *CheckError) Unwrap() error { return e.Err }

type check struct {
	name string
	run  func(ctx context.Context, t *tester) error
}

var checks = []check{
	{"inventory", checkInventory},
	{"slot-drive-slot", checkSlotDrive},
	{"slot-slot", checkSlotSlot},
	{"slot-ie-slot", checkSlotIE},
	{"drive-drive", checkDriveDrive},
	{"source-empty", checkSourceEmpty},
	{"destination-full", checkDestinationFull},
	{"invalid-element", checkInvalidElement},
	{"incompatible-medium", checkIncompatible},
	{"load-unload", checkLoadUnload},
	{"export-import", checkExportImport},
}

// Checks lists the names of the checks, in the order they run.
func Checks() []string {
	out := make([]string, len(checks))
	for i, c := range checks {
		out[i] = c.name
	}
	return out
}

// TestChanger runs every check and returns the failures joined (each a
// *CheckError), or nil.
func TestChanger(ctx context.Context, cfg Config) error {
	if cfg.New == nil {
		return errors.New("changertest: Config.New is required")
	}
	var errs []error
	for _, c := range checks {
		err := runCheck(ctx, cfg, c)
		if cfg.Report != nil {
			cfg.Report(c.name, err)
		}
		if err != nil && !errors.Is(err, ErrSkipped) {
			errs = append(errs, &CheckError{Check: c.name, Err: err})
		}
	}
	return errors.Join(errs...)
}

func runCheck(ctx context.Context, cfg Config, c check) (err error) {
	lib, err := cfg.New(ctx)
	if err != nil {
		return fmt.Errorf("getting the library: %w", err)
	}
	defer lib.Changer.Close()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("driver panicked: %v", r)
		}
	}()
	t := &tester{lib: lib, c: lib.Changer}
	if t.start, err = t.inventory(ctx); err != nil {
		return err
	}
	err = c.run(ctx, t)
	if rerr := t.restore(ctx); rerr != nil && (err == nil || errors.Is(err, ErrSkipped)) {
		err = rerr
	}
	return err
}

type tester struct {
	lib   Library
	c     changer.Changer
	start changer.Inventory
}

// inventory reads the inventory and checks the invariants that hold after
// any sequence of moves: unique addresses, and every barcode in exactly one
// element.
func (t *tester) inventory(ctx context.Context) (changer.Inventory, error) {
	inv, err := t.c.Inventory(ctx)
	if err != nil {
		return nil, fmt.Errorf("inventory: %w", err)
	}
	addrs := map[changer.Address]bool{}
	seen := map[string]changer.Address{}
	for _, e := range inv {
		if addrs[e.Address] {
			return nil, fmt.Errorf("inventory: address %d appears twice", e.Address)
		}
		addrs[e.Address] = true
		if e.Type < changer.Transport || e.Type > changer.DataTransfer {
			return nil, fmt.Errorf("inventory: element %d has type %d", e.Address, e.Type)
		}
		if !e.Full && (e.Barcode != "" || e.AltBarcode != "") {
			return nil, fmt.Errorf("inventory: empty element %d has barcode %q", e.Address, e.Barcode)
		}
		if e.Full && e.Barcode != "" {
			if at, dup := seen[e.Barcode]; dup {
				return nil, fmt.Errorf("inventory: cartridge %s is in elements %d and %d", e.Barcode, at, e.Address)
			}
			seen[e.Barcode] = e.Address
		}
	}
	if t.start != nil {
		if err := sameCartridges(t.start, inv); err != nil {
			return nil, err
		}
	}
	return inv, nil
}

// sameCartridges checks that no cartridge was lost or created.
func sameCartridges(before, after changer.Inventory) error {
	count := func(inv changer.Inventory) (map[string]int, int) {
		m, n := map[string]int{}, 0
		for _, e := range inv {
			if e.Full {
				n++
				if e.Barcode != "" {
					m[e.Barcode]++
				}
			}
		}
		return m, n
	}
	b, nb := count(before)
	a, na := count(after)
	if nb != na {
		return fmt.Errorf("the library held %d cartridges and now holds %d", nb, na)
	}
	for bc := range b {
		if a[bc] != 1 {
			return fmt.Errorf("cartridge %s is lost", bc)
		}
	}
	for bc := range a {
		if b[bc] != 1 {
			return fmt.Errorf("cartridge %s appeared from nowhere", bc)
		}
	}
	return nil
}

// move moves a cartridge, unloading a drive source first when the library
// needs it.
func (t *tester) move(ctx context.Context, from, to changer.Address) error {
	if t.lib.UnloadDrive != nil {
		if e, ok := t.start.Element(from); ok && e.Type == changer.DataTransfer {
			if err := t.lib.UnloadDrive(ctx, from); err != nil {
				return fmt.Errorf("unloading drive %d: %w", from, err)
			}
		}
	}
	return t.c.Move(ctx, from, to)
}

// mustMove moves and checks where the cartridge ended up.
func (t *tester) mustMove(ctx context.Context, from, to changer.Address, barcode string) error {
	if err := t.move(ctx, from, to); err != nil {
		return fmt.Errorf("move %d → %d: %w", from, to, err)
	}
	inv, err := t.inventory(ctx)
	if err != nil {
		return err
	}
	src, _ := inv.Element(from)
	dst, _ := inv.Element(to)
	if src.Full {
		return fmt.Errorf("after move %d → %d the source is still full", from, to)
	}
	if !dst.Full || dst.Barcode != barcode {
		return fmt.Errorf("after move %d → %d the destination holds %q (full %v), want %s", from, to, dst.Barcode, dst.Full, barcode)
	}
	return nil
}

// restore moves every cartridge back to where it was when the check began.
func (t *tester) restore(ctx context.Context) error {
	for range len(t.start) + 1 {
		inv, err := t.c.Inventory(ctx)
		if err != nil {
			return fmt.Errorf("restore: inventory: %w", err)
		}
		moved, pending := false, false
		for _, home := range t.start {
			if !home.Full || home.Barcode == "" {
				continue
			}
			now, ok := inv.Find(home.Barcode)
			if !ok || now.Address == home.Address {
				continue
			}
			pending = true
			if e, _ := inv.Element(home.Address); e.Full {
				continue
			}
			if err := t.move(ctx, now.Address, home.Address); err != nil {
				return fmt.Errorf("restore: moving %s back to %d: %w", home.Barcode, home.Address, err)
			}
			moved = true
			break
		}
		if !pending {
			return nil
		}
		if !moved {
			return errors.New("restore: cartridges cannot be put back (their elements are full)")
		}
	}
	return errors.New("restore: gave up")
}

// pick finds a full storage slot with a barcoded data cartridge a drive
// accepts.
func (t *tester) pickCartridge() (changer.Element, error) {
	for _, e := range t.start.OfType(changer.Storage) {
		if e.Full && e.Barcode != "" && e.Barcode != t.lib.Incompatible && !isCleaning(e.Barcode) && !e.Exception {
			return e, nil
		}
	}
	return changer.Element{}, fmt.Errorf("%w: no storage slot holds a barcoded data cartridge", ErrSkipped)
}

func isCleaning(barcode string) bool { return len(barcode) >= 3 && barcode[:3] == "CLN" }

func (t *tester) empty(typ changer.ElementType, not ...changer.Address) (changer.Element, error) {
	for _, e := range t.start.OfType(typ) {
		if !e.Full && e.Accessible && !slices.Contains(not, e.Address) {
			return e, nil
		}
	}
	return changer.Element{}, fmt.Errorf("%w: no empty %s element", ErrSkipped, typ)
}

// expectFailure checks that a move fails with want and changes nothing.
func (t *tester) expectFailure(ctx context.Context, what string, from, to changer.Address, want error) error {
	err := t.c.Move(ctx, from, to)
	if !errors.Is(err, want) {
		return fmt.Errorf("%s: got %v, want %v", what, err, want)
	}
	inv, ierr := t.inventory(ctx)
	if ierr != nil {
		return ierr
	}
	for _, e := range t.start {
		now, _ := inv.Element(e.Address)
		if now.Full != e.Full || now.Barcode != e.Barcode {
			return fmt.Errorf("%s: the failed move changed element %d", what, e.Address)
		}
	}
	return nil
}
