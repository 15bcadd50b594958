package scsi_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tapekit/tapekit/scsi"
)

func TestParseAttributes(t *testing.T) {
	// Remaining and maximum capacity (8-byte binary, read-only), the
	// manufacturer (ASCII, padded) and the barcode (ASCII, writable).
	b := unhex(t, `00 00 00 3a
		00 00 80 00 08 00 00 00 00 00 0f 42 40
		00 01 80 00 08 00 00 00 00 01 11 70 00
		04 00 81 00 08 49 42 4d 20 20 20 20 20
		08 06 01 00 20 41 42 43 31 32 33 4c 39 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20`)
	b = b[:4+0x3a]
	got, err := scsi.ParseAttributes(b)
	if err == nil {
		t.Fatalf("want an error for an attribute crossing the end, got %v", got)
	}
	// The barcode attribute is 32 bytes: 4+13+13+13+37 = 80 bytes.
	b = unhex(t, `00 00 00 4c
		00 00 80 00 08 00 00 00 00 00 0f 42 40
		00 01 80 00 08 00 00 00 00 01 11 70 00
		04 00 81 00 08 49 42 4d 20 20 20 20 20
		08 06 01 00 20 41 42 43 31 32 33 4c 39 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20`)
	got, err = scsi.ParseAttributes(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []scsi.Attribute{
		{ID: scsi.AttrRemainingCapacity, ReadOnly: true, Value: unhex(t, "00 00 00 00 00 0f 42 40")},
		{ID: scsi.AttrMaximumCapacity, ReadOnly: true, Value: unhex(t, "00 00 00 00 01 11 70 00")},
		{ID: scsi.AttrMediumManufacturer, ReadOnly: true, Format: scsi.AttrASCII, Value: []byte("IBM     ")},
		{ID: scsi.AttrBarcode, Format: scsi.AttrASCII, Value: []byte("ABC123L9                        ")},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	var strs []string
	for _, a := range got {
		strs = append(strs, scsi.AttributeName(a.ID)+"="+a.String())
	}
	wantStrs := []string{"Remaining capacity in partition=1000000", "Maximum capacity in partition=17920000", "Medium manufacturer=IBM", "Barcode=ABC123L9"}
	if d := cmp.Diff(wantStrs, strs); d != "" {
		t.Errorf("strings (-want +got):\n%s", d)
	}
	// WRITE ATTRIBUTE parameter list round trip.
	pl, err := scsi.AppendAttributes(nil, want[3])
	if err != nil {
		t.Fatal(err)
	}
	back, err := scsi.ParseAttributes(pl)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want[3:], back); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
	if got := scsi.AttributeName(0x1401); got != "Vendor-specific host attribute 1401h" {
		t.Errorf("AttributeName(1401h) = %q", got)
	}
	if _, err := scsi.ParseAttributes(unhex(t, "00 00 01 00 00 00")); !errors.Is(err, scsi.ErrTruncated) {
		t.Errorf("err = %v", err)
	}
	if _, err := scsi.ParseAttributes(unhex(t, "00 00 00 03 00 00 80")); !errors.Is(err, scsi.ErrMalformed) {
		t.Errorf("err = %v", err)
	}
}

func TestParseAttributeList(t *testing.T) {
	got, err := scsi.ParseAttributeList(unhex(t, "00 00 00 06 00 00 00 01 08 06"))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]uint16{0, 1, 0x806}, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if _, err := scsi.ParseAttributeList(unhex(t, "00 00 00 03 00 00 00")); !errors.Is(err, scsi.ErrMalformed) {
		t.Errorf("err = %v", err)
	}
}

func TestParseSupportedOpcodes(t *testing.T) {
	// READ(6) without timeouts; LOCATE(16) with a timeouts descriptor
	// (nominal 60 s, recommended 2400 s); READ ATTRIBUTE with a service
	// action.
	b := unhex(t, `00 00 00 24
		08 00 00 00 00 00 00 06
		92 00 00 00 00 02 00 10  00 0a 00 00 00 00 00 3c 00 00 09 60
		8c 00 00 00 00 01 00 10`)
	got, err := scsi.ParseSupportedOpcodes(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []scsi.SupportedCommand{
		{Opcode: 0x08, CDBLength: 6},
		{Opcode: 0x92, CDBLength: 16, HasTimeouts: true, NominalTimeout: time.Minute, RecommendedTimeout: 40 * time.Minute},
		{Opcode: 0x8c, HasServiceAction: true, CDBLength: 16},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if _, err := scsi.ParseSupportedOpcodes(unhex(t, "00 00 00 0c 92 00 00 00 00 02 00 10 00 0a 00 00")); !errors.Is(err, scsi.ErrMalformed) {
		t.Errorf("err = %v", err)
	}
}

func FuzzParseAttributes(f *testing.F) {
	f.Add(unhex(f, "00 00 00 0d 00 00 80 00 08 00 00 00 00 00 0f 42 40"))
	f.Add(unhex(f, "00 00 00 06 00 00 00 01 08 06"))
	f.Add(unhex(f, "00 00 00 14 92 00 00 00 00 02 00 10 00 0a 00 00 00 00 00 3c 00 00 09 60"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if as, err := scsi.ParseAttributes(b); err == nil {
			for _, a := range as {
				_ = a.String()
			}
			if _, err := scsi.AppendAttributes(nil, as...); err != nil {
				t.Fatal(err)
			}
		}
		scsi.ParseAttributeList(b)
		scsi.ParseSupportedOpcodes(b)
	})
}
