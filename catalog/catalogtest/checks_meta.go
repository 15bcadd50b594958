package catalogtest

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/tapekit/tapekit/catalog"
)

func checkPoolsAndClasses(ctx context.Context, c catalog.Catalog) error {
	if err := setup(ctx, c, 0); err != nil {
		return err
	}
	if err := c.PutPool(ctx, catalog.Pool{Name: "p2", Description: "second copies"}); err != nil {
		return fmt.Errorf("PutPool update: %w", err)
	}
	pools, err := c.Pools(ctx)
	if err != nil {
		return fmt.Errorf("Pools: %w", err)
	}
	if err := diff("Pools", []catalog.Pool{{Name: "p1", Description: "first copies"}, {Name: "p2", Description: "second copies"}}, pools); err != nil {
		return err
	}
	sc, err := c.StorageClass(ctx, "two")
	if err != nil {
		return fmt.Errorf("StorageClass: %w", err)
	}
	if err := diff("StorageClass", catalog.StorageClass{Name: "two", Pools: []string{"p1", "p2"}}, sc); err != nil {
		return err
	}
	if err := c.PutStorageClass(ctx, catalog.StorageClass{Name: "two", Pools: []string{"p2"}}); err != nil {
		return fmt.Errorf("PutStorageClass replace: %w", err)
	}
	if sc, err = c.StorageClass(ctx, "two"); err != nil || sc.Copies() != 1 || sc.Pools[0] != "p2" {
		return fmt.Errorf("StorageClass after replace = %+v, %v; want pools [p2]", sc, err)
	}
	_, err = c.StorageClass(ctx, "none")
	return first(
		wantErr("StorageClass(none)", err, catalog.ErrUnknownStorageClass),
		wantValidation("PutStorageClass unknown pool", c.PutStorageClass(ctx, catalog.StorageClass{Name: "x", Pools: []string{"p1", "p9"}}), catalog.ErrUnknownPool),
		wantValidation("PutStorageClass no pools", c.PutStorageClass(ctx, catalog.StorageClass{Name: "x"}), catalog.ErrInvalid),
		wantValidation("PutPool empty name", c.PutPool(ctx, catalog.Pool{}), catalog.ErrInvalid),
		wantErr("StorageClass(x) after failed puts", func() error { _, err := c.StorageClass(ctx, "x"); return err }(), catalog.ErrUnknownStorageClass),
	)
}

func checkVolumes(ctx context.Context, c catalog.Catalog) error {
	if err := setup(ctx, c, 1); err != nil {
		return err
	}
	v := volume("ABC123L9", "p1")
	v.BytesUsed, v.LastFileSeq, v.Mounts = 10, 2, 3
	if err := c.AddVolume(ctx, v); err != nil {
		return fmt.Errorf("AddVolume: %w", err)
	}
	got, err := c.Volume(ctx, "ABC123L9")
	if err != nil {
		return fmt.Errorf("Volume: %w", err)
	}
	if err := diff("Volume", v, got, volumeTimes); err != nil {
		return err
	}
	if got.Created.IsZero() || got.StateChanged.IsZero() {
		return fmt.Errorf("Volume: Created %v, StateChanged %v: want the catalog's clock", got.Created, got.StateChanged)
	}
	bad := volume("BAD001L9", "p1")
	bad.Capacity = -1
	neg := volume("NEG001L9", "p1")
	neg.BytesUsed = -5
	state := volume("STA001L9", "p1")
	state.State = "lost"
	_, errUnknown := c.Volume(ctx, "NONE01L9")
	if err := first(
		wantValidation("AddVolume duplicate", c.AddVolume(ctx, v), catalog.ErrExists),
		wantValidation("AddVolume unknown pool", c.AddVolume(ctx, volume("XYZ001L9", "p9")), catalog.ErrUnknownPool),
		wantValidation("AddVolume negative capacity", c.AddVolume(ctx, bad), catalog.ErrInvalidSize),
		wantValidation("AddVolume negative bytes used", c.AddVolume(ctx, neg), catalog.ErrInvalidSize),
		wantValidation("AddVolume bad state", c.AddVolume(ctx, state), catalog.ErrInvalid),
		wantValidation("AddVolume empty barcode", c.AddVolume(ctx, volume("", "p1")), catalog.ErrInvalid),
		wantErr("Volume unknown", errUnknown, catalog.ErrUnknownVolume),
		wantErr("SetVolumeState unknown", c.SetVolumeState(ctx, "NONE01L9", catalog.StateFull, "x"), catalog.ErrUnknownVolume),
		wantErr("SetVolumeState bad state", c.SetVolumeState(ctx, "ABC123L9", "lost", "x"), catalog.ErrInvalid),
		wantErr("RecordMount unknown", c.RecordMount(ctx, "NONE01L9", 0), catalog.ErrUnknownVolume),
		wantErr("RecordMount negative", c.RecordMount(ctx, "ABC123L9", -1), catalog.ErrInvalid),
	); err != nil {
		return err
	}
	for _, b := range []string{"BAD001L9", "NEG001L9", "STA001L9", "XYZ001L9"} {
		if _, err := c.Volume(ctx, b); !errorsIs(err, catalog.ErrUnknownVolume) {
			return fmt.Errorf("rejected volume %s exists after AddVolume failed: %v", b, err)
		}
	}
	if err := c.SetVolumeState(ctx, "ABC123L9", catalog.StateReadOnly, "operator: checking label"); err != nil {
		return fmt.Errorf("SetVolumeState: %w", err)
	}
	if err := c.RecordMount(ctx, "ABC123L9", 2); err != nil {
		return fmt.Errorf("RecordMount: %w", err)
	}
	if err := c.RecordMount(ctx, "ABC123L9", 0); err != nil {
		return fmt.Errorf("RecordMount: %w", err)
	}
	got, err = c.Volume(ctx, "ABC123L9")
	if err != nil {
		return fmt.Errorf("Volume: %w", err)
	}
	v.State, v.StateReason, v.Mounts, v.Errors = catalog.StateReadOnly, "operator: checking label", 5, 2
	if err := diff("Volume after state change and mounts", v, got, volumeTimes); err != nil {
		return err
	}
	if got.LastMounted.IsZero() {
		return fmt.Errorf("LastMounted not set by RecordMount")
	}
	// The error counter reaches the largest int64 and stops there: the
	// call that would overflow it is refused and changes nothing.
	if err := c.RecordMount(ctx, "ABC123L9", math.MaxInt64-2); err != nil {
		return fmt.Errorf("RecordMount to the largest count: %w", err)
	}
	if err := wantValidation("RecordMount past the largest count", c.RecordMount(ctx, "ABC123L9", 1), catalog.ErrInvalid); err != nil {
		return err
	}
	got, err = c.Volume(ctx, "ABC123L9")
	if err != nil {
		return fmt.Errorf("Volume after a refused RecordMount: %w", err)
	}
	if got.Errors != math.MaxInt64 || got.Mounts != 6 {
		return fmt.Errorf("after a refused RecordMount: %d mounts, %d errors; want 6 and %d", got.Mounts, got.Errors, int64(math.MaxInt64))
	}
	return nil
}

