package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/internal/devices"
	"github.com/tapekit/tapekit/scheduler"
	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/tape/ssc"
)

// configuredLibrary is the library a config file names, opened: its
// changer, the drives the scheduler runs, and the data cartridges the
// changer's inventory found.
type configuredLibrary struct {
	// name names the library in messages: "library /dev/sch0".
	name    string
	changer changer.Changer
	drives  []scheduler.Drive
	// cartridges are the data cartridges of the inventory (cleaning
	// cartridges and I/E ports left out), in address order.
	cartridges []libraryCartridge
	// close closes the drives, the changer and their devices; for a
	// simulated library it also saves its directory, so it must run
	// even when the HSM fails.
	close func() error
}

// libraryCartridge is a data cartridge of the library.
type libraryCartridge struct {
	Barcode string
	Element changer.Address // where the inventory found it
	// MediaType ("LTO-9") and Capacity (native bytes) come from the
	// barcode's LTO-style suffix; empty and 0 when it has none known.
	MediaType string
	Capacity  int64
}

// openConfiguredLibrary opens the changer and drives cfg names through
// package devices. Drive i of the config is the i-th data transfer element
// in address order unless it gives its element; its device is the one it
// gives, or the tape drive whose serial number the changer reports for the
// element. A device given for an element whose serial number the changer
// reports must have that serial: naming the wrong drive would have the
// scheduler write to another cartridge than the one it mounted.
//
// A simulated library (sim-sg:DIR) runs in virtual time: its moves and
// transfers take no wall time.
func openConfiguredLibrary(ctx context.Context, cfg fileConfig, log *slog.Logger) (_ *configuredLibrary, err error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	spec, err := devices.ParseChanger(cfg.Library.Changer)
	if err != nil {
		return nil, fmt.Errorf("library.changer: %w", err)
	}
	host := devices.NewHost(&devices.Options{Logger: log})
	l := &configuredLibrary{}
	var closers []func() error
	l.close = func() error {
		var errs []error
		for _, c := range slices.Backward(closers) {
			errs = append(errs, c())
		}
		closers = nil
		return errors.Join(append(errs, host.Close())...)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, l.close())
		}
	}()

	c, name, err := host.OpenChanger(ctx, spec)
	if err != nil {
		return nil, explainConfigDevice(err, "library.changer")
	}
	l.changer, l.name = c, name
	closers = append(closers, c.Close)
	inv, err := c.Inventory(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: reading the inventory: %w", name, err)
	}
	els, err := driveElements(cfg.Library.Drives, inv)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for i, dc := range cfg.Library.Drives {
		field := fmt.Sprintf("library.drives[%d]", i)
		el := els[i]
		dev, err := driveDevice(ctx, host, spec, dc, el, field)
		if err != nil {
			return nil, err
		}
		t, err := host.OpenDrive(ctx, dev)
		if err != nil {
			return nil, explainConfigDevice(err, field+".device")
		}
		if el.DriveSerial != "" && dc.Device != "" {
			serial, serr := devices.UnitSerial(ctx, t)
			if serr == nil && serial != "" && serial != el.DriveSerial {
				devices.CloseTransport(t)
				return nil, fmt.Errorf("%s.device: %s is the drive with serial number %s, but the drive at element %d is serial %s: give the device of that drive, or leave device out to find it by serial number", field, dev, serial, el.Address, el.DriveSerial)
			}
		}
		d := ssc.New(t, &ssc.Options{Logger: log.With("drive", dc.Name)})
		closers = append(closers, d.Close)
		l.drives = append(l.drives, scheduler.Drive{Name: dc.Name, Drive: d, Element: el.Address})
		log.Info("drive", "name", dc.Name, "device", dev, "element", el.Address, "serial", el.DriveSerial)
	}
	l.cartridges = dataCartridges(inv)
	return l, nil
}

// driveElements returns the element of each configured drive: the one it
// gives, or the i-th data transfer element in address order.
func driveElements(drives []driveConfig, inv changer.Inventory) ([]changer.Element, error) {
	all := inv.OfType(changer.DataTransfer)
	slices.SortFunc(all, func(a, b changer.Element) int { return int(a.Address) - int(b.Address) })
	out := make([]changer.Element, len(drives))
	taken := map[changer.Address]string{}
	for i, d := range drives {
		field := fmt.Sprintf("library.drives[%d]", i)
		if d.Element != nil {
			el, ok := inv.Element(changer.Address(*d.Element))
			if !ok || el.Type != changer.DataTransfer {
				return nil, fmt.Errorf("%s.element: the library has no drive at element %d (its drives are at %s)", field, *d.Element, addresses(all))
			}
			out[i] = el
		} else {
			if i >= len(all) {
				return nil, fmt.Errorf("%s: drive %d of the config, but the library has %d drives", field, i, len(all))
			}
			out[i] = all[i]
		}
		if other, dup := taken[out[i].Address]; dup {
			return nil, fmt.Errorf("%s: drive %q is at element %d too: give each drive its own element", field, other, out[i].Address)
		}
		taken[out[i].Address] = d.Name
	}
	return out, nil
}

func addresses(els []changer.Element) string {
	if len(els) == 0 {
		return "none"
	}
	s := ""
	for i, el := range els {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprint(el.Address)
	}
	return s
}

// driveDevice returns the device of a configured drive at element el.
func driveDevice(ctx context.Context, host *devices.Host, spec devices.ChangerSpec, dc driveConfig, el changer.Element, field string) (string, error) {
	if dc.Device != "" {
		return dc.Device, nil
	}
	if el.DriveSerial == "" {
		why := "its element status has no serial number"
		if spec.Driver == devices.DriverMTX {
			why = "mtx does not report drive serial numbers"
		}
		return "", fmt.Errorf("%s.device: the HSM cannot tell which device the drive at element %d is (%s): give its device", field, el.Address, why)
	}
	dev, err := host.FindDrive(ctx, spec, el.DriveSerial)
	if err != nil {
		return "", fmt.Errorf("%s: finding the drive with serial number %s: %w", field, el.DriveSerial, err)
	}
	if dev == "" {
		return "", fmt.Errorf("%s: the drive at element %d has serial number %s, and no tape drive of this host has it: attach it, or give its device", field, el.Address, el.DriveSerial)
	}
	return dev, nil
}

// explainConfigDevice names the config field of a device that did not
// open, and says what to do in the config's terms.
func explainConfigDevice(err error, field string) error {
	var te *devices.TypeError
	if errors.As(err, &te) {
		return fmt.Errorf("%s: %w: the changer goes in library.changer, the tape drives in library.drives", field, err)
	}
	return fmt.Errorf("%s: %w", field, err)
}

// dataCartridges lists the data cartridges of an inventory: in slots and
// drives, with a barcode, not cleaning cartridges.
func dataCartridges(inv changer.Inventory) []libraryCartridge {
	var out []libraryCartridge
	for _, el := range inv {
		if !el.Full || el.Barcode == "" || simulator.IsCleaning(el.Barcode) {
			continue
		}
		if el.Type != changer.Storage && el.Type != changer.DataTransfer {
			continue
		}
		c := libraryCartridge{Barcode: el.Barcode, Element: el.Address}
		if m, ok := simulator.MediaForBarcode(el.Barcode); ok {
			c.MediaType, c.Capacity = m.Name, m.Capacity
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b libraryCartridge) int { return int(a.Element) - int(b.Element) })
	return out
}
