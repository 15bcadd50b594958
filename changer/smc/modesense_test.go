package smc_test

import (
	"bufio"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/changer/smc"
)

var receivedRE = regexp.MustCompile(`^Received (\d+) bytes of data:`)

// sgRaw decodes the data part of an sg_raw hex dump: after "Received N
// bytes of data:", lines of an offset, up to 16 hex bytes, and an ASCII
// column. The ASCII column can look like hex, so each line takes at most
// 16 bytes, and the total must be N.
func sgRaw(t testing.TB, name string) []byte {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	want := -1
	var out []byte
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		if m := receivedRE.FindStringSubmatch(line); m != nil {
			want, _ = strconv.Atoi(m[1])
			continue
		}
		if want < 0 {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		off, err := strconv.ParseUint(fields[0], 16, 32)
		if err != nil || int(off) != len(out) {
			t.Fatalf("%s: line %q: offset %s, want %x", name, line, fields[0], len(out))
		}
		for _, h := range fields[1:min(len(fields), 17)] {
			if len(h) != 2 || len(out) == want {
				break
			}
			v, err := hex.DecodeString(h)
			if err != nil {
				break
			}
			out = append(out, v...)
		}
	}
	if len(out) != want {
		t.Fatalf("%s: decoded %d bytes, dump says %d", name, len(out), want)
	}
	return out
}

func TestAddressAssignmentFixture(t *testing.T) {
	resp := sgRaw(t, "mhvtl_STK_L80_modesense_page1D_sg_raw.txt")
	pg, err := smc.ModePage(resp, false, smc.PageElementAddressAssignment)
	if err != nil {
		t.Fatal(err)
	}
	got, err := smc.ParseAddressAssignment(pg)
	if err != nil {
		t.Fatal(err)
	}
	want := smc.AddressAssignment{
		FirstTransport: 1, NumTransport: 1,
		FirstStorage: 1000, NumStorage: 40,
		FirstImportExport: 10, NumImportExport: 4,
		FirstDataTransfer: 500, NumDataTransfer: 4,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got.Total() != 49 {
		t.Errorf("Total = %d, want 49", got.Total())
	}
	if first, n, err := got.Range(changer.DataTransfer); first != 500 || n != 4 || err != nil {
		t.Errorf("Range(drives) = %d, %d, %v", first, n, err)
	}
}

// page1D is an Element Address Assignment page: transport 1×1, storage
// 0x1000×100, I/E 0x10×8, drives 0x100×6.
var page1D = []byte{
	0x1D, 0x12, // page code, page length 18
	0x00, 0x01, 0x00, 0x01, // first transport, count
	0x10, 0x00, 0x00, 0x64, // first storage, count
	0x00, 0x10, 0x00, 0x08, // first I/E, count
	0x01, 0x00, 0x00, 0x06, // first data transfer, count
	0x00, 0x00, // reserved
}

func TestModePage10(t *testing.T) {
	resp := append([]byte{
		0x00, 0x1E, // mode data length: 6 more header bytes + 4 + 20
		0x00, 0x00, // medium type, device-specific parameter
		0x00, 0x00, // LONGLBA, reserved
		0x00, 0x00, // block descriptor length
		0x1C, 0x02, 0xAA, 0xBB, // another page first (0x1C, 2 bytes)
	}, page1D...)
	pg, err := smc.ModePage(resp, true, smc.PageElementAddressAssignment)
	if err != nil {
		t.Fatal(err)
	}
	got, err := smc.ParseAddressAssignment(pg)
	if err != nil {
		t.Fatal(err)
	}
	want := smc.AddressAssignment{FirstTransport: 1, NumTransport: 1, FirstStorage: 0x1000, NumStorage: 100,
		FirstImportExport: 0x10, NumImportExport: 8, FirstDataTransfer: 0x100, NumDataTransfer: 6}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestModePageErrors(t *testing.T) {
	six := func(body ...byte) []byte { return append([]byte{byte(len(body) + 3), 0, 0, 0}, body...) }
	tests := []struct {
		name string
		resp []byte
		ten  bool
		want error
		need int
	}{
		{"empty", nil, false, smc.ErrTruncated, 0},
		{"allocation too small", six(page1D...)[:10], false, smc.ErrTruncated, 24},
		{"block descriptors overrun", []byte{3, 0, 0, 8}, false, smc.ErrMalformed, 0},
		{"page overruns", six(0x1D, 0x12, 0, 0), false, smc.ErrMalformed, 0},
		{"page missing", six(0x1C, 0x00), false, smc.ErrMalformed, 0},
		{"mode data length below header", []byte{0x00, 0x01, 0, 0, 0, 0, 0, 0}, true, smc.ErrMalformed, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pg, err := smc.ModePage(tt.resp, tt.ten, smc.PageElementAddressAssignment)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ModePage = % x, %v; want %v", pg, err, tt.want)
			}
			var fe *smc.FormatError
			if !errors.As(err, &fe) || fe.Need != tt.need {
				t.Errorf("error %v: want a *FormatError with Need %d", err, tt.need)
			}
		})
	}
}

func TestParseAddressAssignmentErrors(t *testing.T) {
	mut := func(f func(b []byte)) []byte {
		b := append([]byte(nil), page1D...)
		f(b)
		return b
	}
	tests := []struct {
		name string
		page []byte
		want error
	}{
		{"cut", page1D[:10], smc.ErrTruncated},
		{"wrong page", mut(func(b []byte) { b[0] = 0x1C }), smc.ErrMalformed},
		{"short page length", mut(func(b []byte) { b[1] = 0x10 }), smc.ErrMalformed},
		{"storage overlaps drives", mut(func(b []byte) { b[14], b[15] = 0x10, 0x10 }), smc.ErrMalformed},
		{"I/E runs past 0xFFFF", mut(func(b []byte) { b[10], b[11] = 0xFF, 0xFC }), smc.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := smc.ParseAddressAssignment(tt.page)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ParseAddressAssignment = %+v, %v; want %v", a, err, tt.want)
			}
		})
	}
	// Empty ranges may share a first address with anything.
	if _, err := smc.ParseAddressAssignment(mut(func(b []byte) { b[10], b[11], b[12], b[13] = 0x10, 0x00, 0, 0 })); err != nil {
		t.Errorf("zero I/E elements at a storage address: %v", err)
	}
}
