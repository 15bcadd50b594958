package ssc_test

import (
	"context"
	"testing"

	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/tape"
	"github.com/tapekit/tapekit/tape/ssc"
	"github.com/tapekit/tapekit/tape/tapetest"
)

// smallLTO9 is a 4 MB LTO-9 cartridge, so the suite reaches early warning
// and the end of the medium in a few dozen blocks.
var smallLTO9 = func() *simulator.MediaType {
	m := *simulator.LTO9
	m.Name, m.Suffix = "LTO-9-SMALL", "S9"
	m.Capacity, m.EarlyWarning = 4<<20, 1<<20
	return &m
}()

func library(t *testing.T) *simulator.Library {
	l, err := simulator.New(&simulator.Config{
		Media:  []*simulator.MediaType{smallLTO9},
		Drives: []simulator.DriveConfig{{Product: "ULT3580-TD9", Serial: "SSC0001"}},
		Slots:  4,
		Cartridges: []simulator.CartridgeConfig{
			{Barcode: "SCR001L9", Slot: 1},
			{Barcode: "WRP001L9", Slot: 2, WriteProtected: true},
			{Barcode: "SML001S9", Slot: 3},
		},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// sscDrive returns the SSC driver talking to the simulator's SCSI target
// for a drive holding the cartridge of slot n.
func sscDrive(t *testing.T, slot int) func(context.Context) (tape.Drive, error) {
	return func(ctx context.Context) (tape.Drive, error) {
		l := library(t)
		if err := l.Changer().Move(ctx, l.SlotAddress(slot), l.DriveAddress(0)); err != nil {
			return nil, err
		}
		target, err := l.DriveTarget(0)
		if err != nil {
			return nil, err
		}
		return ssc.New(target, nil), nil
	}
}

// TestSCSIDriveConformance runs the tapetest suite on "SSC driver →
// simulator SCSI target": every CDB the driver builds is answered by the
// target's own encoding of the standard, and every response parsed back.
func TestSCSIDriveConformance(t *testing.T) {
	err := tapetest.TestDrive(context.Background(), tapetest.Config{
		New:            sscDrive(t, 1),
		WriteProtected: sscDrive(t, 2),
		Small:          sscDrive(t, 3),
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

// TestSCSIRecommendedAccessOrder: the SSC driver's RAO through the
// simulator's target gives the simulator's own order.
func TestSCSIRecommendedAccessOrder(t *testing.T) {
	ctx := context.Background()
	l := library(t)
	if err := l.FillSynthetic("SCR001L9", 50, 1<<20, 1<<16); err != nil {
		t.Fatal(err)
	}
	if err := l.Changer().Move(ctx, l.SlotAddress(1), l.DriveAddress(0)); err != nil {
		t.Fatal(err)
	}
	target, _ := l.DriveTarget(0)
	d := ssc.New(target, nil)
	native, _ := l.Drive(0)
	var segs []tape.Segment
	for i, f := range []int64{40, 3, 17, 29, 8} {
		segs = append(segs, tape.Segment{ID: uint64(100 + i), FirstBlock: f * 17, LastBlock: f*17 + 3})
	}
	got, err := d.RecommendedAccessOrder(ctx, segs)
	if err != nil {
		t.Fatal(err)
	}
	want, err := native.RecommendedAccessOrder(ctx, segs)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d segments, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order through SCSI %v, native %v", got, want)
		}
	}
}