// checkUnstorableLookups looks up names and paths no database can hold
// (NUL, invalid UTF-8): each lookup answers with the contract's "not
// found" sentinel, never a database error.
func checkUnstorableLookups(ctx context.Context, c catalog.Catalog) error {
	if err := setup(ctx, c, 1); err != nil {
		return err
	}
	var errs []error
	for _, s := range []string{"V\x00", "\xff\xfe", "/a\x00b"} {
		_, e1 := c.FileByPath(ctx, s)
		_, e2 := c.Volume(ctx, s)
		_, e3 := c.StorageClass(ctx, s)
		_, e4 := c.VolumeStats(ctx, s)
		var e5 error
		for _, err := range c.VolumeCopies(ctx, s) {
			e5 = err
			break
		}
		_, e6 := c.List(ctx, "/", base64.RawURLEncoding.EncodeToString([]byte(s)), 10)
		errs = append(errs,
			wantErr(fmt.Sprintf("FileByPath(%q)", s), e1, catalog.ErrNotFound),
			wantErr(fmt.Sprintf("Volume(%q)", s), e2, catalog.ErrUnknownVolume),
			wantErr(fmt.Sprintf("StorageClass(%q)", s), e3, catalog.ErrUnknownStorageClass),
			wantErr(fmt.Sprintf("VolumeStats(%q)", s), e4, catalog.ErrUnknownVolume),
			wantErr(fmt.Sprintf("VolumeCopies(%q)", s), e5, catalog.ErrUnknownVolume),
			wantErr(fmt.Sprintf("List after a cursor of %q", s), e6, catalog.ErrInvalid),
			wantErr(fmt.Sprintf("SetVolumeState(%q)", s), c.SetVolumeState(ctx, s, catalog.StateFull, "x"), catalog.ErrUnknownVolume),
			wantErr(fmt.Sprintf("RecordMount(%q)", s), c.RecordMount(ctx, s, 0), catalog.ErrUnknownVolume),
			wantErr(fmt.Sprintf("ReleaseVolume(%q)", s), c.ReleaseVolume(ctx, s, ""), catalog.ErrUnknownVolume),
		)
	}
	return errors.Join(errs...)
}

