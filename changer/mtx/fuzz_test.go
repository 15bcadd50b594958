package mtx_test

import (
	"errors"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/changer/mtx"
)

var headerCounts = regexp.MustCompile(`Storage Changer .*:\s*(\d+) Drives, (\d+) Slots \(\s*(\d+) Import/Export`)

func FuzzParse(f *testing.F) {
	names, _ := filepath.Glob(filepath.Join("testdata", "*.txt"))
	for _, n := range names {
		f.Add(fixture(f, filepath.Base(n)))
	}
	f.Add("  Storage Changer /dev/sg3:2 Drives, 3 Slots ( 1 Import/Export )\n" +
		"Data Transfer Element 0:Full (Unknown Storage Element Loaded):VolumeTag = A:AlternateVolumeTag = B\n" +
		"Data Transfer Element 1:Full (Storage Element 3 Loaded)\n" +
		"      Storage Element 1:Full :VolumeTag=C:AlternateVolumeTag=D\n" +
		"      Storage Element 2:Empty\n" +
		"      Storage Element 3 IMPORT/EXPORT:Empty\n")
	f.Fuzz(func(t *testing.T, text string) {
		st, err := mtx.Parse(strings.NewReader(text))
		if err != nil {
			var pe *mtx.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not a *ParseError: %v", err, err)
			}
			return
		}
		// Whatever parses agrees with a header in the text.
		m := headerCounts.FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("parsed without a header: %+v", st)
		}
		want := [3]int{atoi(t, m[1]), atoi(t, m[2]), atoi(t, m[3])}
		ies := 0
		for i, s := range st.Slots {
			if s.Number != i+1 {
				t.Fatalf("slot %d numbered %d", i+1, s.Number)
			}
			if s.ImportExport {
				ies++
			}
		}
		for i, d := range st.Drives {
			if d.Number != i || d.Source < 0 || d.Source > len(st.Slots) || (!d.Full && d.Source != 0) {
				t.Fatalf("bad drive %d: %+v", i, d)
			}
		}
		if got := [3]int{len(st.Drives), len(st.Slots), ies}; got != want || st.ImportExport != ies {
			t.Fatalf("parsed %v (I/E field %d), header says %v", got, st.ImportExport, want)
		}
		// The inventory has one element per line, at distinct addresses.
		inv := st.Inventory()
		seen := map[changer.Address]bool{}
		for _, e := range inv {
			if seen[e.Address] {
				t.Fatalf("address %d twice", e.Address)
			}
			seen[e.Address] = true
		}
		if len(inv) != len(st.Drives)+len(st.Slots) {
			t.Fatalf("inventory has %d elements for %d lines", len(inv), len(st.Drives)+len(st.Slots))
		}
		// Printing it as mtx would and parsing again gives the same status.
		again, err := mtx.Parse(strings.NewReader(printStatus(st)))
		if err != nil {
			t.Fatalf("reparse: %v\n%s", err, printStatus(st))
		}
		if diff := cmp.Diff(st, again); diff != "" {
			t.Fatalf("reparse mismatch (-first +second):\n%s", diff)
		}
	})
}

func atoi(t *testing.T, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("header number %q: %v", s, err)
	}
	return n
}

// printStatus prints a parsed status in mtx's layout, alternate tags
// included and tags on empty elements kept, so that a round trip is exact.
func printStatus(st *mtx.Status) string {
	var b strings.Builder
	b.WriteString("  Storage Changer " + st.Device + ":" + strconv.Itoa(len(st.Drives)) + " Drives, " +
		strconv.Itoa(len(st.Slots)) + " Slots ( " + strconv.Itoa(st.ImportExport) + " Import/Export )\n")
	tags := func(sep, vol, alt string) {
		if vol != "" {
			b.WriteString(":VolumeTag" + sep + vol)
		}
		if alt != "" {
			b.WriteString(":AlternateVolumeTag" + sep + alt)
		}
		b.WriteString("\n")
	}
	for _, d := range st.Drives {
		b.WriteString("Data Transfer Element " + strconv.Itoa(d.Number) + ":")
		switch {
		case !d.Full:
			b.WriteString("Empty")
		case d.Source > 0:
			b.WriteString("Full (Storage Element " + strconv.Itoa(d.Source) + " Loaded)")
		default:
			b.WriteString("Full (Unknown Storage Element Loaded)")
		}
		tags(" = ", d.VolumeTag, d.AltVolumeTag)
	}
	for _, s := range st.Slots {
		b.WriteString("      Storage Element " + strconv.Itoa(s.Number))
		if s.ImportExport {
			b.WriteString(" IMPORT/EXPORT")
		}
		if s.Full {
			b.WriteString(":Full ")
		} else {
			b.WriteString(":Empty")
		}
		tags("=", s.VolumeTag, s.AltVolumeTag)
	}
	return b.String()
}

func FuzzParseFailure(f *testing.F) {
	f.Add(fixture(f, "mhvtl_STK_L700_move_medium_failure_sense.txt"))
	f.Add(fixture(f, "Tandberg_StorageLoader_LTO5.txt"))
	f.Add("Loading media from Storage Element 3 into drive 0...mtx: Destination Element Address 500 is Already Full\n")
	f.Add(senseDump("Unit Attention", "29", "00") + "mtx: READ ELEMENT STATUS Command Failed\n")
	f.Add("mtx: Request Sense: Additional Sense Code = 1FF\nmtx: Request Sense: Sense Key=\n")
	f.Fuzz(func(t *testing.T, out string) {
		e := mtx.ParseFailure("load", []byte(out), 1)
		if e == nil {
			t.Fatal("ParseFailure returned nil")
		}
		_ = e.Error()
		if e.Err != nil && !errors.Is(e, e.Err) {
			t.Fatalf("%v does not wrap %v", e, e.Err)
		}
		if e.Retryable() && e.Err != mtx.ErrUnitAttention && e.Err != changer.ErrNotReady {
			t.Fatalf("retryable without a retryable cause: %v", e)
		}
		if strings.ContainsAny(e.Message, "\n") {
			t.Fatalf("message spans lines: %q", e.Message)
		}
	})
}
