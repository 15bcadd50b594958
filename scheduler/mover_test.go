package scheduler

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/sqlite"
	"github.com/tapekit/tapekit/checksum"
	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/simulator/vclock"
	"github.com/tapekit/tapekit/simulator/workload"
	"github.com/tapekit/tapekit/tape"
	"github.com/tapekit/tapekit/tape/format"
)

// fakeCore is a stand-in planner: each drive gets its batches in order,
// dismounts when it has none left, then waits until the test ends.
type fakeCore struct {
	mu      sync.Mutex
	cond    *vclock.Cond
	vc      *vclock.Clock
	queue   map[string][]*batch
	extra   map[string][]*entry // by volume: more() hands these out once
	down    map[string]bool
	total   int
	ended   int
	stop    context.CancelFunc
	results map[int64]result
	back    map[int64]string // unclaimed → reason
	mounts  []mountEvent
	// onDone is called (outside the lock) for every result.
	onDone func(e *entry, res result)
}

type mountEvent struct {
	drive, volume string
	at            time.Time
}

func newFakeCore(vc *vclock.Clock) *fakeCore {
	return &fakeCore{cond: vclock.NewCond(vc), vc: vc, queue: map[string][]*batch{}, extra: map[string][]*entry{},
		down: map[string]bool{}, results: map[int64]result{}, back: map[int64]string{}}
}

func (c *fakeCore) add(drive string, b *batch) {
	for _, e := range b.entries {
		startEntry(e, b)
	}
	c.queue[drive] = append(c.queue[drive], b)
	c.total += len(b.entries)
}

func startEntry(e *entry, b *batch) {
	e.State = Running
	e.ctx, e.cancel = context.WithCancel(context.Background())
	if b.kind == Recall {
		for _, cp := range e.copies {
			if cp.Volume == b.volume {
				e.copy = cp
			}
		}
	}
}

func (c *fakeCore) next(ctx context.Context, d *driveState) (*batch, bool, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, false, err
		}
		c.mu.Lock()
		if c.down[d.Name] {
			c.mu.Unlock()
			return nil, false, errDriveDown
		}
		if q := c.queue[d.Name]; len(q) > 0 {
			c.queue[d.Name] = q[1:]
			c.mu.Unlock()
			return q[0], false, nil
		}
		mounted := d.mounted
		c.mu.Unlock()
		if mounted != "" {
			return nil, true, nil
		}
		if err := c.cond.Wait(ctx, -1); err != nil {
			return nil, false, err
		}
	}
}

func (c *fakeCore) writer(d *driveState) string { return "h/" + d.Name }

func (c *fakeCore) more(d *driveState) []*entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	es := c.extra[d.mounted]
	delete(c.extra, d.mounted)
	return es
}

func (c *fakeCore) end(e *entry) {
	c.ended++
	if e.cancel != nil {
		e.cancel()
	}
	if c.ended == c.total && c.stop != nil {
		c.stop()
	}
}

func (c *fakeCore) done(d *driveState, e *entry, res result) bool {
	c.mu.Lock()
	if _, dup := c.results[e.ID]; dup {
		panic(fmt.Sprintf("request %d ended twice", e.ID))
	}
	c.results[e.ID] = res
	if res.kind == failDrive {
		c.down[d.Name] = true
	}
	c.end(e)
	f := c.onDone
	c.mu.Unlock()
	if f != nil {
		f(e, res)
	}
	return false
}

func (c *fakeCore) unclaimed(d *driveState, es []*entry, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range es {
		c.back[e.ID] = reason
		c.end(e)
	}
}

func (c *fakeCore) now() time.Time {
	if c.vc == nil {
		return time.Now()
	}
	return c.vc.Now()
}

func (c *fakeCore) setMounted(d *driveState, v string) {
	c.mu.Lock()
	d.mounted = v
	c.mounts = append(c.mounts, mountEvent{d.Name, v, c.now()})
	c.mu.Unlock()
	c.cond.Broadcast()
}

// stallPanic reports a stall or deadlock with every goroutine's stack.
func stallPanic(e *vclock.DeadlockError) {
	buf := make([]byte, 1<<20)
	n := runtime.Stack(buf, true)
	panic(e.Error() + "\n" + string(buf[:n]))
}

// rig is a small simulated library with a catalog and a scheduler shell
// running the mover on a virtual clock.
type rig struct {
	t      *testing.T
	vc     *vclock.Clock
	lib    *simulator.Library
	cat    *sqlite.DB
	core   *fakeCore
	s      *moverEnv
	drives []*driveState
	files  map[int64]workload.File // by catalog id
	recs   map[string][]format.Record
	ids    map[string][]int64 // volume → file ids in fseq order
}

