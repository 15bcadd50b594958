package simulator_test

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/tape"
)

func mustLoad(t *testing.T, l *simulator.Library, slot, drive int) *simulator.Drive {
	t.Helper()
	if err := l.Changer().Move(context.Background(), l.SlotAddress(slot), l.DriveAddress(drive)); err != nil {
		t.Fatal(err)
	}
	d, err := l.Drive(drive)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestFullCartridgeReadVirtualTime reads a full LTO-9 cartridge (18 TB in
// 8 MiB blocks) in virtual time: it takes 12.5 hours of library time, at
// 400 MB/s, and seconds of wall time.
func TestFullCartridgeReadVirtualTime(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 2 million blocks")
	}
	ctx := context.Background()
	l, err := simulator.New(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	const block = 8 << 20
	size := simulator.LTO9.Capacity - 4096
	if err := l.FillSynthetic("TK0001L9", 1, size, block); err != nil {
		t.Fatal(err)
	}
	d := mustLoad(t, l, 1, 0)
	if err := d.Rewind(ctx); err != nil { // pays for the load
		t.Fatal(err)
	}
	wall, start := time.Now(), l.Clock().Now()
	buf := make([]byte, 16)
	var blocks, bytes int64
	for {
		_, err := d.Read(ctx, buf)
		if errors.Is(err, tape.ErrFilemark) {
			break
		}
		var te *tape.Error
		if !errors.As(err, &te) || !errors.Is(err, tape.ErrBlockTooLong) {
			t.Fatalf("block %d: %v", blocks, err)
		}
		if got := int64(binary.LittleEndian.Uint64(buf)); got != blocks {
			t.Fatalf("block %d holds the data of block %d", blocks, got)
		}
		blocks++
		bytes += int64(len(buf)) + te.Residue
	}
	if err := d.Rewind(ctx); err != nil { // settles the streaming time owed
		t.Fatal(err)
	}
	virtual := l.Clock().Now().Sub(start)
	t.Logf("read %d blocks, %d bytes: %v of library time in %v of wall time", blocks, bytes, virtual, time.Since(wall))
	if bytes != size {
		t.Fatalf("read %d bytes, want %d", bytes, size)
	}
	if virtual < 12*time.Hour+25*time.Minute || virtual > 12*time.Hour+35*time.Minute {
		t.Fatalf("reading a full LTO-9 took %v of library time, want about 12.5 h", virtual)
	}
}

// TestPowerLoss checks that a power loss drops exactly what was written
// since the last synchronisation, in memory and on disk, and that every
// synchronised block reads back.
func TestPowerLoss(t *testing.T) {
	for _, kind := range []string{"memory", "directory"} {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			open := func() *simulator.Library {
				var l *simulator.Library
				var err error
				if kind == "memory" {
					l, err = simulator.New(testConfig(), nil)
				} else {
					l, err = simulator.Open(dir, testConfig(), nil)
				}
				if err != nil {
					t.Fatal(err)
				}
				return l
			}
			l := open()
			defer l.Close()
			d := mustLoad(t, l, 1, 0)
			write := func(n int) {
				for i := range n {
					if err := d.Write(ctx, []byte{byte(i), 1, 2, 3}); err != nil {
						t.Fatal(err)
					}
				}
			}
			write(5)
			if err := d.WriteFilemarks(ctx, 1, true); err != nil { // synced: 6 objects
				t.Fatal(err)
			}
			write(3)
			if err := d.WriteFilemarks(ctx, 1, false); err != nil { // buffered
				t.Fatal(err)
			}
			write(2)
			if err := l.PowerLoss(); err != nil {
				t.Fatal(err)
			}
			if _, err := d.Read(ctx, make([]byte, 10)); !errors.Is(err, tape.ErrNotReady) || !errors.Is(err, simulator.ErrPowerLoss) {
				t.Fatalf("read after power loss: %v, want ErrNotReady and ErrPowerLoss", err)
			}
			if err := d.Load(ctx); err != nil {
				t.Fatal(err)
			}
			if err := d.Space(ctx, tape.SpaceEndOfData, 0); err != nil {
				t.Fatal(err)
			}
			if p, _ := d.Position(ctx); p != (tape.Position{Block: 6, File: 1}) {
				t.Fatalf("end of data after power loss at %v, want block 6 file 1", p)
			}
			// The recovered cartridge takes new data where the old stopped,
			// and survives a restart of a directory library.
			write(1)
			if err := d.WriteFilemarks(ctx, 1, true); err != nil {
				t.Fatal(err)
			}
			if kind == "directory" {
				if err := l.Close(); err != nil {
					t.Fatal(err)
				}
				l = open()
				d, _ = l.Drive(0)
			}
			if err := d.Rewind(ctx); err != nil {
				t.Fatal(err)
			}
			var got []int64
			buf := make([]byte, 10)
			for {
				n, err := d.Read(ctx, buf)
				if errors.Is(err, tape.ErrEndOfData) {
					break
				}
				if errors.Is(err, tape.ErrFilemark) {
					got = append(got, -1)
					continue
				}
				if err != nil || n != 4 {
					t.Fatalf("read: %d %v", n, err)
				}
				got = append(got, int64(buf[0]))
			}
			want := []int64{0, 1, 2, 3, 4, -1, 0, -1}
			if len(got) != len(want) {
				t.Fatalf("tape holds %v, want %v", got, want)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("tape holds %v, want %v", got, want)
				}
			}
		})
	}
}

