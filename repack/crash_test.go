package repack_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/sqlite"
	"github.com/tapekit/tapekit/repack"
	"github.com/tapekit/tapekit/scheduler"
	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/simulator/workload"
	"github.com/tapekit/tapekit/tape/format"
)

// The kill -9 test runs this test binary again as a child that opens a
// library, catalog and repack directory kept in one state directory,
// starts the repack of the old volumes when it has not started yet, and
// runs until every repack has ended; the parent kills it at random
// moments, restarts it, and at last checks that every file was moved
// exactly once, none was lost, the catalog checks clean, and every file
// reads back byte for byte from the new volumes.

const crashChildEnv = "TAPEKIT_REPACK_CRASH_CHILD"

const (
	crashOld     = 3
	crashPerTape = 8
	crashBlank   = 2
	crashScale   = 100 // a real clock, 100 times faster than library time
)

func crashVolumes() []workload.Volume {
	var vols []workload.Volume
	seed := uint64(1)
	for i := range crashOld {
		bc := fmt.Sprintf("OLD%03dL7", i)
		v := workload.Volume{Barcode: bc}
		for j := range crashPerTape {
			v.Files = append(v.Files, workload.File{Meta: format.Meta{Path: fmt.Sprintf("/exp/%s/f%02d", bc, j), Size: 200<<10 + int64(i*11+j)*1000}, Seed: seed})
			seed++
		}
		vols = append(vols, v)
	}
	return vols
}

