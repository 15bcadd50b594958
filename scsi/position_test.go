package scsi_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapekit/tapekit/scsi"
)

func TestParseReadPosition(t *testing.T) {
	tests := []struct {
		name  string
		parse func([]byte) (*scsi.Position, error)
		hex   string
		want  scsi.Position
	}{
		{"short at BOP", scsi.ParseReadPositionShort,
			"b4 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
			scsi.Position{BOP: true, ObjectCountUnknown: true, ByteCountUnknown: true, PositionUnknown: true}},
		{"short mid tape with buffer", scsi.ParseReadPositionShort,
			"00 01 00 00 00 00 03 e8 00 00 03 e0 00 00 00 08 00 20 00 00",
			scsi.Position{Partition: 1, FirstObject: 1000, LastObject: 992, BufferedObjects: 8, BufferedBytes: 0x200000}},
		{"short overflow", scsi.ParseReadPositionShort,
			"42 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
			scsi.Position{EOP: true, PERR: true}},
		{"long", scsi.ParseReadPositionLong,
			"01 00 00 00 00 00 00 02 00 00 00 01 00 00 00 05 00 00 00 00 00 00 00 03 00 00 00 00 00 00 00 00",
			scsi.Position{BPEW: true, Partition: 2, FirstObject: 1<<32 | 5, File: 3}},
		{"long unknown", scsi.ParseReadPositionLong,
			"8c 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
			scsi.Position{BOP: true, FileUnknown: true, PositionUnknown: true}},
		{"extended", scsi.ParseReadPositionExtended,
			"00 01 00 1c 00 00 00 02 00 00 00 01 00 00 00 00 00 00 00 00 ff ff ff fe 00 00 00 00 00 04 00 00",
			scsi.Position{Partition: 1, BufferedObjects: 2, FirstObject: 1 << 32, LastObject: 0xfffffffe, BufferedBytes: 0x40000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.parse(unhex(t, tt.hex))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, *got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
	if _, err := scsi.ParseReadPositionShort(make([]byte, 19)); !errors.Is(err, scsi.ErrTruncated) {
		t.Errorf("short: %v", err)
	}
	if _, err := scsi.ParseReadPositionLong(make([]byte, 31)); !errors.Is(err, scsi.ErrTruncated) {
		t.Errorf("long: %v", err)
	}
	if _, err := scsi.ParseReadPositionExtended(unhex(t, "00 00 00 04 00 00 00 00")); !errors.Is(err, scsi.ErrMalformed) {
		t.Errorf("extended bad length: %v", err)
	}
	if _, err := scsi.ParseReadPositionExtended(unhex(t, "00 00 00 1c 00 00 00 00")); !errors.Is(err, scsi.ErrTruncated) {
		t.Errorf("extended truncated: %v", err)
	}
}

func TestParseBlockLimits(t *testing.T) {
	// LTO: granularity 0, max 8 MiB, min 1.
	got, err := scsi.ParseBlockLimits(unhex(t, "00 80 00 00 00 01"))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(&scsi.BlockLimits{MaxLength: 8 << 20, MinLength: 1}, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	got, err = scsi.ParseBlockLimits(unhex(t, "e2 ff ff ff 00 04"))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(&scsi.BlockLimits{Granularity: 2, MaxLength: 1<<24 - 1, MinLength: 4}, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if _, err := scsi.ParseBlockLimits([]byte{0, 1}); !errors.Is(err, scsi.ErrTruncated) {
		t.Errorf("err = %v", err)
	}
}

func densityDesc(primary byte, flags byte, bpmm uint32, width, tracks uint16, capMB uint32, org, name, desc string) string {
	pad := func(s string, n int) []byte {
		b := []byte(s)
		for len(b) < n {
			b = append(b, ' ')
		}
		return b
	}
	b := []byte{primary, primary, flags, 0, 0x31, byte(bpmm >> 16), byte(bpmm >> 8), byte(bpmm),
		byte(width >> 8), byte(width), byte(tracks >> 8), byte(tracks),
		byte(capMB >> 24), byte(capMB >> 16), byte(capMB >> 8), byte(capMB)}
	b = append(b, pad(org, 8)...)
	b = append(b, pad(name, 8)...)
	b = append(b, pad(desc, 20)...)
	return hexString(b)
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 3*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15], ' ')
	}
	return string(out)
}

func TestParseDensitySupport(t *testing.T) {
	// LTO-9 and LTO-8 density descriptors as an LTO-9 drive reports them
	// for the loaded medium (capacities in 10^6 bytes).
	b := unhex(t, "00 6a 00 00 "+
		densityDesc(0x60, 0xa0, 20669, 127, 8960, 18000000, "LTO-CVE", "U-932", "Ultrium 9/16T")+
		densityDesc(0x5e, 0x80, 19094, 127, 6656, 12000000, "LTO-CVE", "U-832", "Ultrium 8/16T"))
	got, err := scsi.ParseDensitySupport(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []scsi.Density{
		{PrimaryCode: 0x60, SecondaryCode: 0x60, WriteOK: true, Default: true, BitsPerMM: 20669, MediaWidth: 127, Tracks: 8960, Capacity: 18000000, Organization: "LTO-CVE", Name: "U-932", Description: "Ultrium 9/16T"},
		{PrimaryCode: 0x5e, SecondaryCode: 0x5e, WriteOK: true, BitsPerMM: 19094, MediaWidth: 127, Tracks: 6656, Capacity: 12000000, Organization: "LTO-CVE", Name: "U-832", Description: "Ultrium 8/16T"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if _, err := scsi.ParseDensitySupport(unhex(t, "00 06 00 00 01 02 03 04")); !errors.Is(err, scsi.ErrMalformed) {
		t.Errorf("odd length err = %v", err)
	}
	if _, err := scsi.ParseDensitySupport(unhex(t, "00 36 00 00 01 02")); !errors.Is(err, scsi.ErrTruncated) {
		t.Errorf("truncated err = %v", err)
	}
}

func FuzzParsePositionLimitsDensity(f *testing.F) {
	f.Add(unhex(f, "00 01 00 1c 00 00 00 02 00 00 00 01 00 00 00 00 00 00 00 00 ff ff ff fe 00 00 00 00 00 04 00 00"))
	f.Add(unhex(f, "00 80 00 00 00 01"))
	f.Add(unhex(f, "00 36 00 00 "+densityDesc(0x60, 0xa0, 20669, 127, 8960, 18000000, "LTO-CVE", "U-932", "Ultrium 9/16T")))
	f.Fuzz(func(t *testing.T, b []byte) {
		scsi.ParseReadPositionShort(b)
		scsi.ParseReadPositionLong(b)
		scsi.ParseReadPositionExtended(b)
		scsi.ParseBlockLimits(b)
		if _, err := scsi.ParseDensitySupport(b); err != nil && !errors.As(err, new(*scsi.ParseError)) {
			t.Fatalf("error %T is not a *ParseError", err)
		}
	})
}
