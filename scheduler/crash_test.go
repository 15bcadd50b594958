package scheduler_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/sqlite"
	"github.com/tapekit/tapekit/scheduler"
	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/simulator/workload"
	"github.com/tapekit/tapekit/tape/format"
)

// The kill -9 test runs this test binary again as a child that opens a
// library, catalog and queue kept in a directory, submits recalls and
// archives once (Submit is the acknowledgement) and runs the scheduler
// until every request of the group has ended; the parent kills it at
// random moments, restarts it, and at last checks that every acknowledged
// request ended exactly once, that nothing is left pending, and that what
// is reported done is on disk or on tape, whole.

const crashChildEnv = "TAPEKIT_SCHED_CRASH_CHILD"

const (
	crashTapes   = 3
	crashPerTape = 4
	crashBlank   = 2
	crashDrives  = 2
	crashArchive = 8
	crashScale   = 300
)

// crashPlan is what the parent tells the child to submit.
type crashPlan struct {
	Recalls  []int64
	Archives []catalog.File
}

// dirSource serves archive data from files under a directory.
type dirSource string

func (d dirSource) Open(_ context.Context, q scheduler.Request) (io.ReadCloser, error) {
	return os.Open(filepath.Join(string(d), filepath.FromSlash(q.Path)))
}

func crashVolumes() []workload.Volume {
	var vols []workload.Volume
	seed := uint64(100)
	for i := range crashTapes {
		v := workload.Volume{Barcode: fmt.Sprintf("T%05dL9", i)}
		for j := range crashPerTape {
			size := int64(1<<20 + (j*7+i*3)%4*(900<<10))
			v.Files = append(v.Files, workload.File{Meta: format.Meta{Path: fmt.Sprintf("/exp/%s/f%03d", v.Barcode, j), Size: size}, Seed: seed})
			seed++
		}
		vols = append(vols, v)
	}
	return vols
}

