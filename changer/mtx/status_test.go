package mtx_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/changer/mtx"
)

// fixture returns a captured output with its first line, which names the
// source, removed; the rest is kept byte for byte.
func fixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if !strings.HasPrefix(s, "#") {
		t.Fatalf("%s: first line does not name the source", name)
	}
	_, rest, _ := strings.Cut(s, "\n")
	return rest
}

// slots builds nSlots storage elements whose last nIE are I/E ports, full
// where tags names a barcode.
func slots(nSlots, nIE int, tags map[int]string) []mtx.SlotStatus {
	out := make([]mtx.SlotStatus, nSlots)
	for i := range out {
		n := i + 1
		tag, full := tags[n]
		out[i] = mtx.SlotStatus{Number: n, ImportExport: n > nSlots-nIE, Full: full, VolumeTag: tag}
	}
	return out
}

func emptyDrives(from, to int) []mtx.DriveStatus {
	var out []mtx.DriveStatus
	for n := from; n < to; n++ {
		out = append(out, mtx.DriveStatus{Number: n})
	}
	return out
}

func TestParseFixtures(t *testing.T) {
	tests := []struct {
		file string
		want *mtx.Status
	}{
		{
			file: "QUANTUM_4drives_84slots_4IE_LTO6.txt",
			want: &mtx.Status{
				Device: "/dev/tape/by-id/scsi-1QUANTUM_B4D282EF285E4365BBA90000",
				Drives: append([]mtx.DriveStatus{
					{Number: 0, Full: true, Source: 9, VolumeTag: "VIT008L6"},
					{Number: 1, Full: true, Source: 1, VolumeTag: "VIT000L6"},
				}, emptyDrives(2, 4)...),
				Slots: slots(84, 4, map[int]string{
					2: "VIT001L6", 3: "VIT002L6", 4: "VIT003L6", 5: "VIT004L6",
					6: "VIT005L6", 7: "VIT006L6", 8: "VIT007L6", 10: "VIT009L6",
				}),
				ImportExport: 4,
			},
		},
		{
			file: "IBM_03584L32_3drives_24slots.txt",
			want: &mtx.Status{
				Device: "/dev/tape/by-id/scsi-1IBM_03584L32_0000079313020400",
				Drives: append([]mtx.DriveStatus{
					{Number: 0, Full: true, Source: 12, VolumeTag: "BRU003"},
				}, emptyDrives(1, 3)...),
				Slots: slots(24, 4, map[int]string{
					1: "V4A003", 2: "V4B003", 3: "V5A003", 4: "V5B003", 5: "V5C003",
					6: "VLA003", 7: "UA001", 8: "UB001", 9: "UC001", 10: "BRU001", 11: "BRU002",
				}),
				ImportExport: 4,
			},
		},
		{
			// Request-sense dump and a failed MODE SENSE before the header.
			file: "Tandberg_StorageLoader_LTO5.txt",
			want: &mtx.Status{
				Device: "/dev/sg5",
				Drives: emptyDrives(0, 1),
				Slots: slots(7, 0, map[int]string{
					1: "000711L4", 2: "A00008L5", 3: "A00034L5", 4: "A00014L5",
					5: "A00036L5", 6: "A00025L5", 7: "000218L5",
				}),
			},
		},
		{
			file: "mhvtl_SPECTRA_PYTHON.txt",
			want: &mtx.Status{
				Device: "/dev/sg6",
				Drives: emptyDrives(0, 4),
				Slots: slots(37, 4, map[int]string{
					1: "SDLT01S3", 2: "SDLT02S3", 3: "SDLT03S3", 4: "SDLT04S3", 5: "SDLT05S3",
					6: "SDLT06S3", 7: "SDLT07S3", 8: "SDLT08S3", 9: "SDLT09S3",
					11: "ULT001L1", 12: "ULT002L2", 13: "ULT003L3", 14: "ULT004L4", 15: "ULT005L1",
					16: "ULT006L2", 17: "ULT007L3", 18: "ULT008L4", 19: "ULT009L1",
					21: "8MM001X4", 22: "8MM002X4", 23: "8MM003X4", 24: "8MM004X4",
					31: "CLN001L1", 32: "CLN002L1", 33: "CLN003L1",
				}),
				ImportExport: 4,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := mtx.Parse(strings.NewReader(fixture(t, tt.file)))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseSynthetic(t *testing.T) {
	tests := []struct {
		name, text string
		want       *mtx.Status
	}{
		{
			// mtx prints ":AlternateVolumeTag = " on drive lines and
			// ":AlternateVolumeTag=" on storage lines when the library
			// reports alternate tags; "Unknown Storage Element" when the
			// drive's source is not a storage element mtx knows.
			name: "alternate tags and unknown source",
			text: "  Storage Changer /dev/sg3:2 Drives, 3 Slots ( 1 Import/Export )\n" +
				"Data Transfer Element 0:Full (Unknown Storage Element Loaded):VolumeTag = ABC123L9                        :AlternateVolumeTag = ALT123                          \n" +
				"Data Transfer Element 1:Full (Storage Element 3 Loaded):AlternateVolumeTag = ONLYALT\n" +
				"      Storage Element 1:Full :VolumeTag=ABC124L9                        :AlternateVolumeTag=ALT124                          \n" +
				"      Storage Element 2:Empty\n" +
				"      Storage Element 3 IMPORT/EXPORT:Empty\n",
			want: &mtx.Status{
				Device: "/dev/sg3",
				Drives: []mtx.DriveStatus{
					{Number: 0, Full: true, VolumeTag: "ABC123L9", AltVolumeTag: "ALT123"},
					{Number: 1, Full: true, Source: 3, AltVolumeTag: "ONLYALT"},
				},
				Slots: []mtx.SlotStatus{
					{Number: 1, Full: true, VolumeTag: "ABC124L9", AltVolumeTag: "ALT124"},
					{Number: 2},
					{Number: 3, ImportExport: true},
				},
				ImportExport: 1,
			},
		},
		{
			// `mtx nobarcode status`, or a library without a reader:
			// "Full " with nothing after it.
			name: "no barcodes",
			text: "  Storage Changer /dev/sg1:1 Drives, 2 Slots ( 0 Import/Export )\n" +
				"Data Transfer Element 0:Full (Storage Element 2 Loaded)\n" +
				"      Storage Element 1:Full \n" +
				"      Storage Element 2:Empty\n",
			want: &mtx.Status{
				Device: "/dev/sg1",
				Drives: []mtx.DriveStatus{{Number: 0, Full: true, Source: 2}},
				Slots:  []mtx.SlotStatus{{Number: 1, Full: true}, {Number: 2}},
			},
		},
		{
			name: "spacing around equals and a device with colons",
			text: "Storage Changer /dev/tape/by-path/pci-0000:00:1f.2-sas-0x5000:3 Drives, 1 Slots ( 0 Import/Export )   \n" +
				"Data Transfer Element 0:Full (Storage Element 1 Loaded):VolumeTag=X1\n" +
				"Data Transfer Element 1:Full (Storage Element 1 Loaded):VolumeTag =  X2  \n" +
				"Data Transfer Element 2:Empty\n" +
				"\n" +
				"Storage Element 1:Full :VolumeTag = X3\n",
			want: &mtx.Status{
				Device: "/dev/tape/by-path/pci-0000:00:1f.2-sas-0x5000",
				Drives: []mtx.DriveStatus{
					{Number: 0, Full: true, Source: 1, VolumeTag: "X1"},
					{Number: 1, Full: true, Source: 1, VolumeTag: "X2"},
					{Number: 2},
				},
				Slots: []mtx.SlotStatus{{Number: 1, Full: true, VolumeTag: "X3"}},
			},
		},
		{
			name: "empty library",
			text: "  Storage Changer /dev/sg0:0 Drives, 0 Slots ( 0 Import/Export )\n",
			want: &mtx.Status{Device: "/dev/sg0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := mtx.Parse(strings.NewReader(tt.text))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	const hdr = "  Storage Changer /dev/sg1:1 Drives, 2 Slots ( 1 Import/Export )\n"
	tests := []struct {
		name, text string
		want       error
		line       int
	}{
		{"empty input", "", mtx.ErrNoHeader, 0},
		{"failed load is not a status", "x", mtx.ErrNoHeader, 1},
		{"truncated: missing slot", hdr + "Data Transfer Element 0:Empty\n      Storage Element 1:Empty\n", mtx.ErrMismatch, 3},
		{"truncated: cut line", hdr + "Data Transfer Element 0:Empty\n      Storage Element 1:Empty\n      Storage Elem", mtx.ErrSyntax, 4},
		{"truncated: cut state", hdr + "Data Transfer Element 0:Full (Storage Elem", mtx.ErrSyntax, 2},
		{"I/E count disagrees", hdr + "Data Transfer Element 0:Empty\n      Storage Element 1:Empty\n      Storage Element 2:Empty\n", mtx.ErrMismatch, 4},
		{"extra drive", hdr + "Data Transfer Element 0:Empty\nData Transfer Element 1:Empty\n", mtx.ErrMismatch, 3},
		{"duplicate slot", hdr + "Data Transfer Element 0:Empty\n      Storage Element 1:Empty\n      Storage Element 1:Empty\n", mtx.ErrMismatch, 4},
		{"slot out of order", hdr + "      Storage Element 2 IMPORT/EXPORT:Empty\n", mtx.ErrMismatch, 2},
		{"source beyond slots", hdr + "Data Transfer Element 0:Full (Storage Element 3 Loaded)\n", mtx.ErrMismatch, 2},
		{"source zero", hdr + "Data Transfer Element 0:Full (Storage Element 0 Loaded)\n", mtx.ErrMismatch, 2},
		{"second header", hdr + hdr, mtx.ErrSyntax, 2},
		{"garbage after state", hdr + "Data Transfer Element 0:Empty garbage\n", mtx.ErrSyntax, 2},
		{"tag without equals", hdr + "Data Transfer Element 0:Full (Storage Element 1 Loaded):VolumeTag X\n", mtx.ErrSyntax, 2},
		{"huge count", "  Storage Changer /dev/sg1:1 Drives, 99999999999999999999999 Slots ( 1 Import/Export )\n", mtx.ErrSyntax, 1},
		{"more I/E than slots", "  Storage Changer /dev/sg1:1 Drives, 2 Slots ( 3 Import/Export )\n", mtx.ErrSyntax, 1},
		{"absolute addressing form", hdr + "Data Transfer Element 500 Phys Loc F1,C1,R1,Z1 SN1 ID X:Empty\n", mtx.ErrSyntax, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := mtx.Parse(strings.NewReader(tt.text))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse = %+v, %v; want %v", st, err, tt.want)
			}
			var pe *mtx.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not a *ParseError", err)
			}
			if pe.Line != tt.line {
				t.Errorf("line = %d, want %d (%v)", pe.Line, tt.line, err)
			}
		})
	}
}

func TestParseMoveFailureIsNotAStatus(t *testing.T) {
	_, err := mtx.Parse(strings.NewReader(fixture(t, "mhvtl_STK_L700_move_medium_failure_sense.txt")))
	if !errors.Is(err, mtx.ErrNoHeader) {
		t.Fatalf("Parse(load failure) = %v, want ErrNoHeader", err)
	}
}

func TestInventoryMapping(t *testing.T) {
	st, err := mtx.Parse(strings.NewReader(fixture(t, "QUANTUM_4drives_84slots_4IE_LTO6.txt")))
	if err != nil {
		t.Fatal(err)
	}
	inv := st.Inventory()
	if got, want := [3]int{len(inv.OfType(changer.Storage)), len(inv.OfType(changer.ImportExport)), len(inv.OfType(changer.DataTransfer))}, [3]int{80, 4, 4}; got != want {
		t.Fatalf("storage, I/E, drives = %v, want %v", got, want)
	}
	d0, ok := inv.Element(mtx.DriveAddress(0))
	want := changer.Element{Type: changer.DataTransfer, Address: mtx.DriveBase, Full: true, Barcode: "VIT008L6", Source: 9, SourceValid: true, Accessible: true}
	if diff := cmp.Diff(want, d0); !ok || diff != "" {
		t.Errorf("drive 0 (-want +got):\n%s", diff)
	}
	ie, ok := inv.FirstEmpty(changer.ImportExport)
	if !ok || ie.Address != mtx.SlotAddress(81) {
		t.Errorf("first empty I/E = %v, %v; want slot 81", ie, ok)
	}
	if e, ok := inv.Find("VIT009L6"); !ok || e.Address != 10 || e.Type != changer.Storage {
		t.Errorf("Find(VIT009L6) = %v, %v", e, ok)
	}
	// Order: storage, then I/E, then drives, ascending.
	for i := 1; i < len(inv); i++ {
		a, b := inv[i-1], inv[i]
		if order(a.Type) > order(b.Type) || (a.Type == b.Type && a.Address >= b.Address) {
			t.Fatalf("inventory out of order at %d: %v then %v", i, a, b)
		}
	}
}

func order(t changer.ElementType) int {
	return map[changer.ElementType]int{changer.Storage: 0, changer.ImportExport: 1, changer.DataTransfer: 2}[t]
}

func TestAddressHelpers(t *testing.T) {
	if n, ok := mtx.DriveNumber(mtx.DriveAddress(3)); !ok || n != 3 {
		t.Errorf("DriveNumber(DriveAddress(3)) = %d, %v", n, ok)
	}
	if n, ok := mtx.SlotNumber(mtx.SlotAddress(84)); !ok || n != 84 {
		t.Errorf("SlotNumber(SlotAddress(84)) = %d, %v", n, ok)
	}
	for _, a := range []changer.Address{0, mtx.DriveBase, mtx.DriveBase + 7} {
		if n, ok := mtx.SlotNumber(a); ok {
			t.Errorf("SlotNumber(%d) = %d, true; want false", a, n)
		}
	}
	if n, ok := mtx.DriveNumber(mtx.DriveBase - 1); ok {
		t.Errorf("DriveNumber(DriveBase-1) = %d, true; want false", n)
	}
}
