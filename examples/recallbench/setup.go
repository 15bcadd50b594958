package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/sqlite"
	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/simulator/vclock"
	"github.com/tapekit/tapekit/simulator/workload"
)

// Catalog names of the pools and classes the workloads use.
const (
	poolData    = "data"    // the cartridges a workload lays out
	poolArchive = "archive" // W6's blank cartridges
	classData   = "data"
	classNew    = "new" // W6's archives: one copy in poolArchive
)

// discard is the catalog's logger: the benchmark prints its own lines.
var discard = slog.New(slog.DiscardHandler)

// setup is a built workload: the library in virtual time, its catalog and
// the requests resolved to their copies. One setup serves every policy
// (reset puts the cartridges back in their slots between runs) and, with
// bind, every workload of the same layout (W4 at both loads).
type setup struct {
	spec  *spec
	lib   *simulator.Library
	vc    *vclock.Clock
	cat   *sqlite.DB
	dir   string
	home  map[string]changer.Address // barcode → its storage slot
	reqs  []req
	build time.Duration // wall time to build
	// byPath: every laid-out file's copy, by path.
	byPath map[string]req
	// cost prices locates for the orderers, from the simulator's model.
	cost *tapeCost
}

// req is one request of a setup, with what the catalog says of it.
type req struct {
	reqSpec
	fileID int64  // the catalog file
	volume string // recall: the volume of its copy
	block  int64  // recall: the block id where its tape file starts
	blocks int64  // recall: blocks of its tape file
}

// build lays out a workload in a new library with a SQLite catalog in a
// temporary directory.
func build(ctx context.Context, s *spec) (_ *setup, err error) {
	t0 := time.Now()
	cfg := &simulator.Config{Slots: len(s.vols) + s.blank, Robots: s.robots}
	for range s.drives {
		cfg.Drives = append(cfg.Drives, simulator.DriveConfig{Product: simulator.LTO9Drive.Product})
	}
	for i, v := range s.vols {
		cfg.Cartridges = append(cfg.Cartridges, simulator.CartridgeConfig{Barcode: v.Barcode, Slot: i + 1})
	}
	var blanks []string
	for i := range s.blank {
		b := fmt.Sprintf("NW%04dL9", i)
		blanks = append(blanks, b)
		cfg.Cartridges = append(cfg.Cartridges, simulator.CartridgeConfig{Barcode: b, Slot: len(s.vols) + i + 1})
	}
	vc := vclock.New(simulator.Epoch, nil)
	lib, err := simulator.New(cfg, &simulator.Options{Clock: vc})
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "recallbench-")
	if err != nil {
		lib.Close()
		return nil, err
	}
	st := &setup{lib: lib, vc: vc, dir: dir, home: map[string]changer.Address{}, byPath: map[string]req{}}
	defer func() {
		if err != nil {
			st.close()
		}
	}()
	// SyncNormal: the catalog is scratch, rebuilt at every run of the
	// program.
	st.cat, err = sqlite.Open(ctx, filepath.Join(dir, "catalog.db"), &sqlite.Options{
		Synchronous: sqlite.SyncNormal, Now: vc.Now, Logger: discard,
	})
	if err != nil {
		return nil, err
	}
	for _, p := range []string{poolData, poolArchive} {
		if err := st.cat.PutPool(ctx, catalog.Pool{Name: p}); err != nil {
			return nil, err
		}
	}
	if err := st.cat.PutStorageClass(ctx, catalog.StorageClass{Name: classData, Pools: []string{poolData}}); err != nil {
		return nil, err
	}
	if err := st.cat.PutStorageClass(ctx, catalog.StorageClass{Name: classNew, Pools: []string{poolArchive}}); err != nil {
		return nil, err
	}
	recs, err := workload.Build(ctx, lib, st.cat, s.vols, workload.CatalogOptions{Pool: poolData, StorageClass: classData, Library: "sim"},
		&workload.Options{BlockSize: blockSize})
	if err != nil {
		return nil, err
	}
	for _, b := range blanks {
		if err := st.cat.AddVolume(ctx, catalog.Volume{Barcode: b, MediaType: simulator.LTO9.Name, Library: "sim", Pool: poolArchive,
			State: catalog.StateActive, Capacity: simulator.LTO9.Capacity}); err != nil {
			return nil, err
		}
	}
	for i, c := range cfg.Cartridges {
		st.home[c.Barcode] = lib.SlotAddress(i + 1)
	}
	for _, vr := range recs {
		for _, r := range vr {
			id, err := strconv.ParseInt(r.FileID, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("file %s: id %q: %w", r.Path, r.FileID, err)
			}
			st.byPath[r.Path] = req{fileID: id, volume: r.Volume, block: r.Block, blocks: r.Blocks}
		}
	}
	// The archives' files, waiting in the disk cache.
	var files []catalog.File
	for _, rs := range s.reqs {
		if rs.archive {
			files = append(files, catalog.File{Path: rs.path, Size: rs.size, StorageClass: classNew, Owner: rs.activity})
		}
	}
	if len(files) > 0 {
		files, err = st.cat.CreateFiles(ctx, files)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			st.byPath[f.Path] = req{fileID: f.ID}
		}
	}
	st.cost = newTapeCost(lib)
	if err := st.bind(s); err != nil {
		return nil, err
	}
	st.build = time.Since(t0)
	return st, nil
}

// bind makes s the workload of the setup: s lays out the same tapes as
// the workload st was built for, and its requests name their files.
func (st *setup) bind(s *spec) error {
	st.spec, st.reqs = s, nil
	for _, rs := range s.reqs {
		c, ok := st.byPath[rs.path]
		if !ok {
			return fmt.Errorf("workload %s: request for %s, which no tape holds", s.name, rs.path)
		}
		c.reqSpec = rs
		st.reqs = append(st.reqs, c)
		if !rs.archive {
			// Where each file starts and ends on tape, now, while no
			// drive works: the orderers ask during the runs.
			for _, b := range []int64{c.block, c.block + c.blocks, c.block + c.blocks + 1} {
				if _, err := st.cost.offset(c.volume, b); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// reset puts every cartridge in a drive back in its slot, outside virtual
// time's measurements (each run measures from its own start).
func (st *setup) reset(ctx context.Context) error {
	inv, err := st.lib.Changer().Inventory(ctx)
	if err != nil {
		return err
	}
	for _, d := range inv.OfType(changer.DataTransfer) {
		if !d.Full {
			continue
		}
		home, ok := st.home[d.Barcode]
		if !ok {
			return fmt.Errorf("drive %d holds %q, which has no slot", d.Address, d.Barcode)
		}
		if err := st.lib.Changer().Move(ctx, d.Address, home); err != nil {
			return err
		}
	}
	return nil
}

func (st *setup) close() {
	if st.cat != nil {
		st.cat.Close()
	}
	st.lib.Close()
	os.RemoveAll(st.dir)
}
