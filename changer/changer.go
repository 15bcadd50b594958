package changer

import (
	"context"
	"fmt"
)

// Changer is a robotic library (a medium changer): the contract every driver
// (SCSI SMC, mtx, simulated, third-party) honours.
//
// A library moves one cartridge at a time; drivers serialise calls, so a
// Changer is safe for concurrent use.
type Changer interface {
	// Inventory reports every element. It returns what the library
	// remembers; Reinventorier makes it scan again.
	Inventory(ctx context.Context) (Inventory, error)

	// Move moves the cartridge at from to the empty element to. Errors wrap
	// ErrSourceEmpty, ErrDestinationFull, ErrInvalidElement,
	// ErrIncompatibleMedium, … in a *MoveError. A failed move leaves the
	// cartridge where it was. A successful move into a storage or I/E
	// element keeps no source; into a drive, the drive element reports the
	// source element the cartridge came from.
	Move(ctx context.Context, from, to Address) error

	// Close releases the driver.
	Close() error
}

// Reinventorier is implemented by changers that can rescan their elements
// (SCSI INITIALIZE ELEMENT STATUS, `mtx inventory`). It can take minutes.
type Reinventorier interface {
	Reinventory(ctx context.Context) error
}

// Exchanger is implemented by changers that can swap cartridges in one
// robot trip: the cartridge at src goes to dst1, and the one at dst1 to dst2.
type Exchanger interface {
	Exchange(ctx context.Context, src, dst1, dst2 Address) error
}

// Load moves the cartridge in slot into drive.
func Load(ctx context.Context, c Changer, slot, drive Address) error {
	return c.Move(ctx, slot, drive)
}

// Unload moves the cartridge in drive back to its source element, as `mtx
// unload` does, or to the first empty storage slot when the library does not
// know the source or the source is now full. It returns where the cartridge
// went.
func Unload(ctx context.Context, c Changer, drive Address) (Address, error) {
	inv, err := c.Inventory(ctx)
	if err != nil {
		return 0, err
	}
	d, ok := inv.Element(drive)
	if !ok || d.Type != DataTransfer {
		return 0, &MoveError{From: drive, Err: fmt.Errorf("%w: %d is not a drive", ErrInvalidElement, drive)}
	}
	if !d.Full {
		return 0, &MoveError{From: drive, Err: ErrSourceEmpty}
	}
	to, ok := homeFor(inv, d)
	if !ok {
		return 0, &MoveError{From: drive, Err: fmt.Errorf("%w: no empty storage slot", ErrNoFreeElement)}
	}
	return to, c.Move(ctx, drive, to)
}

func homeFor(inv Inventory, d Element) (Address, bool) {
	if d.SourceValid {
		if s, ok := inv.Element(d.Source); ok && !s.Full && s.Accessible && (s.Type == Storage || s.Type == ImportExport) {
			return s.Address, true
		}
	}
	s, ok := inv.FirstEmpty(Storage)
	return s.Address, ok
}

// Import moves the cartridge an operator placed in I/E port port to the
// first empty storage slot, and returns that slot.
func Import(ctx context.Context, c Changer, port Address) (Address, error) {
	inv, err := c.Inventory(ctx)
	if err != nil {
		return 0, err
	}
	p, ok := inv.Element(port)
	if !ok || p.Type != ImportExport {
		return 0, &MoveError{From: port, Err: fmt.Errorf("%w: %d is not an I/E port", ErrInvalidElement, port)}
	}
	s, ok := inv.FirstEmpty(Storage)
	if !ok {
		return 0, &MoveError{From: port, Err: fmt.Errorf("%w: no empty storage slot", ErrNoFreeElement)}
	}
	return s.Address, c.Move(ctx, port, s.Address)
}

// Export moves the cartridge with barcode to the first empty I/E port, for
// an operator to take out, and returns that port.
func Export(ctx context.Context, c Changer, barcode string) (Address, error) {
	inv, err := c.Inventory(ctx)
	if err != nil {
		return 0, err
	}
	src, ok := inv.Find(barcode)
	if !ok {
		return 0, fmt.Errorf("%w: %q", ErrNoBarcode, barcode)
	}
	p, ok := inv.FirstEmpty(ImportExport)
	if !ok {
		return 0, &MoveError{From: src.Address, Err: fmt.Errorf("%w: no empty I/E port", ErrNoFreeElement)}
	}
	return p.Address, c.Move(ctx, src.Address, p.Address)
}
