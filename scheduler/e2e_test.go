package scheduler_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/sqlite"
	"github.com/tapekit/tapekit/scheduler"
	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/simulator/vclock"
	"github.com/tapekit/tapekit/simulator/workload"
	"github.com/tapekit/tapekit/tape/format"
)

// store is a catalog that also keeps the scheduler's queue, as both
// databases do.
type store interface {
	catalog.Catalog
	catalog.Queue
}

// rig is a small simulated library in virtual time with a catalog of
// files laid out on its tapes.
type rig struct {
	t     *testing.T
	vc    *vclock.Clock
	lib   *simulator.Library
	cat   store
	files map[int64]workload.File // by catalog id
	recs  map[int64]format.Record
	vols  []string
}

// newRig builds a library of drives LTO-9 drives and tapes cartridges
// with perTape files of size bytes each (sizes vary a little), plus blank
// cartridges for archives.
func newRig(t *testing.T, drives, tapes, perTape int, size int64, blank int) *rig {
	t.Helper()
	cat, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "catalog.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	return newRigOn(t, cat, drives, tapes, perTape, size, blank)
}

// newRigOn is newRig on the catalog cat.
func newRigOn(t *testing.T, cat store, drives, tapes, perTape int, size int64, blank int) *rig {
	t.Helper()
	ctx := context.Background()
	vc := vclock.New(simulator.Epoch, nil)
	cfg := &simulator.Config{Slots: tapes + blank + drives}
	for range drives {
		cfg.Drives = append(cfg.Drives, simulator.DriveConfig{Product: simulator.LTO9Drive.Product})
	}
	r := &rig{t: t, vc: vc, files: map[int64]workload.File{}, recs: map[int64]format.Record{}}
	var vols []workload.Volume
	seed := uint64(1)
	for i := range tapes + blank {
		bc := fmt.Sprintf("T%05dL9", i)
		cfg.Cartridges = append(cfg.Cartridges, simulator.CartridgeConfig{Barcode: bc, Slot: i + 1})
		if i >= tapes {
			continue
		}
		r.vols = append(r.vols, bc)
		v := workload.Volume{Barcode: bc}
		for j := range perTape {
			v.Files = append(v.Files, workload.File{
				Meta: format.Meta{Path: fmt.Sprintf("/exp/%s/f%03d", bc, j), Size: size + int64(j*1000)},
				Seed: seed,
			})
			seed++
		}
		vols = append(vols, v)
	}
	lib, err := simulator.New(cfg, &simulator.Options{Clock: vc})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lib.Close() })
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
	recs, err := workload.Build(ctx, lib, cat, vols, workload.CatalogOptions{Pool: "p", StorageClass: "c", Library: "sim"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vols {
		for j, rec := range recs[i] {
			id, _ := strconv.ParseInt(rec.FileID, 10, 64)
			r.files[id] = v.Files[j]
			r.recs[id] = rec
		}
	}
	for i := tapes; i < tapes+blank; i++ {
		bc := fmt.Sprintf("T%05dL9", i)
		m, _ := simulator.LookupMedia("LTO-9")
		if err := cat.AddVolume(ctx, catalog.Volume{Barcode: bc, MediaType: "LTO-9", Library: "sim", Pool: "out", State: catalog.StateActive, Capacity: m.Capacity}); err != nil {
			t.Fatal(err)
		}
	}
	r.lib, r.cat = lib, cat
	return r
}

func (r *rig) drives() []scheduler.Drive {
	var out []scheduler.Drive
	for i := range r.lib.NumDrives() {
		d, err := r.lib.Drive(i)
		if err != nil {
			r.t.Fatal(err)
		}
		out = append(out, scheduler.Drive{Name: fmt.Sprintf("drive%d", i), Drive: d, Element: r.lib.DriveAddress(i)})
	}
	return out
}

// run runs the scheduler in virtual time: submit is called from a client
// participant; the run ends when want requests have ended.
func (r *rig) run(cfg scheduler.Config, want int, submit func(ctx context.Context, s *scheduler.Scheduler)) (map[int64]scheduler.Request, time.Duration) {
	r.t.Helper()
	var mu sync.Mutex
	ended := map[int64]scheduler.Request{}
	onEnd := cfg.OnEnd
	cfg.OnEnd = func(q scheduler.Request) {
		mu.Lock()
		if _, dup := ended[q.ID]; dup {
			r.t.Errorf("request %d ended twice", q.ID)
		}
		ended[q.ID] = q
		mu.Unlock()
		if onEnd != nil {
			onEnd(q)
		}
	}
	if cfg.Catalog == nil {
		cfg.Catalog = r.cat
	}
	cfg.Changer = r.lib.Changer()
	if cfg.Drives == nil {
		cfg.Drives = r.drives()
	}
	cfg.Clock = r.vc
	if cfg.Host == "" {
		cfg.Host = "h"
	}
	s, err := scheduler.New(cfg)
	if err != nil {
		r.t.Fatal(err)
	}
	t0 := r.vc.Now()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pctx, leave := r.vc.Join(ctx, "main")
	r.vc.Go(pctx, "run", func(ctx context.Context) {
		if err := s.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			r.t.Errorf("Run = %v", err)
		}
	})
	var took time.Duration
	r.vc.Go(pctx, "client", func(ctx context.Context) {
		submit(ctx, s)
		for {
			mu.Lock()
			n := len(ended)
			mu.Unlock()
			if n >= want {
				break
			}
			if err := r.vc.SleepContext(ctx, time.Second); err != nil {
				return
			}
		}
		took = r.vc.Since(t0)
		cancel()
	})
	leave()
	r.vc.Wait()
	mu.Lock()
	defer mu.Unlock()
	return ended, took
}

