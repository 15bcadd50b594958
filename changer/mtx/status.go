package mtx

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/tapekit/tapekit/changer"
)

// Status is the parsed output of `mtx status`, in mtx's own numbering.
type Status struct {
	// Device is the changer device named in the header line.
	Device string
	// Drives holds one entry per data transfer element; Drives[i].Number == i.
	Drives []DriveStatus
	// Slots holds one entry per storage element, I/E ports included;
	// Slots[i].Number == i+1.
	Slots []SlotStatus
	// ImportExport is how many of Slots are I/E ports.
	ImportExport int
}

// DriveStatus is one "Data Transfer Element" line.
type DriveStatus struct {
	Number int // 0-based, as mtx numbers drives
	Full   bool
	// Source is the mtx slot number the cartridge was loaded from, or 0
	// when mtx printed "Unknown Storage Element Loaded" (mtx slots start
	// at 1, so 0 is never a slot).
	Source       int
	VolumeTag    string
	AltVolumeTag string
}

// SlotStatus is one "Storage Element" line.
type SlotStatus struct {
	Number       int // 1-based, as mtx numbers storage elements
	ImportExport bool
	Full         bool
	VolumeTag    string
	AltVolumeTag string
}

// maxLine bounds one line of mtx output. mtx prints volume tags of at most
// 36 characters, but some builds pad far beyond that; a megabyte is plenty
// and keeps a runaway input from growing memory without bound.
const maxLine = 1 << 20

var (
	headerRE  = regexp.MustCompile(`^Storage Changer (.*):\s*(\d+) Drives, (\d+) Slots \(\s*(\d+) Import/Export\s*\)$`)
	driveRE   = regexp.MustCompile(`^Data Transfer Element (\d+):(?:(Empty)|Full \((?:Storage Element (\d+)|(Unknown) Storage Element) Loaded\))(.*)$`)
	storageRE = regexp.MustCompile(`^Storage Element (\d+)( IMPORT/EXPORT)?:(Empty|Full)(.*)$`)
)

// Parse reads the output of `mtx status`. It skips what mtx prints before
// the header (request-sense dumps, "Mode sense (0x1A) for Page 0x1D failed"
// and the like), then parses every element line and checks the result
// against the counts in the header, so that truncated output is an error
// rather than a short inventory. Errors are *ParseError values wrapping
// ErrNoHeader, ErrSyntax or ErrMismatch.
func Parse(r io.Reader) (*Status, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	var (
		st                        *Status
		nDrives, nSlots, nIE, ies int
		lineNo                    int
	)
	fail := func(err error, line, format string, args ...any) error {
		return &ParseError{Line: lineNo, Text: line, Msg: fmt.Sprintf(format, args...), Err: err}
	}
	for sc.Scan() {
		lineNo++
		raw := sc.Text()
		line := strings.TrimSpace(raw)
		if st == nil {
			m := headerRE.FindStringSubmatch(line)
			if m == nil {
				continue // noise before the status: sense dumps, warnings
			}
			var err error
			if nDrives, err = atoiMax(m[2], MaxDrives); err != nil {
				return nil, fail(ErrSyntax, raw, "drive count: %v", err)
			}
			if nSlots, err = atoiMax(m[3], MaxSlots); err != nil {
				return nil, fail(ErrSyntax, raw, "slot count: %v", err)
			}
			if nIE, err = atoiMax(m[4], nSlots); err != nil {
				return nil, fail(ErrSyntax, raw, "import/export count: %v", err)
			}
			st = &Status{Device: m[1], ImportExport: nIE}
			continue
		}
		switch {
		case line == "" || isNoise(line):
			continue
		case headerRE.MatchString(line):
			return nil, fail(ErrSyntax, raw, "second status header")
		}
		if m := driveRE.FindStringSubmatch(line); m != nil {
			n, err := atoiMax(m[1], MaxDrives)
			if err != nil {
				return nil, fail(ErrSyntax, raw, "drive number: %v", err)
			}
			if n != len(st.Drives) {
				return nil, fail(ErrMismatch, raw, "drive %d where drive %d was expected", n, len(st.Drives))
			}
			if n >= nDrives {
				return nil, fail(ErrMismatch, raw, "drive %d beyond the %d drives in the header", n, nDrives)
			}
			d := DriveStatus{Number: n, Full: m[2] == ""}
			if m[3] != "" {
				if d.Source, err = atoiMax(m[3], nSlots); err != nil || d.Source == 0 {
					return nil, fail(ErrMismatch, raw, "source slot %s is not one of the %d slots", m[3], nSlots)
				}
			}
			if d.VolumeTag, d.AltVolumeTag, err = parseTags(m[5]); err != nil {
				return nil, fail(ErrSyntax, raw, "%v", err)
			}
			st.Drives = append(st.Drives, d)
			continue
		}
		if m := storageRE.FindStringSubmatch(line); m != nil {
			n, err := atoiMax(m[1], MaxSlots)
			if err != nil {
				return nil, fail(ErrSyntax, raw, "slot number: %v", err)
			}
			if n != len(st.Slots)+1 {
				return nil, fail(ErrMismatch, raw, "slot %d where slot %d was expected", n, len(st.Slots)+1)
			}
			if n > nSlots {
				return nil, fail(ErrMismatch, raw, "slot %d beyond the %d slots in the header", n, nSlots)
			}
			s := SlotStatus{Number: n, ImportExport: m[2] != "", Full: m[3] == "Full"}
			if s.VolumeTag, s.AltVolumeTag, err = parseTags(m[4]); err != nil {
				return nil, fail(ErrSyntax, raw, "%v", err)
			}
			if s.ImportExport {
				ies++
			}
			st.Slots = append(st.Slots, s)
			continue
		}
		return nil, fail(ErrSyntax, raw, "unrecognised line")
	}
	if err := sc.Err(); err != nil {
		return nil, &ParseError{Line: lineNo + 1, Msg: "reading status", Err: err}
	}
	if st == nil {
		return nil, &ParseError{Line: lineNo, Msg: "no \"Storage Changer\" line", Err: ErrNoHeader}
	}
	if len(st.Drives) != nDrives || len(st.Slots) != nSlots || ies != nIE {
		return nil, &ParseError{Line: lineNo, Err: ErrMismatch, Msg: fmt.Sprintf(
			"header says %d drives, %d slots (%d import/export); output has %d, %d (%d)",
			nDrives, nSlots, nIE, len(st.Drives), len(st.Slots), ies)}
	}
	return st, nil
}

