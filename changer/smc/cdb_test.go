package smc_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/changer/smc"
)

func TestCDBs(t *testing.T) {
	res := func(r smc.ReadElementStatus) []byte {
		t.Helper()
		c, err := r.CDB()
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := []struct {
		name      string
		got, want []byte
	}{
		{
			name: "READ ELEMENT STATUS, all types, barcodes, drive ids",
			got:  res(smc.ReadElementStatus{Start: 0, Count: 0xFFFF, AllocationLength: 0x012345, VolTag: true, DVCID: true}),
			want: []byte{
				0xB8,       // operation code
				0x10,       // VOLTAG, element type code 0 (all)
				0x00, 0x00, // starting element address
				0xFF, 0xFF, // number of elements
				0x01,             // DVCID
				0x01, 0x23, 0x45, // allocation length
				0x00, // reserved
				0x00, // control
			},
		},
		{
			name: "READ ELEMENT STATUS, drives from 500, current data",
			got:  res(smc.ReadElementStatus{Type: changer.DataTransfer, Start: 500, Count: 4, AllocationLength: 1024, CurData: true}),
			want: []byte{0xB8, 0x04, 0x01, 0xF4, 0x00, 0x04, 0x02, 0x00, 0x04, 0x00, 0x00, 0x00},
		},
		{
			name: "MOVE MEDIUM transport 1, 1001 to 502",
			got:  smc.MoveMediumCDB(1, 1001, 502, false),
			want: []byte{
				0xA5, 0x00,
				0x00, 0x01, // medium transport address
				0x03, 0xE9, // source address
				0x01, 0xF6, // destination address
				0x00, 0x00, // reserved
				0x00, // INVERT clear
				0x00, // control
			},
		},
		{
			name: "MOVE MEDIUM inverted",
			got:  smc.MoveMediumCDB(0, 0x1234, 0xABCD, true),
			want: []byte{0xA5, 0, 0, 0, 0x12, 0x34, 0xAB, 0xCD, 0, 0, 0x01, 0},
		},
		{
			name: "EXCHANGE MEDIUM",
			got:  smc.ExchangeMediumCDB(1, 1000, 500, 1000, false, true),
			want: []byte{
				0xA6, 0x00,
				0x00, 0x01, // medium transport address
				0x03, 0xE8, // source address
				0x01, 0xF4, // first destination address
				0x03, 0xE8, // second destination address
				0x02, // INV2
				0x00, // control
			},
		},
		{
			name: "INITIALIZE ELEMENT STATUS",
			got:  smc.InitializeElementStatusCDB(),
			want: []byte{0x07, 0, 0, 0, 0, 0},
		},
		{
			name: "INITIALIZE ELEMENT STATUS WITH RANGE, fast",
			got:  smc.InitializeElementStatusWithRangeCDB(1000, 40, true),
			want: []byte{
				0x37,
				0x03,       // FAST, RANGE
				0x03, 0xE8, // starting element address
				0x00, 0x00, // reserved
				0x00, 0x28, // number of elements
				0x00, // reserved
				0x00, // control
			},
		},
		{
			name: "POSITION TO ELEMENT",
			got:  smc.PositionToElementCDB(1, 10, false),
			want: []byte{0x2B, 0x00, 0x00, 0x01, 0x00, 0x0A, 0x00, 0x00, 0x00, 0x00},
		},
		{
			// The CDB of the fixture: sg_raw /dev/sg10 1a 08 1d 00 ff 00.
			name: "MODE SENSE(6) page 0x1D",
			got:  smc.ModeSense6CDB(smc.PageElementAddressAssignment, 0xFF),
			want: []byte{0x1A, 0x08, 0x1D, 0x00, 0xFF, 0x00},
		},
		{
			name: "MODE SENSE(10) page 0x1D",
			got:  smc.ModeSense10CDB(smc.PageElementAddressAssignment, 0x0100),
			want: []byte{0x5A, 0x08, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00},
		},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, tt.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestReadElementStatusCDBErrors(t *testing.T) {
	for _, r := range []smc.ReadElementStatus{
		{Type: 5},
		{AllocationLength: 0x1000000},
	} {
		if c, err := r.CDB(); !errors.Is(err, smc.ErrInvalidArgument) {
			t.Errorf("%+v.CDB() = % x, %v; want ErrInvalidArgument", r, c, err)
		}
	}
}
