package workload

import (
	"context"
	"fmt"
	"math"
	"strconv"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/checksum"
	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/tape/format"
)

// Volume is one cartridge for Build: its barcode and the files to lay out
// on it, in file-sequence order. Their FileIDs are left empty: the catalog
// assigns them.
type Volume struct {
	Barcode string
	Files   []File
}

// CatalogOptions say where Build records the volumes and files. Pool and
// StorageClass must exist in the catalog.
type CatalogOptions struct {
	// Pool is the pool the volumes join.
	Pool string
	// StorageClass is the class of files whose Meta.StorageClass is
	// empty.
	StorageClass string
	// Library names the library in the volume records.
	Library string
	// Batch is the most files per CreateFiles and copies per CommitCopies
	// transaction; 0 means 10,000.
	Batch int
}

// Build lays out volumes in a library and records them in a catalog, as
// an archive that wrote them would have: it creates the files (with the
// checksums of their synthetic content, in batches of CreateFiles, which
// assign their ids), lays out each cartridge with Fill (the ids in the
// tapes' headers), adds the volumes (active, with their fill level) and
// commits the copies (CommitCopies: file sequence, block id, format,
// bytes on tape). A recall by file id then finds everything a reader
// needs, and what it reads verifies.
//
// Build is for setting up benchmarks and demos, not a writer: a failure
// leaves what was done so far in the library and the catalog. It returns
// the records of every volume's files, in the order of vols.
func Build(ctx context.Context, lib *simulator.Library, cat catalog.Catalog, vols []Volume, co CatalogOptions, opts *Options) ([][]format.Record, error) {
	o := opts.withDefaults()
	if co.Batch <= 0 {
		co.Batch = 10000
	}
	// The files first, all volumes at once in large batches: the catalog
	// assigns the ids the tapes record.
	var all []catalog.File
	var sums [][]checksum.Value
	for _, v := range vols {
		for _, f := range v.Files {
			s, err := f.Data().Checksums(o.Checksums...)
			if err != nil {
				return nil, fmt.Errorf("workload: file %q: %w", f.Path, err)
			}
			sums = append(sums, s)
			cf := catalog.File{Path: f.Path, Size: f.Size, StorageClass: f.StorageClass, Checksums: map[string]string{}, Created: o.Now, Modified: o.Now}
			if cf.StorageClass == "" {
				cf.StorageClass = co.StorageClass
			}
			if !f.ModTime.IsZero() {
				cf.Modified = f.ModTime
			}
			for _, v := range s {
				cf.Checksums[v.Algorithm] = v.Hex()
			}
			all = append(all, cf)
		}
	}
	ids := make([]int64, 0, len(all))
	for start := 0; start < len(all); start += co.Batch {
		created, err := cat.CreateFiles(ctx, all[start:min(start+co.Batch, len(all))])
		if err != nil {
			return nil, err
		}
		for _, f := range created {
			ids = append(ids, f.ID)
		}
	}
	media := map[string]*simulator.MediaType{}
	for _, m := range lib.Config().Media {
		media[m.Name] = m
	}
	// One inventory for all volumes: Library.Cartridges walks every
	// cartridge, and asking it per volume made a build of thousands of
	// volumes quadratic.
	carts := map[string]simulator.CartridgeInfo{}
	for _, c := range lib.Cartridges() {
		carts[c.Barcode] = c
	}
	out := make([][]format.Record, len(vols))
	next := 0
	for i, v := range vols {
		info := carts[v.Barcode]
		if info.BytesUsed > 0 {
			return nil, fmt.Errorf("%w: %s holds %d bytes", ErrNotBlank, v.Barcode, info.BytesUsed)
		}
		files := make([]File, len(v.Files))
		for j, f := range v.Files {
			f.FileID = strconv.FormatInt(ids[next], 10)
			f.StorageClass = all[next].StorageClass
			// The header holds the catalog's checksums, as a Writer
			// records those a file came with.
			f.Checksums = sums[next]
			files[j] = f
			next++
		}
		recs, sizes, err := fill(lib, v.Barcode, files, o)
		if err != nil {
			return nil, err
		}
		out[i] = recs
		// The fill level: the offset of end of data.
		used, err := lib.TapeOffset(v.Barcode, math.MaxInt64)
		if err != nil {
			return nil, err
		}
		m := media[info.Media]
		if m == nil {
			var ok bool
			if m, ok = simulator.LookupMedia(info.Media); !ok {
				return nil, fmt.Errorf("workload: %s: unknown media type %q", v.Barcode, info.Media)
			}
		}
		err = cat.AddVolume(ctx, catalog.Volume{
			Barcode: v.Barcode, MediaType: m.Name, Library: co.Library, Pool: co.Pool,
			State: catalog.StateActive, Capacity: m.Capacity, Created: o.Now, StateChanged: o.Now,
		})
		if err != nil {
			return nil, err
		}
		if err := commit(ctx, cat, v.Barcode, recs, sizes, used, co.Batch); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// commit records the copies of a volume's records in batches; the last
// batch sets the volume's fill level.
func commit(ctx context.Context, cat catalog.Catalog, barcode string, recs []format.Record, sizes []int64, bytesUsed int64, batch int) error {
	if len(recs) == 0 {
		return cat.CommitCopies(ctx, barcode, nil, bytesUsed, 0)
	}
	var used int64
	for start := 0; start < len(recs); start += batch {
		end := min(start+batch, len(recs))
		copies := make([]catalog.Copy, 0, end-start)
		for j, r := range recs[start:end] {
			id, err := strconv.ParseInt(r.FileID, 10, 64)
			if err != nil {
				return fmt.Errorf("workload: file id %q of %s fseq %d is not a catalog id", r.FileID, barcode, r.FSeq)
			}
			copies = append(copies, catalog.Copy{FileID: id, CopyNo: int64(max(r.Copy, 1)), Volume: barcode, FileSeq: r.FSeq, BlockID: r.Block, Format: CopyFormat, Size: sizes[start+j]})
			used += sizes[start+j]
		}
		if end == len(recs) {
			used = bytesUsed
		}
		if err := cat.CommitCopies(ctx, barcode, copies, used, recs[end-1].FSeq); err != nil {
			return err
		}
	}
	return nil
}

// CopyFormat is the catalog's name of the on-tape format of the copies
// Build records: tape/format's FormatPAX, version 1.
const CopyFormat = format.FormatPAX + "-1"