// TestDirectoryCrashRecovery: a process that dies without Close leaves the
// library running; the next Open recovers as from a power loss.
func TestDirectoryCrashRecovery(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	l, err := simulator.Open(dir, testConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	d := mustLoad(t, l, 1, 0)
	d.Write(ctx, []byte("synced"))
	d.WriteFilemarks(ctx, 1, true)
	d.Write(ctx, []byte("lost"))
	// Simulate the death of the process: copy the directory as it is on
	// disk now, without closing.
	crashed := t.TempDir()
	copyDir(t, dir, crashed)
	l.Close()

	l2, err := simulator.Open(crashed, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	d2, _ := l2.Drive(0)
	if _, err := d2.Position(ctx); !errors.Is(err, tape.ErrNotReady) || !errors.Is(err, simulator.ErrPowerLoss) {
		t.Fatalf("drive after a crash: %v, want ErrNotReady and ErrPowerLoss", err)
	}
	// The drive still says why after a clean restart.
	if err := l2.Close(); err != nil {
		t.Fatal(err)
	}
	if l2, err = simulator.Open(crashed, nil, nil); err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	d2, _ = l2.Drive(0)
	if _, err := d2.Position(ctx); !errors.Is(err, simulator.ErrPowerLoss) {
		t.Fatalf("drive after a crash and a restart: %v, want ErrPowerLoss", err)
	}
	if err := d2.Load(ctx); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	n, err := d2.Read(ctx, buf)
	if err != nil || string(buf[:n]) != "synced" {
		t.Fatalf("first block %q, %v", buf[:n], err)
	}
	if _, err := d2.Read(ctx, buf); !errors.Is(err, tape.ErrFilemark) {
		t.Fatalf("after the synced block: %v", err)
	}
	if _, err := d2.Read(ctx, buf); !errors.Is(err, tape.ErrEndOfData) {
		t.Fatalf("the unsynced block survived the crash: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(crashed, "tapes", "SCR001L9.data")); err != nil {
		t.Fatal(err)
	} else if fi.Size() != int64(len("synced")) {
		t.Fatalf("the data file holds %d bytes after recovery, want the %d synchronised", fi.Size(), len("synced"))
	}
	// An unload after the load is an eject like any other.
	if err := d2.Unload(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := d2.Position(ctx); !errors.Is(err, tape.ErrNotReady) || errors.Is(err, simulator.ErrPowerLoss) {
		t.Fatalf("drive after an unload: %v, want ErrNotReady and no ErrPowerLoss", err)
	}
	inv, _ := l2.Changer().Inventory(ctx)
	if e, _ := inv.Element(l2.DriveAddress(0)); !e.Full || e.Barcode != "SCR001L9" {
		t.Fatalf("the cartridge left the drive in the crash: %+v", e)
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, de os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if de.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestStatePersists(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	l, err := simulator.Open(dir, testConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	d := mustLoad(t, l, 1, 1)
	d.Write(ctx, []byte("abc"))
	before := l.Clock().Now()
	if _, err := simulator.Open(dir, nil, nil); !errors.Is(err, simulator.ErrLocked) {
		t.Fatalf("second open of a directory in use: %v, want ErrLocked", err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l, err = simulator.Open(dir, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if !l.Clock().Now().Equal(before) && l.Clock().Now().Before(before) {
		t.Fatalf("virtual time went back from %v to %v", before, l.Clock().Now())
	}
	d, _ = l.Drive(1)
	p, err := d.Position(ctx)
	if err != nil || p.Block != 1 {
		t.Fatalf("drive position after restart: %v %v, want block 1", p, err)
	}
	inv, _ := l.Changer().Inventory(ctx)
	e, _ := inv.Element(l.DriveAddress(1))
	if e.Barcode != "SCR001L9" || !e.SourceValid || e.Source != l.SlotAddress(1) {
		t.Fatalf("drive element after restart: %+v", e)
	}
}

func TestFaults(t *testing.T) {
	ctx := context.Background()
	l, err := simulator.New(testConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	d := mustLoad(t, l, 1, 0)
	for i := range 6 {
		d.Write(ctx, []byte{byte(i)})
	}
	d.WriteFilemarks(ctx, 1, true)
	if err := l.InjectMediaError("SCR001L9", 2, 3, simulator.FaultRead); err != nil {
		t.Fatal(err)
	}
	d.Rewind(ctx)
	buf := make([]byte, 10)
	var errs []error
	for range 7 {
		_, err := d.Read(ctx, buf)
		errs = append(errs, err)
	}
	var te *tape.Error
	if !errors.Is(errs[2], tape.ErrMediumError) || !errors.As(errs[2], &te) || !te.PosValid || te.Pos.Block != 2 {
		t.Fatalf("read of a damaged block: %v, want ErrMediumError at block 2", errs[2])
	}
	if errs[4] != nil || !errors.Is(errs[6], tape.ErrFilemark) {
		t.Fatalf("reads after the damage: %v", errs)
	}
	flags, _ := d.TapeAlerts(ctx)
	if !flags.Has(4) || !flags.Has(5) {
		t.Fatalf("TapeAlert after a read failure: %v, want 4 and 5", flags)
	}
	if flags, _ := d.TapeAlerts(ctx); flags != 0 {
		t.Fatalf("TapeAlert flags not cleared by reading them: %v", flags)
	}

	l.FailDrive(0, true)
	if err := d.Rewind(ctx); !errors.Is(err, tape.ErrHardwareError) {
		t.Fatalf("failed drive: %v", err)
	}
	if flags, _ := d.TapeAlerts(ctx); !flags.Has(30) {
		t.Fatalf("failed drive TapeAlert: %v", flags)
	}
	l.FailDrive(0, false)

	l.FailRobot(true)
	err = l.Changer().Move(ctx, l.SlotAddress(2), l.DriveAddress(1))
	if !errors.Is(err, changer.ErrRobotFailure) {
		t.Fatalf("move with a failed robot: %v", err)
	}
	l.FailRobot(false)

	l.SetBarcodeUnreadable("WRP001L9", true)
	inv, _ := l.Changer().Inventory(ctx)
	if e, _ := inv.Element(l.SlotAddress(2)); !e.Full || e.Barcode != "" || !e.Exception {
		t.Fatalf("unreadable barcode: %+v", e)
	}

	// Writing to a write-protected cartridge raises TapeAlert 9.
	d1 := mustLoad(t, l, 2, 1)
	if err := d1.Write(ctx, []byte("x")); !errors.Is(err, tape.ErrWriteProtected) {
		t.Fatalf("write-protected: %v", err)
	}
	if flags, _ := d1.TapeAlerts(ctx); !flags.Has(9) {
		t.Fatalf("write-protect TapeAlert: %v", flags)
	}

	// A drive that needs cleaning asks for it until a cleaning cartridge
	// has been through it.
	l.NeedCleaning(1)
	if flags, _ := d1.TapeAlerts(ctx); !flags.Has(20) {
		t.Fatalf("clean-now TapeAlert: %v", flags)
	}
	if _, err := changer.Unload(ctx, l.Changer(), l.DriveAddress(1)); err != nil {
		t.Fatal(err)
	}
	mustLoad(t, l, 5, 1)
	if st, _ := d1.Status(ctx); st.CleaningNeeded {
		t.Fatal("the drive still needs cleaning after a cleaning cycle")
	}
	if _, err := d1.Read(ctx, buf); err == nil {
		t.Fatal("read from a drive holding a cleaning cartridge succeeded")
	}
}

// TestScale: Options.Scale that is no speed-up (NaN, infinite, negative)
// is refused, and one so small that a wait overflows time.Duration waits
// (practically) for ever instead of not at all.
func TestScale(t *testing.T) {
	for _, s := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), -1} {
		if _, err := simulator.New(nil, &simulator.Options{Scale: s}); !errors.Is(err, simulator.ErrConfig) {
			t.Errorf("New with Scale %v: %v, want ErrConfig", s, err)
		}
		dir := filepath.Join(t.TempDir(), "lib")
		if _, err := simulator.Open(dir, nil, &simulator.Options{Scale: s}); !errors.Is(err, simulator.ErrConfig) {
			t.Errorf("Open with Scale %v: %v, want ErrConfig", s, err)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Open with Scale %v made its directory: %v", s, err)
		}
	}
	l, err := simulator.New(nil, &simulator.Options{Clock: clock.New(), Scale: 1e-12})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	// 27 s of library time, a million years of wall time.
	if err := l.Changer().Reinventory(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("reinventory at a speed of 1e-12: %v, want it still waiting at the deadline", err)
	}
}
