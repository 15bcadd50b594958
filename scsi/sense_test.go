package scsi_test

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/tapekit/tapekit/scsi"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func TestDecodeSense(t *testing.T) {
	tests := []struct {
		name string
		hex  string
		want scsi.Sense
		text string
	}{
		{
			// The acceptance example: fixed format, MEDIUM ERROR 11/00.
			name: "fixed medium error",
			hex:  "70 00 03 00 00 00 00 0a 00 00 00 00 11 00 00 00 00 00",
			want: scsi.Sense{ResponseCode: 0x70, Key: scsi.KeyMediumError, ASC: 0x11, CommandSpecificValid: true},
			text: "scsi: MEDIUM ERROR: Unrecovered read error (11/00)",
		},
		{
			// Variable-block READ of 1024 bytes met a 512-byte block: ILI,
			// VALID, INFORMATION = +512 (requested minus actual).
			name: "fixed ILI short block",
			hex:  "f0 00 20 00 00 02 00 0a 00 00 00 00 00 00 00 00 00 00",
			want: scsi.Sense{ResponseCode: 0x70, Key: scsi.KeyNoSense, ILI: true, InfoValid: true, Information: 512, CommandSpecificValid: true},
			text: "scsi: NO SENSE: No additional sense information (00/00) [ILI] information 512",
		},
		{
			// A longer block than requested: negative residue -512.
			name: "fixed ILI long block",
			hex:  "f0 00 20 ff ff fe 00 0a 00 00 00 00 00 00 00 00 00 00",
			want: scsi.Sense{ResponseCode: 0x70, Key: scsi.KeyNoSense, ILI: true, InfoValid: true, Information: 0xfffffe00, CommandSpecificValid: true},
			text: "scsi: NO SENSE: No additional sense information (00/00) [ILI] information -512",
		},
		{
			name: "fixed filemark on read",
			hex:  "f0 00 80 00 00 00 01 0a 00 00 00 00 00 01 00 00 00 00",
			want: scsi.Sense{ResponseCode: 0x70, Key: scsi.KeyNoSense, Filemark: true, InfoValid: true, Information: 1, ASCQ: 1, CommandSpecificValid: true},
			text: "scsi: NO SENSE: Filemark detected (00/01) [filemark] information 1",
		},
		{
			name: "fixed blank check end of data",
			hex:  "f0 00 08 00 00 00 01 0a 00 00 00 00 00 05 00 00 00 00",
			want: scsi.Sense{ResponseCode: 0x70, Key: scsi.KeyBlankCheck, ASCQ: 5, InfoValid: true, Information: 1, CommandSpecificValid: true},
			text: "scsi: BLANK CHECK: End-of-data detected (00/05) information 1",
		},
		{
			name: "fixed early warning on write",
			hex:  "70 00 40 00 00 00 00 0a 00 00 00 00 00 02 00 00 00 00",
			want: scsi.Sense{ResponseCode: 0x70, Key: scsi.KeyNoSense, EOM: true, ASCQ: 2, CommandSpecificValid: true},
			text: "scsi: NO SENSE: End-of-partition/medium detected (00/02) [EOM]",
		},
		{
			name: "fixed no medium",
			hex:  "70 00 02 00 00 00 00 0a 00 00 00 00 3a 00 00 00 00 00",
			want: scsi.Sense{ResponseCode: 0x70, Key: scsi.KeyNotReady, ASC: 0x3a, CommandSpecificValid: true},
			text: "scsi: NOT READY: Medium not present (3a/00)",
		},
		{
			// The mhvtl STK L700 MOVE MEDIUM failure in the mtx fixture:
			// Hardware Error, ASC 04, ASCQ 03.
			name: "fixed hardware error from mtx fixture",
			hex:  "70 00 04 00 00 00 00 0a 00 00 00 00 04 03 00 00 00 00",
			want: scsi.Sense{ResponseCode: 0x70, Key: scsi.KeyHardwareError, ASC: 4, ASCQ: 3, CommandSpecificValid: true},
			text: "scsi: HARDWARE ERROR: Logical unit not ready, manual intervention required (04/03)",
		},
		{
			// Invalid field in CDB, field pointer: CDB byte 1 bit 0.
			name: "fixed illegal request with field pointer",
			hex:  "70 00 05 00 00 00 00 0a 00 00 00 00 24 00 00 c8 00 01",
			want: scsi.Sense{ResponseCode: 0x70, Key: scsi.KeyIllegalRequest, ASC: 0x24, CommandSpecificValid: true, SKSV: true, SenseKeySpecific: [3]byte{0xc8, 0, 1}},
			text: "scsi: ILLEGAL REQUEST: Invalid field in CDB (24/00)",
		},
		{
			// Padded to 96 bytes as drives return: trailing junk beyond
			// the additional length must be ignored.
			name: "fixed padded with junk",
			hex:  "70 00 06 00 00 00 00 0a 00 00 00 00 29 00 00 00 00 00" + strings.Repeat(" ff", 78),
			want: scsi.Sense{ResponseCode: 0x70, Key: scsi.KeyUnitAttention, ASC: 0x29, CommandSpecificValid: true},
			text: "scsi: UNIT ATTENTION: Power on, reset, or bus device reset occurred (29/00)",
		},
		{
			name: "fixed deferred write error",
			hex:  "71 00 03 00 00 00 00 0a 00 00 00 00 0c 00 00 00 00 00",
			want: scsi.Sense{ResponseCode: 0x71, Deferred: true, Key: scsi.KeyMediumError, ASC: 0x0c, CommandSpecificValid: true},
			text: "scsi: deferred MEDIUM ERROR: Write error (0c/00)",
		},
		{
			// Only 8 bytes: header only, no ASC. Not an error.
			name: "fixed header only",
			hex:  "70 00 06 00 00 00 00 00",
			want: scsi.Sense{ResponseCode: 0x70, Key: scsi.KeyUnitAttention},
			text: "scsi: UNIT ATTENTION: No additional sense information (00/00)",
		},
		{
			// Device announces 10 more bytes, buffer has 4.
			name: "fixed truncated",
			hex:  "70 00 03 00 00 00 00 0a 00 00 00 00",
			want: scsi.Sense{ResponseCode: 0x70, Key: scsi.KeyMediumError, CommandSpecificValid: true, Truncated: true},
			text: "scsi: MEDIUM ERROR: No additional sense information (00/00)",
		},
		{
			// Descriptor format: filemark read with stream commands and
			// information descriptors (SPC-5, SSC-5).
			name: "descriptor stream filemark",
			hex:  "72 00 00 01 00 00 00 10 00 0a 80 00 00 00 00 00 00 00 00 01 04 02 00 80",
			want: scsi.Sense{ResponseCode: 0x72, Descriptor: true, Key: scsi.KeyNoSense, ASCQ: 1, InfoValid: true, Information: 1, Filemark: true,
				Descriptors: [][]byte{{0, 0x0a, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 1}, {4, 2, 0, 0x80}}},
			text: "scsi: NO SENSE: Filemark detected (00/01) [filemark] information 1",
		},
		{
			name: "descriptor ILI negative residue and sense key specific",
			hex:  "72 00 00 00 00 00 00 24 00 0a 80 00 ff ff ff ff ff ff fc 00 04 02 00 20 02 06 00 00 80 12 34 00 01 0a 00 00 00 00 00 00 00 00 00 07",
			want: scsi.Sense{ResponseCode: 0x72, Descriptor: true, InfoValid: true, Information: 0xfffffffffffffc00, ILI: true,
				SKSV: true, SenseKeySpecific: [3]byte{0x80, 0x12, 0x34}, CommandSpecificValid: true, CommandSpecific: 7,
				Descriptors: [][]byte{{0, 0x0a, 0x80, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfc, 0}, {4, 2, 0, 0x20}, {2, 6, 0, 0, 0x80, 0x12, 0x34, 0}, {1, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7}}},
			text: "scsi: NO SENSE: No additional sense information (00/00) [ILI] information -1024",
		},
		{
			name: "descriptor block commands and truncated descriptor",
			hex:  "73 03 11 00 00 00 00 0a 05 02 00 20 00 0a 80 00",
			want: scsi.Sense{ResponseCode: 0x73, Descriptor: true, Deferred: true, Key: scsi.KeyMediumError, ASC: 0x11, ILI: true, Truncated: true,
				Descriptors: [][]byte{{5, 2, 0, 0x20}}},
			text: "scsi: deferred MEDIUM ERROR: Unrecovered read error (11/00) [ILI]",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := scsi.DecodeSense(unhex(t, tt.hex))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, *s, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("DecodeSense (-want +got):\n%s", d)
			}
			if got := (&scsi.SenseError{Sense: *s}).Error(); got != tt.text {
				t.Errorf("Error() = %q, want %q", got, tt.text)
			}
		})
	}
}

