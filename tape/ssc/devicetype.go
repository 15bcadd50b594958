package ssc

import (
	"context"
	"fmt"

	"github.com/tapekit/tapekit/scsi"
)

// CheckDevice asks the device behind t what it is (standard INQUIRY) and
// returns its INQUIRY data, with a *scsi.DeviceTypeError (errors.Is
// scsi.ErrDeviceType) when it is not a tape drive: a library's medium
// changer given as a drive, say, which would answer every tape command
// with ILLEGAL REQUEST. New sends nothing, so a program that takes the
// device from its operator calls CheckDevice when the device is named.
func CheckDevice(ctx context.Context, t scsi.Transport) (*scsi.InquiryData, error) {
	inq, err := scsi.Inquire(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("ssc: INQUIRY: %w", err)
	}
	return inq, inq.CheckType(scsi.TypeTape)
}
