package smc_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/changer/smc"
)

func be16(v int) []byte { return []byte{byte(v >> 8), byte(v)} }
func be24(v int) []byte { return []byte{byte(v >> 16), byte(v >> 8), byte(v)} }

// tag is a 36-byte volume tag field: a 32-byte identifier padded with pad,
// 2 reserved bytes, a 2-byte volume sequence number.
func tag(id string, pad byte, seq int) []byte {
	f := bytes.Repeat([]byte{pad}, 32)
	copy(f, id)
	return append(append(f, 0, 0), be16(seq)...)
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// page is an element status page header (SMC-3 table 6.11.2.3).
func page(typ, tagBits byte, descLen int, descs ...[]byte) []byte {
	body := cat(descs...)
	return cat(
		[]byte{typ, tagBits}, // element type code; PVOLTAG 0x80, AVOLTAG 0x40
		be16(descLen),        // element descriptor length
		[]byte{0},            // reserved
		be24(len(body)),      // byte count of descriptor data available
		body,
	)
}

// report is the element status data header (SMC-3 table 6.11.2.2)
// followed by the pages.
func report(first, n int, pages ...[]byte) []byte {
	body := cat(pages...)
	return cat(
		be16(first),     // first element address reported
		be16(n),         // number of elements available
		[]byte{0},       // reserved
		be24(len(body)), // byte count of report available
		body,
	)
}

// sample is a READ ELEMENT STATUS response with VOLTAG and DVCID: one
// transport, two storage slots (one with an unreadable label), one I/E
// port with both tags, one drive with a T10 vendor identifier.
func sample() []byte {
	transport := cat(
		be16(0x0001),       // element address
		[]byte{0x00},       // flags: empty
		[]byte{0x00},       // reserved
		[]byte{0x00, 0x00}, // ASC, ASCQ
		[]byte{0x00, 0, 0}, // reserved
		[]byte{0x00},       // SVALID clear
		be16(0x0000),       // source storage element address
	)
	slot1 := cat(
		be16(1000),               // element address
		[]byte{0x09},             // FULL | ACCESS
		[]byte{0x00},             // reserved
		[]byte{0x00, 0x00},       // ASC, ASCQ
		[]byte{0, 0, 0},          // reserved
		[]byte{0x81},             // SVALID, medium type 1 (data)
		be16(500),                // source: drive 500
		tag("ABC123L9", ' ', 0),  // primary volume tag
		[]byte{0x00, 0x00, 0, 0}, // code set, identifier type, reserved, identifier length 0
	)
	slot2 := cat(
		be16(1001),
		[]byte{0x0D}, // FULL | EXCEPT | ACCESS
		[]byte{0x00},
		[]byte{0x83, 0x00}, // vendor ASC/ASCQ: label unreadable
		[]byte{0, 0, 0},
		[]byte{0x00},    // SVALID clear
		be16(1234),      // stale source, must be ignored
		tag("", ' ', 0), // unreadable: all spaces
		[]byte{0x00, 0x00, 0, 0},
	)
	ie := cat(
		be16(10),
		[]byte{0x3B}, // FULL | IMPEXP | ACCESS | EXENAB | INENAB
		[]byte{0x00},
		[]byte{0x00, 0x00},
		[]byte{0, 0, 0},
		[]byte{0x00},
		be16(0),
		tag("IMP001L8", 0x00, 1), // primary tag, NUL-padded, sequence 1
		tag("ALT001", ' ', 2),    // alternate tag, sequence 2
		[]byte{0x00, 0x00, 0, 0},
	)
	id := []byte("IBM     " + "ULT3580-TD8     " + "1013000123")
	drive := cat(
		be16(500),
		[]byte{0x09}, // FULL | ACCESS
		[]byte{0x00},
		[]byte{0x00, 0x00},
		[]byte{0xA0, 0x05, 0x00}, // NOT BUS, ID VALID; SCSI bus address 5; reserved
		[]byte{0x80},             // SVALID
		be16(1002),               // source: slot 1002
		tag("XYZ999L9", ' ', 0),
		[]byte{0x02, 0x01, 0x00, byte(len(id))}, // ASCII, T10 vendor id, reserved, length 34
		id,
	)
	return report(1, 5,
		page(0x01, 0x00, 12, transport),
		page(0x02, 0x80, 12+36+4, slot1, slot2),
		page(0x03, 0xC0, 12+36+36+4, ie),
		page(0x04, 0x80, 12+36+4+34, drive),
	)
}

func sampleWant() []smc.Descriptor {
	id := []byte("IBM     ULT3580-TD8     1013000123")
	return []smc.Descriptor{
		{Element: changer.Element{Type: changer.Transport, Address: 1, Accessible: true}},
		{Element: changer.Element{Type: changer.Storage, Address: 1000, Full: true, Barcode: "ABC123L9", Source: 500, SourceValid: true, Accessible: true}, MediumType: 1},
		{Element: changer.Element{Type: changer.Storage, Address: 1001, Full: true, Exception: true, ASC: 0x83, Accessible: true}},
		{Element: changer.Element{Type: changer.ImportExport, Address: 10, Full: true, Barcode: "IMP001L8", AltBarcode: "ALT001", Accessible: true},
			ImpExp: true, InEnab: true, ExEnab: true, VolumeSeq: 1, AltVolumeSeq: 2},
		{Element: changer.Element{Type: changer.DataTransfer, Address: 500, Full: true, Barcode: "XYZ999L9", Source: 1002, SourceValid: true, Accessible: true, DriveSerial: "1013000123"},
			Identifier: id, CodeSet: 2, IDType: 1},
	}
}

func TestParseElementStatus(t *testing.T) {
	b := sample()
	if len(b) != 8+20+112+96+94 {
		t.Fatalf("sample is %d bytes; the hand count says 330", len(b))
	}
	got, err := smc.ParseElementStatus(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sampleWant(), got); diff != "" {
		t.Errorf("ParseElementStatus (-want +got):\n%s", diff)
	}
	// The rest of an allocation beyond the byte count is not data.
	got, err = smc.ParseElementStatus(append(sample(), make([]byte, 100)...))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sampleWant(), got); diff != "" {
		t.Errorf("with padding (-want +got):\n%s", diff)
	}
	inv := smc.Elements(got)
	if e, ok := inv.Find("XYZ999L9"); !ok || e.DriveSerial != "1013000123" {
		t.Errorf("Elements: drive = %v, %v", e, ok)
	}
}

