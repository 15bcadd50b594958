package sqlcat

import (
	"github.com/tapekit/tapekit/catalog"
)

// Column lists, in the order the scan functions below expect.
const (
	fileCols = `id, path, size, checksums, storage_class, owner, created, modified`
	// copyCols are the stored columns of copies and deleted_copies;
	// copyJoin reads a copy with its format name from "<table> c JOIN
	// formats f".
	copyCols   = `file_id, copy_no, volume, file_seq, block_id, format_id, size`
	copyJoin   = `c.file_id, c.copy_no, c.volume, c.file_seq, c.block_id, f.name, c.size`
	volumeCols = `barcode, media_type, library, pool, state, state_reason, state_changed, capacity, bytes_used, last_file_seq, mounts, errors, writer, created, last_mounted, last_written`
)

type scanner interface{ Scan(dest ...any) error }

func scanFile(s scanner) (catalog.File, error) {
	var f catalog.File
	var sums string
	var created, modified int64
	if err := s.Scan(&f.ID, &f.Path, &f.Size, &sums, &f.StorageClass, &f.Owner, &created, &modified); err != nil {
		return f, err
	}
	var err error
	f.Checksums, err = decodeChecksums(sums)
	f.Created, f.Modified = fromNanos(created), fromNanos(modified)
	return f, err
}

func scanCopy(s scanner) (catalog.Copy, error) {
	var c catalog.Copy
	err := s.Scan(&c.FileID, &c.CopyNo, &c.Volume, &c.FileSeq, &c.BlockID, &c.Format, &c.Size)
	return c, err
}

func scanVolume(s scanner) (catalog.Volume, error) {
	var v catalog.Volume
	var state string
	var changed, created, mounted, written int64
	err := s.Scan(&v.Barcode, &v.MediaType, &v.Library, &v.Pool, &state, &v.StateReason, &changed,
		&v.Capacity, &v.BytesUsed, &v.LastFileSeq, &v.Mounts, &v.Errors, &v.Writer, &created, &mounted, &written)
	v.State = catalog.VolumeState(state)
	v.StateChanged, v.Created, v.LastMounted, v.LastWritten = fromNanos(changed), fromNanos(created), fromNanos(mounted), fromNanos(written)
	return v, err
}

// collect reads all rows with scan and closes them. Only for results whose
// size is bounded (a LIMIT, the copies of one file).
func collect[T any](rows Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// each calls fn for every row and closes them.
func each(rows Rows, fn func(scanner) error) error {
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func scanInt64(s scanner) (int64, error) {
	var v int64
	err := s.Scan(&v)
	return v, err
}