const testPool, testClass = "p1", "c1"

func newRig(t *testing.T, drives, slots int, blanks []string) *rig {
	t.Helper()
	ctx := context.Background()
	cfg := &simulator.Config{Slots: slots}
	for range drives {
		cfg.Drives = append(cfg.Drives, simulator.DriveConfig{Product: simulator.LTO9Drive.Product})
	}
	for i := 1; i <= slots; i++ {
		cfg.Cartridges = append(cfg.Cartridges, simulator.CartridgeConfig{Barcode: fmt.Sprintf("MV%04dL9", i), Slot: i})
	}
	vc := vclock.New(simulator.Epoch, &vclock.Options{StallTimeout: 10 * time.Second, OnDeadlock: stallPanic})
	lib, err := simulator.New(cfg, &simulator.Options{Clock: vc})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lib.Close() })
	cat, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "cat.db"), &sqlite.Options{Synchronous: sqlite.SyncNormal, Now: vc.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	if err := cat.PutPool(ctx, catalog.Pool{Name: testPool}); err != nil {
		t.Fatal(err)
	}
	if err := cat.PutStorageClass(ctx, catalog.StorageClass{Name: testClass, Pools: []string{testPool}}); err != nil {
		t.Fatal(err)
	}
	for _, b := range blanks {
		if err := cat.AddVolume(ctx, catalog.Volume{Barcode: b, MediaType: "LTO-9", Pool: testPool, State: catalog.StateActive, Capacity: simulator.LTO9.Capacity}); err != nil {
			t.Fatal(err)
		}
	}
	r := &rig{t: t, vc: vc, lib: lib, cat: cat, core: newFakeCore(vc), files: map[int64]workload.File{}, recs: map[string][]format.Record{}, ids: map[string][]int64{}}
	r.s = &moverEnv{cfg: moverConfig{Changer: lib.Changer()}, cat: cat, clk: vc, host: "h", core: r.core}
	r.s.log = discardLogger()
	for i := range drives {
		d, _ := lib.Drive(i)
		r.drives = append(r.drives, &driveState{Drive: Drive{Name: fmt.Sprintf("d%d", i), Drive: d, Element: lib.DriveAddress(i)}})
	}
	return r
}

// fill lays out volumes with n files each of the given sizes.
func (r *rig) fill(vols []string, sizes []int64) {
	r.t.Helper()
	var wv []workload.Volume
	seed := uint64(1)
	for _, v := range vols {
		var fs []workload.File
		for i, sz := range sizes {
			fs = append(fs, workload.File{Meta: format.Meta{Path: fmt.Sprintf("/%s/f%d", v, i), Size: sz}, Seed: seed})
			seed++
		}
		wv = append(wv, workload.Volume{Barcode: v, Files: fs})
	}
	out, err := workload.Build(context.Background(), r.lib, r.cat, wv, workload.CatalogOptions{Pool: testPool, StorageClass: testClass}, nil)
	if err != nil {
		r.t.Fatal(err)
	}
	for i, v := range vols {
		r.recs[v] = out[i]
		for j, rec := range out[i] {
			f, err := r.cat.FileByPath(context.Background(), rec.Path)
			if err != nil {
				r.t.Fatal(err)
			}
			r.files[f.ID] = wv[i].Files[j]
			r.ids[v] = append(r.ids[v], f.ID)
		}
	}
}

// recallEntry is a claimed recall of a file.
func (r *rig) recallEntry(id int64) *entry {
	r.t.Helper()
	ctx := context.Background()
	f, err := r.cat.File(ctx, id)
	if err != nil {
		r.t.Fatal(err)
	}
	cps, err := r.cat.Copies(ctx, id)
	if err != nil {
		r.t.Fatal(err)
	}
	return &entry{Request: Request{ID: id, Kind: Recall, FileID: id, Path: f.Path, Size: f.Size}, file: f, copies: cps}
}

// run runs the mover on every drive until every entry ended.
func (r *rig) run() {
	r.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r.core.stop = cancel
	if r.core.total == 0 {
		return
	}
	pctx, leave := r.vc.Join(ctx, "main")
	for _, d := range r.drives {
		r.vc.Go(pctx, d.Name, func(ctx context.Context) { runMover(ctx, r.s, d) })
	}
	leave()
	r.vc.Wait()
}

