package scsi

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// DeviceTypeError reports a device that is not of the peripheral device
// type a driver needs, as its standard INQUIRY data says: a tape drive
// given where a medium changer is wanted, or the other way round. Sent the
// other kind's commands, such a device answers ILLEGAL REQUEST (invalid
// operation code, invalid field), which says nothing of the mistake.
// errors.Is(err, ErrDeviceType) is true for it.
type DeviceTypeError struct {
	Want   byte        // the type asked for: TypeTape, TypeMediumChanger, …
	Device InquiryData // what the device says it is
}

// Error returns text like "scsi: the device is a tape drive (IBM
// ULT3580-TD8), not a medium changer".
func (e *DeviceTypeError) Error() string {
	return fmt.Sprintf("scsi: the device is %s, not %s", e.Device.Describe(), withArticle(DeviceTypeName(e.Want)))
}

func (e *DeviceTypeError) Unwrap() error { return ErrDeviceType }

// CheckType returns nil when d describes a connected logical unit of type
// want, and a *DeviceTypeError otherwise.
func (d *InquiryData) CheckType(want byte) error {
	if d.Qualifier == 0 && d.DeviceType == want {
		return nil
	}
	return &DeviceTypeError{Want: want, Device: *d}
}

// Describe says what d is, for an operator: "a tape drive (IBM
// ULT3580-TD8)", "a medium changer (STK L700) that is not connected", "no
// logical unit".
func (d *InquiryData) Describe() string {
	if d.Qualifier == 3 {
		return "no logical unit"
	}
	s := withArticle(DeviceTypeName(d.DeviceType))
	if id := strings.TrimSpace(d.Vendor + " " + d.Product); id != "" {
		s += " (" + id + ")"
	}
	if d.Qualifier != 0 {
		s += " that is not connected"
	}
	return s
}

// DeviceTypeName names a peripheral device type: "tape drive", "medium
// changer", "disk", …
func DeviceTypeName(t byte) string {
	switch t {
	case TypeDisk:
		return "disk"
	case TypeTape:
		return "tape drive"
	case 0x03:
		return "processor device"
	case 0x05:
		return "CD/DVD drive"
	case 0x07:
		return "optical memory device"
	case TypeMediumChanger:
		return "medium changer"
	case 0x0C:
		return "storage array controller"
	case 0x0D:
		return "enclosure services device"
	case 0x11:
		return "object storage device"
	}
	return fmt.Sprintf("device of peripheral type %#02x", t)
}

func withArticle(name string) string {
	if strings.IndexByte("aeiou", name[0]) >= 0 {
		return "an " + name
	}
	return "a " + name
}

// inquiryRetries bounds the re-sends of an INQUIRY answered with UNIT
// ATTENTION. SPC forbids that answer to INQUIRY, but some bridges give it.
const inquiryRetries = 3

// Inquire sends a standard INQUIRY through t and returns the device's
// answer, parsed. SPC forbids answering INQUIRY with UNIT ATTENTION, but
// some bridges do: Inquire sends it again, up to three times.
func Inquire(ctx context.Context, t Transport) (*InquiryData, error) {
	b, err := InquiryPage(ctx, t, false, 0, 96) // what drives and libraries commonly return
	if err != nil {
		return nil, err
	}
	return ParseInquiry(b)
}

// InquiryPage sends INQUIRY for the standard data (evpd false) or a vital
// product data page, with an allocation length of alloc, and returns the
// bytes the device sent. Like Inquire it sends the command again after
// UNIT ATTENTION, up to three times.
func InquiryPage(ctx context.Context, t Transport, evpd bool, page byte, alloc uint16) ([]byte, error) {
	var err error
	for range inquiryRetries + 1 {
		cmd := &Command{CDB: Inquiry(evpd, page, alloc), Direction: DirIn, Data: make([]byte, alloc)}
		var res Result
		if res, err = Exec(ctx, t, cmd); err == nil {
			return cmd.Data[:res.Transferred(cmd)], nil
		}
		var se *SenseError
		if !errors.As(err, &se) || se.Sense.Key != KeyUnitAttention {
			break
		}
	}
	return nil, err
}
