package changertest

import (
	"context"
	"errors"
	"fmt"

	"github.com/tapekit/tapekit/changer"
)

func checkInventory(ctx context.Context, t *tester) error {
	if len(t.start.OfType(changer.DataTransfer)) == 0 {
		return errors.New("the inventory has no drive")
	}
	if len(t.start.OfType(changer.Storage)) == 0 {
		return errors.New("the inventory has no storage slot")
	}
	for _, e := range t.start.OfType(changer.DataTransfer) {
		if e.Full && !e.SourceValid {
			return fmt.Errorf("loaded drive %d does not report its source element", e.Address)
		}
	}
	return nil
}

func checkSlotDrive(ctx context.Context, t *tester) error {
	c, err := t.pickCartridge()
	if err != nil {
		return err
	}
	d, err := t.empty(changer.DataTransfer)
	if err != nil {
		return err
	}
	if err := t.mustMove(ctx, c.Address, d.Address, c.Barcode); err != nil {
		return err
	}
	inv, err := t.inventory(ctx)
	if err != nil {
		return err
	}
	de, _ := inv.Element(d.Address)
	if !de.SourceValid || de.Source != c.Address {
		return fmt.Errorf("drive %d reports source %d (valid %v), want slot %d", d.Address, de.Source, de.SourceValid, c.Address)
	}
	return t.mustMove(ctx, d.Address, c.Address, c.Barcode)
}

func checkSlotSlot(ctx context.Context, t *tester) error {
	c, err := t.pickCartridge()
	if err != nil {
		return err
	}
	s, err := t.empty(changer.Storage)
	if err != nil {
		return err
	}
	if err := t.mustMove(ctx, c.Address, s.Address, c.Barcode); err != nil {
		return err
	}
	return t.mustMove(ctx, s.Address, c.Address, c.Barcode)
}

func checkSlotIE(ctx context.Context, t *tester) error {
	c, err := t.pickCartridge()
	if err != nil {
		return err
	}
	p, err := t.empty(changer.ImportExport)
	if err != nil {
		return err
	}
	if err := t.mustMove(ctx, c.Address, p.Address, c.Barcode); err != nil {
		return err
	}
	return t.mustMove(ctx, p.Address, c.Address, c.Barcode)
}

func checkDriveDrive(ctx context.Context, t *tester) error {
	c, err := t.pickCartridge()
	if err != nil {
		return err
	}
	d1, err := t.empty(changer.DataTransfer)
	if err != nil {
		return err
	}
	d2, err := t.empty(changer.DataTransfer, d1.Address)
	if err != nil {
		return err
	}
	if err := t.mustMove(ctx, c.Address, d1.Address, c.Barcode); err != nil {
		return err
	}
	err = t.move(ctx, d1.Address, d2.Address)
	if errors.Is(err, errors.ErrUnsupported) {
		return fmt.Errorf("%w: the driver cannot move between drives", ErrSkipped)
	}
	if err != nil {
		return fmt.Errorf("move drive %d → drive %d: %w", d1.Address, d2.Address, err)
	}
	inv, err := t.inventory(ctx)
	if err != nil {
		return err
	}
	e, _ := inv.Element(d2.Address)
	if !e.Full || e.Barcode != c.Barcode {
		return fmt.Errorf("drive %d does not hold %s after the move", d2.Address, c.Barcode)
	}
	return nil
}

func checkSourceEmpty(ctx context.Context, t *tester) error {
	s, err := t.empty(changer.Storage)
	if err != nil {
		return err
	}
	d, err := t.empty(changer.DataTransfer)
	if err != nil {
		return err
	}
	return t.expectFailure(ctx, "move from an empty slot", s.Address, d.Address, changer.ErrSourceEmpty)
}

func checkDestinationFull(ctx context.Context, t *tester) error {
	c, err := t.pickCartridge()
	if err != nil {
		return err
	}
	for _, e := range t.start.OfType(changer.Storage) {
		if e.Full && e.Address != c.Address {
			return t.expectFailure(ctx, "move onto a full slot", c.Address, e.Address, changer.ErrDestinationFull)
		}
	}
	return fmt.Errorf("%w: only one slot is full", ErrSkipped)
}

func checkInvalidElement(ctx context.Context, t *tester) error {
	c, err := t.pickCartridge()
	if err != nil {
		return err
	}
	var bogus changer.Address = 0xFFFF
	for {
		if _, used := t.start.Element(bogus); !used {
			break
		}
		bogus--
	}
	return t.expectFailure(ctx, "move to an unknown element", c.Address, bogus, changer.ErrInvalidElement)
}

func checkIncompatible(ctx context.Context, t *tester) error {
	if t.lib.Incompatible == "" {
		return fmt.Errorf("%w: no incompatible cartridge named", ErrSkipped)
	}
	c, ok := t.start.Find(t.lib.Incompatible)
	if !ok {
		return fmt.Errorf("the incompatible cartridge %s is not in the library", t.lib.Incompatible)
	}
	d, err := t.empty(changer.DataTransfer)
	if err != nil {
		return err
	}
	return t.expectFailure(ctx, "load of an incompatible cartridge", c.Address, d.Address, changer.ErrIncompatibleMedium)
}

func checkLoadUnload(ctx context.Context, t *tester) error {
	c, err := t.pickCartridge()
	if err != nil {
		return err
	}
	d, err := t.empty(changer.DataTransfer)
	if err != nil {
		return err
	}
	if err := changer.Load(ctx, t.c, c.Address, d.Address); err != nil {
		return fmt.Errorf("load: %w", err)
	}
	if t.lib.UnloadDrive != nil {
		if err := t.lib.UnloadDrive(ctx, d.Address); err != nil {
			return err
		}
	}
	to, err := changer.Unload(ctx, t.c, d.Address)
	if err != nil {
		return fmt.Errorf("unload: %w", err)
	}
	if to != c.Address {
		return fmt.Errorf("unload put the cartridge in %d, want its source slot %d", to, c.Address)
	}
	if _, err := changer.Unload(ctx, t.c, d.Address); !errors.Is(err, changer.ErrSourceEmpty) {
		return fmt.Errorf("unload of an empty drive: got %v, want ErrSourceEmpty", err)
	}
	return nil
}

func checkExportImport(ctx context.Context, t *tester) error {
	c, err := t.pickCartridge()
	if err != nil {
		return err
	}
	if _, err := t.empty(changer.ImportExport); err != nil {
		return err
	}
	port, err := changer.Export(ctx, t.c, c.Barcode)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	slot, err := changer.Import(ctx, t.c, port)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	inv, err := t.inventory(ctx)
	if err != nil {
		return err
	}
	if e, _ := inv.Element(slot); !e.Full || e.Barcode != c.Barcode || e.Type != changer.Storage {
		return fmt.Errorf("after import slot %d holds %q, want %s", slot, e.Barcode, c.Barcode)
	}
	if _, err := changer.Export(ctx, t.c, "NOSUCH0"); !errors.Is(err, changer.ErrNoBarcode) {
		return fmt.Errorf("export of an unknown barcode: got %v, want ErrNoBarcode", err)
	}
	return nil
}
