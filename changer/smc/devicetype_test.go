package smc_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/changer/smc"
	"github.com/tapekit/tapekit/scsi"
)

// TestTapeDriveAsChanger gives the SMC driver the SCSI target of a tape
// drive, as an operator does who names /dev/sgN of a drive as the library:
// every call fails saying the device is a tape drive, and no command but
// INQUIRY reaches it.
func TestTapeDriveAsChanger(t *testing.T) {
	ctx := context.Background()
	l := library(t)
	drive, err := l.DriveTarget(0)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{t: drive}
	c, err := smc.New(rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, err error) {
		t.Helper()
		var te *scsi.DeviceTypeError
		if !errors.As(err, &te) || !errors.Is(err, scsi.ErrDeviceType) || te.Want != scsi.TypeMediumChanger || te.Device.DeviceType != scsi.TypeTape {
			t.Errorf("%s on a tape drive: %v, want a *scsi.DeviceTypeError", what, err)
			return
		}
		if !strings.Contains(err.Error(), "the device is a tape drive (IBM ULT3580-TD9), not a medium changer") {
			t.Errorf("%s on a tape drive: %q does not say what the device is", what, err)
		}
		if errors.Is(err, changer.ErrInvalidElement) {
			t.Errorf("%s on a tape drive: %v matches ErrInvalidElement", what, err)
		}
	}
	_, err = c.Inventory(ctx)
	check("Inventory", err)
	check("Move", c.Move(ctx, l.SlotAddress(1), l.DriveAddress(0)))
	check("Exchange", c.Exchange(ctx, l.SlotAddress(1), l.SlotAddress(2), l.SlotAddress(1)))
	check("Reinventory", c.Reinventory(ctx))
	if len(rec.ops) != 1 || rec.ops[0] != scsi.OpInquiry {
		t.Errorf("commands sent to the tape drive: % x, want one INQUIRY", rec.ops)
	}

	inq, err := smc.CheckDevice(ctx, drive)
	check("CheckDevice", err)
	if inq == nil || inq.Product != "ULT3580-TD9" {
		t.Errorf("CheckDevice on a tape drive returned %+v, want its INQUIRY data", inq)
	}
	target, _ := l.ChangerTarget()
	if inq, err := smc.CheckDevice(ctx, target); err != nil || inq.DeviceType != scsi.TypeMediumChanger {
		t.Errorf("CheckDevice on the library: %+v, %v", inq, err)
	}
}

// recorder passes commands on and records their operation codes.
type recorder struct {
	t   scsi.Transport
	ops []byte
}

func (r *recorder) Do(ctx context.Context, cmd *scsi.Command) (scsi.Result, error) {
	r.ops = append(r.ops, cmd.CDB[0])
	return r.t.Do(ctx, cmd)
}