// Every file of 3 tapes recalled on 2 drives arrives whole and verified,
// each tape mounted once.
func TestEndToEndRecallsVerified(t *testing.T) {
	r := newRig(t, 2, 3, 5, 3<<20, 0)
	sink := scheduler.NewMemorySink(0, &scheduler.MemorySinkOptions{Clock: r.vc, Keep: true})
	var batches []scheduler.BatchInfo
	ended, took := r.run(scheduler.Config{Sink: sink, Policy: scheduler.PolicyBest(),
		Events: &scheduler.Events{Batch: func(b scheduler.BatchInfo) { batches = append(batches, b) }}},
		len(r.files), func(ctx context.Context, s *scheduler.Scheduler) {
			var reqs []scheduler.Request
			for id := range int64(len(r.files)) {
				reqs = append(reqs, scheduler.Request{Kind: scheduler.Recall, FileID: id + 1})
			}
			if _, err := s.Submit(ctx, reqs...); err != nil {
				t.Error(err)
			}
		})
	for id, q := range ended {
		if q.State != scheduler.Done {
			t.Errorf("request %d (file %d): %v %s", id, q.FileID, q.State, q.Reason)
			continue
		}
		f := r.files[q.FileID]
		got, _, ok := sink.Data(f.Path)
		want := make([]byte, f.Size)
		f.Data().ReadAt(want, 0)
		if !ok || !bytes.Equal(got, want) {
			t.Errorf("file %d %s: %d bytes in the sink, want %d identical", q.FileID, f.Path, len(got), len(want))
		}
	}
	mounts := map[string]int{}
	for _, b := range batches {
		if !b.More {
			mounts[b.Volume]++
		}
	}
	for _, v := range r.vols {
		if mounts[v] != 1 {
			t.Errorf("%s mounted %d times, want 1 (batches %+v)", v, mounts[v], batches)
		}
	}
	t.Logf("%d files in %v of library time", len(ended), took)
}

// A media error under one copy's blocks fails that read as a media error;
// the request fails with the reason after its attempts, and the drive
// stays up.
func TestEndToEndMediaError(t *testing.T) {
	r := newRig(t, 1, 1, 3, 1<<20, 0)
	bad := r.recs[2]
	if err := r.lib.InjectMediaError(r.vols[0], bad.Block+2, bad.Block+3, simulator.FaultRead); err != nil {
		t.Fatal(err)
	}
	pol := scheduler.PolicyBest()
	pol.MaxAttempts = 2
	pol.RetryDelay = time.Minute
	sink := scheduler.NewMemorySink(0, &scheduler.MemorySinkOptions{Clock: r.vc, Keep: false})
	ended, _ := r.run(scheduler.Config{Sink: sink, Policy: pol}, 3, func(ctx context.Context, s *scheduler.Scheduler) {
		if _, err := s.Submit(ctx, scheduler.Request{Kind: scheduler.Recall, FileID: 1}, scheduler.Request{Kind: scheduler.Recall, FileID: 2}, scheduler.Request{Kind: scheduler.Recall, FileID: 3}); err != nil {
			t.Error(err)
		}
	})
	for _, q := range ended {
		want := scheduler.Done
		if q.FileID == 2 {
			want = scheduler.Failed
		}
		if q.State != want {
			t.Errorf("file %d: %v (%s), want %v", q.FileID, q.State, q.Reason, want)
		}
	}
	if files := sink.Stats().Committed; files != 2 {
		t.Errorf("sink has %d files, want 2", files)
	}
}