func TestDecodeSenseErrors(t *testing.T) {
	tests := []struct {
		name string
		hex  string
		want error
	}{
		{"empty", "", scsi.ErrTruncated},
		{"short fixed", "70 00 03", scsi.ErrTruncated},
		{"short descriptor", "72 00 03 11 00", scsi.ErrTruncated},
		{"bad response code", "7f 00 03 00 00 00 00 0a", scsi.ErrMalformed},
		{"zero", "00 00 00 00 00 00 00 00", scsi.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := scsi.DecodeSense(unhex(t, tt.hex))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var pe *scsi.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err %T is not a *ParseError", err)
			}
		})
	}
}

func TestSenseFieldPointerAndProgress(t *testing.T) {
	s, err := scsi.DecodeSense(unhex(t, "70 00 05 00 00 00 00 0a 00 00 00 00 24 00 00 cb 00 04"))
	if err != nil {
		t.Fatal(err)
	}
	inCDB, bitValid, bit, field, ok := s.FieldPointer()
	if d := cmp.Diff([]any{true, true, uint8(3), uint16(4), true}, []any{inCDB, bitValid, bit, field, ok}); d != "" {
		t.Errorf("FieldPointer (-want +got):\n%s", d)
	}
	if _, ok := s.Progress(); ok {
		t.Error("Progress reported for ILLEGAL REQUEST")
	}
	s, err = scsi.DecodeSense(unhex(t, "70 00 02 00 00 00 00 0a 00 00 00 00 04 07 00 80 80 00"))
	if err != nil {
		t.Fatal(err)
	}
	if done, ok := s.Progress(); !ok || done != 0x8000 {
		t.Errorf("Progress = %d, %v; want 32768, true", done, ok)
	}
}

