package main

import (
	"context"
	"fmt"

	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/changer/mtx"
	"github.com/tapekit/tapekit/changer/smc"
)

// openChanger opens the changer spec names and returns it with the
// library's name for messages. A SCSI changer is asked what it is first,
// so that a tape drive named as the changer is refused at once, saying so.
func openChanger(ctx context.Context, h *host, spec changerSpec) (changer.Changer, string, error) {
	switch spec.driver {
	case driverMTX:
		c, err := mtx.New(spec.device, &mtx.Options{Path: h.e.mtxPath, Logger: h.log})
		if err != nil {
			// The device is not empty, so the program is what is missing.
			return nil, "", advise(err, "cannot run mtx (%v): install the mtx package, or give the program with -mtx PATH", err)
		}
		return c, "library " + spec.device + " (mtx)", nil
	case simSG:
		l, err := h.simulator(spec.device)
		if err != nil {
			return nil, "", err
		}
		t, err := l.ChangerTarget()
		if err != nil {
			return nil, "", fmt.Errorf("the SCSI target of the simulated library in %s: %w", spec.device, err)
		}
		if err := checkChanger(ctx, t, simSG+":"+spec.device); err != nil {
			return nil, "", err
		}
		c, err := smc.New(t, &smc.Options{Logger: h.log})
		if err != nil {
			return nil, "", err
		}
		return c, "simulated library " + spec.device + " (SCSI)", nil
	}
	t, err := h.openChangerTransport(spec.device)
	if err != nil {
		return nil, "", err
	}
	if err := checkChanger(ctx, t, spec.device); err != nil {
		closeTransport(t)
		return nil, "", err
	}
	c, err := smc.New(t, &smc.Options{Logger: h.log})
	if err != nil {
		closeTransport(t)
		return nil, "", err
	}
	return c, "library " + spec.device, nil
}
