package sqlcat

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/tapekit/tapekit/catalog"
)

// RelocateCopies implements catalog.Catalog. It checks the volume as
// CommitCopies does, then takes the old rows out and inserts the new ones
// through the backend's bulk path (InsertCopies), which writes the rows
// as a commit would, SQLite's listing record included.
//
// Locks, on PostgreSQL: the volume, then any new format name, then the
// files in id order, FOR UPDATE as Delete takes them, then the copy rows.
// Delete (and RemoveCopy) of one of the files therefore either runs
// first, and the relocation finds the file gone (ErrNotFound), or waits
// for it and then moves the copy from its new place into the recycle log;
// a commit, which locks the volume and then the files, cannot deadlock
// with it.
func (e *Engine) RelocateCopies(ctx context.Context, barcode string, copies []catalog.Copy, bytesUsed, lastFileSeq int64) error {
	batch, err := copyBatch(barcode, copies, bytesUsed, lastFileSeq)
	if err != nil {
		return err
	}
	seen := make(map[copyKey]int, len(batch))
	for i, c := range batch {
		k := copyKey{c.FileID, c.CopyNo}
		if j, dup := seen[k]; dup {
			return &catalog.ValidationError{Field: fmt.Sprintf("copies[%d].copy_no", i),
				Value: fmt.Sprintf("%d (file %d, as copies[%d])", c.CopyNo, c.FileID, j), Err: catalog.ErrExists}
		}
		seen[k] = i
	}
	return e.commit(ctx, barcode, batch, bytesUsed, lastFileSeq, func(tx Tx) error {
		return e.takeOut(ctx, tx, barcode, batch)
	})
}

// copyKey names a copy.
type copyKey struct{ fileID, copyNo int64 }

// takeOut locks the files and the copies the batch relocates, checks that
// each copy exists on another volume than barcode, and deletes their rows.
func (e *Engine) takeOut(ctx context.Context, tx Tx, barcode string, batch []catalog.Copy) error {
	if len(batch) == 0 {
		return nil
	}
	var ids []int64
	byCopyNo := map[int64][]int64{} // copy number → file ids, each once
	for _, c := range batch {
		ids = append(ids, c.FileID)
		byCopyNo[c.CopyNo] = append(byCopyNo[c.CopyNo], c.FileID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	live := make(map[int64]bool, len(ids))
	for part := range slices.Chunk(ids, inChunk) {
		rows, err := tx.Query(ctx, `SELECT id FROM files WHERE id IN (`+placeholders(1, len(part))+`) ORDER BY id`+e.d.ForUpdate, anys(part)...)
		if err != nil {
			return err
		}
		found, err := collect(rows, scanInt64)
		if err != nil {
			return err
		}
		for _, id := range found {
			live[id] = true
		}
	}
	where := map[copyKey]string{} // copy → volume it is on
	for _, no := range slices.Sorted(maps.Keys(byCopyNo)) {
		fids := byCopyNo[no]
		slices.Sort(fids)
		for part := range slices.Chunk(fids, inChunk) {
			rows, err := tx.Query(ctx, `SELECT file_id, volume FROM copies WHERE copy_no = $1 AND file_id IN (`+
				placeholders(2, len(part))+`) ORDER BY file_id`+e.d.ForUpdate, append([]any{no}, anys(part)...)...)
			if err != nil {
				return err
			}
			err = each(rows, func(s scanner) error {
				var id int64
				var vol string
				if err := s.Scan(&id, &vol); err != nil {
					return err
				}
				where[copyKey{id, no}] = vol
				return nil
			})
			if err != nil {
				return err
			}
		}
	}
	for i, c := range batch {
		vol, ok := where[copyKey{c.FileID, c.CopyNo}]
		switch {
		case !live[c.FileID]:
			return &catalog.ValidationError{Field: fmt.Sprintf("copies[%d].file_id", i), Value: fmt.Sprint(c.FileID), Err: catalog.ErrNotFound}
		case !ok:
			return &catalog.ValidationError{Field: fmt.Sprintf("copies[%d].copy_no", i),
				Value: fmt.Sprintf("%d (file %d has no such copy)", c.CopyNo, c.FileID), Err: catalog.ErrNotFound}
		case vol == barcode:
			return &catalog.ValidationError{Field: fmt.Sprintf("copies[%d].volume", i),
				Value: fmt.Sprintf("%s (the copy is on it already)", barcode), Err: catalog.ErrInvalid}
		}
	}
	var gone int64
	for no, fids := range byCopyNo {
		for part := range slices.Chunk(fids, inChunk) {
			n, err := tx.Exec(ctx, `DELETE FROM copies WHERE copy_no = $1 AND file_id IN (`+placeholders(2, len(part))+`)`,
				append([]any{no}, anys(part)...)...)
			if err != nil {
				return err
			}
			gone += n
		}
	}
	if gone != int64(len(batch)) {
		return fmt.Errorf("catalog: relocating %d copies removed %d rows", len(batch), gone)
	}
	return nil
}

// RemoveCopy implements catalog.Catalog. The file row is locked first, as
// Delete and RelocateCopies lock it, so on PostgreSQL a concurrent Delete
// either moves the copy into the recycle log before it is removed, and
// this call finds no file, or waits and moves the remaining copies only.
func (e *Engine) RemoveCopy(ctx context.Context, fileID, copyNo int64, reason string) error {
	if fileID < 1 {
		return &catalog.ValidationError{Field: "file_id", Value: fmt.Sprint(fileID), Err: catalog.ErrInvalid}
	}
	if copyNo < 1 {
		return &catalog.ValidationError{Field: "copy_no", Value: fmt.Sprint(copyNo), Err: catalog.ErrInvalid}
	}
	if err := catalog.ValidateText("reason", reason); err != nil {
		return err
	}
	return e.write(ctx, func(tx Tx) error {
		if _, err := e.file(ctx, tx, fileID, e.d.ForUpdate); err != nil {
			return err
		}
		n, err := tx.Exec(ctx, `DELETE FROM copies WHERE file_id = $1 AND copy_no = $2`, fileID, copyNo)
		if err != nil {
			return err
		}
		if n == 0 {
			return &catalog.ValidationError{Field: "copy_no", Value: fmt.Sprintf("%d (file %d has no such copy)", copyNo, fileID), Err: catalog.ErrNotFound}
		}
		return nil
	})
}