func TestASCText(t *testing.T) {
	tests := []struct {
		asc, ascq byte
		want      string
	}{
		{0x3a, 0x00, "Medium not present"},
		{0x00, 0x05, "End-of-data detected"},
		{0x3b, 0x0d, "Medium destination element full"},
		{0x40, 0x85, "Diagnostic failure on component 85h"},
		{0x4d, 0x12, "Tagged overlapped commands (task tag 12h)"},
		{0x70, 0x03, "Decompression exception short algorithm id of 03h"},
		{0x80, 0x01, "Vendor specific ASC 80h, ASCQ 01h"},
		{0x11, 0x90, "Vendor specific ASCQ 90h for ASC 11h"},
		{0x7e, 0x00, "Unknown ASC 7Eh, ASCQ 00h"},
	}
	for _, tt := range tests {
		if got := scsi.ASCText(tt.asc, tt.ascq); got != tt.want {
			t.Errorf("ASCText(%02x, %02x) = %q, want %q", tt.asc, tt.ascq, got, tt.want)
		}
	}
}

func FuzzDecodeSense(f *testing.F) {
	for _, s := range []string{
		"70 00 03 00 00 00 00 0a 00 00 00 00 11 00 00 00 00 00",
		"f0 00 20 ff ff fe 00 0a 00 00 00 00 00 00 00 00 00 00",
		"72 00 00 01 00 00 00 10 00 0a 80 00 00 00 00 00 00 00 00 01 04 02 00 80",
		"73 00 03 11 00 00 00 0a 05 02 00 20 00 0a 80 00",
		"72 00 00 00 00 00 00 ff 02",
		"",
	} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := scsi.DecodeSense(b)
		if err != nil {
			var pe *scsi.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not a *ParseError", err)
			}
			return
		}
		_ = (&scsi.SenseError{Sense: *s}).Error()
		s.FieldPointer()
		s.Progress()
		for _, d := range s.Descriptors {
			if len(d) < 2 || len(d) != 2+int(d[1]) {
				t.Fatalf("descriptor %x has inconsistent length", d)
			}
		}
	})
}