// crashPrepare lays out the state directory and returns the files by id.
func crashPrepare(t *testing.T, dir string) map[int64]workload.File {
	t.Helper()
	ctx := context.Background()
	cfg := &simulator.Config{Slots: crashOld + crashBlank + 2,
		Drives: []simulator.DriveConfig{{Product: simulator.LTO8Drive.Product}, {Product: simulator.LTO9Drive.Product}}}
	for i := range crashOld {
		cfg.Cartridges = append(cfg.Cartridges, simulator.CartridgeConfig{Barcode: fmt.Sprintf("OLD%03dL7", i), Slot: i + 1})
	}
	for i := range crashBlank {
		cfg.Cartridges = append(cfg.Cartridges, simulator.CartridgeConfig{Barcode: fmt.Sprintf("NEW%03dL9", i), Slot: crashOld + i + 1})
	}
	lib, err := simulator.Open(filepath.Join(dir, "lib"), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lib.Close()
	cat, err := sqlite.Open(ctx, filepath.Join(dir, "catalog.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	for _, p := range []string{"old", "new"} {
		if err := cat.PutPool(ctx, catalog.Pool{Name: p}); err != nil {
			t.Fatal(err)
		}
	}
	if err := cat.PutStorageClass(ctx, catalog.StorageClass{Name: "c", Pools: []string{"old"}}); err != nil {
		t.Fatal(err)
	}
	vols := crashVolumes()
	recs, err := workload.Build(ctx, lib, cat, vols, workload.CatalogOptions{Pool: "old", StorageClass: "c", Library: "sim"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	files := map[int64]workload.File{}
	for i, v := range vols {
		for j, rec := range recs[i] {
			id, _ := strconv.ParseInt(rec.FileID, 10, 64)
			files[id] = v.Files[j]
		}
	}
	for i := range crashBlank {
		if err := cat.AddVolume(ctx, catalog.Volume{Barcode: fmt.Sprintf("NEW%03dL9", i), MediaType: "LTO-9", Library: "sim",
			Pool: "new", State: catalog.StateActive, Capacity: simulator.LTO9.Capacity}); err != nil {
			t.Fatal(err)
		}
	}
	return files
}

// crashRun opens the state directory and runs repacks (starting those of
// the old volumes that never started) until none is running, or, with
// recall set, recalls every file into dir/verify instead.
func crashRun(t *testing.T, dir string, recall []int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	lib, err := simulator.Open(filepath.Join(dir, "lib"), nil, &simulator.Options{Clock: clock.New(), Scale: crashScale})
	if err != nil {
		t.Fatal(err)
	}
	defer lib.Close()
	cat, err := sqlite.Open(ctx, filepath.Join(dir, "catalog.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	rp, err := repack.New(repack.Config{Catalog: cat, Dir: filepath.Join(dir, "repack"), Clock: lib.Clock()})
	if err != nil {
		t.Fatal(err)
	}
	defer rp.Close()
	if err := os.MkdirAll(filepath.Join(dir, "verify"), 0o755); err != nil {
		t.Fatal(err)
	}
	verify, err := scheduler.NewDirSink(filepath.Join(dir, "verify"), &scheduler.DirSinkOptions{Clock: lib.Clock()})
	if err != nil {
		t.Fatal(err)
	}
	defer verify.Close()
	gens := [][]string{{"LTO-7", "LTO-8"}, {"LTO-8", "LTO-9"}}
	var drives []scheduler.Drive
	for i := range lib.NumDrives() {
		d, err := lib.Drive(i)
		if err != nil {
			t.Fatal(err)
		}
		drives = append(drives, scheduler.Drive{Name: fmt.Sprintf("drive%d", i), Drive: d, Element: lib.DriveAddress(i), Reads: gens[i], Writes: gens[i]})
	}
	pol := scheduler.PolicyBest()
	pol.Shares = map[string]float64{"repack": 1}
	ended := make(chan scheduler.Request, 1000)
	s, err := scheduler.New(scheduler.Config{Catalog: cat, Queue: cat, Changer: lib.Changer(), Drives: drives,
		Sink: rp.Sink(verify), Source: rp.Source(nil), Clock: lib.Clock(), Host: "h", Policy: pol,
		TapeIO: scheduler.FormatIO{Format: func(volume string) string {
			if strings.HasPrefix(volume, "NEW") {
				return format.FormatANSI
			}
			return ""
		}},
		OnEnd: func(q scheduler.Request) {
			rp.OnEnd(q)
			if !repack.IsRepack(q) {
				ended <- q
			}
		},
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatal(err)
	}
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.Run(rctx) }()
	defer func() {
		stop()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v", err)
		}
	}()
	if err := rp.Attach(ctx, s); err != nil {
		t.Fatal(err)
	}
	if recall != nil {
		var reqs []scheduler.Request
		for _, id := range recall {
			reqs = append(reqs, scheduler.Request{Kind: scheduler.Recall, FileID: id})
		}
		if _, err := s.Submit(ctx, reqs...); err != nil {
			t.Fatal(err)
		}
		for range recall {
			select {
			case q := <-ended:
				if q.State != scheduler.Done {
					t.Errorf("recall of %s: %v (%s)", q.Path, q.State, q.Reason)
				}
			case <-ctx.Done():
				t.Fatal(ctx.Err())
			}
		}
		return
	}
	for i := range crashOld {
		v := fmt.Sprintf("OLD%03dL7", i)
		if _, err := rp.Status(ctx, v); errors.Is(err, repack.ErrNoJob) {
			if _, err := rp.Start(ctx, v, "new"); err != nil {
				t.Fatalf("Start(%s): %v", v, err)
			}
		}
	}
	for {
		jobs, err := rp.Jobs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		running := 0
		for _, j := range jobs {
			if j.State == repack.Running {
				running++
			}
		}
		if running == 0 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("repacks still running: %+v", jobs)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashChildEnv)
	if dir == "" {
		t.Skip("only runs as the child of TestCrashRepack")
	}
	crashRun(t, dir, nil)
}

func TestCrashRepack(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess test")
	}
	dir := t.TempDir()
	files := crashPrepare(t, dir)
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("TAPEKIT_CRASH_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (TAPEKIT_CRASH_SEED to repeat)", seed)
	rng := rand.New(rand.NewPCG(seed, 2))
	child := func(kill bool) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if !kill {
			if err := cmd.Wait(); err != nil {
				t.Fatalf("final run: %v\n%s", err, out.Bytes())
			}
			return
		}
		time.Sleep(time.Duration(100+rng.IntN(1400)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Logf("the child ended by itself before the kill: %v\n%s", err, out.Bytes())
			if err != nil {
				t.FailNow()
			}
		}
	}
	left := func() int {
		cat, err := sqlite.Open(context.Background(), filepath.Join(dir, "catalog.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer cat.Close()
		n := 0
		for i := range crashOld {
			for _, err := range cat.VolumeCopies(context.Background(), fmt.Sprintf("OLD%03dL7", i)) {
				if err != nil {
					t.Fatal(err)
				}
				n++
			}
		}
		return n
	}
	for round := range 10 {
		child(true)
		t.Logf("after kill %d: %d of %d files left on the old volumes", round, left(), len(files))
	}
	child(false)

	ctx := context.Background()
	cat, err := sqlite.Open(ctx, filepath.Join(dir, "catalog.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for id := range files {
		ids = append(ids, id)
		cs, err := cat.Copies(ctx, id)
		if err != nil || len(cs) != 1 || !strings.HasPrefix(cs[0].Volume, "NEW") {
			t.Errorf("file %d: copies %+v, %v; want one on a NEW volume", id, cs, err)
		}
	}
	rep, err := cat.Check(ctx)
	if err != nil || len(rep.OrphanCopies)+len(rep.FilelessCopies)+len(rep.Underreplicated) != 0 {
		t.Errorf("Check = %+v, %v", rep, err)
	}
	pend, err := cat.PendingEntries(ctx, 0, 0)
	if err != nil || len(pend) != 0 {
		t.Errorf("%d orphan requests (%v): %+v", len(pend), err, pend)
	}
	cat.Close()
	crashRun(t, dir, ids)
	for _, f := range files {
		got, err := os.ReadFile(filepath.Join(dir, "verify", filepath.FromSlash(f.Path)))
		want := make([]byte, f.Size)
		f.Data().ReadAt(want, 0)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s reads back as %d bytes (%v), want %d identical", f.Path, len(got), err, len(want))
		}
	}
}
