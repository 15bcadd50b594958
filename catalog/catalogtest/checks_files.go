package catalogtest

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/tapekit/tapekit/catalog"
)

func checkCreateFiles(ctx context.Context, c catalog.Catalog) error {
	if err := setup(ctx, c, 0); err != nil {
		return err
	}
	f := file("/exp/run1/a.dat", 42)
	f.Checksums = map[string]string{"adler32": "0a0b0c0d", "sha256": strings.Repeat("ab", 32), "md5": strings.Repeat("0", 32)}
	f.StorageClass = "two"
	plain := catalog.File{Path: "/exp/run1/b.dat", StorageClass: "one"}
	out, err := c.CreateFiles(ctx, []catalog.File{f, plain})
	if err != nil {
		return fmt.Errorf("CreateFiles: %w", err)
	}
	if len(out) != 2 || out[0].ID <= 0 || out[1].ID <= 0 || out[0].ID == out[1].ID {
		return fmt.Errorf("CreateFiles ids: %+v", out)
	}
	if out[1].Created.IsZero() || !out[1].Modified.Equal(out[1].Created) {
		return fmt.Errorf("CreateFiles: zero times not set from the clock: created %v modified %v", out[1].Created, out[1].Modified)
	}
	want := f
	want.ID, want.Modified = out[0].ID, f.Created
	if err := diff("CreateFiles result", want, out[0], emptyMaps); err != nil {
		return err
	}
	for i, w := range out {
		byID, err := c.File(ctx, w.ID)
		if err != nil {
			return fmt.Errorf("File(%d): %w", w.ID, err)
		}
		byPath, err := c.FileByPath(ctx, w.Path)
		if err != nil {
			return fmt.Errorf("FileByPath(%q): %w", w.Path, err)
		}
		if err := first(diff(fmt.Sprintf("File(out[%d])", i), w, byID, emptyMaps), diff("FileByPath", w, byPath, emptyMaps)); err != nil {
			return err
		}
		cps, err := c.Copies(ctx, w.ID)
		if err != nil || len(cps) != 0 {
			return fmt.Errorf("Copies of a new file = %v, %v; want none", cps, err)
		}
	}
	_, e1 := c.File(ctx, out[1].ID+1000)
	_, e2 := c.FileByPath(ctx, "/exp/none")
	_, e3 := c.Copies(ctx, out[1].ID+1000)
	empty, e4 := c.CreateFiles(ctx, nil)
	if e4 != nil || len(empty) != 0 {
		return fmt.Errorf("CreateFiles(nil) = %v, %v; want nothing", empty, e4)
	}
	return first(
		wantValidation("File(unknown)", e1, catalog.ErrNotFound),
		wantValidation("FileByPath(unknown)", e2, catalog.ErrNotFound),
		wantErr("Copies(unknown)", e3, catalog.ErrNotFound),
	)
}

// checkBadFiles is the acceptance rule: bad input gives a typed error and
// the batch, good files included, is not created.
func checkBadFiles(ctx context.Context, c catalog.Catalog) error {
	if err := setup(ctx, c, 0); err != nil {
		return err
	}
	if _, err := create(ctx, c, "/exists"); err != nil {
		return err
	}
	with := func(mod func(*catalog.File)) catalog.File {
		f := file("/bad", 1)
		mod(&f)
		return f
	}
	cases := []struct {
		name string
		bad  catalog.File
		want error
	}{
		{"empty path", with(func(f *catalog.File) { f.Path = "" }), catalog.ErrInvalidPath},
		{"non-UTF-8 path", with(func(f *catalog.File) { f.Path = "/a\xff\xfe" }), catalog.ErrInvalidPath},
		{"relative path", with(func(f *catalog.File) { f.Path = "a/b" }), catalog.ErrInvalidPath},
		{"dot-dot path", with(func(f *catalog.File) { f.Path = "/a/../b" }), catalog.ErrInvalidPath},
		{"double slash", with(func(f *catalog.File) { f.Path = "/a//b" }), catalog.ErrInvalidPath},
		{"trailing slash", with(func(f *catalog.File) { f.Path = "/a/" }), catalog.ErrInvalidPath},
		{"NUL in path", with(func(f *catalog.File) { f.Path = "/a\x00b" }), catalog.ErrInvalidPath},
		{"duplicate path", with(func(f *catalog.File) { f.Path = "/exists" }), catalog.ErrExists},
		{"negative size", with(func(f *catalog.File) { f.Size = -1 }), catalog.ErrInvalidSize},
		{"unknown algorithm", with(func(f *catalog.File) { f.Checksums = map[string]string{"crc64": "00"} }), catalog.ErrUnknownAlgorithm},
		{"upper-case hex", with(func(f *catalog.File) { f.Checksums = map[string]string{"adler32": "0A0B0C0D"} }), catalog.ErrInvalidChecksum},
		{"short hex", with(func(f *catalog.File) { f.Checksums = map[string]string{"sha1": "abc"} }), catalog.ErrInvalidChecksum},
		{"unknown class", with(func(f *catalog.File) { f.StorageClass = "gold" }), catalog.ErrUnknownStorageClass},
		{"preset id", with(func(f *catalog.File) { f.ID = 7 }), catalog.ErrInvalid},
	}
	before, err := allFiles(ctx, c, "", 0)
	if err != nil {
		return err
	}
	for _, tc := range cases {
		// The bad file comes last so that a good file before it would be
		// visible if the batch were not all or nothing.
		_, err := c.CreateFiles(ctx, []catalog.File{file("/good1", 1), file("/good2", 2), tc.bad})
		if err := wantValidation("CreateFiles with "+tc.name, err, tc.want); err != nil {
			return err
		}
	}
	_, err = c.CreateFiles(ctx, []catalog.File{file("/twice", 1), file("/twice", 2)})
	if err := wantValidation("CreateFiles with a path twice in the batch", err, catalog.ErrExists); err != nil {
		return err
	}
	after, err := allFiles(ctx, c, "", 0)
	if err != nil {
		return err
	}
	return diff("files after rejected batches", before, after, emptyMaps)
}

