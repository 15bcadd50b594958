package simulator_test

import (
	"context"
	"errors"
	"testing"

	"github.com/tapekit/tapekit/scsi"
	"github.com/tapekit/tapekit/simulator"
)

// send runs one CDB on the target and decodes what came back.
func send(t *testing.T, tg *simulator.DriveTarget, cdb []byte, dir scsi.Direction, data []byte) (scsi.Result, *scsi.Sense) {
	t.Helper()
	res, err := tg.Do(context.Background(), &scsi.Command{CDB: cdb, Direction: dir, Data: data})
	if err != nil {
		t.Fatalf("CDB % x: %v", cdb, err)
	}
	if res.Status != scsi.StatusCheckCondition {
		return res, nil
	}
	s, err := scsi.DecodeSense(res.Sense)
	if err != nil {
		t.Fatalf("CDB % x: undecodable sense % x: %v", cdb, res.Sense, err)
	}
	return res, s
}

func wantSense(t *testing.T, what string, s *scsi.Sense, key scsi.SenseKey, asc, ascq byte) {
	t.Helper()
	if s == nil || s.Key != key || s.ASC != asc || s.ASCQ != ascq {
		t.Fatalf("%s: sense %+v, want %v %02X/%02X", what, s, key, asc, ascq)
	}
}

