package catalogtest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/tapekit/tapekit/catalog"
)

// model is the contract in its simplest form: maps in memory.
type model struct {
	classes map[string]int // copies wanted
	pools   map[string]bool
	vols    map[string]*catalog.Volume
	files   map[int64]catalog.File
	paths   map[string]int64
	copies  map[int64]map[int64]catalog.Copy // file id → copy number → copy
	deleted map[int64]catalog.Deletion
	used    map[int64]bool // every id handed out: live, deleted or purged
}

// modelKey names a copy.
type modelKey struct{ id, no int64 }

// modelVolumes are the volumes CheckModel starts with: small capacities,
// so that "enough free space" is often false.
var modelVolumes = []catalog.Volume{
	{Barcode: "M1", Pool: "p1", State: catalog.StateActive, Capacity: 1000},
	{Barcode: "M2", Pool: "p1", State: catalog.StateActive, Capacity: 1000},
	{Barcode: "M3", Pool: "p1", State: catalog.StateActive, Capacity: 500},
	{Barcode: "M4", Pool: "p2", State: catalog.StateActive, Capacity: 1000},
}

var (
	modelPaths    = []string{"/a", "/a/b", "/a/c", "/ab", "/b", "/\u00e9t\u00e9", "/z/y/x"}
	modelBadPaths = []string{"", "rel", "/a/", "/bad\xff"}
	modelAlgs     = []string{"adler32", "md5"}
	modelClasses  = []string{"one", "two"}
	modelWriters  = []string{"w1", "w2"}
	modelStates   = []catalog.VolumeState{catalog.StateActive, catalog.StateActive, catalog.StateFull, catalog.StateReadOnly}
)

// CheckModel runs a rapid state machine on c, which must be empty: random
// valid and invalid operations, each compared with an in-memory model,
// and after each step a full comparison of the catalog's contents with the
// model's. Call it inside rapid.Check with a fresh catalog per run.
func CheckModel(t *rapid.T, c catalog.Catalog) {
	ctx := context.Background()
	m := &model{
		classes: map[string]int{"one": 1, "two": 2},
		pools:   map[string]bool{"p1": true, "p2": true},
		vols:    map[string]*catalog.Volume{},
		files:   map[int64]catalog.File{},
		paths:   map[string]int64{},
		copies:  map[int64]map[int64]catalog.Copy{},
		deleted: map[int64]catalog.Deletion{},
		used:    map[int64]bool{},
	}
	if err := setup(ctx, c, 0); err != nil {
		t.Fatal(err)
	}
	for _, v := range modelVolumes {
		if err := c.AddVolume(ctx, v); err != nil {
			t.Fatal(err)
		}
		m.vols[v.Barcode] = &v
	}
	m.seed(ctx, t, c)
	t.Repeat(map[string]func(*rapid.T){
		"CreateFiles": func(t *rapid.T) { m.createFiles(ctx, t, c) },
		"Commit":      func(t *rapid.T) { m.commit(ctx, t, c) },
		"Reserve":     func(t *rapid.T) { m.reserve(ctx, t, c) },
		"Release":     func(t *rapid.T) { m.release(ctx, t, c) },
		"SetState":    func(t *rapid.T) { m.setState(ctx, t, c) },
		"Delete":      func(t *rapid.T) { m.delete(ctx, t, c) },
		"Undelete":    func(t *rapid.T) { m.undelete(ctx, t, c) },
		"Relocate":    func(t *rapid.T) { m.relocate(ctx, t, c) },
		"RemoveCopy":  func(t *rapid.T) { m.removeCopy(ctx, t, c) },
		"DeletedPage": func(t *rapid.T) { m.deletedPage(ctx, t, c) },
		"Purge":       func(t *rapid.T) { m.purge(ctx, t, c) },
		"":            func(t *rapid.T) { m.compare(ctx, t, c) },
	})
}