// A drive that fails goes down at its first mount; the mover takes the
// tape out of it, and the other drive serves every request.
func TestEndToEndDriveFailure(t *testing.T) {
	r := newRig(t, 2, 3, 2, 1<<20, 0)
	if err := r.lib.FailDrive(0, true); err != nil {
		t.Fatal(err)
	}
	var down []string
	sink := scheduler.NewMemorySink(0, &scheduler.MemorySinkOptions{Clock: r.vc, Keep: false})
	ended, _ := r.run(scheduler.Config{Sink: sink, Policy: scheduler.PolicyBest(),
		Events: &scheduler.Events{DriveDown: func(d, why string) { down = append(down, d) }}},
		6, func(ctx context.Context, s *scheduler.Scheduler) {
			for id := int64(1); id <= 6; id++ {
				if _, err := s.Submit(ctx, scheduler.Request{Kind: scheduler.Recall, FileID: id}); err != nil {
					t.Error(err)
				}
			}
		})
	stuck := map[string]bool{}
	done := 0
	for _, q := range ended {
		switch {
		case q.State == scheduler.Done:
			done++
		case q.State == scheduler.Failed && strings.Contains(q.Reason, "down"):
			stuck[r.recs[q.FileID].Volume] = true
		default:
			t.Errorf("file %d: %v (%s)", q.FileID, q.State, q.Reason)
		}
	}
	if done != 6 || len(stuck) != 0 {
		t.Errorf("%d done, failed on volumes %v; want all 6 done", done, stuck)
	}
	if len(down) != 1 || down[0] != "drive0" {
		t.Errorf("drives down: %v, want [drive0]", down)
	}
}

// memSource serves archive data from memory.
type memSource map[string][]byte

