package scsi_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapekit/tapekit/scsi"
)

// Standard INQUIRY of an IBM LTO drive laid out per SPC-5: removable
// sequential-access device, SPC-4, "IBM     ", "ULT3580-TD9     ", "Q3F5".
const inquiryLTO9 = `01 80 06 02 5b 00 00 02
	49 42 4d 20 20 20 20 20
	55 4c 54 33 35 38 30 2d 54 44 39 20 20 20 20 20
	51 33 46 35
	31 30 57 54 30 30 30 30 30 30 00 00`

func TestParseInquiry(t *testing.T) {
	got, err := scsi.ParseInquiry(unhex(t, inquiryLTO9))
	if err != nil {
		t.Fatal(err)
	}
	want := &scsi.InquiryData{DeviceType: scsi.TypeTape, Removable: true, Version: 6, Vendor: "IBM", Product: "ULT3580-TD9", Revision: "Q3F5"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	// A medium changer: STK L700.
	chg := "08 80 05 02 1f 00 00 00 53 54 4b 20 20 20 20 20 4c 37 30 30 20 20 20 20 20 20 20 20 20 20 20 20 30 31 30 36"
	got, err = scsi.ParseInquiry(unhex(t, chg))
	if err != nil {
		t.Fatal(err)
	}
	want = &scsi.InquiryData{DeviceType: scsi.TypeMediumChanger, Removable: true, Version: 5, Vendor: "STK", Product: "L700", Revision: "0106"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if _, err := scsi.ParseInquiry(unhex(t, "01 80 06 02 5b 00 00 02")); !errors.Is(err, scsi.ErrTruncated) {
		t.Errorf("short: err = %v", err)
	}
}

func TestParseVPD(t *testing.T) {
	pages, err := scsi.ParseSupportedVPD(unhex(t, "01 00 00 04 00 80 83 b0"))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]byte{0, 0x80, 0x83, 0xb0}, pages); d != "" {
		t.Errorf("supported (-want +got):\n%s", d)
	}
	serial, err := scsi.ParseUnitSerial(unhex(t, "01 80 00 0c 20 20 31 30 57 54 30 31 32 33 34 35"))
	if err != nil {
		t.Fatal(err)
	}
	if serial != "10WT012345" {
		t.Errorf("serial = %q", serial)
	}
	// Device identification: a T10 vendor id (ASCII) and an NAA
	// designator (binary), logical unit association.
	ids, err := scsi.ParseDeviceID(unhex(t, `01 83 00 24
		02 01 00 14 49 42 4d 20 20 20 20 20 55 4c 54 33 35 38 30 2d 54 44 39 20
		01 03 00 08 50 05 07 63 12 34 56 78`))
	if err != nil {
		t.Fatal(err)
	}
	want := []scsi.Designator{
		{CodeSet: 2, Type: scsi.DesignatorT10Vendor, Value: []byte("IBM     ULT3580-TD9 ")},
		{CodeSet: 1, Type: scsi.DesignatorNAA, Value: unhex(t, "50 05 07 63 12 34 56 78")},
	}
	if d := cmp.Diff(want, ids); d != "" {
		t.Errorf("device id (-want +got):\n%s", d)
	}
	// A target port designator with PIV (SAS, relative port 1).
	ids, err = scsi.ParseDeviceID(unhex(t, "01 83 00 08 61 94 00 04 00 00 00 01"))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]scsi.Designator{{Protocol: 6, CodeSet: 1, PIV: true, Association: 1, Type: scsi.DesignatorRelativePort, Value: []byte{0, 0, 0, 1}}}, ids); d != "" {
		t.Errorf("port (-want +got):\n%s", d)
	}

	for name, tc := range map[string]struct {
		f    func([]byte) error
		hex  string
		want error
	}{
		"wrong page":         {func(b []byte) error { _, err := scsi.ParseUnitSerial(b); return err }, "01 83 00 00", scsi.ErrMalformed},
		"serial truncated":   {func(b []byte) error { _, err := scsi.ParseUnitSerial(b); return err }, "01 80 00 10 31 32", scsi.ErrTruncated},
		"designator overrun": {func(b []byte) error { _, err := scsi.ParseDeviceID(b); return err }, "01 83 00 06 01 03 00 08 50 05", scsi.ErrMalformed},
		"header overrun":     {func(b []byte) error { _, err := scsi.ParseDeviceID(b); return err }, "01 83 00 02 01 03", scsi.ErrMalformed},
		"short header":       {func(b []byte) error { _, err := scsi.ParseSupportedVPD(b); return err }, "01 00", scsi.ErrTruncated},
	} {
		if err := tc.f(unhex(t, tc.hex)); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", name, err, tc.want)
		}
	}
}

func FuzzParseInquiry(f *testing.F) {
	f.Add(unhex(f, inquiryLTO9))
	f.Add(unhex(f, "01 83 00 08 61 94 00 04 00 00 00 01"))
	f.Add(unhex(f, "01 80 00 0c 20 20 31 30 57 54 30 31 32 33 34 35"))
	f.Fuzz(func(t *testing.T, b []byte) {
		scsi.ParseInquiry(b)
		scsi.ParseSupportedVPD(b)
		scsi.ParseUnitSerial(b)
		if ds, err := scsi.ParseDeviceID(b); err == nil {
			n := 0
			for _, d := range ds {
				n += 4 + len(d.Value)
			}
			if n != len(b)-4 && n != int(b[2])<<8|int(b[3]) {
				t.Fatalf("designators cover %d bytes of a %d-byte page", n, len(b)-4)
			}
		}
	})
}