// seed gives the catalog two files on tape, one with a copy on each
// pool, so the operations on copies (relocate, remove, delete with
// copies) have something to work on from the first step: a run is about
// 30 steps, too few to create files and commit copies first most times.
func (m *model) seed(ctx context.Context, t *rapid.T, c catalog.Catalog) {
	files, err := c.CreateFiles(ctx, []catalog.File{
		{Path: "/s/1", Size: 10, StorageClass: "one", Owner: "o"},
		{Path: "/s/2", Size: 20, StorageClass: "two", Owner: "o"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		m.files[f.ID], m.paths[f.Path], m.used[f.ID] = f, f.ID, true
		m.copies[f.ID] = map[int64]catalog.Copy{}
	}
	for _, b := range []struct {
		vol    string
		copies []catalog.Copy
	}{
		{"M1", []catalog.Copy{{FileID: files[0].ID, CopyNo: 1, FileSeq: 1, Format: "tapekit-pax-1", Size: 10},
			{FileID: files[1].ID, CopyNo: 1, FileSeq: 2, BlockID: 3, Format: "tapekit-pax-1", Size: 20}}},
		{"M4", []catalog.Copy{{FileID: files[1].ID, CopyNo: 2, FileSeq: 1, Format: "tapekit-pax-1", Size: 20}}},
	} {
		v := m.vols[b.vol]
		v.LastFileSeq = int64(len(b.copies))
		v.BytesUsed = 10 * v.LastFileSeq
		if err := c.CommitCopies(ctx, b.vol, b.copies, v.BytesUsed, v.LastFileSeq); err != nil {
			t.Fatal(err)
		}
		for _, cp := range b.copies {
			cp.Volume = b.vol
			m.copies[cp.FileID][cp.CopyNo] = cp
		}
	}
}

// expect checks that err is nil when nothing in want applies, and
// otherwise matches one of want: the model knows every reason an operation
// must fail but leaves the order of the checks to the implementation.
func expect(t *rapid.T, op string, err error, want []error) {
	if len(want) == 0 {
		if err != nil {
			t.Fatalf("%s: unexpected error %v", op, err)
		}
		return
	}
	if err == nil {
		t.Fatalf("%s: succeeded; want one of %v", op, want)
	}
	for _, w := range want {
		if errors.Is(err, w) {
			return
		}
	}
	t.Fatalf("%s: error %v; want one of %v", op, err, want)
}

func (m *model) createFiles(ctx context.Context, t *rapid.T, c catalog.Catalog) {
	n := rapid.IntRange(1, 3).Draw(t, "n")
	batch := make([]catalog.File, n)
	var want []error
	seen := map[string]bool{}
	for i := range batch {
		f := catalog.File{
			Path:         rapid.SampledFrom(modelPaths).Draw(t, "path"),
			Size:         rapid.Int64Range(0, 400).Draw(t, "size"),
			StorageClass: rapid.SampledFrom(modelClasses).Draw(t, "class"),
			Owner:        "o",
		}
		if rarely(t, "bad path") {
			f.Path = rapid.SampledFrom(modelBadPaths).Draw(t, "path")
		}
		if rarely(t, "negative size") {
			f.Size = -1
		}
		if rarely(t, "unknown class") {
			f.StorageClass = "gold"
		}
		var bad bool
		f.Created, bad = drawTime(t, "created")
		want = appendIf(want, bad, catalog.ErrInvalid)
		f.Modified, bad = drawTime(t, "modified")
		want = appendIf(want, bad, catalog.ErrInvalid)
		if rapid.Bool().Draw(t, "sum") {
			alg := rapid.SampledFrom(modelAlgs).Draw(t, "alg")
			if rarely(t, "unknown alg") {
				alg = "crc64"
			}
			val := strings.Repeat("0f", 4)
			if alg == "md5" {
				val = strings.Repeat("0f", 16)
				if rarely(t, "short md5") {
					val = val[1:]
				}
			}
			f.Checksums = map[string]string{alg: val}
			switch {
			case alg == "crc64":
				want = append(want, catalog.ErrUnknownAlgorithm)
			case len(val) != 32 && alg == "md5":
				want = append(want, catalog.ErrInvalidChecksum)
			}
		}
		if catalog.ValidatePath(f.Path) != nil {
			want = append(want, catalog.ErrInvalidPath)
		} else if _, ok := m.paths[f.Path]; ok || seen[f.Path] {
			want = append(want, catalog.ErrExists)
		}
		seen[f.Path] = true
		if f.Size < 0 {
			want = append(want, catalog.ErrInvalidSize)
		}
		if _, ok := m.classes[f.StorageClass]; !ok {
			want = append(want, catalog.ErrUnknownStorageClass)
		}
		batch[i] = f
	}
	got, err := c.CreateFiles(ctx, batch)
	expect(t, "CreateFiles", err, want)
	if err != nil {
		return
	}
	if len(got) != n {
		t.Fatalf("CreateFiles returned %d files for %d", len(got), n)
	}
	for i, f := range got {
		if _, dup := m.files[f.ID]; dup || f.ID <= 0 || f.Path != batch[i].Path || f.Created.IsZero() {
			t.Fatalf("CreateFiles returned %+v for %+v", f, batch[i])
		}
		// Times given come back as given; a zero Created is the catalog's
		// clock, a zero Modified is Created.
		wantCreated, wantModified := batch[i].Created, batch[i].Modified
		if wantCreated.IsZero() {
			wantCreated = f.Created
		}
		if wantModified.IsZero() {
			wantModified = wantCreated
		}
		if !f.Created.Equal(wantCreated) || !f.Modified.Equal(wantModified) {
			t.Fatalf("CreateFiles returned created %v, modified %v for %+v; want %v, %v", f.Created, f.Modified, batch[i], wantCreated, wantModified)
		}
		if m.used[f.ID] {
			t.Fatalf("CreateFiles reused the id %d of a deleted or purged file", f.ID)
		}
		m.used[f.ID] = true
		m.files[f.ID] = f
		m.paths[f.Path] = f.ID
	}
}

// modelTimes are the times drawTime gives a file: the epoch (mtime 0) and
// its neighbours, the ends of the range, and full nanoseconds;
// modelBadTimes are just outside the range.
var (
	modelTimes = []time.Time{
		time.Unix(0, 0).UTC(), time.Unix(0, -1).UTC(), time.Unix(0, 1).UTC(),
		catalog.MinTime, catalog.MaxTime,
		time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC),
	}
	modelBadTimes = []time.Time{catalog.MinTime.Add(-time.Nanosecond), catalog.MaxTime.Add(time.Nanosecond)}
)

// drawTime draws a file's Created or Modified: mostly zero (the
// catalog's default), sometimes one of modelTimes, rarely one the catalog
// must refuse (bad).
func drawTime(t *rapid.T, label string) (tm time.Time, bad bool) {
	if !rapid.Bool().Draw(t, label+" given") {
		return time.Time{}, false
	}
	if rarely(t, label+" out of range") {
		return rapid.SampledFrom(modelBadTimes).Draw(t, label), true
	}
	return rapid.SampledFrom(modelTimes).Draw(t, label), false
}

// appendIf appends err to want when cond holds.
func appendIf(want []error, cond bool, err error) []error {
	if cond {
		return append(want, err)
	}
	return want
}

// someID returns the id of a live, deleted or purged file, or one never
// used.
func (m *model) someID(t *rapid.T) int64 {
	ids := append(slices.Sorted(maps.Keys(m.used)), 1_000_000)
	return rapid.SampledFrom(ids).Draw(t, "id")
}

// pickID draws mostly from among (live files, the recycle log) when it
// has any, else any id (someID): an operation on a file mostly finds it,
// and sometimes does not.
func pickID[V any](m *model, t *rapid.T, among map[int64]V) int64 {
	if len(among) > 0 && !rarely(t, "any id") {
		return rapid.SampledFrom(slices.Sorted(maps.Keys(among))).Draw(t, "id")
	}
	return m.someID(t)
}

// copyKeys returns the copies the model has, in order.
func (m *model) copyKeys() []modelKey {
	var have []modelKey
	for _, id := range slices.Sorted(maps.Keys(m.copies)) {
		for _, no := range slices.Sorted(maps.Keys(m.copies[id])) {
			have = append(have, modelKey{id, no})
		}
	}
	return have
}

// someCopy names a copy: mostly one the model has, else any file's copy 1
// or 2 (or, with invalid, 0), which may not exist.
func (m *model) someCopy(t *rapid.T, invalid bool) modelKey {
	have := m.copyKeys()
	if len(have) > 0 && !rarely(t, "any copy") {
		return rapid.SampledFrom(have).Draw(t, "copy")
	}
	lo := int64(1)
	if invalid {
		lo = 0
	}
	return modelKey{m.someID(t), rapid.Int64Range(lo, 2).Draw(t, "copy_no")}
}

func (m *model) someVolume(t *rapid.T) string {
	return rapid.SampledFrom([]string{"M1", "M2", "M3", "M4", "NOPE"}).Draw(t, "volume")
}

// rarely is true about one draw in ten. rapid draws either end of a
// range far more often than its middle (a size in [-5, 300] is negative
// half the time), so the model draws each way to go wrong separately and
// rarely: most operations must succeed, or the catalog never fills up
// and the operations on what it holds are never tried.
func rarely(t *rapid.T, label string) bool { return rapid.IntRange(0, 9).Draw(t, label) == 9 }

// placement draws where a batch of n copies goes on the volume bc, for
// CommitCopies and RelocateCopies: file sequences that mostly follow the
// volume's last one, and a new fill level that mostly moves forward. It
// returns them with the errors they call for.
func (m *model) placement(t *rapid.T, bc string, n int) (seqs []int64, newUsed, newLast int64, want []error) {
	var last, used int64
	v, known := m.vols[bc]
	if known {
		last, used = v.LastFileSeq, v.BytesUsed
	}
	seq := last + rapid.Int64Range(0, 1).Draw(t, "gap")
	if rarely(t, "overlap") {
		seq--
	}
	seen := map[int64]bool{}
	for range n {
		if !rarely(t, "same seq") {
			seq++
		}
		if seen[seq] {
			want = append(want, catalog.ErrExists)
		}
		if seq < 1 {
			want = append(want, catalog.ErrInvalid)
		} else if seq <= last {
			want = append(want, catalog.ErrConflict)
		}
		seen[seq] = true
		seqs = append(seqs, seq)
	}
	newLast = max(seq, last) + rapid.Int64Range(0, 1).Draw(t, "lastDelta")
	if rarely(t, "last back") {
		newLast -= 2
	}
	newUsed = used + rapid.Int64Range(0, 300).Draw(t, "usedDelta")
	if rarely(t, "fill back") {
		newUsed = used - rapid.Int64Range(1, 5).Draw(t, "usedBack")
	}
	if newUsed < 0 {
		want = append(want, catalog.ErrInvalidSize)
	}
	if newLast < 0 {
		want = append(want, catalog.ErrInvalid)
	}
	if newLast < last || newUsed < used {
		want = append(want, catalog.ErrConflict)
	}
	for _, seq := range seqs {
		if seq > newLast {
			want = append(want, catalog.ErrConflict)
		}
	}
	if !known {
		want = append(want, catalog.ErrUnknownVolume)
	} else if v.State != catalog.StateActive {
		want = append(want, catalog.ErrVolumeNotWritable)
	}
	return seqs, newUsed, newLast, want
}

func (m *model) commit(ctx context.Context, t *rapid.T, c catalog.Catalog) {
	bc := m.someVolume(t)
	n := rapid.IntRange(0, 3).Draw(t, "n")
	seqs, newUsed, newLast, want := m.placement(t, bc, n)
	batch := make([]catalog.Copy, n)
	keys := map[modelKey]bool{}
	for i, seq := range seqs {
		cp := catalog.Copy{FileID: pickID(m, t, m.files), CopyNo: rapid.Int64Range(1, 2).Draw(t, "copy"), FileSeq: seq, BlockID: seq * 10, Format: "tapekit-pax-1", Size: 7}
		k := modelKey{cp.FileID, cp.CopyNo}
		if _, ok := m.files[cp.FileID]; !ok {
			want = append(want, catalog.ErrNotFound)
		}
		if _, ok := m.copies[cp.FileID][cp.CopyNo]; ok || keys[k] {
			want = append(want, catalog.ErrExists)
		}
		keys[k] = true
		batch[i] = cp
	}
	err := c.CommitCopies(ctx, bc, batch, newUsed, newLast)
	expect(t, fmt.Sprintf("CommitCopies(%s, %+v, %d, %d)", bc, batch, newUsed, newLast), err, want)
	if err != nil {
		return
	}
	v := m.vols[bc]
	v.BytesUsed, v.LastFileSeq = newUsed, newLast
	for _, cp := range batch {
		cp.Volume = bc
		if m.copies[cp.FileID] == nil {
			m.copies[cp.FileID] = map[int64]catalog.Copy{}
		}
		m.copies[cp.FileID][cp.CopyNo] = cp
	}
}

func (m *model) reserve(ctx context.Context, t *rapid.T, c catalog.Catalog) {
	pool := rapid.SampledFrom([]string{"p1", "p2", "p9"}).Draw(t, "pool")
	minFree := rapid.Int64Range(0, 1000).Draw(t, "minFree")
	w := rapid.SampledFrom(modelWriters).Draw(t, "writer")
	var cands []*catalog.Volume
	for _, v := range m.vols {
		if v.Pool == pool && v.State == catalog.StateActive && (v.Writer == "" || v.Writer == w) && v.Free() >= minFree {
			cands = append(cands, v)
		}
	}
	slices.SortFunc(cands, func(a, b *catalog.Volume) int {
		own := func(v *catalog.Volume) int {
			if v.Writer == w {
				return 0
			}
			return 1
		}
		return cmp.Or(cmp.Compare(own(a), own(b)), cmp.Compare(b.BytesUsed, a.BytesUsed), strings.Compare(a.Barcode, b.Barcode))
	})
	var want []error
	switch {
	case !m.pools[pool]:
		want = []error{catalog.ErrUnknownPool}
	case len(cands) == 0:
		want = []error{catalog.ErrNoVolume}
	}
	got, err := c.ReserveVolume(ctx, pool, minFree, w)
	expect(t, "ReserveVolume", err, want)
	if err != nil {
		return
	}
	if got.Barcode != cands[0].Barcode || got.Writer != w {
		t.Fatalf("ReserveVolume(%s, %d, %s) = %s held by %q; want %s", pool, minFree, w, got.Barcode, got.Writer, cands[0].Barcode)
	}
	cands[0].Writer = w
}

func (m *model) release(ctx context.Context, t *rapid.T, c catalog.Catalog) {
	bc := m.someVolume(t)
	w := rapid.SampledFrom(append([]string{""}, modelWriters...)).Draw(t, "writer")
	v, ok := m.vols[bc]
	var want []error
	switch {
	case !ok:
		want = []error{catalog.ErrUnknownVolume}
	case w != "" && v.Writer != "" && v.Writer != w:
		want = []error{catalog.ErrReserved}
	}
	err := c.ReleaseVolume(ctx, bc, w)
	expect(t, "ReleaseVolume", err, want)
	if err == nil {
		v.Writer = ""
	}
}

func (m *model) setState(ctx context.Context, t *rapid.T, c catalog.Catalog) {
	bc := m.someVolume(t)
	s := rapid.SampledFrom(modelStates).Draw(t, "state")
	v, ok := m.vols[bc]
	var want []error
	if !ok {
		want = []error{catalog.ErrUnknownVolume}
	}
	err := c.SetVolumeState(ctx, bc, s, "model")
	expect(t, "SetVolumeState", err, want)
	if err == nil {
		v.State, v.StateReason = s, "model"
	}
}

func (m *model) delete(ctx context.Context, t *rapid.T, c catalog.Catalog) {
	id := pickID(m, t, m.files)
	f, ok := m.files[id]
	var want []error
	if !ok {
		want = []error{catalog.ErrNotFound}
	}
	err := c.Delete(ctx, id, "model")
	expect(t, "Delete", err, want)
	if err != nil {
		return
	}
	g, err := c.Deleted(ctx, id)
	if err != nil || g.DeletedAt.IsZero() {
		t.Fatalf("Deleted(%d) after Delete: deleted at %v, %v", id, g.DeletedAt, err)
	}
	m.deleted[id] = catalog.Deletion{File: f, Copies: m.sortedCopies(id), Reason: "model", DeletedAt: g.DeletedAt}
	delete(m.files, id)
	delete(m.paths, f.Path)
	delete(m.copies, id)
}

func (m *model) undelete(ctx context.Context, t *rapid.T, c catalog.Catalog) {
	id := pickID(m, t, m.deleted)
	d, ok := m.deleted[id]
	var want []error
	if !ok {
		want = []error{catalog.ErrNotFound}
	} else if _, taken := m.paths[d.File.Path]; taken {
		want = []error{catalog.ErrExists}
	}
	got, err := c.Undelete(ctx, id)
	expect(t, "Undelete", err, want)
	if err != nil {
		return
	}
	if d := gocmp.Diff(d.File, got, emptyMaps); d != "" {
		t.Fatalf("Undelete (-want +got):\n%s", d)
	}
	m.files[id] = d.File
	m.paths[d.File.Path] = id
	for _, cp := range d.Copies {
		if m.copies[id] == nil {
			m.copies[id] = map[int64]catalog.Copy{}
		}
		m.copies[id][cp.CopyNo] = cp
	}
	delete(m.deleted, id)
}

func (m *model) relocate(ctx context.Context, t *rapid.T, c catalog.Catalog) {
	// Mostly distinct copies the model has; rarely one twice, or one
	// that does not exist.
	var keys []modelKey
	if have := m.copyKeys(); len(have) > 0 && !rarely(t, "no copies") {
		keys = rapid.Permutation(have).Draw(t, "copies")[:rapid.IntRange(1, min(3, len(have))).Draw(t, "n")]
		if rarely(t, "twice") {
			keys = append(keys, keys[0])
		}
	}
	if len(keys) == 0 || rarely(t, "missing") {
		keys = append(keys, modelKey{m.someID(t), rapid.Int64Range(1, 2).Draw(t, "copy_no")})
	}
	n := len(keys)
	// Mostly a writable volume that holds none of the copies: a repack.
	var targets []string
	for _, bc := range slices.Sorted(maps.Keys(m.vols)) {
		ok := m.vols[bc].State == catalog.StateActive
		for _, k := range keys {
			ok = ok && m.copies[k.id][k.no].Volume != bc
		}
		if ok {
			targets = append(targets, bc)
		}
	}
	var bc string
	if len(targets) > 0 && !rarely(t, "any volume") {
		bc = rapid.SampledFrom(targets).Draw(t, "target")
	} else {
		bc = m.someVolume(t)
	}
	seqs, newUsed, newLast, want := m.placement(t, bc, n)
	batch := make([]catalog.Copy, n)
	seen := map[modelKey]bool{}
	for i, k := range keys {
		batch[i] = catalog.Copy{FileID: k.id, CopyNo: k.no, FileSeq: seqs[i], BlockID: seqs[i]*10 + 1,
			Format: rapid.SampledFrom([]string{"tapekit-pax-1", "tapekit-pax-2"}).Draw(t, "format"), Size: 9}
		switch old, ok := m.copies[k.id][k.no]; {
		case !ok:
			want = append(want, catalog.ErrNotFound)
		case old.Volume == bc:
			want = append(want, catalog.ErrInvalid)
		}
		if seen[k] {
			want = append(want, catalog.ErrExists)
		}
		seen[k] = true
	}
	err := c.RelocateCopies(ctx, bc, batch, newUsed, newLast)
	expect(t, fmt.Sprintf("RelocateCopies(%s, %+v, %d, %d)", bc, batch, newUsed, newLast), err, want)
	if err != nil {
		return
	}
	// The volumes the copies left keep their fill level.
	v := m.vols[bc]
	v.BytesUsed, v.LastFileSeq = newUsed, newLast
	for _, cp := range batch {
		cp.Volume = bc
		m.copies[cp.FileID][cp.CopyNo] = cp
	}
}

func (m *model) removeCopy(ctx context.Context, t *rapid.T, c catalog.Catalog) {
	k := m.someCopy(t, true)
	reason := rapid.SampledFrom([]string{"unreadable", "", "bad\x00"}).Draw(t, "reason")
	var want []error
	if k.no < 1 || catalog.ValidateText("reason", reason) != nil {
		want = append(want, catalog.ErrInvalid)
	}
	if _, ok := m.copies[k.id][k.no]; !ok {
		want = append(want, catalog.ErrNotFound)
	}
	err := c.RemoveCopy(ctx, k.id, k.no, reason)
	expect(t, fmt.Sprintf("RemoveCopy(%d, %d, %q)", k.id, k.no, reason), err, want)
	if err != nil {
		return
	}
	delete(m.copies[k.id], k.no)
	if len(m.copies[k.id]) == 0 {
		delete(m.copies, k.id)
	}
}

// deletedPage reads one page of the recycle log from any cursor.
func (m *model) deletedPage(ctx context.Context, t *rapid.T, c catalog.Catalog) {
	cursor := rapid.SampledFrom(append(append([]int64{0}, slices.Sorted(maps.Keys(m.used))...), -1)).Draw(t, "cursor")
	limit := rapid.IntRange(-1, 4).Draw(t, "limit")
	p, err := c.DeletedFiles(ctx, cursor, limit)
	if cursor < 0 {
		expect(t, "DeletedFiles", err, []error{catalog.ErrInvalid})
		return
	}
	expect(t, "DeletedFiles", err, nil)
	var rest []catalog.Deletion
	for _, id := range slices.Sorted(maps.Keys(m.deleted)) {
		if id > cursor {
			rest = append(rest, m.deleted[id])
		}
	}
	got := len(p.Deletions)
	switch {
	case got > len(rest), limit > 0 && got > limit, got == 0 && len(rest) > 0:
		t.Fatalf("DeletedFiles(%d, %d) returned %d entries of %d", cursor, limit, got, len(rest))
	case got == len(rest) && p.Next != 0:
		t.Fatalf("DeletedFiles(%d, %d) returned the last entries with next cursor %d", cursor, limit, p.Next)
	case got < len(rest) && p.Next != p.Deletions[got-1].File.ID:
		t.Fatalf("DeletedFiles(%d, %d): next cursor %d, want the page's last id", cursor, limit, p.Next)
	}
	if d := gocmp.Diff(rest[:got], p.Deletions, emptyMaps); d != "" {
		t.Fatalf("DeletedFiles(%d, %d) (-want +got):\n%s", cursor, limit, d)
	}
}

// purge purges at a time taken from the deletions: at one (which keeps
// it), just after one, or before or after all.
func (m *model) purge(ctx context.Context, t *rapid.T, c catalog.Catalog) {
	times := []time.Time{{}, time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)}
	for _, id := range slices.Sorted(maps.Keys(m.deleted)) {
		at := m.deleted[id].DeletedAt
		times = append(times, at, at.Add(time.Nanosecond))
	}
	before := rapid.SampledFrom(times).Draw(t, "before")
	var gone []int64
	for id, d := range m.deleted {
		if d.DeletedAt.Before(before) {
			gone = append(gone, id)
		}
	}
	n, err := c.PurgeDeleted(ctx, before)
	expect(t, "PurgeDeleted", err, nil)
	if n != int64(len(gone)) {
		t.Fatalf("PurgeDeleted(%v) purged %d files, want %d", before, n, len(gone))
	}
	for _, id := range gone {
		delete(m.deleted, id)
	}
}

