package catalogtest

import (
	"context"
	"fmt"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapekit/tapekit/catalog"
)

// Capacity is the capacity of the volumes the checks add: an LTO-9.
const Capacity = 18_000_000_000_000

// setup adds pools p1 and p2, storage classes "one" (p1) and "two" (p1,
// p2), and volumes: P1V001…P1V00n in p1 and P2V001…P2V00n in p2.
func setup(ctx context.Context, c catalog.Catalog, n int) error {
	for _, p := range []catalog.Pool{{Name: "p1", Description: "first copies"}, {Name: "p2"}} {
		if err := c.PutPool(ctx, p); err != nil {
			return fmt.Errorf("PutPool: %w", err)
		}
	}
	for _, sc := range []catalog.StorageClass{{Name: "one", Pools: []string{"p1"}}, {Name: "two", Pools: []string{"p1", "p2"}}} {
		if err := c.PutStorageClass(ctx, sc); err != nil {
			return fmt.Errorf("PutStorageClass: %w", err)
		}
	}
	for _, p := range []string{"p1", "p2"} {
		for i := 1; i <= n; i++ {
			if err := c.AddVolume(ctx, volume(fmt.Sprintf("%sV%03d", p, i), p)); err != nil {
				return fmt.Errorf("AddVolume: %w", err)
			}
		}
	}
	return nil
}

func volume(barcode, pool string) catalog.Volume {
	return catalog.Volume{Barcode: barcode, MediaType: "LTO-9", Library: "lib1", Pool: pool,
		State: catalog.StateActive, Capacity: Capacity}
}

// file returns a valid file in class "one".
func file(path string, size int64) catalog.File {
	return catalog.File{Path: path, Size: size, StorageClass: "one", Owner: "alice",
		Checksums: map[string]string{"adler32": fmt.Sprintf("%08x", size&0xffffffff)},
		Created:   time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)}
}

// create creates files with the given paths, size 1000+i.
func create(ctx context.Context, c catalog.Catalog, paths ...string) ([]catalog.File, error) {
	fs := make([]catalog.File, len(paths))
	for i, p := range paths {
		fs[i] = file(p, int64(1000+i))
	}
	out, err := c.CreateFiles(ctx, fs)
	if err != nil {
		return nil, fmt.Errorf("CreateFiles: %w", err)
	}
	return out, nil
}

// volumeTimes ignores the times a catalog sets from its own clock.
var volumeTimes = cmpopts.IgnoreFields(catalog.Volume{}, "Created", "StateChanged", "LastMounted", "LastWritten")

// emptyMaps treats nil and empty checksum maps alike.
var emptyMaps = cmpopts.EquateEmpty()

// allFiles lists every file by paging through List("/").
func allFiles(ctx context.Context, c catalog.Catalog, prefix string, limit int) ([]catalog.File, error) {
	var out []catalog.File
	cursor := ""
	for pages := 0; ; pages++ {
		p, err := c.List(ctx, prefix, cursor, limit)
		if err != nil {
			return nil, fmt.Errorf("List: %w", err)
		}
		if limit > 0 && len(p.Files) > limit {
			return nil, fmt.Errorf("List returned %d files, limit %d", len(p.Files), limit)
		}
		out = append(out, p.Files...)
		if p.Next == "" {
			return out, nil
		}
		if len(p.Files) == 0 || pages > 1_000_000 {
			return nil, fmt.Errorf("List returned an empty page with a next cursor")
		}
		cursor = p.Next
	}
}

// volumeCopies collects a volume listing.
func volumeCopies(ctx context.Context, c catalog.Catalog, barcode string) ([]catalog.Copy, error) {
	var out []catalog.Copy
	for cp, err := range c.VolumeCopies(ctx, barcode) {
		if err != nil {
			return out, err
		}
		out = append(out, cp)
	}
	return out, nil
}
