package ssc_test

import (
	"errors"
	"testing"

	"github.com/tapekit/tapekit/scsi"
	"github.com/tapekit/tapekit/tape/ssc"
)

// TestCheckDevice: the library's changer given as a tape drive is refused,
// saying what it is; the drive passes.
func TestCheckDevice(t *testing.T) {
	l := library(t)
	changer, err := l.ChangerTarget()
	if err != nil {
		t.Fatal(err)
	}
	inq, err := ssc.CheckDevice(ctx, changer)
	var te *scsi.DeviceTypeError
	switch {
	case !errors.As(err, &te) || !errors.Is(err, scsi.ErrDeviceType) || te.Want != scsi.TypeTape:
		t.Errorf("CheckDevice on a medium changer: %v, want a *scsi.DeviceTypeError", err)
	case err.Error() != "scsi: the device is a medium changer (TAPEKIT SIMLIBRARY), not a tape drive":
		t.Errorf("CheckDevice on a medium changer: %q", err)
	case inq == nil || inq.DeviceType != scsi.TypeMediumChanger:
		t.Errorf("CheckDevice on a medium changer returned %+v, want its INQUIRY data", inq)
	}
	drive, err := l.DriveTarget(0)
	if err != nil {
		t.Fatal(err)
	}
	if inq, err := ssc.CheckDevice(ctx, drive); err != nil || inq.Product != "ULT3580-TD9" {
		t.Errorf("CheckDevice on the drive: %+v, %v", inq, err)
	}
}
