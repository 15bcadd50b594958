package scheduler_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/sqlite"
	"github.com/tapekit/tapekit/scheduler"
	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/simulator/vclock"
	"github.com/tapekit/tapekit/simulator/workload"
	"github.com/tapekit/tapekit/tape/format"
)

// Recall six files spread over three tapes with two drives of a simulated
// library, in virtual time: each tape is mounted once, every file is
// verified on its way into the sink, and the library time is what the
// simulator charged.
func Example() {
	ctx := context.Background()
	vc := vclock.New(simulator.Epoch, nil)
	lib, err := simulator.New(&simulator.Config{
		Slots:  4,
		Drives: []simulator.DriveConfig{{Product: simulator.LTO9Drive.Product}, {Product: simulator.LTO9Drive.Product}},
		Cartridges: []simulator.CartridgeConfig{
			{Barcode: "EX0001L9", Slot: 1}, {Barcode: "EX0002L9", Slot: 2}, {Barcode: "EX0003L9", Slot: 3},
		},
	}, &simulator.Options{Clock: vc})
	if err != nil {
		log.Fatal(err)
	}
	defer lib.Close()
	dir, err := os.MkdirTemp("", "scheduler-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	cat, err := sqlite.Open(ctx, filepath.Join(dir, "catalog.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer cat.Close()
	cat.PutPool(ctx, catalog.Pool{Name: "raw"})
	cat.PutStorageClass(ctx, catalog.StorageClass{Name: "raw", Pools: []string{"raw"}})

	// Two 2 GB files on each tape, with their catalog records.
	var vols []workload.Volume
	for i, bc := range []string{"EX0001L9", "EX0002L9", "EX0003L9"} {
		v := workload.Volume{Barcode: bc}
		for j := range 2 {
			v.Files = append(v.Files, workload.File{
				Meta: format.Meta{Path: fmt.Sprintf("/run%d/file%d", i, j), Size: 2e9},
				Seed: uint64(10*i + j + 1),
			})
		}
		vols = append(vols, v)
	}
	recs, err := workload.Build(ctx, lib, cat, vols, workload.CatalogOptions{Pool: "raw", StorageClass: "raw", Library: "demo"}, nil)
	if err != nil {
		log.Fatal(err)
	}

	var drives []scheduler.Drive
	for i := range 2 {
		d, _ := lib.Drive(i)
		drives = append(drives, scheduler.Drive{Name: fmt.Sprintf("drive%d", i), Drive: d, Element: lib.DriveAddress(i)})
	}
	mounts, ended := 0, 0
	var lines []string
	s, err := scheduler.New(scheduler.Config{
		Catalog: cat, Changer: lib.Changer(), Drives: drives, Clock: vc, Host: "demo",
		// A sink that counts bytes; the cache package is the real one.
		Sink:   scheduler.NewMemorySink(0, &scheduler.MemorySinkOptions{Clock: vc, Keep: false}),
		Policy: scheduler.PolicyBest(),
		Events: &scheduler.Events{Batch: func(b scheduler.BatchInfo) {
			if !b.More {
				mounts++
			}
		}},
		OnEnd: func(r scheduler.Request) {
			ended++
			lines = append(lines, fmt.Sprintf("%s %s", r.Path, r.State))
		},
	})
	if err != nil {
		log.Fatal(err)
	}

	runCtx, stop := context.WithCancel(ctx)
	pctx, leave := vc.Join(runCtx, "main")
	vc.Go(pctx, "scheduler", func(ctx context.Context) { s.Run(ctx) })
	vc.Go(pctx, "client", func(ctx context.Context) {
		var reqs []scheduler.Request
		for _, vr := range recs {
			for _, r := range vr {
				id, _ := strconv.ParseInt(r.FileID, 10, 64)
				reqs = append(reqs, scheduler.Request{Kind: scheduler.Recall, FileID: id, Path: r.Path})
			}
		}
		s.Submit(ctx, reqs...)
		for ended < len(reqs) {
			vc.SleepContext(ctx, 10e9)
		}
		sort.Strings(lines)
		fmt.Println(strings.Join(lines, "\n"))
		fmt.Printf("%d files, %d mounts, done after %v of library time\n", ended, mounts, vc.Since(simulator.Epoch).Round(1e9))
		stop()
	})
	leave()
	vc.Wait()
	// Output:
	// /run0/file0 done
	// /run0/file1 done
	// /run1/file0 done
	// /run1/file1 done
	// /run2/file0 done
	// /run2/file1 done
	// 6 files, 3 mounts, done after 2m30s of library time
}
