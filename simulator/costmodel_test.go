package simulator_test

import (
	"context"
	"testing"
	"time"

	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/tape"
)

// TestCostModelCharged checks that a drive charges exactly what the
// public CostModel says, operation by operation: a robot move, the load,
// locates forward and back across wraps, reading blocks through both
// paths, the rewind and unload of a move out.
func TestCostModelCharged(t *testing.T) {
	ctx := context.Background()
	l, vc := library(t, 1, 1, 1, nil)
	const bc = "VC0001L9"
	if err := l.FillSynthetic(bc, 200, 50e9, 8<<20); err != nil {
		t.Fatal(err)
	}
	cm, err := l.CostModel(bc)
	if err != nil {
		t.Fatal(err)
	}
	step := func(what string, want time.Duration, f func() error) {
		t.Helper()
		t0 := vc.Now()
		if err := f(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if got := vc.Since(t0); got != want {
			t.Errorf("%s charged %v, the cost model says %v", what, got, want)
		}
	}
	off := func(block int64) int64 {
		o, err := l.TapeOffset(bc, block)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	step("mount", l.Config().RobotMove, func() error { return l.Changer().Move(ctx, l.SlotAddress(1), l.DriveAddress(0)) })
	d, _ := l.Drive(0)
	step("load", cm.Load(), func() error { return d.Rewind(ctx) })
	const size = int64(50e9)
	perFile := size/(8<<20) + 2 // full blocks, the short one, the filemark
	for _, f := range []int64{3, 150, 40, 41, 199, 0} {
		from, to := off(mustPos(t, d).Block), off(f*perFile)
		step("locate to file", cm.Locate(from, to), func() error { return d.LocateFile(ctx, 0, f) })
	}
	buf := make([]byte, 8<<20)
	step("read 3 blocks", 3*cm.Read(8<<20), func() error {
		for range 3 {
			if _, err := d.Read(ctx, buf); err != nil {
				return err
			}
		}
		return nil
	})
	last := size % (8 << 20)
	step("read the rest of the file fast", time.Duration(perFile-5)*cm.Read(8<<20)+cm.Read(last), func() error {
		r, err := d.ReadBlocks(ctx, 1<<30)
		if r.Blocks != perFile-4 || r.Bytes != size-3*(8<<20) {
			t.Errorf("ReadBlocks read %+v", r)
		}
		return err
	})
	pos := mustPos(t, d).Block
	step("move out", cm.Rewind(off(pos))+cm.Unload()+l.Config().RobotMove, func() error {
		return l.Changer().Move(ctx, l.DriveAddress(0), l.SlotAddress(1))
	})
}

func mustPos(t *testing.T, d tape.Drive) tape.Position {
	t.Helper()
	p, err := d.Position(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPlace checks the physical places the cost model reports: data runs
// forward along wrap 0 from the first LPOS, back along wrap 1, and the
// last byte lies in the last band.
func TestPlace(t *testing.T) {
	m := simulator.LTO9
	cm := simulator.NewCostModel(m)
	perWrap := m.Capacity / int64(m.Wraps)
	for _, c := range []struct {
		off  int64
		want simulator.Place
	}{
		{0, simulator.Place{Wrap: 0, Band: 0, Forward: true, LPOS: simulator.LPOSStart}},
		{perWrap + 1, simulator.Place{Wrap: 1, Band: 0, Forward: false, LPOS: simulator.LPOSEnd}},
		{m.Capacity - 1, simulator.Place{Wrap: m.Wraps - 1, Band: m.Bands - 1, Forward: false, LPOS: simulator.LPOSStart}},
	} {
		got := cm.Place(c.off)
		got.Metres = 0
		if d := got.LPOS - c.want.LPOS; d < -2 || d > 2 {
			t.Errorf("Place(%d).LPOS = %d, want about %d", c.off, got.LPOS, c.want.LPOS)
		}
		got.LPOS = c.want.LPOS
		if got != c.want {
			t.Errorf("Place(%d) = %+v, want %+v", c.off, got, c.want)
		}
	}
	if a, b := cm.Place(1e12), cm.Place(1e12+1e9); a.Wrap != b.Wrap || a.Forward != (b.Metres > a.Metres) {
		t.Errorf("reading on along a wrap moves against its direction: %+v then %+v", a, b)
	}
}