func checkListPaging(ctx context.Context, c catalog.Catalog) error {
	if err := setup(ctx, c, 0); err != nil {
		return err
	}
	var paths []string
	for i := range 57 {
		paths = append(paths, fmt.Sprintf("/d%d/f%03d", i%3, (i*37)%57))
	}
	created, err := create(ctx, c, paths...)
	if err != nil {
		return err
	}
	sort.Slice(created, func(i, j int) bool { return created[i].Path < created[j].Path })
	for _, limit := range []int{0, 1, 7, 19, 57, 100} {
		got, err := allFiles(ctx, c, "/", limit)
		if err != nil {
			return fmt.Errorf("limit %d: %w", limit, err)
		}
		if err := diff(fmt.Sprintf("List(/) limit %d", limit), created, got, emptyMaps); err != nil {
			return err
		}
	}
	var d1 []catalog.File
	for _, f := range created {
		if strings.HasPrefix(f.Path, "/d1/") {
			d1 = append(d1, f)
		}
	}
	got, err := allFiles(ctx, c, "/d1/", 5)
	if err != nil {
		return err
	}
	if err := diff("List(/d1/)", d1, got, emptyMaps); err != nil {
		return err
	}
	p, err := c.List(ctx, "/d1/", "", 1000)
	if err != nil || p.Next != "" || len(p.Files) != len(d1) {
		return fmt.Errorf("List(/d1/) in one page: %d files, next %q, %v; want %d files and no next", len(p.Files), p.Next, err, len(d1))
	}
	_, err = c.List(ctx, "relative", "", 10)
	return wantErr("List with a relative prefix", err, catalog.ErrInvalidPath)
}

// checkListPrefixBounds checks that a prefix listing returns exactly the
// paths starting with the prefix, in byte order, at the awkward edges:
// sibling names that sort right after the prefix, multi-byte runes.
func checkListPrefixBounds(ctx context.Context, c catalog.Catalog) error {
	if err := setup(ctx, c, 0); err != nil {
		return err
	}
	paths := []string{"/a", "/a/b", "/a/c/d", "/a-b", "/a0", "/a\u00e9", "/ab", "/\u00e9t\u00e9/x", "/\u00e9t\u00e9x", "/\u00e9tz",
		"/\U0010FFFF/x", "/\U0010FFFFy", "/b", "/\ud7ff/x", "/\ue000"}
	if _, err := create(ctx, c, paths...); err != nil {
		return err
	}
	for _, prefix := range []string{"", "/", "/a", "/a/", "/a\u00e9", "/\u00e9t\u00e9", "/\u00e9t\u00e9/", "/\U0010FFFF", "/\ud7ff", "/zzz"} {
		var want []string
		for _, p := range paths {
			if strings.HasPrefix(p, prefix) {
				want = append(want, p)
			}
		}
		sort.Strings(want)
		files, err := allFiles(ctx, c, prefix, 2)
		if err != nil {
			return fmt.Errorf("prefix %q: %w", prefix, err)
		}
		var got []string
		for _, f := range files {
			got = append(got, f.Path)
		}
		if err := diff(fmt.Sprintf("List(%q)", prefix), want, got, emptyMaps); err != nil {
			return err
		}
	}
	return nil
}