// isNoise reports lines mtx may print to stderr among the status lines when
// both streams go to one place.
func isNoise(line string) bool {
	return strings.Contains(line, "Request Sense:") ||
		strings.HasPrefix(line, "Mode sense (0x1A)") ||
		strings.HasPrefix(line, "mtx:")
}

// parseTags parses what follows an element's state: nothing, or
// ":VolumeTag = X" and/or ":AlternateVolumeTag = Y", with or without spaces
// around '=' (mtx puts them on drive lines only). Tags lose their padding.
func parseTags(rest string) (vol, alt string, err error) {
	rest = strings.TrimSpace(rest)
	const altKey, volKey = ":AlternateVolumeTag", ":VolumeTag"
	if i := strings.Index(rest, altKey); i >= 0 {
		if alt, err = tagValue(rest[i+len(altKey):]); err != nil {
			return "", "", fmt.Errorf("alternate volume tag: %w", err)
		}
		rest = strings.TrimSpace(rest[:i])
	}
	if rest == "" {
		return "", alt, nil
	}
	v, ok := strings.CutPrefix(rest, volKey)
	if !ok {
		return "", "", fmt.Errorf("unexpected %q after element state", rest)
	}
	if vol, err = tagValue(v); err != nil {
		return "", "", fmt.Errorf("volume tag: %w", err)
	}
	return vol, alt, nil
}

func tagValue(s string) (string, error) {
	v, ok := strings.CutPrefix(strings.TrimSpace(s), "=")
	if !ok {
		return "", fmt.Errorf("missing '=' in %q", s)
	}
	return strings.TrimSpace(v), nil
}

func atoiMax(s string, max int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, err
	}
	if n > max {
		return 0, fmt.Errorf("%d exceeds the limit of %d", n, max)
	}
	return n, nil
}

// Inventory converts the status to a changer.Inventory with this package's
// address mapping: storage slots first, then I/E ports, then drives, each
// by ascending address. mtx reports neither accessibility nor exceptions,
// so every element is Accessible and none has an Exception. A volume tag
// that mtx printed for an empty element is dropped, since changer.Element
// reports barcodes of cartridges present.
func (s *Status) Inventory() changer.Inventory {
	inv := make(changer.Inventory, 0, len(s.Slots)+len(s.Drives))
	for _, ie := range []bool{false, true} {
		for _, sl := range s.Slots {
			if sl.ImportExport != ie {
				continue
			}
			e := changer.Element{Type: changer.Storage, Address: SlotAddress(sl.Number), Full: sl.Full, Accessible: true}
			if ie {
				e.Type = changer.ImportExport
			}
			if sl.Full {
				e.Barcode, e.AltBarcode = sl.VolumeTag, sl.AltVolumeTag
			}
			inv = append(inv, e)
		}
	}
	for _, d := range s.Drives {
		e := changer.Element{Type: changer.DataTransfer, Address: DriveAddress(d.Number), Full: d.Full, Accessible: true}
		if d.Full {
			e.Barcode, e.AltBarcode = d.VolumeTag, d.AltVolumeTag
			if d.Source > 0 {
				e.Source, e.SourceValid = SlotAddress(d.Source), true
			}
		}
		inv = append(inv, e)
	}
	return inv
}
