package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/examples/hsm/internal/server"
	"github.com/tapekit/tapekit/scheduler"
	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/tape"
	"github.com/tapekit/tapekit/tape/format"
)

// libraryAdmin is the operator's side of the tape side: the inventory and
// the cartridge actions of the admin API (server.Library). The scheduler
// owns the drives; a label borrows one by putting it down, as CTA's
// operators do, and gives it back afterwards.
type libraryAdmin struct {
	t   *tapeSide
	cat catalog.Catalog
}

var _ server.Library = (*libraryAdmin)(nil)

// Libraries implements server.Library.
func (a *libraryAdmin) Libraries(ctx context.Context) ([]server.LibraryInfo, error) {
	inv, err := a.t.changer.Inventory(ctx)
	if err != nil {
		return nil, err
	}
	li := server.LibraryInfo{Name: a.t.library, Description: a.t.describe(), Elements: []server.ElementInfo{}}
	for _, e := range inv {
		li.Elements = append(li.Elements, server.ElementInfo{Type: elementType(e.Type), Address: int(e.Address), Full: e.Full, Barcode: e.Barcode})
		switch e.Type {
		case changer.DataTransfer:
			li.Drives++
		case changer.Storage:
			li.Slots++
			if !e.Full {
				li.FreeSlots++
			}
		case changer.ImportExport:
			li.Ports++
		}
		if e.Full && e.Barcode != "" && !simulator.IsCleaning(e.Barcode) {
			li.Cartridges++
		}
	}
	return []server.LibraryInfo{li}, nil
}

func elementType(t changer.ElementType) string {
	switch t {
	case changer.DataTransfer:
		return "drive"
	case changer.Storage:
		return "slot"
	case changer.ImportExport:
		return "port"
	case changer.Transport:
		return "transport"
	}
	return fmt.Sprint(t)
}

// Label implements server.Library: it writes the label of a cartridge
// whose volume holds no file yet. The mover labels a blank volume on its
// first write anyway; labelling ahead proves a new cartridge works before
// data depends on it.
func (a *libraryAdmin) Label(ctx context.Context, barcode string) (server.LabelInfo, error) {
	v, err := a.cat.Volume(ctx, barcode)
	if err != nil {
		return server.LabelInfo{}, err
	}
	if v.LastFileSeq > 0 || v.BytesUsed > 0 {
		return server.LabelInfo{}, fmt.Errorf("%w: volume %s holds %d tape files: a label would make them unreadable (repack it first)", server.ErrConflict, barcode, v.LastFileSeq)
	}
	if v.Library != a.t.library {
		return server.LabelInfo{}, fmt.Errorf("%w: volume %s is in library %q, not this host's %q", server.ErrConflict, barcode, v.Library, a.t.library)
	}
	ch := a.t.changer
	inv, err := ch.Inventory(ctx)
	if err != nil {
		return server.LabelInfo{}, err
	}
	src, ok := inv.Find(barcode)
	switch {
	case !ok:
		return server.LabelInfo{}, fmt.Errorf("%w: %s is not in the library", server.ErrNotFound, barcode)
	case src.Type == changer.DataTransfer:
		return server.LabelInfo{}, fmt.Errorf("%w: %s is in a drive: try again once it is dismounted", server.ErrConflict, barcode)
	case src.Type != changer.Storage:
		return server.LabelInfo{}, fmt.Errorf("%w: %s is in an import/export port: import it first", server.ErrConflict, barcode)
	}
	d, err := a.borrowDrive(ctx, "labelling "+barcode)
	if err != nil {
		return server.LabelInfo{}, err
	}
	defer a.t.sched.SetDriveUp(d.Name)
	out := server.LabelInfo{Barcode: barcode, Drive: d.Name}
	if err := changer.Load(ctx, ch, src.Address, d.Element); err != nil {
		return out, err
	}
	l, lerr := labelIn(ctx, d.Drive, barcode)
	// Back to its slot whatever happened, even if the request went away:
	// the drive goes back to the scheduler next.
	uctx := context.WithoutCancel(ctx)
	uerr := d.Drive.Unload(uctx)
	if _, err := changer.Unload(uctx, ch, d.Element); err != nil {
		uerr = errors.Join(uerr, err)
	}
	if lerr != nil {
		return out, errors.Join(lerr, uerr)
	}
	if uerr != nil {
		return out, uerr
	}
	out.Format, out.ID = l.Format, l.ID
	a.t.log.Info("labelled", "volume", barcode, "drive", d.Name, "format", l.Format)
	return out, nil
}

func labelIn(ctx context.Context, d tape.Drive, barcode string) (format.VolumeLabel, error) {
	if err := d.Load(ctx); err != nil && !errors.Is(err, tape.ErrUnitAttention) {
		return format.VolumeLabel{}, err
	}
	l, err := format.Label(ctx, d, barcode, &format.LabelOptions{Creator: "tapekit hsm"})
	if errors.Is(err, format.ErrNotEmpty) {
		err = fmt.Errorf("%w: %v", server.ErrConflict, err)
	}
	return l, err
}

