package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/tapekit/tapekit/scsi"
)

func init() {
	register(&command{
		name:    "inquiry",
		usage:   "[DRIVE] [-json]",
		summary: "show what DRIVE says of itself: vendor, product, revision, serial, device identifiers (like sg_inq)",
		run:     runInquiry,
	})
}

// inquiryJSON is `inquiry -json`. Source says where the data comes from:
// "inquiry" (INQUIRY and its VPD pages, over SCSI) or "status" (the
// drive's status, for drives not reached through SCSI).
type inquiryJSON struct {
	Drive       int              `json:"drive"`
	Device      string           `json:"device,omitempty"`
	Source      string           `json:"source"`
	Vendor      string           `json:"vendor"`
	Product     string           `json:"product"`
	Revision    string           `json:"revision"`
	Serial      string           `json:"serial"`
	DeviceType  string           `json:"device_type"`
	Removable   bool             `json:"removable"`
	VPDPages    []string         `json:"vpd_pages,omitempty"`
	Designators []designatorJSON `json:"designators,omitempty"`
}

type designatorJSON struct {
	Type        string `json:"type"`
	Association string `json:"association"`
	CodeSet     string `json:"code_set"`
	Value       string `json:"value"`
}

func runInquiry(ctx context.Context, e *env, args []string) (err error) {
	fs := flag.NewFlagSet("inquiry", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the drive's identity as one JSON object")
	args, err = parseArgs(fs, args)
	if err != nil {
		return err
	}
	drive, _, err := driveArgs(e, args, 0, 0)
	if err != nil {
		return err
	}
	lib, err := openLibrary(ctx, e)
	if err != nil {
		return err
	}
	defer closeLibrary(lib, &err)
	if drive, err = lib.driveNumber(ctx, drive); err != nil {
		return err
	}
	var out inquiryJSON
	if lib.scsi == nil {
		out, err = inquiryFromStatus(ctx, lib, drive)
	} else {
		out, err = inquiryFromSCSI(ctx, lib, drive)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		b, err := json.MarshalIndent(out, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(e.stdout, "%s\n", b)
		return err
	}
	return writeInquiry(e.stdout, out)
}

// inquiryFromSCSI sends INQUIRY and reads VPD pages 00h, 80h and 83h
// straight through the transport, not through the tape driver: this is
// what the device says, whatever a driver makes of it.
func inquiryFromSCSI(ctx context.Context, lib *library, drive int) (inquiryJSON, error) {
	el, err := lib.driveElement(ctx, drive)
	if err != nil {
		return inquiryJSON{}, err
	}
	t, dev, err := lib.scsi(ctx, drive, el)
	if err != nil {
		return inquiryJSON{}, err
	}
	defer closeTransport(t)
	id, err := identify(ctx, t)
	if err != nil {
		return inquiryJSON{}, fmt.Errorf("drive %d (%s): %w", drive, dev, err)
	}
	out := inquiryJSON{
		Drive: drive, Device: dev, Source: "inquiry",
		Vendor: id.Vendor, Product: id.Product, Revision: id.Revision, Serial: id.Serial,
		DeviceType: typeName(id.DeviceType), Removable: id.Removable,
	}
	for _, p := range id.Pages {
		out.VPDPages = append(out.VPDPages, fmt.Sprintf("%02x", p))
	}
	for _, d := range id.Designators {
		out.Designators = append(out.Designators, designatorJSON{
			Type: designatorType(d.Type), Association: association(d.Association),
			CodeSet: codeSet(d.CodeSet), Value: designatorValue(d),
		})
	}
	return out, nil
}

// inquiryFromStatus serves drives tapectl does not reach through SCSI
// (-sim): their status carries the same identity, without VPD pages.
func inquiryFromStatus(ctx context.Context, lib *library, drive int) (inquiryJSON, error) {
	d, el, err := lib.openDrive(ctx, drive)
	if err != nil {
		return inquiryJSON{}, err
	}
	st, err := d.Status(ctx)
	if err != nil {
		return inquiryJSON{}, explainDrive(drive, el.Barcode, err)
	}
	return inquiryJSON{
		Drive: drive, Source: "status",
		Vendor: st.Vendor, Product: st.Product, Revision: st.Revision, Serial: st.Serial,
		DeviceType: "tape", Removable: true,
	}, nil
}

func writeInquiry(w io.Writer, in inquiryJSON) error {
	var b strings.Builder
	line := func(k, format string, args ...any) {
		fmt.Fprintf(&b, "%-16s%s\n", k+":", fmt.Sprintf(format, args...))
	}
	if in.Device != "" {
		fmt.Fprintf(&b, "Drive %d (%s)\n", in.Drive, in.Device)
	} else {
		fmt.Fprintf(&b, "Drive %d\n", in.Drive)
	}
	line("Vendor", "%s", in.Vendor)
	line("Product", "%s", in.Product)
	line("Revision", "%s", in.Revision)
	line("Serial", "%s", dash(in.Serial))
	line("Device type", "%s", in.DeviceType)
	if in.Source == "status" {
		b.WriteString("(from the drive's status: this drive is not reached through SCSI, so there are no VPD pages; -f sim-sg:DIR:N reaches a simulated drive through its SCSI target)\n")
	} else {
		line("VPD pages", "%s", strings.Join(in.VPDPages, " "))
	}
	for _, d := range in.Designators {
		line("Identifier", "%s (%s, %s): %s", d.Type, d.Association, d.CodeSet, d.Value)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func designatorType(t byte) string {
	switch t {
	case scsi.DesignatorVendorSpecific:
		return "vendor specific"
	case scsi.DesignatorT10Vendor:
		return "T10 vendor ID"
	case scsi.DesignatorEUI64:
		return "EUI-64"
	case scsi.DesignatorNAA:
		return "NAA"
	case scsi.DesignatorRelativePort:
		return "relative target port"
	case scsi.DesignatorTargetPortGrp:
		return "target port group"
	case scsi.DesignatorLUGroup:
		return "logical unit group"
	case scsi.DesignatorMD5:
		return "MD5 logical unit"
	case scsi.DesignatorSCSIName:
		return "SCSI name string"
	}
	return fmt.Sprintf("type %d", t)
}

func association(a byte) string {
	switch a {
	case 0:
		return "logical unit"
	case 1:
		return "target port"
	case 2:
		return "target device"
	}
	return fmt.Sprintf("association %d", a)
}

func codeSet(c byte) string {
	switch c {
	case 1:
		return "binary"
	case 2:
		return "ASCII"
	case 3:
		return "UTF-8"
	}
	return fmt.Sprintf("code set %d", c)
}

// designatorValue prints text designators as text and others in hex, as
// sg_inq does; text with unprintable bytes is shown in hex too, so that a
// device cannot write control characters to the terminal.
func designatorValue(d scsi.Designator) string {
	if d.CodeSet == 2 || d.CodeSet == 3 {
		s := strings.TrimRight(string(d.Value), " \x00")
		if strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) < 0 {
			return s
		}
	}
	return hex.EncodeToString(d.Value)
}
