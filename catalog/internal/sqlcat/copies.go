package sqlcat

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"math"
	"slices"

	"github.com/tapekit/tapekit/catalog"
)

// CommitCopies implements catalog.Catalog. The volume row is read (and on
// PostgreSQL locked) first, so two commits to one volume are serialised
// and the second is checked against the first one's fill level: no update
// is lost.
func (e *Engine) CommitCopies(ctx context.Context, barcode string, copies []catalog.Copy, bytesUsed, lastFileSeq int64) error {
	batch, err := copyBatch(barcode, copies, bytesUsed, lastFileSeq)
	if err != nil {
		return err
	}
	return e.commit(ctx, barcode, batch, bytesUsed, lastFileSeq, nil)
}

// commit records a checked batch on the volume in one transaction, in the
// order every writer locks: the volume, any new format name, then (in
// InsertCopies, and in before when given) the files. before runs between
// the formats and the insert; RelocateCopies takes the old rows out there.
func (e *Engine) commit(ctx context.Context, barcode string, batch []catalog.Copy, bytesUsed, lastFileSeq int64,
	before func(Tx) error) error {
	return e.write(ctx, func(tx Tx) error {
		if err := e.checkCommit(ctx, tx, barcode, batch, bytesUsed, lastFileSeq); err != nil {
			return err
		}
		fmtIDs, err := batchFormats(ctx, tx, batch)
		if err != nil {
			return err
		}
		if before != nil {
			if err := before(tx); err != nil {
				return err
			}
		}
		return e.placeCopies(ctx, tx, barcode, batch, fmtIDs, bytesUsed, lastFileSeq)
	})
}

// batchFormats returns the format id of each copy, adding names the
// formats table lacks. Writers call it after locking the volume and before
// locking any file, all in that order, so two writers adding one new
// format name cannot deadlock over it and a file lock.
func batchFormats(ctx context.Context, tx Tx, batch []catalog.Copy) ([]int64, error) {
	names := make([]string, len(batch))
	for i, c := range batch {
		names[i] = c.Format
	}
	return formatIDs(ctx, tx, names)
}

// copyBatch checks a commit's arguments that do not depend on the
// catalog's contents and returns the copies with their volume set.
func copyBatch(barcode string, copies []catalog.Copy, bytesUsed, lastFileSeq int64) ([]catalog.Copy, error) {
	if err := catalog.ValidateName("volume", barcode); err != nil {
		return nil, err
	}
	if bytesUsed < 0 {
		return nil, &catalog.ValidationError{Field: "bytes_used", Value: fmt.Sprint(bytesUsed), Err: catalog.ErrInvalidSize}
	}
	if lastFileSeq < 0 {
		return nil, &catalog.ValidationError{Field: "last_file_seq", Value: fmt.Sprint(lastFileSeq), Err: catalog.ErrInvalid}
	}
	batch := make([]catalog.Copy, len(copies))
	for i, c := range copies {
		if err := catalog.ValidateCopy(c); err != nil {
			return nil, catalog.WithIndex(err, "copies", i)
		}
		if c.Volume != "" && c.Volume != barcode {
			return nil, &catalog.ValidationError{Field: fmt.Sprintf("copies[%d].volume", i), Value: c.Volume, Err: catalog.ErrInvalid}
		}
		c.Volume = barcode
		batch[i] = c
	}
	return batch, nil
}

// checkCommit reads the volume, locking it on PostgreSQL, and checks that
// the batch and the new fill level follow the recorded one.
func (e *Engine) checkCommit(ctx context.Context, tx Tx, barcode string, batch []catalog.Copy, bytesUsed, lastFileSeq int64) error {
	v, err := e.volume(ctx, tx, barcode, e.d.ForUpdate)
	if err != nil {
		return err
	}
	if v.State != catalog.StateActive {
		return fmt.Errorf("%w: volume %q is %s", catalog.ErrVolumeNotWritable, barcode, v.State)
	}
	if bytesUsed < v.BytesUsed {
		return fmt.Errorf("%w: volume %q has %d bytes used, commit says %d", catalog.ErrConflict, barcode, v.BytesUsed, bytesUsed)
	}
	if lastFileSeq < v.LastFileSeq {
		return fmt.Errorf("%w: volume %q is at file %d, commit says %d", catalog.ErrConflict, barcode, v.LastFileSeq, lastFileSeq)
	}
	for i, c := range batch {
		if c.FileSeq <= v.LastFileSeq || c.FileSeq > lastFileSeq {
			return &catalog.ValidationError{
				Field: fmt.Sprintf("copies[%d].file_seq", i),
				Value: fmt.Sprintf("%d (volume at %d, commit to %d)", c.FileSeq, v.LastFileSeq, lastFileSeq),
				Err:   catalog.ErrConflict,
			}
		}
	}
	return nil
}

