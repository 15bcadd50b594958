package simulator_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/simulator/vclock"
	"github.com/tapekit/tapekit/tape"
)

// library returns a library of LTO-9 drives and n cartridges in slots 1…n,
// on a new virtual clock.
func library(t *testing.T, drives, carts, robots int, logger *slog.Logger) (*simulator.Library, *vclock.Clock) {
	t.Helper()
	cfg := &simulator.Config{Slots: carts, Robots: robots}
	for range drives {
		cfg.Drives = append(cfg.Drives, simulator.DriveConfig{Product: simulator.LTO9Drive.Product})
	}
	for i := 1; i <= carts; i++ {
		cfg.Cartridges = append(cfg.Cartridges, simulator.CartridgeConfig{Barcode: fmt.Sprintf("VC%04dL9", i), Slot: i})
	}
	vc := vclock.New(simulator.Epoch, nil)
	l, err := simulator.New(cfg, &simulator.Options{Clock: vc, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, vc
}

// readFile reads from the current position to the next filemark through
// the fast path and returns the bytes read.
func readFile(ctx context.Context, d *simulator.Drive) (int64, error) {
	var n int64
	for {
		r, err := d.ReadBlocks(ctx, 1<<20)
		n += r.Bytes
		if errors.Is(err, tape.ErrFilemark) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// Four drives that each read an hour of data at once finish an hour after
// their cartridge is loaded: the reads overlap. Only the robot, which
// mounts one cartridge at a time, staggers them.
func TestConcurrentDrivesOverlap(t *testing.T) {
	l, vc := library(t, 4, 4, 1, nil)
	const block = 4_000_000 // 10 ms at 400 MB/s
	hour := int64(time.Hour/simulator.NewCostModel(simulator.LTO9).Read(block)) * block
	for i := 1; i <= 4; i++ {
		if err := l.FillSynthetic(fmt.Sprintf("VC%04dL9", i), 1, hour, block); err != nil {
			t.Fatal(err)
		}
	}
	done := make([]time.Duration, 4)
	ctx, leave := vc.Join(context.Background(), "main")
	for i := range 4 {
		vc.Go(ctx, fmt.Sprintf("drive %d", i), func(ctx context.Context) {
			if err := l.Changer().Move(ctx, l.SlotAddress(i+1), l.DriveAddress(i)); err != nil {
				t.Error(err)
				return
			}
			d, _ := l.Drive(i)
			if n, err := readFile(ctx, d); err != nil || n != hour {
				t.Errorf("drive %d read %d bytes: %v", i, n, err)
			}
			done[i] = vc.Since(simulator.Epoch)
		})
	}
	leave()
	vc.Wait()
	cfg := l.Config()
	var want []time.Duration
	for i := range 4 {
		want = append(want, time.Duration(i+1)*cfg.RobotMove+simulator.LTO9.Load+time.Hour)
	}
	if d := cmp.Diff(want, done); d != "" {
		t.Fatalf("finish times (-want +got):\n%s", d)
	}
}

// A mount storm: eight mounts asked at once on one robot complete one
// exchange apart, in the order they were asked; with two robots, two at a
// time. The drives stay independent.
func TestMountStorm(t *testing.T) {
	for _, robots := range []int{1, 2} {
		t.Run(fmt.Sprintf("robots=%d", robots), func(t *testing.T) {
			l, vc := library(t, 8, 8, robots, nil)
			done := make([]time.Duration, 8)
			ctx, leave := vc.Join(context.Background(), "main")
			for i := range 8 {
				vc.Go(ctx, fmt.Sprintf("mount %d", i), func(ctx context.Context) {
					if err := l.Changer().Move(ctx, l.SlotAddress(i+1), l.DriveAddress(i)); err != nil {
						t.Error(err)
					}
					done[i] = vc.Since(simulator.Epoch)
				})
			}
			leave()
			vc.Wait()
			var want []time.Duration
			for i := range 8 {
				want = append(want, time.Duration(i/robots+1)*l.Config().RobotMove)
			}
			if d := cmp.Diff(want, done); d != "" {
				t.Fatalf("mount completions (-want +got):\n%s", d)
			}
		})
	}
}

// logLines is a slog handler that keeps each record with the virtual time.
type logLines struct {
	mu    *sync.Mutex
	lines *[]string
	clk   *vclock.Clock
}

func (h logLines) Enabled(context.Context, slog.Level) bool { return true }
func (h logLines) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%v %s", h.clk.Since(simulator.Epoch), r.Message)
	r.Attrs(func(a slog.Attr) bool { fmt.Fprintf(&b, " %s=%v", a.Key, a.Value); return true })
	h.mu.Lock()
	*h.lines = append(*h.lines, b.String())
	h.mu.Unlock()
	return nil
}
func (h logLines) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h logLines) WithGroup(string) slog.Handler      { return h }

// TestTimelineDeterministic runs a multi-drive recall workload (mounts
// contending for the robot, locates, reads, unloads) twice and compares
// the library's event logs and the workers' own logs, event for event.
func TestTimelineDeterministic(t *testing.T) {
	once := func() []string {
		var mu sync.Mutex
		var lines []string
		h := &logLines{mu: &mu, lines: &lines}
		l, vc := library(t, 4, 12, 1, slog.New(h))
		h.clk = vc
		for i := 1; i <= 12; i++ {
			if err := l.FillSynthetic(fmt.Sprintf("VC%04dL9", i), 20, 5e9+int64(i)*1e8, 8<<20); err != nil {
				t.Fatal(err)
			}
		}
		note := func(ctx context.Context, format string, args ...any) {
			name, _ := vclock.Participant(ctx)
			mu.Lock()
			lines = append(lines, fmt.Sprintf("%v %s: ", vc.Since(simulator.Epoch), name)+fmt.Sprintf(format, args...))
			mu.Unlock()
		}
		ctx, leave := vc.Join(context.Background(), "main")
		for i := range 4 {
			vc.Go(ctx, fmt.Sprintf("mover %d", i), func(ctx context.Context) {
				rng := rand.New(rand.NewPCG(uint64(i), 7))
				d, _ := l.Drive(i)
				for range 6 {
					slot := 1 + i*3 + rng.IntN(3)
					if err := l.Changer().Move(ctx, l.SlotAddress(slot), l.DriveAddress(i)); err != nil {
						t.Error(err)
						return
					}
					for range 3 {
						f := rng.Int64N(20)
						if err := d.LocateFile(ctx, 0, f); err != nil {
							t.Error(err)
							return
						}
						n, err := readFile(ctx, d)
						if err != nil {
							t.Error(err)
							return
						}
						note(ctx, "read file %d of slot %d: %d bytes", f, slot, n)
					}
					if err := l.Changer().Move(ctx, l.DriveAddress(i), l.SlotAddress(slot)); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		leave()
		vc.Wait()
		return lines
	}
	a, b := once(), once()
	if len(a) < 4*6*5 {
		t.Fatalf("only %d events:\n%s", len(a), strings.Join(a, "\n"))
	}
	if d := cmp.Diff(a, b); d != "" {
		t.Fatalf("two runs differ (-first +second):\n%s", d)
	}
}

// Synthetic blocks of any length read back as their object id repeated,
// through the byte path, to the last byte.
func TestSyntheticBytes(t *testing.T) {
	ctx := context.Background()
	l, _ := library(t, 1, 1, 1, nil)
	const size = 3*1_000_003 + 5
	if err := l.FillSynthetic("VC0001L9", 1, size, 1_000_003); err != nil {
		t.Fatal(err)
	}
	if err := l.Changer().Move(ctx, l.SlotAddress(1), l.DriveAddress(0)); err != nil {
		t.Fatal(err)
	}
	d, _ := l.Drive(0)
	buf := make([]byte, 2_000_000)
	for id := range int64(4) {
		n, err := d.Read(ctx, buf)
		if err != nil {
			t.Fatal(err)
		}
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], uint64(id))
		for i := range n {
			if buf[i] != w[i%8] {
				t.Fatalf("block %d byte %d is %#x, want %#x", id, i, buf[i], w[i%8])
			}
		}
	}
}
