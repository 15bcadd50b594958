package repack_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/sqlite"
	"github.com/tapekit/tapekit/repack"
	"github.com/tapekit/tapekit/scheduler"
	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/simulator/vclock"
	"github.com/tapekit/tapekit/simulator/workload"
	"github.com/tapekit/tapekit/tape/format"
)

// site is a library of mixed generations in virtual time: LTO-7
// cartridges full of files in the pax format (pool "old"), blank LTO-9
// cartridges (pool "new", written in the ANSI format), an LTO-8 drive
// (reads and writes LTO-7) and an LTO-9 drive (LTO-8 and LTO-9).
type site struct {
	t      *testing.T
	vc     *vclock.Clock
	lib    *simulator.Library
	cat    *sqlite.DB
	files  map[int64]workload.File
	old    []string
	drives []scheduler.Drive
}

func newSite(t *testing.T, oldTapes, perTape, blanks int) *site {
	t.Helper()
	ctx := context.Background()
	st := &site{t: t, vc: vclock.New(simulator.Epoch, nil), files: map[int64]workload.File{}}
	cfg := &simulator.Config{Slots: oldTapes + blanks + 2,
		Drives: []simulator.DriveConfig{{Product: simulator.LTO8Drive.Product}, {Product: simulator.LTO9Drive.Product}}}
	var vols []workload.Volume
	seed := uint64(1)
	for i := range oldTapes {
		bc := fmt.Sprintf("OLD%03dL7", i)
		cfg.Cartridges = append(cfg.Cartridges, simulator.CartridgeConfig{Barcode: bc, Slot: i + 1})
		st.old = append(st.old, bc)
		v := workload.Volume{Barcode: bc}
		for j := range perTape {
			v.Files = append(v.Files, workload.File{Meta: format.Meta{Path: fmt.Sprintf("/exp/%s/f%02d", bc, j), Size: 100<<10 + int64(i*7+j)*1000}, Seed: seed})
			seed++
		}
		vols = append(vols, v)
	}
	for i := range blanks {
		cfg.Cartridges = append(cfg.Cartridges, simulator.CartridgeConfig{Barcode: fmt.Sprintf("NEW%03dL9", i), Slot: oldTapes + i + 1})
	}
	lib, err := simulator.New(cfg, &simulator.Options{Clock: st.vc})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lib.Close() })
	cat, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "catalog.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	for _, p := range []string{"old", "new"} {
		if err := cat.PutPool(ctx, catalog.Pool{Name: p}); err != nil {
			t.Fatal(err)
		}
	}
	if err := cat.PutStorageClass(ctx, catalog.StorageClass{Name: "c", Pools: []string{"old"}}); err != nil {
		t.Fatal(err)
	}
	recs, err := workload.Build(ctx, lib, cat, vols, workload.CatalogOptions{Pool: "old", StorageClass: "c", Library: "sim"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vols {
		for j, rec := range recs[i] {
			id, _ := strconv.ParseInt(rec.FileID, 10, 64)
			st.files[id] = v.Files[j]
		}
	}
	for i := range blanks {
		if err := cat.AddVolume(ctx, catalog.Volume{Barcode: fmt.Sprintf("NEW%03dL9", i), MediaType: "LTO-9", Library: "sim",
			Pool: "new", State: catalog.StateActive, Capacity: simulator.LTO9.Capacity}); err != nil {
			t.Fatal(err)
		}
	}
	gens := [][]string{{"LTO-7", "LTO-8"}, {"LTO-8", "LTO-9"}}
	for i := range lib.NumDrives() {
		d, err := lib.Drive(i)
		if err != nil {
			t.Fatal(err)
		}
		st.drives = append(st.drives, scheduler.Drive{Name: fmt.Sprintf("drive%d", i), Drive: d, Element: lib.DriveAddress(i),
			Reads: gens[i], Writes: gens[i]})
	}
	st.lib, st.cat = lib, cat
	return st
}

// tapeIO writes the volumes of pool "new" in the ANSI format.
func (st *site) tapeIO() scheduler.TapeIO {
	return scheduler.FormatIO{Format: func(volume string) string {
		v, err := st.cat.Volume(context.Background(), volume)
		if err == nil && v.Pool == "new" {
			return format.FormatANSI
		}
		return ""
	}}
}

// run runs a scheduler in virtual time with cfg completed from the site,
// calls body from a participant, and returns when body does.
func (st *site) run(cfg scheduler.Config, body func(ctx context.Context, s *scheduler.Scheduler)) {
	st.t.Helper()
	cfg.Catalog, cfg.Queue, cfg.Changer, cfg.Drives, cfg.Clock = st.cat, st.cat, st.lib.Changer(), st.drives, st.vc
	cfg.Host, cfg.TapeIO = "h", st.tapeIO()
	if cfg.Policy == nil {
		cfg.Policy = scheduler.PolicyBest()
	}
	s, err := scheduler.New(cfg)
	if err != nil {
		st.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pctx, leave := st.vc.Join(ctx, "main")
	st.vc.Go(pctx, "run", func(ctx context.Context) {
		if err := s.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			st.t.Errorf("Run = %v", err)
		}
	})
	st.vc.Go(pctx, "body", func(ctx context.Context) {
		defer cancel()
		body(ctx, s)
	})
	leave()
	st.vc.Wait()
}

// recallAll reads every live file back through a scheduler and checks it
// is byte for byte what was laid out, read from a volume of pool "new".
func (st *site) recallAll(skip map[int64]bool) {
	st.t.Helper()
	sink := scheduler.NewMemorySink(0, &scheduler.MemorySinkOptions{Clock: st.vc, Keep: true})
	var mu sync.Mutex
	ended := map[int64]scheduler.Request{}
	want := len(st.files) - len(skip)
	st.run(scheduler.Config{Sink: sink, OnEnd: func(q scheduler.Request) {
		mu.Lock()
		ended[q.FileID] = q
		mu.Unlock()
	}}, func(ctx context.Context, s *scheduler.Scheduler) {
		for id := range st.files {
			if skip[id] {
				continue
			}
			if _, err := s.Submit(ctx, scheduler.Request{Kind: scheduler.Recall, FileID: id}); err != nil {
				st.t.Error(err)
				return
			}
		}
		for {
			mu.Lock()
			n := len(ended)
			mu.Unlock()
			if n >= want || st.vc.SleepContext(ctx, 10*time.Second) != nil {
				return
			}
		}
	})
	for id, f := range st.files {
		if skip[id] {
			continue
		}
		q := ended[id]
		got, _, _ := sink.Data(f.Path)
		data := make([]byte, f.Size)
		f.Data().ReadAt(data, 0)
		if q.State != scheduler.Done || !bytes.Equal(got, data) {
			st.t.Errorf("recall of %s: %v (%s) from %s, %d of %d bytes identical", f.Path, q.State, q.Reason, q.Volume, len(got), len(data))
		}
	}
}

// The migration: 5 LTO-7 tapes in the pax format move to LTO-9 in
// the ANSI format, in virtual time, through the scheduler (the LTO-8
// drive reads, the LTO-9 drive writes); then every file reads back byte
// for byte from the new volumes, in the ANSI format, the old volumes hold
// no live copies and are disabled, and the catalog checks clean.
func TestMigrateLTO7PaxToLTO9ANSI(t *testing.T) {
	st := newSite(t, 5, 6, 2)
	ctx := context.Background()
	rp, err := repack.New(repack.Config{Catalog: st.cat, Dir: t.TempDir(), Clock: st.vc})
	if err != nil {
		t.Fatal(err)
	}
	defer rp.Close()
	pol := scheduler.PolicyBest()
	pol.Shares = map[string]float64{"repack": 1}
	var took time.Duration
	st.run(scheduler.Config{Sink: rp.Sink(nil), Source: rp.Source(nil), OnEnd: rp.OnEnd, Policy: pol},
		func(ctx context.Context, s *scheduler.Scheduler) {
			t0 := st.vc.Now()
			if err := rp.Attach(ctx, s); err != nil {
				t.Error(err)
				return
			}
			started, err := rp.StartAll(ctx, "old", "LTO-7", "new")
			if err != nil || len(started) != len(st.old) {
				t.Errorf("StartAll = %d repacks, %v; want %d", len(started), err, len(st.old))
				return
			}
			for {
				jobs, err := rp.Jobs(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				running := 0
				for _, j := range jobs {
					if j.State == repack.Running {
						running++
					}
				}
				if running == 0 {
					took = st.vc.Since(t0)
					return
				}
				if st.vc.SleepContext(ctx, 10*time.Second) != nil {
					t.Errorf("%d repacks still running: %+v", running, jobs)
					return
				}
			}
		})
	jobs, err := rp.Jobs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if j.State != repack.Done || j.FilesLeft != 0 || j.Files != 6 || len(j.Failed) != 0 {
			t.Errorf("repack of %s: %+v", j.Volume, j)
		}
	}
	for _, v := range st.old {
		vol, err := st.cat.Volume(ctx, v)
		if err != nil || vol.State != catalog.StateDisabled {
			t.Errorf("%s: %+v, %v; want disabled", v, vol, err)
		}
	}
	for id := range st.files {
		cs, err := st.cat.Copies(ctx, id)
		if err != nil || len(cs) != 1 || cs[0].Volume[:3] != "NEW" || cs[0].Format != scheduler.CopyFormat(format.Record{Format: format.FormatANSI}) {
			t.Errorf("file %d: copies %+v, %v; want one ANSI copy on a NEW volume", id, cs, err)
		}
	}
	rep, err := st.cat.Check(ctx)
	if err != nil || len(rep.OrphanCopies)+len(rep.FilelessCopies)+len(rep.Underreplicated) != 0 {
		t.Errorf("Check = %+v, %v", rep, err)
	}
	t.Logf("5 LTO-7 tapes of 6 files repacked in %v of library time", took)
	st.recallAll(nil)
}

// waitJobs polls until no repack runs, or ctx ends.
func (st *site) waitJobs(ctx context.Context, rp *repack.Repacker) {
	for {
		jobs, err := rp.Jobs(ctx)
		if err != nil {
			st.t.Error(err)
			return
		}
		running := 0
		for _, j := range jobs {
			if j.State == repack.Running {
				running++
			}
		}
		if running == 0 || st.vc.SleepContext(ctx, 10*time.Second) != nil {
			return
		}
	}
}

// A recall of a file on media no drive reads fails at once, saying so.
func TestNoDriveReadsTheMedia(t *testing.T) {
	st := newSite(t, 1, 2, 0)
	st.drives = st.drives[1:] // the LTO-9 drive only
	var got scheduler.Request
	st.run(scheduler.Config{Sink: scheduler.NewMemorySink(0, nil), OnEnd: func(q scheduler.Request) { got = q }},
		func(ctx context.Context, s *scheduler.Scheduler) {
			var id int64
			for id = range st.files {
				break
			}
			if _, err := s.Submit(ctx, scheduler.Request{Kind: scheduler.Recall, FileID: id}); err != nil {
				t.Error(err)
			}
			for got.ID == 0 && st.vc.SleepContext(ctx, time.Second) == nil {
			}
		})
	if got.State != scheduler.Failed || got.Reason != "no drive reads LTO-7" {
		t.Errorf("recall: %v (%s), want failed: no drive reads LTO-7", got.State, got.Reason)
	}
}

// A repack stopped half way (the scheduler and the repacker go away, as
// in a restart) finishes when a new repacker on the same directory is
// attached to a new scheduler: every file moved once, none lost. A file
// deleted before the repack is not moved; one deleted during it is
// skipped. Cancel puts a volume back as it was.
func TestRestartDeleteCancel(t *testing.T) {
	st := newSite(t, 3, 5, 2)
	ctx := context.Background()
	dir := t.TempDir()
	ids := make(map[string][]int64)
	for id, f := range st.files {
		bc := f.Path[5:13]
		ids[bc] = append(ids[bc], id)
	}
	deleted := map[int64]bool{ids[st.old[0]][0]: true, ids[st.old[1]][1]: true}
	if err := st.cat.Delete(ctx, ids[st.old[0]][0], "before"); err != nil {
		t.Fatal(err)
	}
	pol := scheduler.PolicyBest()
	pol.Shares = map[string]float64{"repack": 1}
	phase := func(stop func(ctx context.Context, rp *repack.Repacker, s *scheduler.Scheduler)) {
		rp, err := repack.New(repack.Config{Catalog: st.cat, Dir: dir, Clock: st.vc})
		if err != nil {
			t.Fatal(err)
		}
		defer rp.Close()
		st.run(scheduler.Config{Sink: rp.Sink(nil), Source: rp.Source(nil), OnEnd: rp.OnEnd, Policy: pol},
			func(ctx context.Context, s *scheduler.Scheduler) {
				if err := rp.Attach(ctx, s); err != nil {
					t.Error(err)
					return
				}
				stop(ctx, rp, s)
			})
	}
	// First run: start two repacks, delete a file, stop after a while.
	phase(func(ctx context.Context, rp *repack.Repacker, s *scheduler.Scheduler) {
		for _, v := range st.old[:2] {
			if _, err := rp.Start(ctx, v, "new"); err != nil {
				t.Error(err)
			}
		}
		if err := st.cat.Delete(ctx, ids[st.old[1]][1], "during"); err != nil {
			t.Error(err)
		}
		if _, err := rp.Start(ctx, st.old[0], "new"); !errors.Is(err, repack.ErrRunning) {
			t.Errorf("second Start: %v, want ErrRunning", err)
		}
		st.vc.SleepContext(ctx, 2*time.Minute)
		for _, v := range st.old[:2] {
			j, _ := rp.Status(ctx, v)
			t.Logf("stopped: %s %s, %d of %d files left", v, j.State, j.FilesLeft, j.Files)
		}
	})
	// Second run: a new repacker finds the jobs and finishes them; a
	// third repack is cancelled.
	phase(func(ctx context.Context, rp *repack.Repacker, s *scheduler.Scheduler) {
		if _, err := rp.Start(ctx, st.old[2], "new"); err != nil {
			t.Error(err)
		}
		if err := rp.Cancel(ctx, st.old[2]); err != nil {
			t.Error(err)
		}
		st.waitJobs(ctx, rp)
		for _, v := range st.old {
			j, err := rp.Status(ctx, v)
			want := repack.Done
			if v == st.old[2] {
				want = repack.Cancelled
			}
			if err != nil || j.State != want {
				t.Errorf("%s: %+v, %v; want %s", v, j, err, want)
			}
		}
	})
	if v, err := st.cat.Volume(ctx, st.old[2]); err != nil || v.State != catalog.StateActive {
		t.Errorf("cancelled %s: %+v, %v; want active again", st.old[2], v, err)
	}
	for bc, vids := range ids {
		for _, id := range vids {
			cs, err := st.cat.Copies(ctx, id)
			switch {
			case deleted[id]:
				if !errors.Is(err, catalog.ErrNotFound) {
					t.Errorf("deleted file %d: copies %+v, %v", id, cs, err)
				}
			case bc == st.old[2]:
				// Whether some moved before the cancel or not, exactly one copy.
				if err != nil || len(cs) != 1 {
					t.Errorf("file %d of the cancelled repack: %+v, %v", id, cs, err)
				}
			case err != nil || len(cs) != 1 || cs[0].Volume[:3] != "NEW":
				t.Errorf("file %d: copies %+v, %v; want one on a NEW volume", id, cs, err)
			}
		}
	}
	rep, err := st.cat.Check(ctx)
	if err != nil || len(rep.OrphanCopies)+len(rep.FilelessCopies)+len(rep.Underreplicated) != 0 {
		t.Errorf("Check = %+v, %v", rep, err)
	}
	st.recallAll(deleted)
}

// A storage class that now wants a second copy: Replicate writes copy 2
// of every file to the new pool from copy 1; Recopy then replaces a copy
// 1 said to be bad by a new one, read from copy 2. The catalog checks
// clean after each, and every file reads back.
func TestReplicateAndRecopy(t *testing.T) {
	st := newSite(t, 2, 3, 2)
	ctx := context.Background()
	if err := st.cat.PutStorageClass(ctx, catalog.StorageClass{Name: "c", Pools: []string{"old", "new"}}); err != nil {
		t.Fatal(err)
	}
	rp, err := repack.New(repack.Config{Catalog: st.cat, Dir: t.TempDir(), Clock: st.vc})
	if err != nil {
		t.Fatal(err)
	}
	defer rp.Close()
	var some int64
	for id := range st.files {
		some = id
		break
	}
	settle := func(ctx context.Context) {
		for range 100 {
			rep, err := st.cat.Check(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			if len(rep.Underreplicated) == 0 {
				return
			}
			st.vc.SleepContext(ctx, 30*time.Second)
		}
		t.Error("copies still missing")
	}
	st.run(scheduler.Config{Sink: rp.Sink(nil), Source: rp.Source(nil), OnEnd: rp.OnEnd},
		func(ctx context.Context, s *scheduler.Scheduler) {
			if err := rp.Attach(ctx, s); err != nil {
				t.Error(err)
				return
			}
			if n, err := rp.Replicate(ctx); err != nil || n != len(st.files) {
				t.Errorf("Replicate = %d, %v; want %d", n, err, len(st.files))
			}
			settle(ctx)
			if n, err := rp.Replicate(ctx); err != nil || n != 0 {
				t.Errorf("Replicate again = %d, %v; want 0", n, err)
			}
			if err := rp.Recopy(ctx, some, 1, "bad"); err != nil {
				t.Error(err)
			}
			settle(ctx)
		})
	for id := range st.files {
		cs, err := st.cat.Copies(ctx, id)
		if err != nil || len(cs) != 2 || cs[0].CopyNo != 1 || cs[1].CopyNo != 2 || cs[0].Volume[:3] != "OLD" || cs[1].Volume[:3] != "NEW" {
			t.Errorf("file %d: copies %+v, %v; want copy 1 on OLD, copy 2 on NEW", id, cs, err)
		}
	}
	rep, err := st.cat.Check(ctx)
	if err != nil || len(rep.OrphanCopies)+len(rep.FilelessCopies)+len(rep.Underreplicated) != 0 {
		t.Errorf("Check = %+v, %v", rep, err)
	}
	if err := rp.Recopy(ctx, some, 3, "bad"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("Recopy of a copy the file lacks: %v", err)
	}
	st.recallAll(nil)
}
