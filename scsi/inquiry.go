package scsi

import (
	"bytes"
	"encoding/binary"
)

// Peripheral device types (SPC-5) that tape systems meet.
const (
	TypeDisk          = 0x00
	TypeTape          = 0x01
	TypeMediumChanger = 0x08
)

// InquiryData is the standard INQUIRY data.
type InquiryData struct {
	Qualifier  byte // peripheral qualifier: 0 connected, 1 not connected, 3 no LU
	DeviceType byte // TypeTape, TypeMediumChanger, …
	Removable  bool // RMB
	Version    byte // SPC version claimed
	// Vendor, Product and Revision are the T10 vendor identification,
	// product identification and product revision level, without padding.
	Vendor, Product, Revision string
}

// ParseInquiry decodes standard INQUIRY data: at least the 36 bytes that
// hold the identification strings.
func ParseInquiry(b []byte) (*InquiryData, error) {
	const what = "INQUIRY data"
	if len(b) < 36 {
		return nil, truncated(what, len(b))
	}
	return &InquiryData{
		Qualifier:  b[0] >> 5,
		DeviceType: b[0] & 0x1F,
		Removable:  b[1]&0x80 != 0,
		Version:    b[2],
		Vendor:     asciiField(b[8:16]),
		Product:    asciiField(b[16:32]),
		Revision:   asciiField(b[32:36]),
	}, nil
}

// asciiField trims the space (and NUL) padding of a SCSI ASCII field.
func asciiField(b []byte) string {
	return string(bytes.TrimRight(bytes.TrimLeft(b, " "), " \x00"))
}

// VPD pages.
const (
	VPDSupportedPages = 0x00
	VPDUnitSerial     = 0x80
	VPDDeviceID       = 0x83
)

// vpdPage checks a VPD page header and returns its payload.
func vpdPage(b []byte, page byte, what string) ([]byte, error) {
	if len(b) < 4 {
		return nil, truncated(what, len(b))
	}
	if b[1] != page {
		return nil, malformed(what, 1, "page code %#02x, want %#02x", b[1], page)
	}
	end := 4 + int(binary.BigEndian.Uint16(b[2:4]))
	if end > len(b) {
		return nil, truncated(what, len(b))
	}
	return b[4:end], nil
}

// ParseSupportedVPD decodes VPD page 00h: the VPD page codes supported.
func ParseSupportedVPD(b []byte) ([]byte, error) {
	p, err := vpdPage(b, VPDSupportedPages, "supported VPD pages")
	if err != nil {
		return nil, err
	}
	return append([]byte(nil), p...), nil
}

// ParseUnitSerial decodes VPD page 80h: the unit serial number, without
// padding. Linux exposes the same page as the sysfs file vpd_pg80.
func ParseUnitSerial(b []byte) (string, error) {
	p, err := vpdPage(b, VPDUnitSerial, "unit serial number VPD page")
	if err != nil {
		return "", err
	}
	return asciiField(p), nil
}

// Designator is one designation descriptor of VPD page 83h.
type Designator struct {
	Protocol    byte // protocol identifier, meaningful when PIV
	CodeSet     byte // 1 binary, 2 ASCII, 3 UTF-8
	PIV         bool
	Association byte // 0 logical unit, 1 target port, 2 target device
	Type        byte // 1 T10 vendor id, 2 EUI-64, 3 NAA, 8 SCSI name string, …
	Value       []byte
}

// Designator types (SPC-5).
const (
	DesignatorVendorSpecific = 0x0
	DesignatorT10Vendor      = 0x1
	DesignatorEUI64          = 0x2
	DesignatorNAA            = 0x3
	DesignatorRelativePort   = 0x4
	DesignatorTargetPortGrp  = 0x5
	DesignatorLUGroup        = 0x6
	DesignatorMD5            = 0x7
	DesignatorSCSIName       = 0x8
)

// ParseDeviceID decodes VPD page 83h into its designation descriptors.
func ParseDeviceID(b []byte) ([]Designator, error) {
	const what = "device identification VPD page"
	p, err := vpdPage(b, VPDDeviceID, what)
	if err != nil {
		return nil, err
	}
	var ds []Designator
	for off := 0; off < len(p); {
		if off+4 > len(p) {
			return nil, malformed(what, 4+off, "designator header crosses the page end")
		}
		n := int(p[off+3])
		if off+4+n > len(p) {
			return nil, malformed(what, 4+off, "designator of %d bytes crosses the page end", n)
		}
		ds = append(ds, Designator{
			Protocol:    p[off] >> 4,
			CodeSet:     p[off] & 0x0F,
			PIV:         p[off+1]&0x80 != 0,
			Association: p[off+1] >> 4 & 0x03,
			Type:        p[off+1] & 0x0F,
			Value:       append([]byte(nil), p[off+4:off+4+n]...),
		})
		off += 4 + n
	}
	return ds, nil
}