// crashPrepare lays out the state directory: the library, the catalog with
// the recall files and the blank archive volumes, the archive sources and
// the plan. It returns the synthetic files by catalog id.
func crashPrepare(t *testing.T, dir string) (map[int64]workload.File, crashPlan) {
	t.Helper()
	ctx := context.Background()
	cfg := &simulator.Config{Slots: crashTapes + crashBlank + crashDrives}
	for range crashDrives {
		cfg.Drives = append(cfg.Drives, simulator.DriveConfig{Product: simulator.LTO9Drive.Product})
	}
	for i := range crashTapes + crashBlank {
		cfg.Cartridges = append(cfg.Cartridges, simulator.CartridgeConfig{Barcode: fmt.Sprintf("T%05dL9", i), Slot: i + 1})
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
	for _, p := range []string{"p", "out"} {
		if err := cat.PutPool(ctx, catalog.Pool{Name: p}); err != nil {
			t.Fatal(err)
		}
	}
	if err := cat.PutStorageClass(ctx, catalog.StorageClass{Name: "c", Pools: []string{"p"}}); err != nil {
		t.Fatal(err)
	}
	if err := cat.PutStorageClass(ctx, catalog.StorageClass{Name: "arch", Pools: []string{"out"}}); err != nil {
		t.Fatal(err)
	}
	vols := crashVolumes()
	recs, err := workload.Build(ctx, lib, cat, vols, workload.CatalogOptions{Pool: "p", StorageClass: "c", Library: "sim"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	files := map[int64]workload.File{}
	var plan crashPlan
	for i, v := range vols {
		for j, rec := range recs[i] {
			id, _ := strconv.ParseInt(rec.FileID, 10, 64)
			files[id] = v.Files[j]
			plan.Recalls = append(plan.Recalls, id)
		}
	}
	m, _ := simulator.LookupMedia("LTO-9")
	for i := crashTapes; i < crashTapes+crashBlank; i++ {
		if err := cat.AddVolume(ctx, catalog.Volume{Barcode: fmt.Sprintf("T%05dL9", i), MediaType: "LTO-9", Library: "sim", Pool: "out", State: catalog.StateActive, Capacity: m.Capacity}); err != nil {
			t.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(7, 7))
	var afiles []catalog.File
	for i := range crashArchive {
		data := make([]byte, 1<<20+rng.IntN(3<<20))
		for k := range data {
			data[k] = byte(rng.UintN(256))
		}
		p := fmt.Sprintf("/new/a%02d", i)
		fp := filepath.Join(dir, "src", filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(fp), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(fp, data, 0o644); err != nil {
			t.Fatal(err)
		}
		afiles = append(afiles, catalog.File{Path: p, Size: int64(len(data)), StorageClass: "arch",
			Checksums: map[string]string{"adler32": adler(data)}})
	}
	if plan.Archives, err = cat.CreateFiles(ctx, afiles); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(plan)
	if err := os.WriteFile(filepath.Join(dir, "plan.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"sink", "verify"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return files, plan
}

// crashRun opens the state directory, submits reqs under group unless the
// group already has requests, and runs the scheduler until every request of
// the group has ended, delivering recalls under dir/sinkDir.
func crashRun(t *testing.T, dir, group, sinkDir string, reqs []scheduler.Request) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
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
	sink, err := scheduler.NewDirSink(filepath.Join(dir, sinkDir), &scheduler.DirSinkOptions{Clock: lib.Clock()})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	var drives []scheduler.Drive
	for i := range lib.NumDrives() {
		d, err := lib.Drive(i)
		if err != nil {
			t.Fatal(err)
		}
		drives = append(drives, scheduler.Drive{Name: fmt.Sprintf("drive%d", i), Drive: d, Element: lib.DriveAddress(i)})
	}
	// Archives go at once and in pieces, so that kills land between
	// archive batches as well as within them.
	pol := scheduler.PolicyBest()
	pol.ArchiveMinFiles = 1
	pol.ArchiveMaxBatchBytes = 6 << 20
	s, err := scheduler.New(scheduler.Config{Catalog: cat, Queue: cat, Changer: lib.Changer(), Drives: drives,
		Sink: sink, Source: dirSource(filepath.Join(dir, "src")), Clock: lib.Clock(), Host: "h",
		Policy: pol, Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatal(err)
	}
	have, err := cat.GroupEntries(ctx, group)
	if err != nil {
		t.Fatal(err)
	}
	if len(have) == 0 {
		for i := range reqs {
			reqs[i].Group = group
		}
		if _, err := s.Submit(ctx, reqs...); err != nil {
			t.Fatal(err)
		}
	}
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.Run(rctx) }()
	for {
		es, err := cat.GroupEntries(ctx, group)
		if err != nil {
			t.Fatal(err)
		}
		open := 0
		for _, e := range es {
			if e.Ended.IsZero() {
				open++
			}
		}
		if len(es) > 0 && open == 0 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("Run ended with %d requests open: %v", open, err)
		case <-ctx.Done():
			t.Fatalf("%d requests of %s still open: %v", open, group, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	stop()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v", err)
	}
}

func crashRequests(plan crashPlan) []scheduler.Request {
	var reqs []scheduler.Request
	for _, id := range plan.Recalls {
		reqs = append(reqs, scheduler.Request{Kind: scheduler.Recall, FileID: id})
	}
	for _, f := range plan.Archives {
		reqs = append(reqs, scheduler.Request{Kind: scheduler.Archive, FileID: f.ID, Path: f.Path, Size: f.Size, StorageClass: "arch"})
	}
	return reqs
}

func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashChildEnv)
	if dir == "" {
		t.Skip("only runs as the child of TestCrashRecallsAndArchives")
	}
	b, err := os.ReadFile(filepath.Join(dir, "plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	var plan crashPlan
	if err := json.Unmarshal(b, &plan); err != nil {
		t.Fatal(err)
	}
	crashRun(t, dir, "crash", "sink", crashRequests(plan))
}

func TestCrashRecallsAndArchives(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess test")
	}
	dir := t.TempDir()
	files, plan := crashPrepare(t, dir)
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("TAPEKIT_CRASH_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (TAPEKIT_CRASH_SEED to repeat)", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
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
				t.Fatalf("final run: %v\n%s\nqueue: %s", err, out.Bytes(), pendingDump(t, dir))
			}
			return
		}
		time.Sleep(time.Duration(20+rng.IntN(380)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Logf("the child ended by itself before the kill: %v\n%s", err, out.Bytes())
			if err != nil {
				t.FailNow()
			}
		}
	}
	progress := func() string {
		cat, err := sqlite.Open(context.Background(), filepath.Join(dir, "catalog.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer cat.Close()
		es, err := cat.GroupEntries(context.Background(), "crash")
		if err != nil {
			t.Fatal(err)
		}
		n := map[string]int{}
		for _, e := range es {
			n[e.State]++
		}
		return fmt.Sprint(n)
	}
	for round := range 10 {
		child(true)
		t.Logf("after kill %d: %s", round, progress())
	}
	child(false)

	ctx := context.Background()
	cat, err := sqlite.Open(ctx, filepath.Join(dir, "catalog.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	es, err := cat.GroupEntries(ctx, "crash")
	if err != nil {
		t.Fatal(err)
	}
	if want := len(plan.Recalls) + len(plan.Archives); len(es) != want {
		t.Fatalf("%d requests in the group, want %d", len(es), want)
	}
	pend, err := cat.PendingEntries(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(pend) != 0 {
		t.Errorf("%d orphan requests: %+v", len(pend), pend)
	}
	var archived []scheduler.Request
	var done, failed int
	seen := map[string]bool{}
	for _, e := range es {
		key := fmt.Sprintf("%s %d %d", e.Kind, e.FileID, e.CopyNo)
		if seen[key] {
			t.Errorf("%s: two requests", key)
		}
		seen[key] = true
		switch e.State {
		case "done":
			done++
		case "failed":
			failed++
			if e.Reason == "" {
				t.Errorf("request %d (%s of file %d) failed without a reason", e.ID, e.Kind, e.FileID)
			}
			continue
		default:
			t.Errorf("request %d (%s of file %d) ended %q (%s)", e.ID, e.Kind, e.FileID, e.State, e.Reason)
			continue
		}
		switch e.Kind {
		case "recall":
			f := files[e.FileID]
			got, err := os.ReadFile(filepath.Join(dir, "sink", filepath.FromSlash(f.Path)))
			want := make([]byte, f.Size)
			f.Data().ReadAt(want, 0)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("recall of %s done, but the sink has %d bytes (%v), want %d identical", f.Path, len(got), err, len(want))
			}
		case "archive":
			cs, err := cat.Copies(ctx, e.FileID)
			if err != nil || len(cs) != 1 {
				t.Errorf("archive of file %d done, but %d copies in the catalog (%v)", e.FileID, len(cs), err)
			}
			archived = append(archived, scheduler.Request{Kind: scheduler.Recall, FileID: e.FileID})
		}
	}
	t.Logf("%d requests: %d done, %d failed", len(es), done, failed)
	rep, err := cat.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.OrphanCopies) != 0 || len(rep.FilelessCopies) != 0 {
		t.Errorf("catalog check: %+v", rep)
	}
	for _, s := range rep.Underreplicated {
		for _, a := range archived {
			if s.FileID == a.FileID {
				t.Errorf("archived file %d underreplicated: %+v", a.FileID, s)
			}
		}
	}
	cat.Close()
	if len(archived) == 0 {
		return
	}
	// Read the archived files back through one more scheduler run.
	crashRun(t, dir, "verify", "verify", archived)
	paths := map[int64]string{}
	for _, f := range plan.Archives {
		paths[f.ID] = f.Path
	}
	for _, a := range archived {
		p := paths[a.FileID]
		want, err := os.ReadFile(filepath.Join(dir, "src", filepath.FromSlash(p)))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, "verify", filepath.FromSlash(p)))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("archived %s reads back as %d bytes (%v), want %d identical", p, len(got), err, len(want))
		}
	}
}

// pendingDump lists the requests not ended, for a failure message.
func pendingDump(t *testing.T, dir string) string {
	cat, err := sqlite.Open(context.Background(), filepath.Join(dir, "catalog.db"), nil)
	if err != nil {
		return err.Error()
	}
	defer cat.Close()
	es, err := cat.PendingEntries(context.Background(), 0, 0)
	if err != nil {
		return err.Error()
	}
	var b bytes.Buffer
	for _, e := range es {
		fmt.Fprintf(&b, "%d %s file %d %s host %q volume %s attempts %d: %s\n", e.ID, e.Kind, e.FileID, e.State, e.Host, e.Volume, e.Attempts, e.Reason)
	}
	return b.String()
}
