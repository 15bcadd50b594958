package scsi_test

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
	"github.com/tapekit/tapekit/scsi"
)

// fixture reads a file of ../../shared/fixtures, without its first
// (source) line.
func fixture(t testing.TB, name string) string {
	t.Helper()
	path := filepath.Join("..", "..", "shared", "fixtures", name)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if _, err := os.Stat(filepath.Join("..", "..", "shared", "fixtures")); errors.Is(err, os.ErrNotExist) {
			t.Skipf("fixtures directory %s not present beside the repository", filepath.Dir(path))
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if i := strings.IndexByte(s, '\n'); strings.HasPrefix(s, "#") && i >= 0 {
		s = s[i+1:]
	}
	return s
}

var dumpLine = regexp.MustCompile(`^\s*[0-9a-f]+\s{2,}((?:[0-9a-f]{2}\s+){1,16})`)

// parseSgRawDump extracts the data bytes of an sg_raw -r hex dump.
func parseSgRawDump(t testing.TB, s string) []byte {
	t.Helper()
	var n int
	var out []byte
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "Received ") {
			var err error
			if n, err = strconv.Atoi(strings.Fields(line)[1]); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if n == 0 {
			continue
		}
		if m := dumpLine.FindStringSubmatch(line); m != nil {
			for _, h := range strings.Fields(m[1]) {
				if len(out) == n {
					break
				}
				b, err := hex.DecodeString(h)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, b...)
			}
		}
	}
	if n == 0 || len(out) != n {
		t.Fatalf("dump has %d bytes, header says %d", len(out), n)
	}
	return out
}

func TestParseModeParameters6Fixture(t *testing.T) {
	b := parseSgRawDump(t, fixture(t, "scsi/mhvtl_STK_L80_modesense_page1D_sg_raw.txt"))
	m, err := scsi.ParseModeParameters6(b)
	if err != nil {
		t.Fatal(err)
	}
	want := &scsi.ModeParameters{DeviceSpecific: 0x10, Pages: []scsi.ModePage{{
		Code: scsi.ModePageElementAddress,
		// Element address assignment: transport 0x0001 ×1, storage
		// 0x03e8 ×40, I/E 0x000a ×4, drives 0x01f4 ×4.
		Data: unhex(t, "00 01 00 01 03 e8 00 28 00 0a 00 04 01 f4 00 04 00 00"),
	}}}
	if d := cmp.Diff(want, m); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestParseModeParameters10(t *testing.T) {
	// An LTO drive's MODE SENSE(10) for page 10h: write protected,
	// buffered mode 1, one block descriptor (density 0x60, variable
	// blocks), then the device configuration page (PS set).
	b := unhex(t, `00 1e 00 90 00 00 00 08
		60 00 00 00 00 00 00 00
		90 0e 00 00 00 00 00 00 00 00 00 00 00 00 00 00`)
	m, err := scsi.ParseModeParameters10(b)
	if err != nil {
		t.Fatal(err)
	}
	want := &scsi.ModeParameters{DeviceSpecific: 0x90,
		Blocks: []scsi.BlockDescriptor{{DensityCode: 0x60}},
		Pages:  []scsi.ModePage{{Code: 0x10, PS: true, Data: make([]byte, 14)}}}
	if d := cmp.Diff(want, m); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if !m.WriteProtected() || m.BufferedMode() != 1 || m.Speed() != 0 {
		t.Errorf("WP %v buffered %d speed %d", m.WriteProtected(), m.BufferedMode(), m.Speed())
	}
	// Fixed 512-byte blocks, 0x1234 blocks, a sub-page format page.
	b = unhex(t, `00 14 00 10 00 00 00 08
		58 00 12 34 00 00 02 00
		50 01 00 02 aa bb`)
	m, err = scsi.ParseModeParameters10(b)
	if err != nil {
		t.Fatal(err)
	}
	want = &scsi.ModeParameters{DeviceSpecific: 0x10,
		Blocks: []scsi.BlockDescriptor{{DensityCode: 0x58, Blocks: 0x1234, BlockLength: 512}},
		Pages:  []scsi.ModePage{{Code: 0x10, Subpage: 1, SPF: true, Data: []byte{0xaa, 0xbb}}}}
	if d := cmp.Diff(want, m); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if p, ok := m.Page(0x10, 1); !ok || len(p.Data) != 2 {
		t.Errorf("Page(10h,1) = %v, %v", p, ok)
	}
	for name, tc := range map[string]struct {
		hex  string
		want error
	}{
		"short header":          {"00 06 00", scsi.ErrTruncated},
		"length past buffer":    {"00 20 00 00 00 00 00 00", scsi.ErrTruncated},
		"bd past data":          {"00 06 00 00 00 00 00 08", scsi.ErrMalformed},
		"bd not multiple":       {"00 0a 00 00 00 00 00 04 00 00 00 00", scsi.ErrMalformed},
		"page past data":        {"00 09 00 00 00 00 00 00 10 05 00", scsi.ErrMalformed},
		"subpage hdr past data": {"00 08 00 00 00 00 00 00 50 01", scsi.ErrMalformed},
	} {
		if _, err := scsi.ParseModeParameters10(unhex(t, tc.hex)); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", name, err, tc.want)
		}
	}
}

func TestAppendModeSelect10(t *testing.T) {
	got, err := scsi.AppendModeSelect10(nil, 0x10, &scsi.BlockDescriptor{DensityCode: 0x7f, BlockLength: 0},
		scsi.ModePage{Code: 0x0f, PS: true, Data: []byte{0xc0, 0x80}})
	if err != nil {
		t.Fatal(err)
	}
	want := unhex(t, "00 00 00 10 00 00 00 08  7f 00 00 00 00 00 00 00  0f 02 c0 80")
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	// Round trip through the parser once the length is filled in as a
	// MODE SENSE response would carry it.
	got[1] = byte(len(got) - 2)
	m, err := scsi.ParseModeParameters10(got)
	if err != nil {
		t.Fatal(err)
	}
	if m.Blocks[0].DensityCode != 0x7f || len(m.Pages) != 1 || m.Pages[0].Code != 0x0f {
		t.Errorf("round trip: %+v", m)
	}
	if _, err := scsi.AppendModeSelect10(nil, 0, &scsi.BlockDescriptor{BlockLength: 1 << 24}); !errors.Is(err, scsi.ErrRange) {
		t.Errorf("err = %v, want ErrRange", err)
	}
}

func FuzzParseModeParameters(f *testing.F) {
	f.Add(unhex(f, "17 00 10 00 1d 12 00 01 00 01 03 e8 00 28 00 0a 00 04 01 f4 00 04 00 00"))
	f.Add(unhex(f, "00 16 00 10 00 00 00 08 58 00 12 34 00 00 02 00 50 01 00 02 aa bb"))
	f.Add(unhex(f, "00 1e 00 90 01 00 00 10 00 00 00 00 00 00 00 01 00 00 00 00 00 00 02 00 10 00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, parse := range []func([]byte) (*scsi.ModeParameters, error){scsi.ParseModeParameters6, scsi.ParseModeParameters10} {
			m, err := parse(b)
			if err != nil {
				if !errors.As(err, new(*scsi.ParseError)) {
					t.Fatalf("error %T is not a *ParseError", err)
				}
				continue
			}
			m.WriteProtected()
			for _, p := range m.Pages {
				if _, err := scsi.AppendModeSelect10(nil, 0, nil, p); err != nil {
					t.Fatalf("re-encoding a parsed page: %v", err)
				}
			}
		}
	})
}
