package repack_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/sqlite"
	"github.com/tapekit/tapekit/checksum"
	"github.com/tapekit/tapekit/repack"
	"github.com/tapekit/tapekit/scheduler"
	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/simulator/vclock"
	"github.com/tapekit/tapekit/simulator/workload"
	"github.com/tapekit/tapekit/tape"
	"github.com/tapekit/tapekit/tape/format"
)

// The throughput of a repack is measured on the simulator's fast paths:
// the read drive reads blocks without moving their bytes
// (simulator.BlocksReader, checking that exactly the catalog's blocks
// come up to the filemark), the staging counts bytes, and the write drive
// writes each file as synthetic data (simulator.BlocksWriter), charged
// what writing the bytes costs. So a full LTO-8 moves to LTO-9 in
// virtual time in a second of wall time.

// fastStaging is a Staging that keeps sizes, not bytes.
type fastStaging struct {
	mu     sync.Mutex
	staged map[string]int64
}

type fastFile struct {
	s    *fastStaging
	path string
	n    int64
}

func (f *fastFile) Write(p []byte) (int, error) { f.n += int64(len(p)); return len(p), nil }
func (f *fastFile) Discard(n int64) error       { f.n += n; return nil }
func (f *fastFile) Commit([]checksum.Value) error {
	f.s.mu.Lock()
	defer f.s.mu.Unlock()
	f.s.staged[f.path] = f.n
	return nil
}
func (f *fastFile) Abort() error { return nil }

func (s *fastStaging) Reserve(context.Context, scheduler.Request) error { return nil }
func (s *fastStaging) Release(scheduler.Request)                        {}
func (s *fastStaging) Create(_ context.Context, q scheduler.Request) (scheduler.SinkFile, error) {
	return &fastFile{s: s, path: q.Path}, nil
}
func (s *fastStaging) Open(string) (io.ReadCloser, error) {
	return io.NopCloser(strings.NewReader("")), nil
}
func (s *fastStaging) Has(path string, size int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.staged[path]
	return ok && n == size
}
func (s *fastStaging) Remove(path string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.staged, path)
	return nil
}
func (s *fastStaging) Close() error { return nil }

// fastIO reads through BlocksReader and writes through BlocksWriter; the
// data of a file written is the synthetic data it was laid out with
// (seeds, by path).
type fastIO struct {
	seeds map[string]uint64
}

func (x fastIO) ReadFile(ctx context.Context, d tape.Drive, f catalog.File, c catalog.Copy, w io.Writer) ([]checksum.Value, error) {
	br, ok := d.(simulator.BlocksReader)
	dw, ok2 := w.(scheduler.Discarder)
	if !ok || !ok2 {
		return nil, errors.ErrUnsupported
	}
	if err := d.Locate(ctx, tape.Position{Block: c.BlockID}); err != nil {
		return nil, err
	}
	next := c.BlockID
	for {
		run, err := br.ReadBlocks(ctx, 1<<20)
		if run.Blocks > 0 {
			if run.First != next {
				return nil, fmt.Errorf("read block %d, want %d", run.First, next)
			}
			next += run.Blocks
		}
		if errors.Is(err, tape.ErrFilemark) {
			// The tape file held the file's headers and trailer too:
			// the sink counts its data.
			if err := dw.Discard(f.Size); err != nil {
				return nil, err
			}
			break
		}
		if err != nil {
			return nil, err
		}
	}
	return scheduler.ExpectedChecksums(f)
}

func (x fastIO) NewWriter(ctx context.Context, d tape.Drive, volume string) (scheduler.TapeWriter, error) {
	bw, ok := d.(simulator.BlocksWriter)
	if !ok {
		return nil, errors.ErrUnsupported
	}
	if err := d.Space(ctx, tape.SpaceEndOfData, 0); err != nil {
		return nil, err
	}
	pos, err := d.Position(ctx)
	if err != nil {
		return nil, err
	}
	return &fastWriter{d: d, bw: bw, seeds: x.seeds, volume: volume, fseq: pos.File}, nil
}

type fastWriter struct {
	d            tape.Drive
	bw           simulator.BlocksWriter
	seeds        map[string]uint64
	volume       string
	fseq         int64
	pending      []format.Record
	head, trailr [1024]byte
}

func (w *fastWriter) WriteFile(ctx context.Context, meta format.Meta, r io.Reader) (format.Record, error) {
	seed, ok := w.seeds[meta.Path]
	if !ok {
		return format.Record{}, fmt.Errorf("%w: no data for %s", format.ErrInput, meta.Path)
	}
	run, err := w.bw.WriteTapeFile(ctx, simulator.TapeFile{BlockSize: format.DefaultBlockSize, Head: w.head[:512], Tail: w.trailr[:],
		Data: simulator.SyntheticData{Seed: seed, Size: meta.Size}})
	if err != nil {
		return format.Record{}, err
	}
	if err := w.d.WriteFilemarks(ctx, 1, false); err != nil {
		return format.Record{}, err
	}
	rec := format.Record{Volume: w.volume, Format: format.FormatPAX, FSeq: w.fseq, Block: run.First, Blocks: run.Blocks,
		FileID: meta.FileID, Path: meta.Path, Size: meta.Size, Copy: meta.Copy, Status: format.StatusPending}
	w.fseq++
	w.pending = append(w.pending, rec)
	return rec, nil
}