// checkVolumeLister checks catalog.VolumeLister when the catalog has it:
// by pool, by media type, both, neither, in barcode order.
func checkVolumeLister(ctx context.Context, c catalog.Catalog) error {
	l, ok := c.(catalog.VolumeLister)
	if !ok {
		return nil
	}
	if err := setup(ctx, c, 0); err != nil {
		return err
	}
	for _, v := range []catalog.Volume{volume("B00002L9", "p1"), volume("A00001L9", "p2"), volume("C00003L8", "p1")} {
		if v.Barcode[6:] == "L8" {
			v.MediaType = "LTO-8"
		}
		if err := c.AddVolume(ctx, v); err != nil {
			return fmt.Errorf("AddVolume: %w", err)
		}
	}
	for _, tc := range []struct {
		pool, media string
		want        []string
	}{
		{"", "", []string{"A00001L9", "B00002L9", "C00003L8"}},
		{"p1", "", []string{"B00002L9", "C00003L8"}},
		{"", "LTO-8", []string{"C00003L8"}},
		{"p2", "LTO-8", nil},
		{"nope", "", nil},
	} {
		vs, err := l.Volumes(ctx, tc.pool, tc.media)
		if err != nil {
			return fmt.Errorf("Volumes(%q, %q): %w", tc.pool, tc.media, err)
		}
		var got []string
		for _, v := range vs {
			got = append(got, v.Barcode)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			return fmt.Errorf("Volumes(%q, %q) = %v, want %v", tc.pool, tc.media, got, tc.want)
		}
	}
	return nil
}

// checkLibraryReserver checks catalog.LibraryReserver when the catalog has
// it: only volumes of the library are handed out, "" means any, and a
// library with no fitting volume gives ErrNoVolume even when another
// library has one.
func checkLibraryReserver(ctx context.Context, c catalog.Catalog) error {
	r, ok := c.(catalog.LibraryReserver)
	if !ok {
		return nil
	}
	if err := setup(ctx, c, 0); err != nil {
		return err
	}
	// The fuller volume is in lib2: ReserveVolume alone would pick it.
	a, b := volume("A00001L9", "p1"), volume("B00002L9", "p1")
	b.Library, b.BytesUsed, b.LastFileSeq = "lib2", Capacity/2, 1
	for _, v := range []catalog.Volume{a, b} {
		if err := c.AddVolume(ctx, v); err != nil {
			return fmt.Errorf("AddVolume: %w", err)
		}
	}
	v, err := r.ReserveVolumeIn(ctx, "p1", "lib1", 1, "w1")
	if err != nil || v.Barcode != a.Barcode {
		return fmt.Errorf("ReserveVolumeIn(p1, lib1) = %s, %v; want %s", v.Barcode, err, a.Barcode)
	}
	if v, err := r.ReserveVolumeIn(ctx, "p1", "lib1", 1, "w2"); !errors.Is(err, catalog.ErrNoVolume) {
		return fmt.Errorf("ReserveVolumeIn(p1, lib1) for a second writer = %s, %v; want ErrNoVolume (lib2's volume is not lib1's)", v.Barcode, err)
	}
	if v, err := r.ReserveVolumeIn(ctx, "p1", "", 1, "w2"); err != nil || v.Barcode != b.Barcode {
		return fmt.Errorf("ReserveVolumeIn(p1, \"\") = %s, %v; want %s", v.Barcode, err, b.Barcode)
	}
	if v, err := r.ReserveVolumeIn(ctx, "p1", "lib3", 1, "w3"); !errors.Is(err, catalog.ErrNoVolume) {
		return fmt.Errorf("ReserveVolumeIn(p1, lib3) = %s, %v; want ErrNoVolume", v.Barcode, err)
	}
	if _, err := r.ReserveVolumeIn(ctx, "nope", "lib1", 1, "w3"); !errors.Is(err, catalog.ErrUnknownPool) {
		return fmt.Errorf("ReserveVolumeIn(nope, lib1) = %v; want ErrUnknownPool", err)
	}
	return nil
}

// checkStorageClassLister checks catalog.StorageClassLister when the
// catalog has it: every class, in name order, its pools in copy order.
func checkStorageClassLister(ctx context.Context, c catalog.Catalog) error {
	l, ok := c.(catalog.StorageClassLister)
	if !ok {
		return nil
	}
	if err := setup(ctx, c, 0); err != nil {
		return err
	}
	before, err := l.StorageClasses(ctx)
	if err != nil {
		return fmt.Errorf("StorageClasses: %w", err)
	}
	for _, p := range []string{"z1", "z2"} {
		if err := c.PutPool(ctx, catalog.Pool{Name: p}); err != nil {
			return fmt.Errorf("PutPool: %w", err)
		}
	}
	for _, sc := range []catalog.StorageClass{{Name: "zz-two", Pools: []string{"z2", "z1"}}, {Name: "zy-one", Pools: []string{"z1"}}} {
		if err := c.PutStorageClass(ctx, sc); err != nil {
			return fmt.Errorf("PutStorageClass: %w", err)
		}
	}
	got, err := l.StorageClasses(ctx)
	if err != nil {
		return fmt.Errorf("StorageClasses: %w", err)
	}
	want := append(slices.Clone(before), catalog.StorageClass{Name: "zy-one", Pools: []string{"z1"}}, catalog.StorageClass{Name: "zz-two", Pools: []string{"z2", "z1"}})
	slices.SortFunc(want, func(a, b catalog.StorageClass) int { return strings.Compare(a.Name, b.Name) })
	if fmt.Sprint(got) != fmt.Sprint(want) {
		return fmt.Errorf("StorageClasses = %v, want %v", got, want)
	}
	return nil
}
