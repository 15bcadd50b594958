package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/sqlite"
)

func TestRegisterConfigured(t *testing.T) {
	ctx := context.Background()
	cat, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "catalog.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	cfg, err := loadConfig(filepath.Join("testdata", "library.json"))
	if err != nil {
		t.Fatal(err)
	}
	carts := []libraryCartridge{
		{Barcode: "CMA001L9", MediaType: "LTO-9", Capacity: 18e12},
		{Barcode: "CMB001L9", MediaType: "LTO-9", Capacity: 18e12},
		{Barcode: "SC0001L9", MediaType: "LTO-9", Capacity: 18e12},
		{Barcode: "XX0001L9", MediaType: "LTO-9", Capacity: 18e12}, // no pool
		{Barcode: "CMA002", MediaType: ""},                         // media unknown
	}
	skipped, err := registerConfigured(ctx, cat, cfg, carts)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"XX0001L9", "CMA002"}, skipped); d != "" {
		t.Errorf("skipped (-want +got):\n%s", d)
	}
	for barcode, pool := range map[string]string{"CMA001L9": "cms-1", "CMB001L9": "cms-2", "SC0001L9": "scratch"} {
		v, err := cat.Volume(ctx, barcode)
		if err != nil || v.Pool != pool || v.Library != "l80" || v.State != catalog.StateActive || v.Capacity != 18e12 || v.MediaType != "LTO-9" {
			t.Errorf("%s: %+v, %v; want an active LTO-9 volume of pool %s in l80", barcode, v, err, pool)
		}
	}
	sc, err := cat.StorageClass(ctx, "cms-raw")
	if err != nil || !cmp.Equal(sc.Pools, []string{"cms-1", "cms-2"}) {
		t.Errorf("class cms-raw: %+v, %v", sc, err)
	}

	// Run again with a pool moved: a known volume keeps its pool.
	cfg.Pools[0].Barcodes, cfg.Pools[1].Barcodes = []string{"CMB"}, []string{"CMA"}
	if _, err := registerConfigured(ctx, cat, cfg, carts); err != nil {
		t.Fatal(err)
	}
	if v, err := cat.Volume(ctx, "CMA001L9"); err != nil || v.Pool != "cms-1" {
		t.Errorf("after a second run: %+v, %v; want it still in cms-1", v, err)
	}
}