// placeCopies inserts the batch through the backend's bulk path and
// records the volume's new fill level.
func (e *Engine) placeCopies(ctx context.Context, tx Tx, barcode string, batch []catalog.Copy, fmtIDs []int64, bytesUsed, lastFileSeq int64) error {
	if len(batch) > 0 {
		if err := tx.InsertCopies(ctx, batch, fmtIDs); err != nil {
			switch e.b.Classify(err) {
			case KindCopy:
				return fmt.Errorf("%w: a copy with this file id and copy number: %v", catalog.ErrExists, err)
			case KindFileSeq:
				return fmt.Errorf("%w: two copies at one file sequence: %v", catalog.ErrExists, err)
			case KindForeignKey:
				return fmt.Errorf("%w: a copy names a file that does not exist: %v", catalog.ErrNotFound, err)
			}
			return err
		}
	}
	return updateVolume(ctx, tx, barcode, `UPDATE volumes SET bytes_used = $2, last_file_seq = $3, last_written = $4 WHERE barcode = $1`,
		barcode, bytesUsed, lastFileSeq, e.nowNanos())
}

// Copies implements catalog.Catalog.
func (e *Engine) Copies(ctx context.Context, id int64) ([]catalog.Copy, error) {
	q, err := e.reader()
	if err != nil {
		return nil, err
	}
	if _, err := e.file(ctx, q, id, ""); err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT `+copyJoin+` FROM copies c JOIN formats f ON f.id = c.format_id
		WHERE c.file_id = $1 ORDER BY c.copy_no`, id)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanCopy)
}

// listChunk is how many file sequences VolumeCopies reads per query:
// enough to amortise the query, few enough to bound memory.
const listChunk = 4096

// VolumeCopies implements catalog.Catalog. It reads the volume in chunks
// of file sequences, (last, last+listChunk], up to the volume's last file
// sequence, which every commit keeps at or above its copies; reaching it,
// it reads the volume again and goes on while commits made meanwhile
// moved it. Each chunk's result is closed before yielding, so no
// connection or lock is held while the caller's loop body runs and the
// body may call the catalog itself. A range, unlike "the next n copies",
// lets the database answer without ordering or limiting: on SQLite that
// made a listing a quarter cheaper.
func (e *Engine) VolumeCopies(ctx context.Context, barcode string) iter.Seq2[catalog.Copy, error] {
	return func(yield func(catalog.Copy, error) bool) {
		q, err := e.reader()
		if err != nil {
			yield(catalog.Copy{}, err)
			return
		}
		vol, err := e.volume(ctx, q, barcode, "")
		if err != nil {
			yield(catalog.Copy{}, err)
			return
		}
		end := vol.LastFileSeq
		chunk := make([]listed, 0, listChunk)
		add := func(fileID, copyNo, fileSeq, blockID, formatID, size int64) {
			chunk = append(chunk, listed{catalog.Copy{FileID: fileID, CopyNo: copyNo, Volume: barcode, FileSeq: fileSeq, BlockID: blockID, Size: size}, formatID})
		}
		for last := int64(0); ; {
			if last >= end {
				if vol, err = e.volume(ctx, q, barcode, ""); err != nil || vol.LastFileSeq <= last {
					if err != nil {
						yield(catalog.Copy{}, err)
					}
					return
				}
				end = vol.LastFileSeq
			}
			upto := last + listChunk
			if upto < last { // past the largest int64
				upto = math.MaxInt64
			}
			chunk = chunk[:0]
			err := e.b.VolumeChunk(ctx, barcode, last, upto, add)
			if err == nil {
				err = e.finishChunk(ctx, q, barcode, last, upto, chunk)
			}
			if err != nil {
				yield(catalog.Copy{}, err)
				return
			}
			for _, l := range chunk {
				if !yield(l.c, nil) {
					return
				}
			}
			last = upto
			if len(chunk) == 0 && last < end {
				// A hole: go straight to the next copy instead of
				// reading every empty range up to it (file sequences
				// may be sparse, or far apart after a bad commit).
				if last, err = e.nextFileSeq(ctx, q, barcode, last, end); err != nil {
					yield(catalog.Copy{}, err)
					return
				}
			}
		}
	}
}

// nextFileSeq returns the file sequence just before the volume's first
// copy after last, or end when there is none up to end.
func (e *Engine) nextFileSeq(ctx context.Context, q Querier, barcode string, last, end int64) (int64, error) {
	var next int64
	err := q.QueryRow(ctx, `SELECT COALESCE(MIN(file_seq), 0) FROM copies WHERE volume = $1 AND file_seq > $2 AND file_seq <= $3`,
		barcode, last, end).Scan(&next)
	if err != nil || next == 0 {
		return end, err
	}
	return next - 1, nil
}

// listed is a copy read by VolumeChunk, with its format still an id.
type listed struct {
	c        catalog.Copy
	formatID int64
}

// finishChunk puts a chunk of a listing in tape order, checks it has no
// copy twice and none outside (last, upto], and fills in the format names.
func (e *Engine) finishChunk(ctx context.Context, q Querier, barcode string, last, upto int64, chunk []listed) error {
	bySeq := func(a, b listed) int { return cmp.Compare(a.c.FileSeq, b.c.FileSeq) }
	if !slices.IsSortedFunc(chunk, bySeq) {
		slices.SortFunc(chunk, bySeq)
	}
	for i := range chunk {
		c := &chunk[i].c
		if c.FileSeq <= last || c.FileSeq > upto {
			return fmt.Errorf("catalog: listing %s up to file %d: file %d came after file %d", barcode, upto, c.FileSeq, last)
		}
		last = c.FileSeq
	}
	for i := range chunk {
		name, err := e.fmts.name(ctx, q, chunk[i].formatID)
		if err != nil {
			return err
		}
		chunk[i].c.Format = name
	}
	return nil
}
