package catalogtest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

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
}

// modelVolumes are the volumes CheckModel starts with: small capacities,
// so that "enough free space" is often false.
var modelVolumes = []catalog.Volume{
	{Barcode: "M1", Pool: "p1", State: catalog.StateActive, Capacity: 1000},
	{Barcode: "M2", Pool: "p1", State: catalog.StateActive, Capacity: 1000},
	{Barcode: "M3", Pool: "p1", State: catalog.StateActive, Capacity: 500},
	{Barcode: "M4", Pool: "p2", State: catalog.StateActive, Capacity: 1000},
}

var (
	modelPaths   = []string{"/a", "/a/b", "/a/c", "/ab", "/b", "/\u00e9t\u00e9", "/z/y/x", "", "rel", "/a/", "/bad\xff"}
	modelAlgs    = []string{"adler32", "md5", "crc64"}
	modelClasses = []string{"one", "two", "gold"}
	modelWriters = []string{"w1", "w2"}
	modelStates  = []catalog.VolumeState{catalog.StateActive, catalog.StateActive, catalog.StateFull, catalog.StateReadOnly}
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
	t.Repeat(map[string]func(*rapid.T){
		"CreateFiles": func(t *rapid.T) { m.createFiles(ctx, t, c) },
		"Commit":      func(t *rapid.T) { m.commit(ctx, t, c) },
		"Reserve":     func(t *rapid.T) { m.reserve(ctx, t, c) },
		"Release":     func(t *rapid.T) { m.release(ctx, t, c) },
		"SetState":    func(t *rapid.T) { m.setState(ctx, t, c) },
		"Delete":      func(t *rapid.T) { m.delete(ctx, t, c) },
		"Undelete":    func(t *rapid.T) { m.undelete(ctx, t, c) },
		"":            func(t *rapid.T) { m.compare(ctx, t, c) },
	})
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
			Size:         rapid.Int64Range(-1, 400).Draw(t, "size"),
			StorageClass: rapid.SampledFrom(modelClasses).Draw(t, "class"),
			Owner:        "o",
		}
		if rapid.Bool().Draw(t, "sum") {
			alg := rapid.SampledFrom(modelAlgs).Draw(t, "alg")
			val := strings.Repeat("0f", 4)
			if alg == "md5" {
				val = strings.Repeat("0f", rapid.SampledFrom([]int{16, 15}).Draw(t, "md5len"))
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
		if _, reused := m.deleted[f.ID]; reused {
			t.Fatalf("CreateFiles reused the id %d of a deleted file", f.ID)
		}
		m.files[f.ID] = f
		m.paths[f.Path] = f.ID
	}
}

// fileIDs returns the ids of live files, deleted files and one never used.
func (m *model) someID(t *rapid.T) int64 {
	ids := slices.Sorted(maps.Keys(m.files))
	ids = append(ids, slices.Sorted(maps.Keys(m.deleted))...)
	ids = append(ids, 1_000_000)
	return rapid.SampledFrom(ids).Draw(t, "id")
}

func (m *model) someVolume(t *rapid.T) string {
	return rapid.SampledFrom([]string{"M1", "M2", "M3", "M4", "NOPE"}).Draw(t, "volume")
}

func (m *model) commit(ctx context.Context, t *rapid.T, c catalog.Catalog) {
	bc := m.someVolume(t)
	var last, used int64
	v, known := m.vols[bc]
	if known {
		last, used = v.LastFileSeq, v.BytesUsed
	}
	n := rapid.IntRange(0, 3).Draw(t, "n")
	seq := last + rapid.Int64Range(0, 2).Draw(t, "gap")
	batch := make([]catalog.Copy, n)
	var want []error
	seqs := map[int64]bool{}
	type key struct{ id, no int64 }
	keys := map[key]bool{}
	for i := range batch {
		seq += rapid.Int64Range(0, 1).Draw(t, "step")
		cp := catalog.Copy{FileID: m.someID(t), CopyNo: rapid.Int64Range(1, 2).Draw(t, "copy"), FileSeq: seq, BlockID: seq * 10, Format: "tapekit-pax-1", Size: 7}
		if _, ok := m.files[cp.FileID]; !ok {
			want = append(want, catalog.ErrNotFound)
		}
		if _, ok := m.copies[cp.FileID][cp.CopyNo]; ok || keys[key{cp.FileID, cp.CopyNo}] {
			want = append(want, catalog.ErrExists)
		}
		if seqs[seq] {
			want = append(want, catalog.ErrExists)
		}
		if seq < 1 {
			want = append(want, catalog.ErrInvalid)
		} else if seq <= last {
			want = append(want, catalog.ErrConflict)
		}
		seqs[seq], keys[key{cp.FileID, cp.CopyNo}] = true, true
		batch[i] = cp
	}
	newLast := max(seq, last) + rapid.Int64Range(-1, 1).Draw(t, "lastDelta")
	newUsed := used + rapid.Int64Range(-5, 300).Draw(t, "usedDelta")
	if newUsed < 0 {
		want = append(want, catalog.ErrInvalidSize)
	}
	if newLast < 0 {
		want = append(want, catalog.ErrInvalid)
	}
	if newLast < last || newUsed < used {
		want = append(want, catalog.ErrConflict)
	}
	for _, cp := range batch {
		if cp.FileSeq > newLast {
			want = append(want, catalog.ErrConflict)
		}
	}
	if !known {
		want = append(want, catalog.ErrUnknownVolume)
	} else if v.State != catalog.StateActive {
		want = append(want, catalog.ErrVolumeNotWritable)
	}
	err := c.CommitCopies(ctx, bc, batch, newUsed, newLast)
	expect(t, fmt.Sprintf("CommitCopies(%s, %+v, %d, %d)", bc, batch, newUsed, newLast), err, want)
	if err != nil {
		return
	}
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
	id := m.someID(t)
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
	m.deleted[id] = catalog.Deletion{File: f, Copies: m.sortedCopies(id), Reason: "model"}
	delete(m.files, id)
	delete(m.paths, f.Path)
	delete(m.copies, id)
}

func (m *model) undelete(ctx context.Context, t *rapid.T, c catalog.Catalog) {
	id := m.someID(t)
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
	for id, d := range m.deleted {
		g, err := c.Deleted(ctx, id)
		fail(err)
		d.DeletedAt = g.DeletedAt
		fail(diff("Deleted", d, g, emptyMaps))
	}
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
