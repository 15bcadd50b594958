package workload_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/sqlite"
	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/simulator/vclock"
	"github.com/tapekit/tapekit/simulator/workload"
	"github.com/tapekit/tapekit/tape"
	"github.com/tapekit/tapekit/tape/format"
)

// dayVolumes are the 500 cartridges of the day benchmark: 30 files each,
// of one size per cartridge between 20 and 500 GB.
func dayVolumes() []workload.Volume {
	const carts, files = 500, 30
	rng := rand.New(rand.NewPCG(1, 2))
	vols := make([]workload.Volume, carts)
	for i := range vols {
		size := 20e9 + rng.Int64N(480e9)
		v := workload.Volume{Barcode: fmt.Sprintf("DY%04dL9", i+1)}
		for j := range files {
			v.Files = append(v.Files, workload.File{
				Meta: format.Meta{Path: fmt.Sprintf("/day/%04d/f%02d", i+1, j), Size: size},
				Seed: uint64(i*files + j),
			})
		}
		vols[i] = v
	}
	return vols
}

// buildDay builds the library and its SQLite catalog: 4 LTO-9 drives and
// dayVolumes laid out in the default format in 8 MiB blocks.
func buildDay(tb testing.TB, vols []workload.Volume) (*simulator.Library, *vclock.Clock, catalog.Catalog, [][]format.Record) {
	ctx := context.Background()
	cfg := &simulator.Config{Slots: len(vols)}
	for range 4 {
		cfg.Drives = append(cfg.Drives, simulator.DriveConfig{Product: simulator.LTO9Drive.Product})
	}
	for i, v := range vols {
		cfg.Cartridges = append(cfg.Cartridges, simulator.CartridgeConfig{Barcode: v.Barcode, Slot: i + 1})
	}
	vc := vclock.New(simulator.Epoch, nil)
	l, err := simulator.New(cfg, &simulator.Options{Clock: vc})
	if err != nil {
		tb.Fatal(err)
	}
	// SyncNormal: a catalog rebuilt from tape (format.Scan) if lost, as
	// this one can be.
	db, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "catalog.db"), &sqlite.Options{Synchronous: sqlite.SyncNormal})
	if err != nil {
		tb.Fatal(err)
	}
	if err := db.PutPool(ctx, catalog.Pool{Name: "day"}); err != nil {
		tb.Fatal(err)
	}
	if err := db.PutStorageClass(ctx, catalog.StorageClass{Name: "day", Pools: []string{"day"}}); err != nil {
		tb.Fatal(err)
	}
	recs, err := workload.Build(ctx, l, db, vols, workload.CatalogOptions{Pool: "day", StorageClass: "day", Library: "sim"}, &workload.Options{BlockSize: 8 << 20})
	if err != nil {
		tb.Fatal(err)
	}
	return l, vc, db, recs
}

// BenchmarkDayOf4DrivesFormatted builds a library of 500 cartridges of 30
// files each in the default on-tape format, with its SQLite catalog
// (build-s, wall seconds), and runs a day of library time of recalls on
// it: four movers each mount a random cartridge, locate three random
// files in file order by the block ids the catalog recorded, read each
// through the fast path, and dismount, until a day has passed. It reports
// simulated seconds per wall second (speedup) and the recalls done.
func BenchmarkDayOf4DrivesFormatted(b *testing.B) {
	vols := dayVolumes()
	var build, run time.Duration
	var recalls int
	for b.Loop() {
		t0 := time.Now()
		l, vc, db, recs := buildDay(b, vols)
		build += time.Since(t0)
		t0 = time.Now()
		recalls += dayOfRecalls(b, l, vc, recs)
		run += time.Since(t0)
		l.Close()
		db.Close()
	}
	b.ReportMetric(build.Seconds()/float64(b.N), "build-s")
	b.ReportMetric(float64(b.N)*(24*time.Hour).Seconds()/run.Seconds(), "speedup")
	b.ReportMetric(float64(recalls)/float64(b.N), "recalls/day")
}

func dayOfRecalls(tb testing.TB, l *simulator.Library, vc *vclock.Clock, recs [][]format.Record) int {
	end := vc.Now().Add(24 * time.Hour)
	recalls := make([]int, 4)
	ctx, leave := vc.Join(context.Background(), "main")
	per := len(recs) / 4
	for i := range 4 {
		vc.Go(ctx, fmt.Sprintf("mover %d", i), func(ctx context.Context) {
			rng := rand.New(rand.NewPCG(uint64(i), 3))
			d, _ := l.Drive(i)
			for vc.Now().Before(end) {
				// Each mover has its own cartridges: no two movers want
				// the same one.
				v := i*per + rng.IntN(per)
				if err := l.Changer().Move(ctx, l.SlotAddress(v+1), l.DriveAddress(i)); err != nil {
					tb.Error(err)
					return
				}
				f := rng.IntN(len(recs[v]) - 2)
				for _, r := range recs[v][f : f+3] {
					if err := d.Locate(ctx, tape.Position{Block: r.Block}); err != nil {
						tb.Error(err)
						return
					}
					n, err := readFile(ctx, d)
					if err != nil || n < r.Size {
						tb.Errorf("%s fseq %d: read %d bytes: %v", r.Volume, r.FSeq, n, err)
						return
					}
					recalls[i]++
				}
				if err := l.Changer().Move(ctx, l.DriveAddress(i), l.SlotAddress(v+1)); err != nil {
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

// readFile reads a tape file through the fast path, to its filemark.
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