// borrowDrive takes a drive from the scheduler: an idle empty one if
// there is one, else an idle one, else the first up. The drive is put
// down with why and returned once its worker has stopped; the caller
// puts it back up.
func (a *libraryAdmin) borrowDrive(ctx context.Context, why string) (scheduler.Drive, error) {
	ds := a.t.sched.Drives()
	pick := -1
	for _, pass := range []func(scheduler.DriveStatus) bool{
		func(d scheduler.DriveStatus) bool { return !d.Busy && d.Mounted == "" },
		func(d scheduler.DriveStatus) bool { return !d.Busy },
		func(d scheduler.DriveStatus) bool { return true },
	} {
		if pick = slices.IndexFunc(ds, func(d scheduler.DriveStatus) bool { return d.Up && pass(d) }); pick >= 0 {
			break
		}
	}
	if pick < 0 {
		return scheduler.Drive{}, fmt.Errorf("%w: no drive is up", server.ErrConflict)
	}
	name := ds[pick].Name
	if err := a.t.sched.SetDriveDown(name, why); err != nil {
		return scheduler.Drive{}, err
	}
	for {
		i := slices.IndexFunc(a.t.sched.Drives(), func(d scheduler.DriveStatus) bool { return d.Name == name && !d.Working })
		if i >= 0 {
			break
		}
		select {
		case <-ctx.Done():
			a.t.sched.SetDriveUp(name)
			return scheduler.Drive{}, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return a.t.drives[pick], nil
}

// Export implements server.Library. The volume is marked exported first,
// so the scheduler mounts it no more; if the cartridge cannot go to a
// port, its state is put back.
func (a *libraryAdmin) Export(ctx context.Context, barcode string) (server.ExportInfo, error) {
	v, err := a.cat.Volume(ctx, barcode)
	if err != nil {
		return server.ExportInfo{}, err
	}
	if v.State == catalog.StateExported {
		return server.ExportInfo{}, fmt.Errorf("%w: %s is exported already", server.ErrConflict, barcode)
	}
	if v.Library != a.t.library {
		return server.ExportInfo{}, fmt.Errorf("%w: volume %s is in library %q, not this host's %q", server.ErrConflict, barcode, v.Library, a.t.library)
	}
	ch := a.t.changer
	inv, err := ch.Inventory(ctx)
	if err != nil {
		return server.ExportInfo{}, err
	}
	if _, ok := inv.Find(barcode); !ok {
		return server.ExportInfo{}, fmt.Errorf("%w: %s is not in the library", server.ErrNotFound, barcode)
	}
	if err := a.cat.SetVolumeState(ctx, barcode, catalog.StateExported, "exported by an operator (was "+string(v.State)+")"); err != nil {
		return server.ExportInfo{}, err
	}
	restore := func(cause error) error {
		if err := a.cat.SetVolumeState(context.WithoutCancel(ctx), barcode, v.State, v.StateReason); err != nil {
			return errors.Join(cause, err)
		}
		return cause
	}
	if inv, err = ch.Inventory(ctx); err != nil {
		return server.ExportInfo{}, restore(err)
	}
	if e, _ := inv.Find(barcode); e.Type == changer.DataTransfer {
		return server.ExportInfo{}, restore(fmt.Errorf("%w: %s is in a drive: try again once it is dismounted", server.ErrConflict, barcode))
	}
	port, err := changer.Export(ctx, ch, barcode)
	if err != nil {
		if errors.Is(err, changer.ErrNoFreeElement) {
			err = fmt.Errorf("%w: every import/export port is full: empty them first (%v)", server.ErrConflict, err)
		}
		return server.ExportInfo{}, restore(err)
	}
	a.t.log.Info("exported", "volume", barcode, "port", port)
	return server.ExportInfo{Barcode: barcode, Port: int(port)}, nil
}

// Import implements server.Library.
func (a *libraryAdmin) Import(ctx context.Context, pool string) ([]server.ImportInfo, error) {
	if _, err := a.cat.Pools(ctx); err != nil {
		return nil, err
	}
	ch := a.t.changer
	inv, err := ch.Inventory(ctx)
	if err != nil {
		return nil, err
	}
	out := []server.ImportInfo{}
	for _, p := range inv {
		if p.Type != changer.ImportExport || !p.Full {
			continue
		}
		slot, err := changer.Import(ctx, ch, p.Address)
		if err != nil {
			return out, fmt.Errorf("the cartridge %s in port %d: %w", p.Barcode, p.Address, err)
		}
		info := server.ImportInfo{Barcode: p.Barcode, Slot: int(slot)}
		info.Volume, info.Pool, err = a.register(ctx, p.Barcode, pool)
		if err != nil {
			info.Volume, info.Error = "error", err.Error()
		}
		a.t.log.Info("imported", "volume", p.Barcode, "slot", slot, "catalog", info.Volume)
		out = append(out, info)
	}
	return out, nil
}

// register makes an imported cartridge usable in the catalog.
func (a *libraryAdmin) register(ctx context.Context, barcode, pool string) (what, inPool string, err error) {
	if barcode == "" {
		return "", "", errors.New("the cartridge has no barcode label: it stays in its slot, unused")
	}
	if simulator.IsCleaning(barcode) {
		return "cleaning", "", nil
	}
	v, err := a.cat.Volume(ctx, barcode)
	switch {
	case err == nil && v.Library != a.t.library:
		return "", v.Pool, fmt.Errorf("the catalog has %s in library %q, not %q: it stays unused here", barcode, v.Library, a.t.library)
	case err == nil && v.State == catalog.StateExported:
		state := catalog.StateActive
		if v.Free() <= 0 {
			state = catalog.StateFull
		}
		return "reactivated", v.Pool, a.cat.SetVolumeState(ctx, barcode, state, "imported by an operator")
	case err == nil:
		return "known", v.Pool, nil
	case !errors.Is(err, catalog.ErrUnknownVolume):
		return "", "", err
	}
	media := a.t.media(barcode)
	if media == nil {
		return "", "", fmt.Errorf("the media type of %s is unknown", barcode)
	}
	err = a.cat.AddVolume(ctx, catalog.Volume{Barcode: barcode, MediaType: media.Name, Library: a.t.library,
		Pool: pool, State: catalog.StateActive, Capacity: media.Capacity})
	return "registered", pool, err
}
