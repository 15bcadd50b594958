package scsi_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapekit/tapekit/scsi"
)

func TestCheckType(t *testing.T) {
	drive := scsi.InquiryData{DeviceType: scsi.TypeTape, Vendor: "IBM", Product: "ULT3580-TD8"}
	library := scsi.InquiryData{DeviceType: scsi.TypeMediumChanger, Vendor: "STK", Product: "L700"}
	for _, tc := range []struct {
		dev  scsi.InquiryData
		want byte
		msg  string // "" for a match
	}{
		{drive, scsi.TypeTape, ""},
		{library, scsi.TypeMediumChanger, ""},
		{drive, scsi.TypeMediumChanger, "scsi: the device is a tape drive (IBM ULT3580-TD8), not a medium changer"},
		{library, scsi.TypeTape, "scsi: the device is a medium changer (STK L700), not a tape drive"},
		{scsi.InquiryData{DeviceType: scsi.TypeDisk, Vendor: "ATA"}, scsi.TypeTape, "scsi: the device is a disk (ATA), not a tape drive"},
		{scsi.InquiryData{DeviceType: 0x0D}, scsi.TypeMediumChanger, "scsi: the device is an enclosure services device, not a medium changer"},
		{scsi.InquiryData{DeviceType: 0x1B}, scsi.TypeTape, "scsi: the device is a device of peripheral type 0x1b, not a tape drive"},
		// The right type behind a port that has no such unit connected.
		{scsi.InquiryData{Qualifier: 1, DeviceType: scsi.TypeTape, Vendor: "IBM", Product: "ULT3580-TD8"}, scsi.TypeTape, "scsi: the device is a tape drive (IBM ULT3580-TD8) that is not connected, not a tape drive"},
		{scsi.InquiryData{Qualifier: 3, DeviceType: 0x1F}, scsi.TypeMediumChanger, "scsi: the device is no logical unit, not a medium changer"},
	} {
		err := tc.dev.CheckType(tc.want)
		if tc.msg == "" {
			if err != nil {
				t.Errorf("%+v checked as type %d: %v", tc.dev, tc.want, err)
			}
			continue
		}
		var te *scsi.DeviceTypeError
		if !errors.As(err, &te) || !errors.Is(err, scsi.ErrDeviceType) || te.Want != tc.want || te.Device != tc.dev {
			t.Errorf("%+v checked as type %d: %#v, want a *DeviceTypeError", tc.dev, tc.want, err)
			continue
		}
		if d := cmp.Diff(tc.msg, err.Error()); d != "" {
			t.Errorf("message (-want +got):\n%s", d)
		}
	}
}

// inquirer answers INQUIRY with the LTO-9 data, after unitAttentions
// UNIT ATTENTIONs.
type inquirer struct {
	t              *testing.T
	unitAttentions int
	sent           int
}

func (q *inquirer) Do(ctx context.Context, cmd *scsi.Command) (scsi.Result, error) {
	q.sent++
	if d := cmp.Diff(scsi.Inquiry(false, 0, uint16(len(cmd.Data))), cmd.CDB); d != "" || cmd.Direction != scsi.DirIn {
		return scsi.Result{}, fmt.Errorf("not a standard INQUIRY: % x", cmd.CDB)
	}
	if q.sent <= q.unitAttentions {
		ua := unhex(q.t, "70 00 06 00 00 00 00 0a 00 00 00 00 29 00 00 00 00 00")
		return scsi.Result{Status: scsi.StatusCheckCondition, Sense: ua, Residual: len(cmd.Data)}, nil
	}
	n := copy(cmd.Data, unhex(q.t, inquiryLTO9))
	return scsi.Result{Status: scsi.StatusGood, Residual: len(cmd.Data) - n}, nil
}

func TestInquire(t *testing.T) {
	ctx := context.Background()
	q := &inquirer{t: t, unitAttentions: 3}
	got, err := scsi.Inquire(ctx, q)
	if err != nil || got.DeviceType != scsi.TypeTape || got.Product != "ULT3580-TD9" || q.sent != 4 {
		t.Fatalf("Inquire after 3 unit attentions: %+v, %v (%d sent)", got, err, q.sent)
	}
	q = &inquirer{t: t, unitAttentions: 4}
	var se *scsi.SenseError
	if _, err := scsi.Inquire(ctx, q); !errors.As(err, &se) || se.Sense.Key != scsi.KeyUnitAttention || q.sent != 4 {
		t.Fatalf("Inquire after 4 unit attentions: %v (%d sent), want the unit attention after 4", err, q.sent)
	}
}

func ExampleInquiryData_CheckType() {
	// What an LTO-8 drive's standard INQUIRY data says, checked by a
	// program that wants the library's medium changer.
	drive := scsi.InquiryData{DeviceType: scsi.TypeTape, Vendor: "IBM", Product: "ULT3580-TD8"}
	err := drive.CheckType(scsi.TypeMediumChanger)
	var te *scsi.DeviceTypeError
	if errors.As(err, &te) {
		fmt.Println(err)
		fmt.Println("it is a", scsi.DeviceTypeName(te.Device.DeviceType))
	}
	// Output:
	// scsi: the device is a tape drive (IBM ULT3580-TD8), not a medium changer
	// it is a tape drive
}
