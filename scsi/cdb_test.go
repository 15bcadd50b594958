package scsi_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapekit/tapekit/scsi"
)

func must(t *testing.T) func([]byte, error) []byte {
	return func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
}

// TestCDBs checks every builder byte for byte against the CDB layouts of
// SPC-5 and SSC-5.
func TestCDBs(t *testing.T) {
	m := must(t)
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"TEST UNIT READY", scsi.TestUnitReady(), "00 00 00 00 00 00"},
		{"REQUEST SENSE fixed 252", scsi.RequestSense(false, 252), "03 00 00 00 fc 00"},
		{"REQUEST SENSE desc", scsi.RequestSense(true, 96), "03 01 00 00 60 00"},
		{"INQUIRY standard", scsi.Inquiry(false, 0, 96), "12 00 00 00 60 00"},
		{"INQUIRY VPD 80h", scsi.Inquiry(true, 0x80, 0x104), "12 01 80 01 04 00"},
		{"LOG SENSE 2Eh cumulative", scsi.LogSense(0x2e, 0, scsi.PCLogCumulative, 0, 0x400), "4d 00 6e 00 00 00 00 04 00 00"},
		{"LOG SENSE 03h ptr", scsi.LogSense(0x03, 0, scsi.PCLogCumulative, 5, 0xffff), "4d 00 43 00 00 00 05 ff ff 00"},
		{"MODE SENSE(10) all pages", scsi.ModeSense10(0x3f, 0, scsi.PCCurrent, false, 0x2000), "5a 00 3f 00 00 00 00 20 00 00"},
		{"MODE SENSE(10) changeable dbd", scsi.ModeSense10(0x10, 1, scsi.PCChangeable, true, 64), "5a 08 50 01 00 00 00 00 40 00"},
		// The command line of the MODE SENSE fixture: sg_raw 1a 08 1d 00 ff 00.
		{"MODE SENSE(6) fixture", scsi.ModeSense6(0x1d, 0, scsi.PCCurrent, true, 255), "1a 08 1d 00 ff 00"},
		{"MODE SELECT(10)", scsi.ModeSelect10(true, false, 16), "55 10 00 00 00 00 00 00 10 00"},
		{"MODE SELECT(10) save", scsi.ModeSelect10(true, true, 0x120), "55 11 00 00 00 00 00 01 20 00"},
		{"PREVENT", scsi.PreventAllowMediumRemoval(true), "1e 00 00 00 01 00"},
		{"ALLOW", scsi.PreventAllowMediumRemoval(false), "1e 00 00 00 00 00"},
		{"REPORT SUPPORTED OPCODES all rctd", scsi.ReportSupportedOpcodes(scsi.ReportAllCommands, true, 0, 0, 0x10000), "a3 0c 80 00 00 00 00 01 00 00 00 00"},
		{"REPORT SUPPORTED OPCODES one", scsi.ReportSupportedOpcodes(scsi.ReportOneAction, false, 0x9e, 0x10, 512), "a3 0c 02 9e 00 10 00 00 02 00 00 00"},
		{"READ ATTRIBUTE values", scsi.ReadAttribute(scsi.AttrValues, 0, 1, 0x0400, 0x1000, false), "8c 00 00 00 00 00 00 01 04 00 00 00 10 00 00 00"},
		{"READ ATTRIBUTE supported cache", scsi.ReadAttribute(scsi.AttrSupported, 0, 0, 0, 0x200, true), "8c 05 00 00 00 00 00 00 00 00 00 00 02 00 01 00"},
		{"WRITE ATTRIBUTE", scsi.WriteAttribute(true, 0, 0, 0x2c), "8d 01 00 00 00 00 00 00 00 00 00 00 00 2c 00 00"},
		{"READ(6) variable 256KiB", m(scsi.Read6(256<<10, false, false)), "08 00 04 00 00 00"},
		{"READ(6) variable SILI", m(scsi.Read6(0x123456, false, true)), "08 02 12 34 56 00"},
		{"READ(6) fixed 10 blocks", m(scsi.Read6(10, true, false)), "08 01 00 00 0a 00"},
		{"WRITE(6) variable", m(scsi.Write6(0x40000, false)), "0a 00 04 00 00 00"},
		{"WRITE(6) fixed", m(scsi.Write6(1, true)), "0a 01 00 00 01 00"},
		{"WRITE FILEMARKS sync", m(scsi.WriteFilemarks6(1, false)), "10 00 00 00 01 00"},
		{"WRITE FILEMARKS immed", m(scsi.WriteFilemarks6(2, true)), "10 01 00 00 02 00"},
		{"WRITE FILEMARKS flush", m(scsi.WriteFilemarks6(0, false)), "10 00 00 00 00 00"},
		{"SPACE(6) fsf 3", m(scsi.Space6(scsi.SpaceFilemarks, 3)), "11 01 00 00 03 00"},
		{"SPACE(6) bsf 1", m(scsi.Space6(scsi.SpaceFilemarks, -1)), "11 01 ff ff ff 00"},
		{"SPACE(6) bsr 2", m(scsi.Space6(scsi.SpaceBlocks, -2)), "11 00 ff ff fe 00"},
		{"SPACE(6) eod", m(scsi.Space6(scsi.SpaceEndOfData, 0)), "11 03 00 00 00 00"},
		{"SPACE(6) min", m(scsi.Space6(scsi.SpaceBlocks, -(1 << 23))), "11 00 80 00 00 00"},
		{"SPACE(16) blocks -1", scsi.Space16(scsi.SpaceBlocks, -1), "91 00 00 00 ff ff ff ff ff ff ff ff 00 00 00 00"},
		{"SPACE(16) filemarks", scsi.Space16(scsi.SpaceFilemarks, 0x0102030405), "91 01 00 00 00 00 00 01 02 03 04 05 00 00 00 00"},
		{"LOCATE(10)", m(scsi.Locate10(0x12345678, 0, false, false)), "2b 00 00 12 34 56 78 00 00 00"},
		{"LOCATE(10) CP immed", m(scsi.Locate10(5, 1, true, true)), "2b 03 00 00 00 00 05 00 01 00"},
		{"LOCATE(16) object", scsi.Locate16(scsi.LocateObject, 1000, 0, false, false), "92 00 00 00 00 00 00 00 00 00 03 e8 00 00 00 00"},
		{"LOCATE(16) file CP", scsi.Locate16(scsi.LocateFile, 7, 1, true, false), "92 0a 00 01 00 00 00 00 00 00 00 07 00 00 00 00"},
		{"LOCATE(16) eod immed", scsi.Locate16(scsi.LocateEndOfData, 0, 0, false, true), "92 19 00 00 00 00 00 00 00 00 00 00 00 00 00 00"},
		{"READ POSITION short", scsi.ReadPosition(scsi.PositionShort, 20), "34 00 00 00 00 00 00 00 00 00"},
		{"READ POSITION long", scsi.ReadPosition(scsi.PositionLong, 32), "34 06 00 00 00 00 00 00 00 00"},
		{"READ POSITION extended", scsi.ReadPosition(scsi.PositionExtended, 32), "34 08 00 00 00 00 00 00 20 00"},
		{"REWIND", scsi.Rewind(false), "01 00 00 00 00 00"},
		{"REWIND immed", scsi.Rewind(true), "01 01 00 00 00 00"},
		{"LOAD", scsi.LoadUnload(scsi.LoadUnloadOptions{Load: true}), "1b 00 00 00 01 00"},
		{"UNLOAD immed", scsi.LoadUnload(scsi.LoadUnloadOptions{Immed: true}), "1b 01 00 00 00 00"},
		{"RETENSION", scsi.LoadUnload(scsi.LoadUnloadOptions{Load: true, Reten: true}), "1b 00 00 00 03 00"},
		{"UNLOAD EOT hold", scsi.LoadUnload(scsi.LoadUnloadOptions{EOT: true, Hold: true}), "1b 00 00 00 0c 00"},
		{"READ BLOCK LIMITS", scsi.ReadBlockLimits(), "05 00 00 00 00 00"},
		{"REPORT DENSITY SUPPORT media", scsi.ReportDensitySupport(true, false, 0x400), "44 01 00 00 00 00 00 04 00 00"},
		{"REPORT DENSITY SUPPORT medium type", scsi.ReportDensitySupport(false, true, 0x400), "44 02 00 00 00 00 00 04 00 00"},
		{"ERASE long immed", scsi.Erase6(true, true), "19 03 00 00 00 00"},
		{"ERASE short", scsi.Erase6(false, false), "19 00 00 00 00 00"},
	}
	for _, tt := range tests {
		if d := cmp.Diff(unhex(t, tt.want), tt.got); d != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, d)
		}
	}
}

func TestCDBRange(t *testing.T) {
	for name, err := range map[string]error{
		"READ(6) 16MiB":       second(scsi.Read6(1<<24, false, false)),
		"READ(6) negative":    second(scsi.Read6(-1, false, false)),
		"WRITE(6) 16MiB":      second(scsi.Write6(1<<24, false)),
		"WRITE FILEMARKS -1":  second(scsi.WriteFilemarks6(-1, false)),
		"SPACE(6) 2^23":       second(scsi.Space6(scsi.SpaceBlocks, 1<<23)),
		"SPACE(6) -2^23-1":    second(scsi.Space6(scsi.SpaceBlocks, -(1<<23)-1)),
		"LOCATE(10) 2^32":     second(scsi.Locate10(1<<32, 0, false, false)),
		"LOCATE(10) negative": second(scsi.Locate10(-1, 0, false, false)),
	} {
		if !errors.Is(err, scsi.ErrRange) {
			t.Errorf("%s: err = %v, want ErrRange", name, err)
		}
	}
}

func second(_ []byte, err error) error { return err }
