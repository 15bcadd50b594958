package smc

import (
	"context"
	"fmt"

	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/scsi"
)

// CheckDevice asks the device behind t what it is (standard INQUIRY) and
// returns its INQUIRY data, with a *scsi.DeviceTypeError (errors.Is
// scsi.ErrDeviceType) when it is not a medium changer: a library's tape
// drive given as its changer, say. A Changer makes the same check before
// its first command; CheckDevice serves a program that wants to tell its
// operator at once, when the device is named.
func CheckDevice(ctx context.Context, t scsi.Transport) (*scsi.InquiryData, error) {
	inq, err := scsi.Inquire(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("smc: INQUIRY: %w", err)
	}
	return inq, inq.CheckType(scsi.TypeMediumChanger)
}

// checkDevice asks the device what it is, once, and refuses one that is
// not a medium changer: sent to a tape drive, changer commands fail with
// ILLEGAL REQUEST, which would read as an invalid element address. The
// caller holds c.mu.
func (c *Changer) checkDevice(ctx context.Context) error {
	if c.closed {
		return changer.ErrClosed
	}
	if c.inq == nil {
		const alloc = 96
		cmd := &scsi.Command{CDB: scsi.Inquiry(false, 0, alloc), Direction: scsi.DirIn, Data: make([]byte, alloc), Timeout: c.opts.ShortTimeout}
		res, err := c.do(ctx, cmd)
		if err != nil {
			return fmt.Errorf("smc: INQUIRY: %w", err)
		}
		inq, err := scsi.ParseInquiry(cmd.Data[:res.Transferred(cmd)])
		if err != nil {
			return fmt.Errorf("smc: INQUIRY: %w", err)
		}
		c.inq = inq
	}
	return c.inq.CheckType(scsi.TypeMediumChanger)
}
