package main

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/tapekit/tapekit/scsi"
)

// identity is what a SCSI device says about itself: standard INQUIRY data
// and the vital product data pages 80h (unit serial number) and 83h
// (device identification).
type identity struct {
	scsi.InquiryData
	Serial      string
	Designators []scsi.Designator
	// Pages are the VPD pages the device supports (VPD page 00h).
	Pages []byte
}

// inquiryRetries bounds the re-sends of an INQUIRY answered with UNIT
// ATTENTION. SPC forbids that answer to INQUIRY, but some bridges give it.
const inquiryRetries = 3

// sendInquiry sends one INQUIRY and returns the bytes the device returned.
func sendInquiry(ctx context.Context, t scsi.Transport, evpd bool, page byte) ([]byte, error) {
	const alloc = 252
	var err error
	for range inquiryRetries + 1 {
		cmd := &scsi.Command{CDB: scsi.Inquiry(evpd, page, alloc), Direction: scsi.DirIn, Data: make([]byte, alloc)}
		var res scsi.Result
		res, err = scsi.Exec(ctx, t, cmd)
		if err == nil {
			return cmd.Data[:res.Transferred(cmd)], nil
		}
		var se *scsi.SenseError
		if !errors.As(err, &se) || se.Sense.Key != scsi.KeyUnitAttention {
			break
		}
	}
	return nil, err
}

// unitSerial asks a device its unit serial number (VPD page 80h).
func unitSerial(ctx context.Context, t scsi.Transport) (string, error) {
	b, err := sendInquiry(ctx, t, true, scsi.VPDUnitSerial)
	if err != nil {
		return "", fmt.Errorf("INQUIRY VPD page 80h (unit serial number): %w", err)
	}
	return scsi.ParseUnitSerial(b)
}

// identify reads a device's identity. The VPD pages are optional in
// SPC, so a page the device does not list is left out, not an error.
func identify(ctx context.Context, t scsi.Transport) (*identity, error) {
	b, err := sendInquiry(ctx, t, false, 0)
	if err != nil {
		return nil, fmt.Errorf("INQUIRY: %w", err)
	}
	std, err := scsi.ParseInquiry(b)
	if err != nil {
		return nil, fmt.Errorf("INQUIRY: %w", err)
	}
	id := &identity{InquiryData: *std}
	if b, err = sendInquiry(ctx, t, true, scsi.VPDSupportedPages); err == nil {
		id.Pages, err = scsi.ParseSupportedVPD(b)
	}
	if err != nil {
		return nil, fmt.Errorf("INQUIRY VPD page 00h (supported pages): %w", err)
	}
	if slices.Contains(id.Pages, scsi.VPDUnitSerial) {
		if id.Serial, err = unitSerial(ctx, t); err != nil {
			return nil, err
		}
	}
	if slices.Contains(id.Pages, scsi.VPDDeviceID) {
		if b, err = sendInquiry(ctx, t, true, scsi.VPDDeviceID); err == nil {
			id.Designators, err = scsi.ParseDeviceID(b)
		}
		if err != nil {
			return nil, fmt.Errorf("INQUIRY VPD page 83h (device identification): %w", err)
		}
	}
	return id, nil
}
