package devices

import (
	"context"
	"fmt"

	"github.com/tapekit/tapekit/scsi"
	"github.com/tapekit/tapekit/scsi/sgio"
)

// candidate is a tape drive a library's drive element may be.
type candidate struct {
	dev    string // a drive name OpenDrive takes: /dev/sgN, sim-sg:DIR:N
	serial string // from sysfs; empty when the kernel does not expose it
}

// candidates lists the tape drives the drives of the library behind spec
// may be: a simulated library's own drives, or every tape drive sysfs
// lists on this host.
func (h *Host) candidates(spec ChangerSpec) ([]candidate, error) {
	if spec.Driver == SimSG {
		l, err := h.Simulator(spec.Device)
		if err != nil {
			return nil, err
		}
		var out []candidate
		for i := range l.NumDrives() {
			out = append(out, candidate{dev: fmt.Sprintf("%s:%s:%d", SimSG, spec.Device, i)})
		}
		return out, nil
	}
	devs, err := sgio.Discover(h.sysfs)
	if err != nil {
		return nil, fmt.Errorf("listing the tape drives in %s: %w", h.sysfs, err)
	}
	var out []candidate
	for _, d := range devs {
		if d.Type == scsi.TypeTape {
			out = append(out, candidate{dev: d.Generic, serial: d.Serial})
		}
	}
	return out, nil
}

// FindDrive returns the name of the tape drive with this serial number
// among the drives the library behind spec may have (a simulated
// library's own, or this host's), or "" when none has it. Drives whose
// serial sysfs does not show are asked (INQUIRY, VPD page 80h), which is
// also how a simulated library's drives tell theirs; one that cannot be
// asked is passed over.
func (h *Host) FindDrive(ctx context.Context, spec ChangerSpec, serial string) (string, error) {
	cands, err := h.candidates(spec)
	if err != nil {
		return "", err
	}
	for _, c := range cands {
		if c.serial == serial {
			return c.dev, nil
		}
	}
	for _, c := range cands {
		if c.serial != "" {
			continue
		}
		t, err := h.OpenDrive(ctx, c.dev)
		if err != nil {
			h.log.Debug("cannot ask a tape drive its serial number", "device", c.dev, "err", err)
			continue
		}
		s, err := UnitSerial(ctx, t)
		CloseTransport(t)
		if err != nil {
			h.log.Debug("cannot read a tape drive's serial number", "device", c.dev, "err", err)
			continue
		}
		if s == serial {
			return c.dev, nil
		}
	}
	return "", nil
}