func (m *model) sortedCopies(id int64) []catalog.Copy {
	var out []catalog.Copy
	for _, no := range slices.Sorted(maps.Keys(m.copies[id])) {
		out = append(out, m.copies[id][no])
	}
	return out
}

// compare checks the whole catalog against the model.
func (m *model) compare(ctx context.Context, t *rapid.T, c catalog.Catalog) {
	fail := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	var want []catalog.File
	for _, p := range slices.Sorted(maps.Keys(m.paths)) {
		want = append(want, m.files[m.paths[p]])
	}
	got, err := allFiles(ctx, c, "/", 4)
	fail(err)
	fail(diff("List", want, got, emptyMaps))
	// List returned every file in full; looking each up by id and path
	// too would make every step cost O(files) round trips, so one file,
	// drawn at random, is looked up each step.
	if len(m.files) > 0 {
		id := rapid.SampledFrom(slices.Sorted(maps.Keys(m.files))).Draw(t, "lookup")
		f := m.files[id]
		g, err := c.File(ctx, id)
		fail(err)
		fail(diff("File", f, g, emptyMaps))
		g, err = c.FileByPath(ctx, f.Path)
		fail(err)
		fail(diff("FileByPath", f, g, emptyMaps))
		cps, err := c.Copies(ctx, id)
		fail(err)
		fail(diff(fmt.Sprintf("Copies(%d)", id), m.sortedCopies(id), cps, emptyMaps))
	}
	var log []catalog.Deletion
	for _, id := range slices.Sorted(maps.Keys(m.deleted)) {
		d := m.deleted[id]
		g, err := c.Deleted(ctx, id)
		fail(err)
		fail(diff("Deleted", d, g, emptyMaps))
		log = append(log, d)
	}
	gotLog, err := allDeleted(ctx, c, rapid.IntRange(0, 3).Draw(t, "log page"))
	fail(err)
	fail(diff("DeletedFiles", log, gotLog, emptyMaps))
	// Every volume's record is compared; one volume, drawn at random, is
	// listed in full.
	listed := rapid.SampledFrom(slices.Sorted(maps.Keys(m.vols))).Draw(t, "list volume")
	for bc, v := range m.vols {
		g, err := c.Volume(ctx, bc)
		fail(err)
		fail(diff("Volume", *v, g, volumeTimes))
		if bc != listed {
			continue
		}
		var onTape []catalog.Copy
		for id := range m.copies {
			for _, cp := range m.copies[id] {
				if cp.Volume == bc {
					onTape = append(onTape, cp)
				}
			}
		}
		slices.SortFunc(onTape, func(a, b catalog.Copy) int { return cmp.Compare(a.FileSeq, b.FileSeq) })
		listed, err := volumeCopies(ctx, c, bc)
		fail(err)
		fail(diff("VolumeCopies("+bc+")", onTape, listed, emptyMaps))
	}
}
