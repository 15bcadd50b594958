package devices

import (
	"context"
	"fmt"

	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/changer/mtx"
	"github.com/tapekit/tapekit/changer/smc"
)

// OpenChanger opens the changer spec names and returns it with the
// library's name for messages ("library /dev/sg5"). A SCSI changer is
// asked what it is first, so that a tape drive named as the changer is
// refused at once (*TypeError). Closing the changer closes its device; a
// simulated library stays open until Host.Close.
func (h *Host) OpenChanger(ctx context.Context, spec ChangerSpec) (changer.Changer, string, error) {
	switch spec.Driver {
	case DriverMTX:
		c, err := mtx.New(spec.Device, &mtx.Options{Path: h.mtxPath, Logger: h.log})
		if err != nil {
			// The device is not empty, so the program is what is missing.
			return nil, "", &explained{fmt.Sprintf("cannot run mtx (%v): install the mtx package", err), []error{ErrNoMTX, err}}
		}
		return c, "library " + spec.Device + " (mtx)", nil
	case SimSG:
		l, err := h.Simulator(spec.Device)
		if err != nil {
			return nil, "", err
		}
		t, err := l.ChangerTarget()
		if err != nil {
			return nil, "", fmt.Errorf("the SCSI target of the simulated library in %s: %w", spec.Device, err)
		}
		if err := CheckChanger(ctx, t, spec.String()); err != nil {
			return nil, "", err
		}
		c, err := smc.New(t, &smc.Options{Logger: h.log})
		if err != nil {
			return nil, "", err
		}
		return c, "simulated library " + spec.Device + " (SCSI)", nil
	case DriverSG:
	default:
		return nil, "", &SpecError{Spec: spec.String(), Reason: fmt.Sprintf("unknown driver %q", spec.Driver)}
	}
	t, err := h.openSG(spec.Device, "medium changer")
	if err != nil {
		return nil, "", err
	}
	if err := CheckChanger(ctx, t, spec.Device); err != nil {
		CloseTransport(t)
		return nil, "", err
	}
	c, err := smc.New(t, &smc.Options{Logger: h.log})
	if err != nil {
		CloseTransport(t)
		return nil, "", err
	}
	return c, "library " + spec.Device, nil
}