func (w *fastWriter) Sync(ctx context.Context) ([]format.Record, error) {
	if len(w.pending) == 0 {
		return nil, nil
	}
	if err := w.d.WriteFilemarks(ctx, 0, true); err != nil {
		return nil, err
	}
	out := w.pending
	w.pending = nil
	for i := range out {
		out[i].Status = format.StatusOK
	}
	return out, nil
}

func (w *fastWriter) Close(ctx context.Context) ([]format.Record, error) { return w.Sync(ctx) }
func (w *fastWriter) Pending() []format.Record                           { return w.pending }

// fullLTO8 repacks a full LTO-8 cartridge (files of 120 GB) onto LTO-9 in
// virtual time, and first reads the same cartridge whole at native rate
// on the same library as the baseline. It returns both times.
func fullLTO8(tb testing.TB) (read, repacked time.Duration) {
	ctx := context.Background()
	vc := vclock.New(simulator.Epoch, nil)
	cfg := &simulator.Config{Slots: 4,
		Drives:     []simulator.DriveConfig{{Product: simulator.LTO8Drive.Product}, {Product: simulator.LTO9Drive.Product}},
		Cartridges: []simulator.CartridgeConfig{{Barcode: "OLD000L8", Slot: 1}, {Barcode: "NEW000L9", Slot: 2}}}
	lib, err := simulator.New(cfg, &simulator.Options{Clock: vc})
	if err != nil {
		tb.Fatal(err)
	}
	defer lib.Close()
	cat, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "catalog.db"), nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer cat.Close()
	for _, p := range []string{"old", "new"} {
		if err := cat.PutPool(ctx, catalog.Pool{Name: p}); err != nil {
			tb.Fatal(err)
		}
	}
	if err := cat.PutStorageClass(ctx, catalog.StorageClass{Name: "c", Pools: []string{"old"}}); err != nil {
		tb.Fatal(err)
	}
	const size = 120e9
	n := int(simulator.LTO8.Capacity / (size + 1e6))
	v := workload.Volume{Barcode: "OLD000L8"}
	seeds := map[string]uint64{}
	for i := range n {
		p := fmt.Sprintf("/big/f%03d", i)
		v.Files = append(v.Files, workload.File{Meta: format.Meta{Path: p, Size: size}, Seed: uint64(i + 1)})
		seeds[p] = uint64(i + 1)
	}
	if _, err := workload.Build(ctx, lib, cat, []workload.Volume{v}, workload.CatalogOptions{Pool: "old", StorageClass: "c", Library: "sim"}, nil); err != nil {
		tb.Fatal(err)
	}
	if err := cat.AddVolume(ctx, catalog.Volume{Barcode: "NEW000L9", MediaType: "LTO-9", Library: "sim", Pool: "new",
		State: catalog.StateActive, Capacity: simulator.LTO9.Capacity}); err != nil {
		tb.Fatal(err)
	}
	r8, _ := lib.Drive(0)
	w9, _ := lib.Drive(1)
	// The repack pairs the drives: the LTO-8 drive reads, the LTO-9
	// drive writes (it could read LTO-8 too; an operator gives it the
	// writes).
	drives := []scheduler.Drive{
		{Name: "lto8", Drive: r8, Element: lib.DriveAddress(0), Reads: []string{"LTO-8"}, Writes: []string{"LTO-8"}},
		{Name: "lto9", Drive: w9, Element: lib.DriveAddress(1), Reads: []string{"LTO-9"}, Writes: []string{"LTO-9"}},
	}

	// Baseline: mount the cartridge and read it whole, at native rate.
	t0 := vc.Now()
	pctx, leave := vc.Join(ctx, "main")
	vc.Go(pctx, "read", func(ctx context.Context) {
		if err := lib.Changer().Move(ctx, lib.SlotAddress(1), lib.DriveAddress(0)); err != nil {
			tb.Error(err)
			return
		}
		if err := r8.Load(ctx); err != nil {
			tb.Error(err)
			return
		}
		for {
			_, err := r8.ReadBlocks(ctx, 1<<30)
			if errors.Is(err, tape.ErrEndOfData) {
				break
			}
			if err != nil && !errors.Is(err, tape.ErrFilemark) {
				tb.Error(err)
				return
			}
		}
		read = vc.Since(t0)
		if err := r8.Unload(ctx); err != nil {
			tb.Error(err)
		}
		if err := lib.Changer().Move(ctx, lib.DriveAddress(0), lib.SlotAddress(1)); err != nil {
			tb.Error(err)
		}
	})
	leave()
	vc.Wait()

	staging := &fastStaging{staged: map[string]int64{}}
	rp, err := repack.New(repack.Config{Catalog: cat, Dir: tb.TempDir(), Clock: vc, Staging: staging})
	if err != nil {
		tb.Fatal(err)
	}
	defer rp.Close()
	s, err := scheduler.New(scheduler.Config{Catalog: cat, Queue: cat, Changer: lib.Changer(), Drives: drives,
		Sink: rp.Sink(nil), Source: rp.Source(nil), OnEnd: rp.OnEnd, Clock: vc, Host: "h",
		Policy: scheduler.PolicyBest(), TapeIO: fastIO{seeds: seeds}})
	if err != nil {
		tb.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pctx, leave = vc.Join(rctx, "main")
	vc.Go(pctx, "run", func(ctx context.Context) {
		if err := s.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			tb.Error(err)
		}
	})
	vc.Go(pctx, "repack", func(ctx context.Context) {
		defer cancel()
		if err := rp.Attach(ctx, s); err != nil {
			tb.Error(err)
			return
		}
		t0 := vc.Now()
		if _, err := rp.Start(ctx, "OLD000L8", "new"); err != nil {
			tb.Error(err)
			return
		}
		for {
			st, err := rp.Status(ctx, "OLD000L8")
			if err != nil || st.State != repack.Running {
				if st.State != repack.Done || st.Files != n {
					tb.Errorf("repack: %+v, %v", st, err)
				}
				repacked = st.Ended.Sub(t0)
				return
			}
			if vc.SleepContext(ctx, time.Minute) != nil {
				return
			}
		}
	})
	leave()
	vc.Wait()
	cs, err := cat.Copies(ctx, 1)
	if err != nil || len(cs) != 1 || cs[0].Volume != "NEW000L9" {
		tb.Errorf("file 1 after the repack: %+v, %v", cs, err)
	}
	return read, repacked
}

