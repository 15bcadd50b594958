package simulator_test

import (
	"context"
	"testing"

	"github.com/tapekit/tapekit/changer/changertest"
	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/tape"
	"github.com/tapekit/tapekit/tape/tapetest"
)

// smallLTO9 is an LTO-9 cartridge of 4 MB, so the suite reaches early
// warning and the end of the medium in a few dozen blocks.
var smallLTO9 = func() *simulator.MediaType {
	m := *simulator.LTO9
	m.Name, m.Suffix = "LTO-9-SMALL", "S9"
	m.Capacity, m.EarlyWarning = 4<<20, 1<<20
	return &m
}()

func testConfig() *simulator.Config {
	return &simulator.Config{
		Media:  []*simulator.MediaType{smallLTO9},
		Drives: []simulator.DriveConfig{{Product: "ULT3580-TD9"}, {Product: "ULT3580-TD9"}},
		Slots:  6,
		Ports:  2,
		Cartridges: []simulator.CartridgeConfig{
			{Barcode: "SCR001L9", Slot: 1},
			{Barcode: "WRP001L9", Slot: 2, WriteProtected: true},
			{Barcode: "SML001S9", Slot: 3},
			{Barcode: "OLD001L5", Slot: 4},
			{Barcode: "CLN001L1", Slot: 5},
			{Barcode: "IMP001L9", Port: 1},
		},
	}
}

// loaded returns drive 0 of a new library with the cartridge of slot n in
// it; open makes the library (in memory or in a directory).
func loaded(t *testing.T, open func() (*simulator.Library, error), slot int) func(context.Context) (tape.Drive, error) {
	return func(ctx context.Context) (tape.Drive, error) {
		l, err := open()
		if err != nil {
			return nil, err
		}
		t.Cleanup(func() { l.Close() })
		if err := l.Changer().Move(ctx, l.SlotAddress(slot), l.DriveAddress(0)); err != nil {
			return nil, err
		}
		return l.Drive(0)
	}
}

func driveSuite(t *testing.T, open func() (*simulator.Library, error)) {
	err := tapetest.TestDrive(context.Background(), tapetest.Config{
		New:            loaded(t, open, 1),
		WriteProtected: loaded(t, open, 2),
		Small:          loaded(t, open, 3),
		SmallLimit:     8 << 20,
		Report: func(check string, err error) {
			if err != nil {
				t.Logf("%s: %v", check, err)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDriveConformance(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		driveSuite(t, func() (*simulator.Library, error) { return simulator.New(testConfig(), nil) })
	})
	t.Run("directory", func(t *testing.T) {
		driveSuite(t, func() (*simulator.Library, error) { return simulator.Open(t.TempDir(), testConfig(), nil) })
	})
}

func TestChangerConformance(t *testing.T) {
	for _, kind := range []string{"memory", "directory"} {
		t.Run(kind, func(t *testing.T) {
			err := changertest.TestChanger(context.Background(), changertest.Config{
				New: func(ctx context.Context) (changertest.Library, error) {
					var l *simulator.Library
					var err error
					if kind == "memory" {
						l, err = simulator.New(testConfig(), nil)
					} else {
						l, err = simulator.Open(t.TempDir(), testConfig(), nil)
					}
					if err != nil {
						return changertest.Library{}, err
					}
					t.Cleanup(func() { l.Close() })
					return changertest.Library{Changer: l.Changer(), Incompatible: "OLD001L5"}, nil
				},
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