func TestParseElementStatusVariants(t *testing.T) {
	storage := func(addr int, flags byte) []byte {
		return cat(be16(addr), []byte{flags, 0, 0, 0, 0, 0, 0, 0}, be16(0))
	}
	tests := []struct {
		name string
		b    []byte
		want []smc.Descriptor
	}{
		{
			// SMC-2 style: no volume tags and no identifier header.
			name: "no tags, 12-byte descriptors",
			b:    report(1000, 2, page(0x02, 0x00, 12, storage(1000, 0x09), storage(1001, 0x00))),
			want: []smc.Descriptor{
				{Element: changer.Element{Type: changer.Storage, Address: 1000, Full: true, Accessible: true}},
				{Element: changer.Element{Type: changer.Storage, Address: 1001}},
			},
		},
		{
			name: "empty report",
			b:    report(0, 0),
		},
		{
			name: "empty page",
			b:    report(0, 0, page(0x04, 0x80, 0)),
		},
		{
			// A vendor-specific tail after the identifier is skipped.
			name: "serial-only identifier and vendor bytes",
			b: report(256, 1, page(0x04, 0x00, 12+4+10+6, cat(
				be16(256), []byte{0x08, 0, 0, 0, 0, 0, 0, 0}, be16(0),
				[]byte{0x02, 0x00, 0x00, 10}, []byte("SN12345678"), // ASCII, vendor specific, 10 bytes
				[]byte{1, 2, 3, 4, 5, 6}, // vendor specific
			))),
			want: []smc.Descriptor{{
				Element:    changer.Element{Type: changer.DataTransfer, Address: 256, Accessible: true, DriveSerial: "SN12345678"},
				Identifier: []byte("SN12345678"), CodeSet: 2,
			}},
		},
		{
			name: "binary identifier in hex",
			b: report(256, 1, page(0x04, 0x00, 12+4+8, cat(
				be16(256), []byte{0x08, 0, 0, 0, 0, 0, 0, 0}, be16(0),
				[]byte{0x01, 0x03, 0x00, 8}, []byte{0x50, 0x01, 0x43, 0x80, 0x00, 0x11, 0x22, 0x33}, // binary NAA
			))),
			want: []smc.Descriptor{{
				Element:    changer.Element{Type: changer.DataTransfer, Address: 256, Accessible: true, DriveSerial: "5001438000112233"},
				Identifier: []byte{0x50, 0x01, 0x43, 0x80, 0x00, 0x11, 0x22, 0x33}, CodeSet: 1, IDType: 3,
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := smc.ParseElementStatus(tt.b)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseElementStatusErrors(t *testing.T) {
	good := sample()
	mut := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	// Offsets into sample(): header 0–7; transport page header 8–15 and
	// descriptor 16–27; storage page header 28–35, descriptors 36–139;
	// I/E page header 140–147, descriptor 148–235; drive page header
	// 236–243, descriptor 244–329 with its identifier length at byte 295.
	tests := []struct {
		name string
		b    []byte
		want error
		need int
	}{
		{"empty", nil, smc.ErrTruncated, 0},
		{"header cut", good[:7], smc.ErrTruncated, 0},
		{"allocation too small", good[:200], smc.ErrTruncated, 330},
		{"last byte missing", good[:329], smc.ErrTruncated, 330},
		{"report byte count shorter than pages", mut(func(b []byte) []byte { b[7] -= 1; return b }), smc.ErrMalformed, 0},
		{"page byte count overruns report", mut(func(b []byte) []byte { b[35] += 52; return b }), smc.ErrMalformed, 0},
		{"page byte count not a multiple", mut(func(b []byte) []byte { b[31] = 51; return b }), smc.ErrMalformed, 0},
		{"descriptor too short for PVOLTAG", report(1, 1, page(0x02, 0x80, 12, make([]byte, 12))), smc.ErrMalformed, 0},
		{"descriptor too short for AVOLTAG", report(1, 1, page(0x02, 0xC0, 48, make([]byte, 48))), smc.ErrMalformed, 0},
		{"zero descriptor length", report(1, 1, page(0x02, 0x00, 0, make([]byte, 12))), smc.ErrMalformed, 0},
		{"identifier overruns descriptor", mut(func(b []byte) []byte { b[295] = 35; return b }), smc.ErrMalformed, 0},
		{"unknown element type", mut(func(b []byte) []byte { b[8] = 0x05; return b }), smc.ErrMalformed, 0},
		{"element type with high bits", mut(func(b []byte) []byte { b[8] = 0x11; return b }), smc.ErrMalformed, 0},
		{"header count disagrees", mut(func(b []byte) []byte { b[3] = 6; return b }), smc.ErrMalformed, 0},
		{"duplicate address", mut(func(b []byte) []byte { b[88], b[89] = 0x03, 0xE8; return b }), smc.ErrMalformed, 0},
		{"control byte in barcode", mut(func(b []byte) []byte { b[48+2] = 0x07; return b }), smc.ErrMalformed, 0},
		{"trailing page header cut", report(1, 0, []byte{0x02, 0x80, 0x00}), smc.ErrMalformed, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := smc.ParseElementStatus(tt.b)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ParseElementStatus = %v, %v; want %v", got, err, tt.want)
			}
			var fe *smc.FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("%T is not a *FormatError", err)
			}
			if fe.Need != tt.need {
				t.Errorf("Need = %d, want %d (%v)", fe.Need, tt.need, err)
			}
		})
	}
}
