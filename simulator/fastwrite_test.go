package simulator_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"pgregory.net/rapid"

	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/tape"
)

// WriteTapeFile writes what Write writes block by block, at the same
// cost: one drive writes random tape files through the fast path, the
// other the same streams through Write; both read back as the streams,
// end at the same block, and the drives charged the same streaming time.
func TestWriteTapeFile(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := testConfig()
		cfg.Cartridges = append(cfg.Cartridges, simulator.CartridgeConfig{Barcode: "SCR002L9", Slot: 6})
		l, err := simulator.New(cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ctx := context.Background()
		fast, _ := l.Drive(0)
		slow, _ := l.Drive(1)
		move(t, l, l.SlotAddress(1), l.DriveAddress(0))
		move(t, l, l.SlotAddress(6), l.DriveAddress(1))
		for _, d := range []*simulator.Drive{fast, slow} {
			if err := d.Load(ctx); err != nil {
				t.Fatal(err)
			}
		}
		files := drawTapeFiles(t)
		s0, s1 := fast.Stats().Streaming, slow.Stats().Streaming
		var starts []int64
		for i, f := range files {
			run, err := fast.WriteTapeFile(ctx, f)
			if err != nil {
				t.Fatalf("file %d: %v", i, err)
			}
			starts = append(starts, run.First)
			b := streamOf(f)
			for len(b) > 0 {
				n := min(len(b), f.BlockSize)
				if err := slow.Write(ctx, b[:n]); err != nil {
					t.Fatal(err)
				}
				b = b[n:]
			}
			for _, d := range []*simulator.Drive{fast, slow} {
				if err := d.WriteFilemarks(ctx, 1, false); err != nil {
					t.Fatal(err)
				}
			}
			p0, _ := fast.Position(ctx)
			p1, _ := slow.Position(ctx)
			if p0 != p1 {
				t.Fatalf("after file %d: fast path at %+v, byte path at %+v", i, p0, p1)
			}
		}
		if a, b := fast.Stats().Streaming-s0, slow.Stats().Streaming-s1; a != b {
			t.Fatalf("fast path charged %v of streaming, the byte path %v", a, b)
		}
		for _, d := range []*simulator.Drive{fast, slow} {
			if err := d.Rewind(ctx); err != nil {
				t.Fatal(err)
			}
		}
		for i, f := range files {
			if err := fast.Locate(ctx, tape.Position{Block: starts[i]}); err != nil {
				t.Fatal(err)
			}
			_, got, err := readTapeFile(ctx, fast)
			if err != nil || !bytes.Equal(got, streamOf(f)) {
				t.Fatalf("file %d reads back as %d bytes (%v), want its %d-byte stream", i, len(got), err, len(streamOf(f)))
			}
		}
	})
}

// WriteTapeFile refuses what Write refuses, writing nothing: a block the
// drive does not take, an injected write fault, a tape without room, a
// write-protected cartridge.
func TestWriteTapeFileRefuses(t *testing.T) {
	l, err := simulator.New(testConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx := context.Background()
	d, _ := l.Drive(0)
	move(t, l, l.SlotAddress(1), l.DriveAddress(0))
	if err := d.Load(ctx); err != nil {
		t.Fatal(err)
	}
	ok := simulator.TapeFile{BlockSize: 4096, Data: simulator.SyntheticData{Seed: 1, Size: 10000}}
	huge := ok
	huge.Data.Size = 1 << 50
	big := ok
	big.BlockSize = 64 << 20
	for _, c := range []struct {
		name string
		f    simulator.TapeFile
		want error
	}{
		{"block too big", big, tape.ErrIllegalRequest},
		{"no room", huge, tape.ErrEndOfMedium},
	} {
		if _, err := d.WriteTapeFile(ctx, c.f); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if err := l.InjectMediaError("SCR001L9", 1, 1, simulator.FaultWrite); err != nil {
		t.Fatal(err)
	}
	if _, err := d.WriteTapeFile(ctx, ok); !errors.Is(err, tape.ErrMediumError) {
		t.Errorf("over a write fault: %v, want a medium error", err)
	}
	if p, _ := d.Position(ctx); p.Block != 0 {
		t.Errorf("refused writes moved the tape to %+v", p)
	}
	move(t, l, l.DriveAddress(0), l.SlotAddress(1))
	move(t, l, l.SlotAddress(2), l.DriveAddress(0))
	if err := d.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := d.WriteTapeFile(ctx, ok); !errors.Is(err, tape.ErrWriteProtected) {
		t.Errorf("write-protected: %v", err)
	}
}
