package devices

import (
	"context"
	"errors"
	"fmt"

	"github.com/tapekit/tapekit/changer/smc"
	"github.com/tapekit/tapekit/scsi"
	"github.com/tapekit/tapekit/tape/ssc"
)

// CheckChanger asks the device dev, opened as a library's changer, what
// it is, and refuses one that is not a medium changer with a *TypeError. A
// tape drive named as the changer would otherwise fail the first changer
// command with ILLEGAL REQUEST, which reads as a bad element address.
func CheckChanger(ctx context.Context, t scsi.Transport, dev string) error {
	_, err := smc.CheckDevice(ctx, t)
	return checked(err, dev, "medium changer")
}

// CheckDrive asks the device dev, opened as a tape drive, what it is, and
// refuses one that is not a tape drive with a *TypeError: a library's
// changer named as a drive would fail every tape command with ILLEGAL
// REQUEST.
func CheckDrive(ctx context.Context, t scsi.Transport, dev string) error {
	_, err := ssc.CheckDevice(ctx, t)
	return checked(err, dev, "tape drive")
}

func checked(err error, dev, kind string) error {
	var te *scsi.DeviceTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &te):
		return &TypeError{Device: dev, Err: te}
	}
	return fmt.Errorf("asking the %s %s what it is: %w", kind, dev, err)
}

// inquiryAlloc is the allocation length of UnitSerial's INQUIRY.
const inquiryAlloc = 252

// UnitSerial asks a device its unit serial number (VPD page 80h).
func UnitSerial(ctx context.Context, t scsi.Transport) (string, error) {
	b, err := scsi.InquiryPage(ctx, t, true, scsi.VPDUnitSerial, inquiryAlloc)
	if err != nil {
		return "", fmt.Errorf("INQUIRY VPD page 80h (unit serial number): %w", err)
	}
	return scsi.ParseUnitSerial(b)
}