func (m memSource) Open(_ context.Context, q scheduler.Request) (io.ReadCloser, error) {
	b, ok := m[q.Path]
	if !ok {
		return nil, fmt.Errorf("no data for %s", q.Path)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

// newFiles creates n files of the class "arch" to archive, of about size
// bytes each, in the catalog, with their data in a memSource.
func (r *rig) newFiles(n, size int) (memSource, []catalog.File) {
	r.t.Helper()
	src := memSource{}
	var files []catalog.File
	for i := range n {
		data := bytes.Repeat([]byte{byte(i + 1)}, size+i*1000)
		p := fmt.Sprintf("/new/f%d", i)
		src[p] = data
		files = append(files, catalog.File{Path: p, Size: int64(len(data)), StorageClass: "arch",
			Checksums: map[string]string{"adler32": adler(data)}})
	}
	files, err := r.cat.CreateFiles(context.Background(), files)
	if err != nil {
		r.t.Fatal(err)
	}
	return src, files
}

// Archives are written to a blank volume (labelled on first use), and
// the catalog has their copies only once each request is done; the copies
// read back verified.
func TestEndToEndArchiveThenRecall(t *testing.T) {
	r := newRig(t, 1, 0, 0, 0, 1)
	src, files := r.newFiles(6, 300<<10)
	var copiesSeenAtEnd []int
	ended, _ := r.run(scheduler.Config{Source: src, Policy: scheduler.PolicyBest(),
		OnEnd: func(q scheduler.Request) {
			cs, _ := r.cat.Copies(context.Background(), q.FileID)
			copiesSeenAtEnd = append(copiesSeenAtEnd, len(cs))
		}}, len(files), func(ctx context.Context, s *scheduler.Scheduler) {
		for _, f := range files {
			if _, err := s.Submit(ctx, scheduler.Request{Kind: scheduler.Archive, FileID: f.ID, Path: f.Path, Size: f.Size, StorageClass: "arch"}); err != nil {
				t.Error(err)
			}
		}
	})
	for _, q := range ended {
		if q.State != scheduler.Done {
			t.Errorf("archive of file %d: %v (%s)", q.FileID, q.State, q.Reason)
		}
	}
	for i, n := range copiesSeenAtEnd {
		if n != 1 {
			t.Errorf("end %d: the catalog had %d copies when the request ended, want 1", i, n)
		}
	}
	// Read them back through a second scheduler run.
	sink := scheduler.NewMemorySink(0, &scheduler.MemorySinkOptions{Clock: r.vc, Keep: true})
	ended, _ = r.run(scheduler.Config{Sink: sink, Policy: scheduler.PolicyBest()}, len(files), func(ctx context.Context, s *scheduler.Scheduler) {
		for _, f := range files {
			if _, err := s.Submit(ctx, scheduler.Request{Kind: scheduler.Recall, FileID: f.ID}); err != nil {
				t.Error(err)
			}
		}
	})
	for _, q := range ended {
		got, _, _ := sink.Data(q.Path)
		if q.State != scheduler.Done || !bytes.Equal(got, src[q.Path]) {
			t.Errorf("recall of %s: %v (%s), %d bytes", q.Path, q.State, q.Reason, len(got))
		}
	}
}

// A sink with room for one file at a time delays reads, it does not fail
// them: a consumer that empties it lets every recall finish.
func TestEndToEndSinkBackPressure(t *testing.T) {
	r := newRig(t, 1, 1, 4, 1<<20, 0)
	sink := scheduler.NewMemorySink(1<<20+10_000, &scheduler.MemorySinkOptions{Clock: r.vc, Keep: false})
	var order []string
	ended, _ := r.run(scheduler.Config{Sink: sink, Policy: scheduler.PolicyBest(),
		OnEnd: func(q scheduler.Request) { order = append(order, q.Path); sink.Remove(q.Path) }},
		4, func(ctx context.Context, s *scheduler.Scheduler) {
			for id := int64(1); id <= 4; id++ {
				if _, err := s.Submit(ctx, scheduler.Request{Kind: scheduler.Recall, FileID: id}); err != nil {
					t.Error(err)
				}
			}
		})
	for _, q := range ended {
		if q.State != scheduler.Done {
			t.Errorf("file %d: %v (%s)", q.FileID, q.State, q.Reason)
		}
	}
}

// An archive of a file that already has the copy is done without a
// second commit: twice in one batch (the first copy is committed, the
// other request ends with it), and again later, as after a crash between
// the commit and the end of the request (nothing is written at all).
// Before, the commit of the whole batch failed on the duplicate and the
// requests never ended.
func TestEndToEndArchiveTwice(t *testing.T) {
	r := newRig(t, 1, 0, 0, 0, 1)
	ctx := context.Background()
	src, files := r.newFiles(4, 200<<10)
	archive := func(times int) {
		t.Helper()
		ended, _ := r.run(scheduler.Config{Source: src, Policy: scheduler.PolicyBest()}, times*len(files), func(ctx context.Context, s *scheduler.Scheduler) {
			var reqs []scheduler.Request
			for range times {
				for _, f := range files {
					reqs = append(reqs, scheduler.Request{Kind: scheduler.Archive, FileID: f.ID, Path: f.Path, Size: f.Size, StorageClass: "arch"})
				}
			}
			if _, err := s.Submit(ctx, reqs...); err != nil {
				t.Error(err)
			}
		})
		if len(ended) != times*len(files) {
			t.Fatalf("%d requests ended, want %d", len(ended), times*len(files))
		}
		for _, q := range ended {
			if q.State != scheduler.Done {
				t.Errorf("archive of file %d: %v (%s)", q.FileID, q.State, q.Reason)
			}
		}
		for _, f := range files {
			if cs, err := r.cat.Copies(ctx, f.ID); err != nil || len(cs) != 1 {
				t.Errorf("file %d: copies %v, %v; want one", f.ID, cs, err)
			}
		}
	}
	archive(2)
	v, err := r.cat.Volume(ctx, "T00000L9")
	if err != nil {
		t.Fatal(err)
	}
	archive(1)
	v2, err := r.cat.Volume(ctx, "T00000L9")
	if err != nil {
		t.Fatal(err)
	}
	if v2.LastFileSeq != v.LastFileSeq {
		t.Errorf("the second archive of the same files wrote to tape: last file %d, then %d", v.LastFileSeq, v2.LastFileSeq)
	}
}

// Archives that relocate copies (a repack) move every live copy of a full
// volume to a volume of another pool: the catalog's copies then point at
// the new volume and read back whole; a deleted file's relocation fails
// as gone; a relocation named twice ends once written; relocating again
// what has moved ends done at once, writing nothing.
func TestEndToEndRelocate(t *testing.T) {
	r := newRig(t, 1, 1, 4, 300<<10, 1)
	ctx := context.Background()
	const from, to = "T00000L9", "T00001L9"
	if err := r.cat.SetVolumeState(ctx, from, catalog.StateFull, "repack"); err != nil {
		t.Fatal(err)
	}
	src := memSource{}
	var reqs []scheduler.Request
	ids := slices.Sorted(maps.Keys(r.files))
	for _, id := range ids {
		f := r.files[id]
		data := make([]byte, f.Size)
		f.Data().ReadAt(data, 0)
		src[f.Path] = data
		reqs = append(reqs, scheduler.Request{Kind: scheduler.Archive, FileID: id, Path: f.Path, Size: f.Size,
			StorageClass: "c", CopyNo: 1, Pool: "out", Relocate: from, Activity: "repack"})
	}
	reqs = append(reqs, reqs[1]) // twice
	gone := ids[2]
	if err := r.cat.Delete(ctx, gone, "user"); err != nil {
		t.Fatal(err)
	}
	relocate := func(reqs []scheduler.Request) map[int64]scheduler.Request {
		t.Helper()
		ended, _ := r.run(scheduler.Config{Source: src, Policy: scheduler.PolicyBest()}, len(reqs), func(ctx context.Context, s *scheduler.Scheduler) {
			if _, err := s.Submit(ctx, reqs...); err != nil {
				t.Error(err)
			}
		})
		return ended
	}
	for _, q := range relocate(reqs) {
		want := scheduler.Done
		if q.FileID == gone {
			want = scheduler.Failed
		}
		if q.State != want {
			t.Errorf("relocation of file %d: %v (%s), want %v", q.FileID, q.State, q.Reason, want)
		}
	}
	for c, err := range r.cat.VolumeCopies(ctx, from) {
		if err != nil {
			t.Fatal(err)
		}
		t.Errorf("copy of file %d still on %s", c.FileID, from)
	}
	v, err := r.cat.Volume(ctx, to)
	if err != nil {
		t.Fatal(err)
	}
	var live []int64
	for _, id := range ids {
		if id == gone {
			continue
		}
		live = append(live, id)
		cs, err := r.cat.Copies(ctx, id)
		if err != nil || len(cs) != 1 || cs[0].Volume != to || cs[0].CopyNo != 1 {
			t.Errorf("file %d: copies %+v, %v; want copy 1 on %s", id, cs, err, to)
		}
	}
	// Read back from the new volume.
	sink := scheduler.NewMemorySink(0, &scheduler.MemorySinkOptions{Clock: r.vc, Keep: true})
	ended, _ := r.run(scheduler.Config{Sink: sink, Policy: scheduler.PolicyBest()}, len(live), func(ctx context.Context, s *scheduler.Scheduler) {
		for _, id := range live {
			if _, err := s.Submit(ctx, scheduler.Request{Kind: scheduler.Recall, FileID: id}); err != nil {
				t.Error(err)
			}
		}
	})
	for _, q := range ended {
		got, _, _ := sink.Data(q.Path)
		if q.State != scheduler.Done || q.Volume != to || !bytes.Equal(got, src[q.Path]) {
			t.Errorf("recall of %s: %v (%s) from %s, %d bytes", q.Path, q.State, q.Reason, q.Volume, len(got))
		}
	}
	// Again: everything has moved, nothing is written.
	for _, q := range relocate(reqs[:len(reqs)-1]) {
		if q.FileID != gone && q.State != scheduler.Done {
			t.Errorf("second relocation of file %d: %v (%s)", q.FileID, q.State, q.Reason)
		}
	}
	if v2, err := r.cat.Volume(ctx, to); err != nil || v2.LastFileSeq != v.LastFileSeq {
		t.Errorf("the second relocation wrote to tape: last file %d, then %d (%v)", v.LastFileSeq, v2.LastFileSeq, err)
	}
}