// must unwraps a CDB builder's result; the tests only build valid CDBs.
func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// TestDriveTargetErrorPaths checks the sense data of the error paths a
// driver must handle, byte for byte through the scsi decoder: unit
// attentions, no medium, filemark, end of data, ILI both ways, write
// protect and a medium error.
func TestDriveTargetErrorPaths(t *testing.T) {
	ctx := context.Background()
	l, err := simulator.New(testConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	tg, err := l.DriveTarget(0)
	if err != nil {
		t.Fatal(err)
	}
	_, s := send(t, tg, scsi.TestUnitReady(), scsi.DirNone, nil)
	wantSense(t, "first command after power-on", s, scsi.KeyUnitAttention, 0x29, 0x00)
	_, s = send(t, tg, scsi.TestUnitReady(), scsi.DirNone, nil)
	wantSense(t, "empty drive", s, scsi.KeyNotReady, 0x3A, 0x00)
	_, s = send(t, tg, must(scsi.Read6(10, false, false)), scsi.DirIn, make([]byte, 10))
	wantSense(t, "read with no medium", s, scsi.KeyNotReady, 0x3A, 0x00)

	if err := l.Changer().Move(ctx, l.SlotAddress(1), l.DriveAddress(0)); err != nil {
		t.Fatal(err)
	}
	_, s = send(t, tg, scsi.TestUnitReady(), scsi.DirNone, nil)
	wantSense(t, "first command after a load", s, scsi.KeyUnitAttention, 0x28, 0x00)
	if _, s = send(t, tg, scsi.TestUnitReady(), scsi.DirNone, nil); s != nil {
		t.Fatalf("loaded drive not ready: %+v", s)
	}

	// Blocks of 100 and 10 bytes, a filemark, end of data.
	for _, n := range []int{100, 10} {
		if _, s := send(t, tg, must(scsi.Write6(n, false)), scsi.DirOut, make([]byte, n)); s != nil {
			t.Fatalf("write: %+v", s)
		}
	}
	if _, s := send(t, tg, must(scsi.WriteFilemarks6(1, false)), scsi.DirNone, nil); s != nil {
		t.Fatalf("write filemarks: %+v", s)
	}
	send(t, tg, scsi.Rewind(false), scsi.DirNone, nil)

	// A block longer than the request: ILI, negative residue, the buffer full.
	res, s := send(t, tg, must(scsi.Read6(40, false, false)), scsi.DirIn, make([]byte, 40))
	if s == nil || !s.ILI || s.Key != scsi.KeyNoSense || s.Residue() != -60 || res.Residual != 0 {
		t.Fatalf("long block: sense %+v residual %d, want ILI residue -60", s, res.Residual)
	}
	// A block shorter than the request: ILI, positive residue.
	res, s = send(t, tg, must(scsi.Read6(64, false, false)), scsi.DirIn, make([]byte, 64))
	if s == nil || !s.ILI || s.Residue() != 54 || res.Residual != 54 {
		t.Fatalf("short block: sense %+v residual %d, want ILI residue 54", s, res.Residual)
	}
	_, s = send(t, tg, must(scsi.Read6(64, false, false)), scsi.DirIn, make([]byte, 64))
	if s == nil || !s.Filemark || s.Key != scsi.KeyNoSense || s.Residue() != 64 {
		t.Fatalf("filemark: %+v", s)
	}
	_, s = send(t, tg, must(scsi.Read6(64, false, false)), scsi.DirIn, make([]byte, 64))
	wantSense(t, "read at end of data", s, scsi.KeyBlankCheck, 0x00, 0x05)
	// Spacing past end of data fails, with the residue.
	_, s = send(t, tg, must(scsi.Space6(scsi.SpaceBlocks, 3)), scsi.DirNone, nil)
	if s == nil || s.Key != scsi.KeyBlankCheck || s.Residue() != 3 {
		t.Fatalf("space past end of data: %+v", s)
	}

	// A medium error on read, at block 1.
	if err := l.InjectMediaError("SCR001L9", 1, 1, simulator.FaultRead); err != nil {
		t.Fatal(err)
	}
	send(t, tg, scsi.Rewind(false), scsi.DirNone, nil)
	send(t, tg, must(scsi.Read6(100, false, false)), scsi.DirIn, make([]byte, 100))
	_, s = send(t, tg, must(scsi.Read6(100, false, false)), scsi.DirIn, make([]byte, 100))
	wantSense(t, "damaged block", s, scsi.KeyMediumError, 0x11, 0x00)

	// TapeAlert read through LOG SENSE reports the media flags, once.
	buf := make([]byte, 1024)
	res, _ = send(t, tg, scsi.LogSense(scsi.LogPageTapeAlert, 0, scsi.PCLogCumulative, 0, 1024), scsi.DirIn, buf)
	flags, err := scsi.TapeAlertsFromLog(buf[:len(buf)-res.Residual])
	if err != nil || flags&(1<<3) == 0 || flags&(1<<4) == 0 {
		t.Fatalf("TapeAlert after a read failure: %#x %v, want flags 4 and 5", flags, err)
	}

	// Write protect.
	if err := l.SetWriteProtected("SCR001L9", true); err != nil {
		t.Fatal(err)
	}
	_, s = send(t, tg, must(scsi.Write6(10, false)), scsi.DirOut, make([]byte, 10))
	wantSense(t, "write-protected", s, scsi.KeyDataProtect, 0x27, 0x00)

	// REQUEST SENSE returns the last sense, then nothing.
	res, _ = send(t, tg, scsi.RequestSense(false, 18), scsi.DirIn, buf[:18])
	if got, err := scsi.DecodeSense(buf[:18-res.Residual]); err != nil || got.Key != scsi.KeyDataProtect {
		t.Fatalf("request sense: %+v %v", got, err)
	}

	// Unknown operation codes are refused, not guessed at.
	_, s = send(t, tg, []byte{0xFF, 0, 0, 0, 0, 0}, scsi.DirNone, nil)
	wantSense(t, "unknown opcode", s, scsi.KeyIllegalRequest, 0x20, 0x00)
	if _, err := tg.Do(ctx, &scsi.Command{CDB: []byte{0}}); err != nil {
		t.Fatalf("short CDB: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := tg.Do(cancelled, &scsi.Command{CDB: scsi.TestUnitReady()}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

// FuzzDriveTarget sends arbitrary CDBs: the target answers every one with
// a status and never panics.
func FuzzDriveTarget(f *testing.F) {
	f.Add([]byte{0x08, 0x00, 0x00, 0x00, 0x40, 0x00}, 64)
	f.Add([]byte{0x91, 0x01, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0, 0, 0, 0}, 0)
	f.Add([]byte{0x92, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0}, 0)
	f.Add([]byte{0x34, 0x06, 0, 0, 0, 0, 0, 0, 0, 0}, 32)
	f.Fuzz(func(t *testing.T, c []byte, n int) {
		l, err := simulator.New(testConfig(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		l.Changer().Move(context.Background(), l.SlotAddress(1), l.DriveAddress(0))
		tg, _ := l.DriveTarget(0)
		n = min(max(n, 0), 1<<16)
		dir := scsi.DirIn
		if len(c) > 0 && (c[0] == 0x0A || c[0] == 0x15 || c[0] == 0x55) {
			dir = scsi.DirOut
		}
		for range 2 { // the first command gets the unit attention
			res, err := tg.Do(context.Background(), &scsi.Command{CDB: c, Direction: dir, Data: make([]byte, n)})
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			if res.Residual < 0 || res.Residual > n {
				t.Fatalf("residual %d of %d", res.Residual, n)
			}
			if res.Status == scsi.StatusCheckCondition {
				if _, err := scsi.DecodeSense(res.Sense); err != nil {
					t.Fatalf("undecodable sense: %v", err)
				}
			}
		}
	})
}

// FuzzChangerTarget sends arbitrary CDBs to the SMC target: it answers
// every one with a status, never panics, and never loses a cartridge.
func FuzzChangerTarget(f *testing.F) {
	f.Add([]byte{0xB8, 0x12, 0x03, 0xE8, 0x00, 0x05, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00}, 1024)
	f.Add([]byte{0xA5, 0x00, 0x00, 0x01, 0x03, 0xE8, 0x01, 0xF4, 0x00, 0x00, 0x00, 0x00}, 0)
	f.Add([]byte{0x1A, 0x08, 0x1D, 0x00, 0xFF, 0x00}, 255)
	f.Fuzz(func(t *testing.T, c []byte, n int) {
		l, err := simulator.New(testConfig(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		tg, _ := l.ChangerTarget()
		n = min(max(n, 0), 1<<16)
		for range 2 {
			res, err := tg.Do(context.Background(), &scsi.Command{CDB: c, Direction: scsi.DirIn, Data: make([]byte, n)})
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			if res.Residual < 0 || res.Residual > n {
				t.Fatalf("residual %d of %d", res.Residual, n)
			}
			if res.Status == scsi.StatusCheckCondition {
				if _, err := scsi.DecodeSense(res.Sense); err != nil {
					t.Fatalf("undecodable sense: %v", err)
				}
			}
		}
		inv, err := l.Changer().Inventory(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		full := 0
		for _, e := range inv {
			if e.Full {
				full++
			}
		}
		if full != len(testConfig().Cartridges) {
			t.Fatalf("%d cartridges in the library, want %d", full, len(testConfig().Cartridges))
		}
	})
}