func (r *rig) want(id int64, kind failKind) result {
	r.t.Helper()
	res, ok := r.core.results[id]
	if !ok {
		r.t.Fatalf("request %d: no result (unclaimed: %q)", id, r.core.back[id])
	}
	if res.kind != kind {
		r.t.Fatalf("request %d: result %v (%v), want %v", id, res.kind, res.err, kind)
	}
	return res
}

func (r *rig) checkData(sink *MemorySink, id int64) {
	r.t.Helper()
	f := r.files[id]
	got, sums, ok := sink.Data(f.Path)
	if !ok {
		r.t.Fatalf("%s: not in the sink", f.Path)
	}
	want := make([]byte, f.Size)
	if _, err := f.Data().ReadAt(want, 0); err != nil && err != io.EOF {
		r.t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		r.t.Fatalf("%s: %d bytes differ from the %d written", f.Path, len(got), len(want))
	}
	if len(sums) == 0 {
		r.t.Fatalf("%s: committed without checksums", f.Path)
	}
}

func TestRecallVerified(t *testing.T) {
	r := newRig(t, 2, 4, nil)
	r.fill([]string{"MV0001L9", "MV0002L9", "MV0003L9"}, []int64{300 << 10, 5000, 1 << 20, 0, 700 << 10})
	sink := NewMemorySink(0, &MemorySinkOptions{Clock: r.vc, Keep: true})
	r.s.cfg.Sink = sink
	// Reverse order: the mover sorts them by block.
	mk := func(vol string, ids []int64) *batch {
		b := &batch{volume: vol, kind: Recall}
		for i := len(ids) - 1; i >= 0; i-- {
			b.entries = append(b.entries, r.recallEntry(ids[i]))
		}
		return b
	}
	r.core.add("d0", mk("MV0001L9", r.ids["MV0001L9"]))
	r.core.add("d0", mk("MV0002L9", r.ids["MV0002L9"][:2]))
	r.core.add("d1", mk("MV0003L9", r.ids["MV0003L9"]))
	// more() brings the rest of MV0002L9 to the mounted tape.
	for _, id := range r.ids["MV0002L9"][2:] {
		e := r.recallEntry(id)
		startEntry(e, &batch{volume: "MV0002L9", kind: Recall})
		r.core.extra["MV0002L9"] = append(r.core.extra["MV0002L9"], e)
		r.core.total++
	}
	r.run()
	for _, v := range []string{"MV0001L9", "MV0002L9", "MV0003L9"} {
		for _, id := range r.ids[v] {
			if res := r.want(id, failNone); res.volume != v {
				t.Errorf("request %d read from %q, want %s", id, res.volume, v)
			}
			r.checkData(sink, id)
		}
	}
	// One mount per volume.
	n := 0
	for _, m := range r.core.mounts {
		if m.volume != "" {
			n++
		}
	}
	if n != 3 {
		t.Errorf("%d mounts, want 3: %v", n, r.core.mounts)
	}
}

func TestRecallMediaError(t *testing.T) {
	r := newRig(t, 1, 2, nil)
	r.fill([]string{"MV0001L9"}, []int64{100 << 10, 600 << 10, 100 << 10})
	bad := r.recs["MV0001L9"][1]
	if err := r.lib.InjectMediaError("MV0001L9", bad.Block+1, bad.Block+1, simulator.FaultRead); err != nil {
		t.Fatal(err)
	}
	sink := NewMemorySink(1<<30, &MemorySinkOptions{Clock: r.vc, Keep: true})
	r.s.cfg.Sink = sink
	b := &batch{volume: "MV0001L9", kind: Recall}
	for _, id := range r.ids["MV0001L9"] {
		b.entries = append(b.entries, r.recallEntry(id))
	}
	r.core.add("d0", b)
	r.run()
	ids := r.ids["MV0001L9"]
	r.want(ids[0], failNone)
	r.want(ids[1], failMedia)
	r.want(ids[2], failNone)
	r.checkData(sink, ids[2])
	if _, _, ok := sink.Data(r.files[ids[1]].Path); ok {
		t.Error("the damaged file was committed")
	}
	if st := sink.Stats(); st.Aborted != 1 || st.Reserved != 0 {
		t.Errorf("sink stats %+v: want 1 aborted, nothing reserved", st)
	}
}

