package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tapekit/tapekit/changer/smc"
	"github.com/tapekit/tapekit/scsi"
	"github.com/tapekit/tapekit/tape/ssc"
)

// checkChanger asks the device dev, opened as the library's changer, what
// it is, and refuses one that is not a medium changer. A tape drive named
// as the changer would otherwise fail the first changer command with
// ILLEGAL REQUEST, which reads as a bad element address.
func checkChanger(ctx context.Context, t scsi.Transport, dev string) error {
	_, err := smc.CheckDevice(ctx, t)
	var te *scsi.DeviceTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &te) && te.Device.Qualifier == 0 && te.Device.DeviceType == scsi.TypeTape:
		return advise(err, "%s is %s, not a medium changer: give it with -f, and the library's changer with -changer", dev, te.Device.Describe())
	case errors.As(err, &te):
		return advise(err, "%s is %s, not a medium changer: give the library's changer with -changer (tapectl devices lists this host's changers)", dev, te.Device.Describe())
	}
	return fmt.Errorf("asking the medium changer %s what it is: %w", dev, err)
}

// checkDrive asks the device dev, opened as a tape drive, what it is, and
// refuses one that is not a tape drive: a library's changer named with -f
// would fail every tape command with ILLEGAL REQUEST.
func checkDrive(ctx context.Context, t scsi.Transport, dev string) error {
	_, err := ssc.CheckDevice(ctx, t)
	var te *scsi.DeviceTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &te) && te.Device.Qualifier == 0 && te.Device.DeviceType == scsi.TypeMediumChanger && !strings.HasPrefix(dev, simSG+":"):
		return advise(err, "%s is %s, not a tape drive: give it with -changer %s:%s, and the tape drive with -f", dev, te.Device.Describe(), driverSG, dev)
	case errors.As(err, &te):
		return advise(err, "%s is %s, not a tape drive: give a tape drive with -f (tapectl devices lists this host's tape drives)", dev, te.Device.Describe())
	}
	return fmt.Errorf("asking the tape drive %s what it is: %w", dev, err)
}
