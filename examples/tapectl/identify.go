package main

import (
	"context"
	"fmt"
	"slices"

	"github.com/tapekit/tapekit/internal/devices"
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

// inquiryAlloc is the allocation length of tapectl's INQUIRYs: enough for
// the standard data and the VPD pages it shows.
const inquiryAlloc = 252

// identify reads a device's identity. The VPD pages are optional in
// SPC, so a page the device does not list is left out, not an error.
func identify(ctx context.Context, t scsi.Transport) (*identity, error) {
	b, err := scsi.InquiryPage(ctx, t, false, 0, inquiryAlloc)
	if err != nil {
		return nil, fmt.Errorf("INQUIRY: %w", err)
	}
	std, err := scsi.ParseInquiry(b)
	if err != nil {
		return nil, fmt.Errorf("INQUIRY: %w", err)
	}
	id := &identity{InquiryData: *std}
	if b, err = scsi.InquiryPage(ctx, t, true, scsi.VPDSupportedPages, inquiryAlloc); err == nil {
		id.Pages, err = scsi.ParseSupportedVPD(b)
	}
	if err != nil {
		return nil, fmt.Errorf("INQUIRY VPD page 00h (supported pages): %w", err)
	}
	if slices.Contains(id.Pages, scsi.VPDUnitSerial) {
		if id.Serial, err = devices.UnitSerial(ctx, t); err != nil {
			return nil, err
		}
	}
	if slices.Contains(id.Pages, scsi.VPDDeviceID) {
		if b, err = scsi.InquiryPage(ctx, t, true, scsi.VPDDeviceID, inquiryAlloc); err == nil {
			id.Designators, err = scsi.ParseDeviceID(b)
		}
		if err != nil {
			return nil, fmt.Errorf("INQUIRY VPD page 83h (device identification): %w", err)
		}
	}
	return id, nil
}