func TestRecallDriveFailure(t *testing.T) {
	r := newRig(t, 1, 2, nil)
	r.fill([]string{"MV0001L9"}, []int64{100 << 10, 100 << 10})
	if err := r.lib.FailDrive(0, true); err != nil {
		t.Fatal(err)
	}
	sink := NewMemorySink(1<<30, &MemorySinkOptions{Clock: r.vc})
	r.s.cfg.Sink = sink
	b := &batch{volume: "MV0001L9", kind: Recall}
	for _, id := range r.ids["MV0001L9"] {
		b.entries = append(b.entries, r.recallEntry(id))
	}
	r.core.add("d0", b)
	r.run()
	for _, id := range r.ids["MV0001L9"] {
		r.want(id, failDrive)
	}
	if st := sink.Stats(); st.Reserved != 0 {
		t.Errorf("reservations left after the failure: %+v", st)
	}
}

// A full sink delays the mount; it does not fail the recall.
func TestRecallBackPressure(t *testing.T) {
	r := newRig(t, 1, 2, nil)
	const size = 200 << 10
	r.fill([]string{"MV0001L9"}, []int64{size, size})
	sink := NewMemorySink(size, &MemorySinkOptions{Clock: r.vc, Keep: true})
	r.s.cfg.Sink = sink
	other := Request{ID: 999, Size: size}
	if err := sink.Reserve(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	b := &batch{volume: "MV0001L9", kind: Recall}
	for _, id := range r.ids["MV0001L9"] {
		b.entries = append(b.entries, r.recallEntry(id))
	}
	r.core.add("d0", b)
	ctx, cancel := context.WithCancel(context.Background())
	r.core.stop = cancel
	pctx, leave := r.vc.Join(ctx, "main")
	r.vc.Go(pctx, "d0", func(ctx context.Context) { runMover(ctx, r.s, r.drives[0]) })
	// The consumer: frees the other reservation after an hour, then
	// takes each delivered file away a minute after it lands.
	r.vc.Go(pctx, "consumer", func(ctx context.Context) {
		r.vc.SleepContext(ctx, time.Hour)
		sink.Release(other)
		for ctx.Err() == nil {
			if r.vc.SleepContext(ctx, time.Minute) != nil {
				return
			}
			for _, id := range r.ids["MV0001L9"] {
				sink.Remove(r.files[id].Path)
			}
		}
	})
	leave()
	r.vc.Wait()
	for _, id := range r.ids["MV0001L9"] {
		r.want(id, failNone)
	}
	if len(r.core.mounts) == 0 || r.core.mounts[0].volume != "MV0001L9" {
		t.Fatalf("mounts %v", r.core.mounts)
	}
	if at := r.core.mounts[0].at.Sub(simulator.Epoch); at < time.Hour {
		t.Errorf("mounted %v after the start: before the sink had room", at)
	}
	if st := sink.Stats(); st.Waits < 2 || st.Committed != 2 {
		t.Errorf("sink stats %+v: want 2 waits and 2 files", st)
	}
}

// memSource serves archive data from memory; before, when set, runs
// before each Open.
type memSource struct {
	data   map[string][]byte
	before func(req Request)
}

func (m *memSource) Open(ctx context.Context, req Request) (io.ReadCloser, error) {
	if m.before != nil {
		m.before(req)
	}
	d, ok := m.data[req.Path]
	if !ok {
		return nil, errors.New("no such file")
	}
	return io.NopCloser(bytes.NewReader(d)), nil
}

// archiveEntries creates n files in the catalog and their archive
// requests.
func (r *rig) archiveEntries(n int, size int) ([]*entry, *memSource) {
	r.t.Helper()
	ctx := context.Background()
	src := &memSource{data: map[string][]byte{}}
	var fs []catalog.File
	for i := range n {
		p := fmt.Sprintf("/arch/f%d", i)
		d := bytes.Repeat([]byte{byte('a' + i)}, size+i)
		src.data[p] = d
		fs = append(fs, catalog.File{Path: p, Size: int64(len(d)), StorageClass: testClass, Checksums: map[string]string{}})
	}
	created, err := r.cat.CreateFiles(ctx, fs)
	if err != nil {
		r.t.Fatal(err)
	}
	var es []*entry
	for _, f := range created {
		es = append(es, &entry{Request: Request{ID: f.ID, Kind: Archive, FileID: f.ID, Path: f.Path, Size: f.Size, StorageClass: testClass, CopyNo: 1, Pool: testPool}, file: f})
	}
	return es, src
}

func (r *rig) copies(id int64) []catalog.Copy {
	cs, err := r.cat.Copies(context.Background(), id)
	if err != nil {
		r.t.Fatal(err)
	}
	return cs
}

// Archives are committed to the catalog only after the synchronising
// filemark, and reported done only after that; they read back verified.
func TestArchiveCommitAfterSync(t *testing.T) {
	r := newRig(t, 1, 2, []string{"MV0001L9"})
	if _, err := r.cat.ReserveVolume(context.Background(), testPool, 1, "h/d0"); err != nil {
		t.Fatal(err)
	}
	es, src := r.archiveEntries(3, 100<<10)
	r.s.cfg.Source = src
	r.s.cfg.TapeIO = FormatIO{Writer: &format.WriterOptions{SyncEveryBytes: -1, SyncEveryFiles: -1}}
	src.before = func(req Request) {
		// Nothing is committed before the batch's one sync.
		for _, e := range es {
			if cs := r.copies(e.FileID); len(cs) != 0 {
				t.Errorf("file %d committed before the sync: %v", e.FileID, cs)
			}
		}
	}
	r.core.onDone = func(e *entry, res result) {
		if cs := r.copies(e.FileID); res.kind == failNone && len(cs) != 1 {
			t.Errorf("file %d reported done with copies %v in the catalog", e.FileID, cs)
		}
	}
	r.core.add("d0", &batch{volume: "MV0001L9", kind: Archive, pool: testPool, entries: es})
	r.run()
	for _, e := range es {
		res := r.want(e.ID, failNone)
		if len(res.copies) != 1 || res.copies[0].Volume != "MV0001L9" {
			t.Errorf("request %d: copies %v", e.ID, res.copies)
		}
	}
	v, err := r.cat.Volume(context.Background(), "MV0001L9")
	if err != nil {
		t.Fatal(err)
	}
	if v.LastFileSeq != 3 || v.BytesUsed <= 0 {
		t.Errorf("volume after the batch: %+v", v)
	}
	// Read them back through a recall.
	r2 := r.again()
	sink := NewMemorySink(0, &MemorySinkOptions{Clock: r.vc, Keep: true})
	r2.s.cfg.Sink = sink
	b := &batch{volume: "MV0001L9", kind: Recall}
	for _, e := range es {
		b.entries = append(b.entries, r2.recallEntry(e.FileID))
	}
	r2.core.add("d0", b)
	r2.run()
	for _, e := range es {
		r2.want(e.ID, failNone)
		got, _, _ := sink.Data(e.Path)
		if !bytes.Equal(got, src.data[e.Path]) {
			t.Errorf("%s read back differs", e.Path)
		}
	}
}

// again is a new run on the same library and catalog.
func (r *rig) again() *rig {
	n := *r
	n.core = newFakeCore(r.vc)
	s := *r.s
	s.core = n.core
	n.s = &s
	n.drives = nil
	for _, d := range r.drives {
		n.drives = append(n.drives, &driveState{Drive: d.Drive})
	}
	return &n
}

// A power loss before the sync loses only files never reported.
func TestArchivePowerLoss(t *testing.T) {
	r := newRig(t, 1, 2, []string{"MV0001L9"})
	if _, err := r.cat.ReserveVolume(context.Background(), testPool, 1, "h/d0"); err != nil {
		t.Fatal(err)
	}
	es, src := r.archiveEntries(5, 50<<10)
	r.s.cfg.Source = src
	r.s.cfg.TapeIO = FormatIO{Writer: &format.WriterOptions{SyncEveryBytes: -1, SyncEveryFiles: 2}}
	src.before = func(req Request) {
		if req.ID == es[3].ID {
			if err := r.lib.PowerLoss(); err != nil {
				t.Error(err)
			}
		}
	}
	r.core.add("d0", &batch{volume: "MV0001L9", kind: Archive, pool: testPool, entries: es})
	r.run()
	for _, e := range es[:2] {
		r.want(e.ID, failNone)
		if len(r.copies(e.ID)) != 1 {
			t.Errorf("file %d: done but not in the catalog", e.ID)
		}
	}
	for _, e := range es[2:] {
		if res, ok := r.core.results[e.ID]; ok && res.kind == failNone {
			t.Errorf("file %d reported done after the power loss", e.ID)
		}
		if cs := r.copies(e.ID); len(cs) != 0 {
			t.Errorf("file %d: copies %v in the catalog, but it was lost", e.ID, cs)
		}
	}
	if _, ok := r.core.results[es[2].ID]; !ok {
		t.Errorf("the file pending at the power loss got no result")
	}
	// What was acknowledged reads back.
	r2 := r.again()
	sink := NewMemorySink(0, &MemorySinkOptions{Clock: r.vc, Keep: true})
	r2.s.cfg.Sink = sink
	b := &batch{volume: "MV0001L9", kind: Recall}
	for _, e := range es[:2] {
		b.entries = append(b.entries, r2.recallEntry(e.FileID))
	}
	r2.core.add("d0", b)
	r2.run()
	for _, e := range es[:2] {
		r2.want(e.ID, failNone)
		got, _, _ := sink.Data(e.Path)
		if !bytes.Equal(got, src.data[e.Path]) {
			t.Errorf("%s read back differs", e.Path)
		}
	}
}

// A cancelled recall stops, its SinkFile is aborted; the others go on.
func TestRecallCancelled(t *testing.T) {
	r := newRig(t, 1, 2, nil)
	r.fill([]string{"MV0001L9"}, []int64{100 << 10, 100 << 10, 100 << 10})
	sink := NewMemorySink(1<<30, &MemorySinkOptions{Clock: r.vc, Keep: true})
	r.s.cfg.Sink = sink
	b := &batch{volume: "MV0001L9", kind: Recall}
	for _, id := range r.ids["MV0001L9"] {
		b.entries = append(b.entries, r.recallEntry(id))
	}
	r.core.add("d0", b)
	// The first file's end cancels the second.
	r.core.onDone = func(e *entry, res result) {
		if e == b.entries[0] {
			b.entries[1].cancel()
		}
	}
	r.run()
	ids := r.ids["MV0001L9"]
	r.want(ids[0], failNone)
	r.want(ids[1], failCancelled)
	r.want(ids[2], failNone)
	if _, _, ok := sink.Data(r.files[ids[1]].Path); ok {
		t.Error("the cancelled file was delivered")
	}
	if st := sink.Stats(); st.Reserved != 0 || st.Committed != 2 {
		t.Errorf("sink stats %+v", st)
	}
}

// Past early warning the mover finishes the file, commits what the sync
// covered, marks the volume full and hands the rest back as "no space".
func TestArchiveEarlyWarning(t *testing.T) {
	tiny := *simulator.LTO9
	tiny.Name, tiny.Capacity, tiny.EarlyWarning = "LTO-9-tiny", 6<<20, 5<<20
	ctx := context.Background()
	cfg := &simulator.Config{Slots: 1, Media: []*simulator.MediaType{&tiny},
		Drives:     []simulator.DriveConfig{{Product: simulator.LTO9Drive.Product}},
		Cartridges: []simulator.CartridgeConfig{{Barcode: "MV0001L9", Media: tiny.Name, Slot: 1}}}
	vc := vclock.New(simulator.Epoch, &vclock.Options{StallTimeout: 10 * time.Second, OnDeadlock: stallPanic})
	lib, err := simulator.New(cfg, &simulator.Options{Clock: vc})
	if err != nil {
		t.Skip("a tiny medium:", err)
	}
	defer lib.Close()
	r := newRig(t, 1, 1, nil)
	r.vc, r.lib = vc, lib
	r.core = newFakeCore(vc)
	r.s = &moverEnv{cfg: moverConfig{Changer: lib.Changer()}, cat: r.cat, clk: vc, host: "h", core: r.core, log: discardLogger()}
	d, _ := lib.Drive(0)
	r.drives = []*driveState{{Drive: Drive{Name: "d0", Drive: d, Element: lib.DriveAddress(0)}}}
	if err := r.cat.AddVolume(ctx, catalog.Volume{Barcode: "MV0001L9", MediaType: tiny.Name, Pool: testPool, State: catalog.StateActive, Capacity: tiny.Capacity}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.cat.ReserveVolume(ctx, testPool, 1, "h/d0"); err != nil {
		t.Fatal(err)
	}
	es, src := r.archiveEntries(8, 1<<20)
	r.s.cfg.Source = src
	r.s.cfg.TapeIO = FormatIO{Writer: &format.WriterOptions{SyncEveryBytes: -1, SyncEveryFiles: 3}}
	r.core.add("d0", &batch{volume: "MV0001L9", kind: Archive, pool: testPool, entries: es})
	r.run()
	done, full := 0, 0
	for _, e := range es {
		res, ok := r.core.results[e.ID]
		switch {
		case ok && res.kind == failNone:
			done++
			if len(r.copies(e.ID)) != 1 {
				t.Errorf("file %d done without its copy in the catalog", e.ID)
			}
		case ok && res.kind == failNoSpace:
			full++
			if len(r.copies(e.ID)) != 0 {
				t.Errorf("file %d handed back but committed", e.ID)
			}
		default:
			t.Errorf("file %d: %+v (unclaimed %q)", e.ID, res, r.core.back[e.ID])
		}
	}
	if done == 0 || full == 0 || done+full != len(es) {
		t.Errorf("%d done, %d handed back, of %d", done, full, len(es))
	}
	v, err := r.cat.Volume(ctx, "MV0001L9")
	if err != nil {
		t.Fatal(err)
	}
	if v.State != catalog.StateFull || v.LastFileSeq != int64(done) || v.Writer != "" {
		t.Errorf("volume %+v: want full, %d files, released", v, done)
	}
}

// A drive that fails in the middle of a batch: the file being read is a
// drive failure, the rest goes back unstarted, the tape comes out.
func TestRecallDriveFailsDuringBatch(t *testing.T) {
	r := newRig(t, 1, 2, nil)
	r.fill([]string{"MV0001L9"}, []int64{100 << 10, 100 << 10, 100 << 10})
	r.s.cfg.Sink = NewMemorySink(1<<30, &MemorySinkOptions{Clock: r.vc})
	b := &batch{volume: "MV0001L9", kind: Recall}
	for _, id := range r.ids["MV0001L9"] {
		b.entries = append(b.entries, r.recallEntry(id))
	}
	r.core.add("d0", b)
	r.core.onDone = func(e *entry, res result) {
		if e == b.entries[0] {
			if err := r.lib.FailDrive(0, true); err != nil {
				t.Error(err)
			}
		}
	}
	r.run()
	ids := r.ids["MV0001L9"]
	r.want(ids[0], failNone)
	r.want(ids[1], failDrive)
	if _, ok := r.core.back[ids[2]]; !ok {
		t.Errorf("request %d not handed back: %+v", ids[2], r.core.results[ids[2]])
	}
}

// A tape found in the drive at start-up is adopted, then dismounted for
// another volume; files land in a DirSink.
func TestRecallAdoptsTapeDirSink(t *testing.T) {
	r := newRig(t, 1, 2, nil)
	r.fill([]string{"MV0002L9"}, []int64{70 << 10, 3000})
	if err := r.lib.Changer().Move(context.Background(), r.lib.SlotAddress(1), r.lib.DriveAddress(0)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sink, err := NewDirSink(dir, &DirSinkOptions{Clock: r.vc, Capacity: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	r.s.cfg.Sink = sink
	b := &batch{volume: "MV0002L9", kind: Recall}
	for _, id := range r.ids["MV0002L9"] {
		b.entries = append(b.entries, r.recallEntry(id))
	}
	r.core.add("d0", b)
	r.run()
	var vols []string
	for _, m := range r.core.mounts {
		vols = append(vols, m.volume)
	}
	if fmt.Sprint(vols) != "[MV0001L9  MV0002L9]" {
		t.Errorf("mounts %q: want the found tape, out, then MV0002L9", vols)
	}
	for _, id := range r.ids["MV0002L9"] {
		r.want(id, failNone)
		f := r.files[id]
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Fatal(err)
		}
		want := make([]byte, f.Size)
		f.Data().ReadAt(want, 0)
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs", f.Path)
		}
	}
}

// Outside virtual time: plain goroutines on the simulator's own mock
// clock, two drives at once (run with -race).
func TestRecallWithoutVirtualClock(t *testing.T) {
	r := newRig(t, 2, 3, nil)
	lib, err := simulator.New(&simulator.Config{Slots: 2,
		Drives:     []simulator.DriveConfig{{Product: simulator.LTO9Drive.Product}, {Product: simulator.LTO9Drive.Product}},
		Cartridges: []simulator.CartridgeConfig{{Barcode: "MV0001L9", Slot: 1}, {Barcode: "MV0002L9", Slot: 2}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lib.Close()
	r.lib = lib
	r.fill([]string{"MV0001L9", "MV0002L9"}, []int64{100 << 10, 200 << 10})
	r.core = newFakeCore(nil)
	r.core.cond = vclock.NewCond(nil)
	r.s = &moverEnv{cfg: moverConfig{Changer: lib.Changer()}, cat: r.cat, clk: lib.Clock(), host: "h", core: r.core, log: discardLogger()}
	sink := NewMemorySink(250<<10, &MemorySinkOptions{Keep: false})
	r.s.cfg.Sink = sink
	r.drives = nil
	for i := range 2 {
		d, _ := lib.Drive(i)
		r.drives = append(r.drives, &driveState{Drive: Drive{Name: fmt.Sprintf("d%d", i), Drive: d, Element: lib.DriveAddress(i)}})
	}
	for i, v := range []string{"MV0001L9", "MV0002L9"} {
		b := &batch{volume: v, kind: Recall}
		for _, id := range r.ids[v] {
			b.entries = append(b.entries, r.recallEntry(id))
		}
		r.core.add(fmt.Sprintf("d%d", i), b)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.core.stop = cancel
	var wg sync.WaitGroup
	for _, d := range r.drives {
		wg.Go(func() { runMover(ctx, r.s, d) })
	}
	wg.Wait()
	for _, v := range []string{"MV0001L9", "MV0002L9"} {
		for _, id := range r.ids[v] {
			r.want(id, failNone)
		}
	}
	if st := sink.Stats(); st.Committed != 4 || st.Bytes != 2*(300<<10) || st.Used != 0 {
		t.Errorf("sink stats %+v", st)
	}
}

// When the worker is told to stop, the file in hand finishes and the rest
// goes back unstarted, reservations given back.
func TestRecallStops(t *testing.T) {
	r := newRig(t, 1, 2, nil)
	r.fill([]string{"MV0001L9"}, []int64{100 << 10, 100 << 10, 100 << 10})
	sink := NewMemorySink(1<<30, &MemorySinkOptions{Clock: r.vc})
	r.s.cfg.Sink = sink
	b := &batch{volume: "MV0001L9", kind: Recall}
	for _, id := range r.ids["MV0001L9"] {
		b.entries = append(b.entries, r.recallEntry(id))
	}
	r.core.add("d0", b)
	r.core.onDone = func(e *entry, res result) { r.core.stop() }
	r.run()
	ids := r.ids["MV0001L9"]
	r.want(ids[0], failNone)
	for _, id := range ids[1:] {
		if why, ok := r.core.back[id]; !ok || why != "scheduler stopping" {
			t.Errorf("request %d: handed back %v (%q), result %+v", id, ok, why, r.core.results[id])
		}
	}
	if st := sink.Stats(); st.Reserved != 0 {
		t.Errorf("reservations left: %+v", st)
	}
}

// fastIO is a TapeIO as a benchmark plugs it: the simulator's fast path
// reads the blocks (charging their time) and moves no bytes; the sink
// counts them through Discarder.
type fastIO struct{ FormatIO }

func (fastIO) ReadFile(ctx context.Context, d tape.Drive, f catalog.File, c catalog.Copy, w io.Writer) ([]checksum.Value, error) {
	br, ok := d.(simulator.BlocksReader)
	if !ok {
		return nil, errors.ErrUnsupported
	}
	if err := d.Locate(ctx, tape.Position{Block: c.BlockID}); err != nil {
		return nil, err
	}
	for {
		run, err := br.ReadBlocks(ctx, 1<<20)
		if run.Bytes > 0 {
			if derr := w.(Discarder).Discard(run.Bytes); derr != nil {
				return nil, derr
			}
		}
		if errors.Is(err, tape.ErrFilemark) {
			return ExpectedChecksums(f)
		}
		if err != nil {
			return nil, err
		}
	}
}

func TestRecallFastPath(t *testing.T) {
	r := newRig(t, 1, 2, nil)
	r.fill([]string{"MV0001L9"}, []int64{40 << 30, 3 << 30})
	sink := NewMemorySink(0, &MemorySinkOptions{Clock: r.vc})
	r.s.cfg.Sink = sink
	r.s.cfg.TapeIO = fastIO{}
	b := &batch{volume: "MV0001L9", kind: Recall}
	for _, id := range r.ids["MV0001L9"] {
		b.entries = append(b.entries, r.recallEntry(id))
	}
	r.core.add("d0", b)
	r.run()
	for _, id := range r.ids["MV0001L9"] {
		r.want(id, failNone)
	}
	// 43 GiB at 400 MB/s: about two minutes of library time.
	if st := sink.Stats(); st.Committed != 2 || st.Bytes < 43<<30 {
		t.Errorf("sink stats %+v", st)
	}
	if el := r.vc.Now().Sub(simulator.Epoch); el < 100*time.Second {
		t.Errorf("read 43 GiB in %v of library time", el)
	}
}
