package simulator_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/simulator/vclock"
	"github.com/tapekit/tapekit/tape"
)

// fullLTO9 returns drive 0 of a library whose first cartridge holds one
// file filling a whole LTO-9 cartridge in 8 MiB blocks, loaded.
func fullLTO9(b *testing.B) (*simulator.Library, *simulator.Drive) {
	ctx := context.Background()
	l, err := simulator.New(nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	if err := l.FillSynthetic("TK0001L9", 1, simulator.LTO9.Capacity-4096, 8<<20); err != nil {
		b.Fatal(err)
	}
	if err := l.Changer().Move(ctx, l.SlotAddress(1), l.DriveAddress(0)); err != nil {
		b.Fatal(err)
	}
	d, _ := l.Drive(0)
	if err := d.Rewind(ctx); err != nil {
		b.Fatal(err)
	}
	return l, d
}

// BenchmarkFullLTO9FastPath reads a full LTO-9 cartridge (18 TB, 2.1
// million 8 MiB blocks) through ReadBlocks; ns/op is the wall time of one
// whole cartridge, and library-h the library time it takes.
func BenchmarkFullLTO9FastPath(b *testing.B) {
	ctx := context.Background()
	l, d := fullLTO9(b)
	var lib time.Duration
	for b.Loop() {
		t0 := l.Clock().Now()
		n, err := readFile(ctx, d)
		if err != nil || n != simulator.LTO9.Capacity-4096 {
			b.Fatalf("read %d bytes: %v", n, err)
		}
		lib = l.Clock().Since(t0)
		if err := d.Rewind(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(lib.Hours(), "library-h")
}

// BenchmarkFullLTO9BytePath reads blocks of a full LTO-9 cartridge
// through Read with an 8 MiB buffer, as a recall does, and reports the
// wall time reading the whole cartridge that way would take (wall-s/LTO-9)
// from the time per block.
func BenchmarkFullLTO9BytePath(b *testing.B) {
	ctx := context.Background()
	_, d := fullLTO9(b)
	buf := make([]byte, 8<<20)
	b.SetBytes(8 << 20)
	for b.Loop() {
		if _, err := d.Read(ctx, buf); err != nil {
			b.Fatal(err)
		}
	}
	blocks := float64(simulator.LTO9.Capacity) / (8 << 20)
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)*blocks, "wall-s/LTO-9")
}

// dayLibrary builds the library of the day benchmark: 4 LTO-9 drives and
// 500 cartridges of 30 files of 20 to 500 GB each, synthetic.
func dayLibrary(tb testing.TB) (*simulator.Library, *vclock.Clock) {
	const carts, files = 500, 30
	cfg := &simulator.Config{Slots: carts}
	for range 4 {
		cfg.Drives = append(cfg.Drives, simulator.DriveConfig{Product: simulator.LTO9Drive.Product})
	}
	for i := 1; i <= carts; i++ {
		cfg.Cartridges = append(cfg.Cartridges, simulator.CartridgeConfig{Barcode: fmt.Sprintf("DY%04dL9", i), Slot: i})
	}
	vc := vclock.New(simulator.Epoch, nil)
	l, err := simulator.New(cfg, &simulator.Options{Clock: vc})
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 1; i <= carts; i++ {
		size := 20e9 + rng.Int64N(480e9)
		if err := l.FillSynthetic(fmt.Sprintf("DY%04dL9", i), files, size, 8<<20); err != nil {
			tb.Fatal(err)
		}
	}
	return l, vc
}

// BenchmarkDayOf4Drives builds a library of 500 cartridges (build-s, wall
// seconds) and runs a day of library time of recalls on it: four movers
// each mount a random cartridge, read three random files in file order
// through the fast path, and dismount, until a day has passed. It reports
// simulated seconds per wall second (speedup) and the recalls done.
func BenchmarkDayOf4Drives(b *testing.B) {
	var build, run time.Duration
	var recalls int
	for b.Loop() {
		t0 := time.Now()
		l, vc := dayLibrary(b)
		build += time.Since(t0)
		t0 = time.Now()
		recalls += dayOfRecalls(b, l, vc)
		run += time.Since(t0)
		l.Close()
	}
	b.ReportMetric(build.Seconds()/float64(b.N), "build-s")
	b.ReportMetric(float64(b.N)*(24*time.Hour).Seconds()/run.Seconds(), "speedup")
	b.ReportMetric(float64(recalls)/float64(b.N), "recalls/day")
}

func dayOfRecalls(tb testing.TB, l *simulator.Library, vc *vclock.Clock) int {
	end := vc.Now().Add(24 * time.Hour)
	recalls := make([]int, 4)
	ctx, leave := vc.Join(context.Background(), "main")
	for i := range 4 {
		vc.Go(ctx, fmt.Sprintf("mover %d", i), func(ctx context.Context) {
			rng := rand.New(rand.NewPCG(uint64(i), 3))
			d, _ := l.Drive(i)
			for vc.Now().Before(end) {
				// Each mover has its own 125 cartridges: no two movers
				// want the same one.
				slot := 1 + i*125 + rng.IntN(125)
				if err := l.Changer().Move(ctx, l.SlotAddress(slot), l.DriveAddress(i)); err != nil {
					tb.Error(err)
					return
				}
				f := rng.Int64N(28)
				for _, file := range []int64{f, f + 1, f + 2} {
					if err := d.LocateFile(ctx, 0, file); err != nil {
						tb.Error(err)
						return
					}
					if _, err := readFile(ctx, d); err != nil && !errors.Is(err, tape.ErrEndOfData) {
						tb.Error(err)
						return
					}
					recalls[i]++
				}
				if err := l.Changer().Move(ctx, l.DriveAddress(i), l.SlotAddress(slot)); err != nil {
					tb.Error(err)
					return
				}
			}
		})
	}
	leave()
	vc.Wait()
	return recalls[0] + recalls[1] + recalls[2] + recalls[3]
}
