package scsi_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapekit/tapekit/scsi"
)

// tapeAlertPage builds page 2Eh as the IBM/SSC layout gives it: 64
// parameters 0001h..0040h, control 40h (DS), length 1, value bit 0.
func tapeAlertPage(set ...int) []byte {
	b := []byte{0x2e, 0x00, 0x01, 0x40}
	for n := 1; n <= 64; n++ {
		v := byte(0)
		for _, s := range set {
			if s == n {
				v = 1
			}
		}
		b = append(b, 0x00, byte(n), 0x40, 0x01, v)
	}
	return b
}

func TestTapeAlertsFromLog(t *testing.T) {
	tests := []struct {
		name string
		page []byte
		want uint64
	}{
		{"none", tapeAlertPage(), 0},
		{"clean now and media", tapeAlertPage(4, 20), 1<<3 | 1<<19},
		{"first and last", tapeAlertPage(1, 64), 1 | 1<<63},
		// A drive that lists only the flags it supports, plus a vendor
		// parameter 8000h that must be ignored.
		{"sparse", unhex(t, "2e 00 00 0f  00 03 40 01 01  00 09 40 01 00  80 00 40 01 01"), 1 << 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := scsi.TapeAlertsFromLog(tt.page)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %#x, want %#x", got, tt.want)
			}
		})
	}
}

func TestTapeAlertsFromLogErrors(t *testing.T) {
	tests := []struct {
		name string
		hex  string
		want error
	}{
		{"wrong page", "02 00 00 05 00 03 40 01 01", scsi.ErrMalformed},
		{"page length past buffer", "2e 00 01 40 00 01 40 01 00", scsi.ErrTruncated},
		{"parameter past page", "2e 00 00 05 00 01 40 02 00", scsi.ErrMalformed},
		{"empty flag value", "2e 00 00 04 00 01 40 00", scsi.ErrMalformed},
		{"short header", "2e 00", scsi.ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := scsi.TapeAlertsFromLog(unhex(t, tt.hex))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestTapeAlertFlag(t *testing.T) {
	var got []scsi.TapeAlertInfo
	for _, n := range []int{1, 4, 11, 20, 47, 55, 60, 64} {
		info, ok := scsi.TapeAlertFlag(n)
		if !ok {
			t.Fatalf("flag %d not found", n)
		}
		got = append(got, info)
	}
	want := []scsi.TapeAlertInfo{
		{1, "Read warning", scsi.SeverityWarning},
		{4, "Media", scsi.SeverityCritical},
		{11, "Cleaning media", scsi.SeverityInformation},
		{20, "Clean now", scsi.SeverityCritical},
		{47, "Reserved", scsi.SeverityInformation},
		{55, "Loading failure", scsi.SeverityCritical},
		{60, "WORM medium - overwrite attempted", scsi.SeverityWarning},
		{64, "Reserved", scsi.SeverityInformation},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	for _, n := range []int{0, 65, -1} {
		if _, ok := scsi.TapeAlertFlag(n); ok {
			t.Errorf("flag %d reported ok", n)
		}
	}
}

func TestParseLogPage(t *testing.T) {
	// Read error counters (03h) with 2-, 4- and 8-byte counters and a
	// vendor parameter 8000h.
	b := unhex(t, `03 00 00 26
		00 00 60 02 00 05
		00 02 60 04 00 00 01 00
		00 05 60 08 00 00 00 01 00 00 00 00
		00 06 60 01 02
		80 00 60 03 aa bb cc`)
	lp, err := scsi.ParseLogPage(b)
	if err != nil {
		t.Fatal(err)
	}
	want := &scsi.LogPage{Page: 3, Params: []scsi.LogParameter{
		{Code: 0, Control: 0x60, Value: []byte{0, 5}},
		{Code: 2, Control: 0x60, Value: []byte{0, 0, 1, 0}},
		{Code: 5, Control: 0x60, Value: []byte{0, 0, 0, 1, 0, 0, 0, 0}},
		{Code: 6, Control: 0x60, Value: []byte{2}},
		{Code: 0x8000, Control: 0x60, Value: []byte{0xaa, 0xbb, 0xcc}},
	}}
	if d := cmp.Diff(want, lp); d != "" {
		t.Errorf("ParseLogPage (-want +got):\n%s", d)
	}
	ec, err := scsi.ParseErrorCounters(b)
	if err != nil {
		t.Fatal(err)
	}
	wantEC := &scsi.ErrorCounters{Page: 3, CorrectedNoDelay: 5, Retries: 256, Bytes: 1 << 32, Uncorrected: 2, Present: 1<<0 | 1<<2 | 1<<5 | 1<<6}
	if d := cmp.Diff(wantEC, ec); d != "" {
		t.Errorf("ParseErrorCounters (-want +got):\n%s", d)
	}
	if _, err := scsi.ParseErrorCounters(tapeAlertPage()); !errors.Is(err, scsi.ErrMalformed) {
		t.Errorf("ParseErrorCounters(2Eh) err = %v, want ErrMalformed", err)
	}
	if _, err := scsi.ParseErrorCounters(unhex(t, "02 00 00 0d 00 01 60 09 01 02 03 04 05 06 07 08 09")); !errors.Is(err, scsi.ErrMalformed) {
		t.Errorf("9-byte counter err = %v, want ErrMalformed", err)
	}
}

func TestParseSupportedLogPages(t *testing.T) {
	got, err := scsi.ParseSupportedLogPages(unhex(t, "00 00 00 06 00 02 03 0c 2e 31"))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]byte{0, 2, 3, 0x0c, 0x2e, 0x31}, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if _, err := scsi.ParseSupportedLogPages(unhex(t, "00 00 00 08 00 02")); !errors.Is(err, scsi.ErrTruncated) {
		t.Errorf("err = %v, want ErrTruncated", err)
	}
	if _, err := scsi.ParseSupportedLogPages(unhex(t, "2e 00 00 00")); !errors.Is(err, scsi.ErrMalformed) {
		t.Errorf("err = %v, want ErrMalformed", err)
	}
}

func FuzzParseLogPage(f *testing.F) {
	f.Add(tapeAlertPage(3, 20))
	f.Add(unhex(f, "03 00 00 0a 00 00 60 02 00 05 00 06 60 00"))
	f.Add(unhex(f, "00 00 00 03 00 02 2e"))
	f.Add(unhex(f, "2e 00 00 05 00 01 40 09 00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if lp, err := scsi.ParseLogPage(b); err == nil {
			for _, p := range lp.Params {
				p.Uint()
			}
		} else if !errors.As(err, new(*scsi.ParseError)) {
			t.Fatalf("error %T is not a *ParseError", err)
		}
		scsi.TapeAlertsFromLog(b)
		scsi.ParseErrorCounters(b)
		scsi.ParseSupportedLogPages(b)
	})
}