// A full LTO-8 repacked onto LTO-9 takes at most 1.2 times as long as
// reading it at native rate: the two drives stream together. The times
// are library time, deterministic: this checks the pipeline, not this
// machine's speed.
func TestRepackFullLTO8Throughput(t *testing.T) {
	if testing.Short() {
		t.Skip("a full cartridge")
	}
	read, repacked := fullLTO8(t)
	ratio := repacked.Seconds() / read.Seconds()
	t.Logf("read %v, repack %v: %.3f×", read, repacked, ratio)
	if ratio > 1.2 {
		t.Errorf("repack/read = %.3f, want ≤ 1.2", ratio)
	}
}

// BenchmarkRepackFullLTO8 reports the repack of a full LTO-8 onto LTO-9
// against reading it whole, both in library time, in the same run.
func BenchmarkRepackFullLTO8(b *testing.B) {
	var read, repacked time.Duration
	for b.Loop() {
		read, repacked = fullLTO8(b)
	}
	b.ReportMetric(read.Seconds(), "read-s")
	b.ReportMetric(repacked.Seconds(), "repack-s")
	b.ReportMetric(repacked.Seconds()/read.Seconds(), "repack/read")
}

// neverStaged loses every file it is given.
type neverStaged struct{ fastStaging }

func (*neverStaged) Has(string, int64) bool { return false }

// A staging that never holds a file whole makes the repack give the files
// up after MaxAttempts reads each (Stuck, with reasons), instead of
// reading them for ever.
func TestStagingThatLosesFiles(t *testing.T) {
	st := newSite(t, 1, 2, 1)
	rp, err := repack.New(repack.Config{Catalog: st.cat, Dir: t.TempDir(), Clock: st.vc, MaxAttempts: 2,
		Staging: &neverStaged{fastStaging{staged: map[string]int64{}}}})
	if err != nil {
		t.Fatal(err)
	}
	defer rp.Close()
	st.run(scheduler.Config{Sink: rp.Sink(nil), Source: rp.Source(nil), OnEnd: rp.OnEnd},
		func(ctx context.Context, s *scheduler.Scheduler) {
			if err := rp.Attach(ctx, s); err != nil {
				t.Error(err)
				return
			}
			if _, err := rp.Start(ctx, st.old[0], "new"); err != nil {
				t.Error(err)
				return
			}
			st.waitJobs(ctx, rp)
		})
	j, err := rp.Status(context.Background(), st.old[0])
	if err != nil || j.State != repack.Stuck || len(j.Failed) != 2 || j.FilesLeft != 2 {
		t.Errorf("repack: %+v, %v; want stuck with both files given up", j, err)
	}
}
