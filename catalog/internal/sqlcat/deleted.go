package sqlcat

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/tapekit/tapekit/catalog"
)

// Delete implements catalog.Catalog. The rows move, they are not flagged:
// live tables stay small and every query on them stays simple, and the
// path is free for a new file at once.
func (e *Engine) Delete(ctx context.Context, id int64, reason string) error {
	if err := catalog.ValidateText("reason", reason); err != nil {
		return err
	}
	return e.write(ctx, func(tx Tx) error {
		// Locking the file first waits out commits that are adding
		// copies of it (they hold it locked for key share), and the moves
		// below, each a new statement, then see those copies: no copy is
		// left behind pointing at a deleted file.
		if _, err := e.file(ctx, tx, id, e.d.ForUpdate); err != nil {
			return err
		}
		steps := []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO deleted_files (` + fileCols + `, deleted_at, reason) SELECT ` + fileCols + `, CAST($2 AS BIGINT), CAST($3 AS TEXT) FROM files WHERE id = $1`,
				[]any{id, e.nowNanos(), reason}},
			{`INSERT INTO deleted_copies (` + copyCols + `) SELECT ` + copyCols + ` FROM copies WHERE file_id = $1`, []any{id}},
			{`DELETE FROM copies WHERE file_id = $1`, []any{id}},
			{`DELETE FROM files WHERE id = $1`, []any{id}},
		}
		for _, s := range steps {
			if _, err := tx.Exec(ctx, s.sql, s.args...); err != nil {
				return err
			}
		}
		return nil
	})
}

// Undelete implements catalog.Catalog. The recycle-log entry is read
// locked (on PostgreSQL), as PurgeDeleted locks the entries it removes, so
// an entry is either restored whole or purged whole, never restored
// without its copies.
func (e *Engine) Undelete(ctx context.Context, id int64) (catalog.File, error) {
	var f catalog.File
	err := e.write(ctx, func(tx Tx) error {
		d, err := e.deleted(ctx, tx, id, e.d.ForUpdate)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO files (`+fileCols+`) SELECT `+fileCols+` FROM deleted_files WHERE id = $1`, id)
		if e.b.Classify(err) == KindPath {
			return &catalog.ValidationError{Field: "path", Value: d.File.Path, Err: catalog.ErrExists}
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO copies (`+copyCols+`) SELECT `+copyCols+` FROM deleted_copies WHERE file_id = $1`, id)
		if k := e.b.Classify(err); k == KindFileSeq || k == KindCopy {
			return fmt.Errorf("%w: a copy's place on tape is taken: %v", catalog.ErrExists, err)
		}
		if err != nil {
			return err
		}
		for _, sql := range []string{`DELETE FROM deleted_copies WHERE file_id = $1`, `DELETE FROM deleted_files WHERE id = $1`} {
			if _, err := tx.Exec(ctx, sql, id); err != nil {
				return err
			}
		}
		f = d.File
		return nil
	})
	return f, err
}

// Deleted implements catalog.Catalog.
func (e *Engine) Deleted(ctx context.Context, id int64) (catalog.Deletion, error) {
	q, err := e.reader()
	if err != nil {
		return catalog.Deletion{}, err
	}
	return e.deleted(ctx, q, id, "")
}

// deletedCols are the columns of a recycle-log entry, in the order
// scanDeleted expects.
const deletedCols = fileCols + `, deleted_at, reason`

// deleted reads a recycle-log entry; lock is appended to the SELECT of
// the entry (Dialect.ForUpdate or "").
func (e *Engine) deleted(ctx context.Context, q Querier, id int64, lock string) (catalog.Deletion, error) {
	d, err := scanDeleted(q.QueryRow(ctx, `SELECT `+deletedCols+` FROM deleted_files WHERE id = $1`+lock, id))
	if e.b.IsNoRows(err) {
		return d, &catalog.ValidationError{Field: "id", Value: fmt.Sprint(id), Err: catalog.ErrNotFound}
	}
	if err != nil {
		return d, err
	}
	rows, err := q.Query(ctx, `SELECT `+copyJoin+` FROM deleted_copies c JOIN formats f ON f.id = c.format_id
		WHERE c.file_id = $1 ORDER BY c.copy_no`, id)
	if err != nil {
		return d, err
	}
	d.Copies, err = collect(rows, scanCopy)
	return d, err
}

// scanDeleted reads deletedCols and then the columns in extra.
func scanDeleted(s scanner, extra ...any) (catalog.Deletion, error) {
	var d catalog.Deletion
	var sums string
	var created, modified, at int64
	err := s.Scan(append([]any{&d.File.ID, &d.File.Path, &d.File.Size, &sums, &d.File.StorageClass, &d.File.Owner,
		&created, &modified, &at, &d.Reason}, extra...)...)
	if err != nil {
		return d, err
	}
	d.File.Created, d.File.Modified, d.DeletedAt = fromNanos(created), fromNanos(modified), fromNanos(at)
	d.File.Checksums, err = decodeChecksums(sums)
	return d, err
}

// DeletedFiles implements catalog.Catalog in one query, so a page is one
// snapshot on either database: the page's entries, picked by keyset on
// the id as List picks by path, joined with their copies. An entry
// without copies comes as one row whose copy columns are NULL, read as
// copy number 0, which no copy has.
func (e *Engine) DeletedFiles(ctx context.Context, cursor int64, limit int) (catalog.DeletedPage, error) {
	var p catalog.DeletedPage
	q, err := e.reader()
	if err != nil {
		return p, err
	}
	if cursor < 0 {
		return p, &catalog.ValidationError{Field: "cursor", Value: fmt.Sprint(cursor), Err: catalog.ErrInvalid}
	}
	if limit <= 0 {
		limit = DefaultListLimit
	}
	limit = min(limit, MaxListLimit)
	rows, err := q.Query(ctx, `SELECT d.id, d.path, d.size, d.checksums, d.storage_class, d.owner, d.created, d.modified,
			d.deleted_at, d.reason, COALESCE(c.copy_no, 0), COALESCE(c.volume, ''), COALESCE(c.file_seq, 0),
			COALESCE(c.block_id, 0), COALESCE(f.name, ''), COALESCE(c.size, 0)
		FROM (SELECT `+deletedCols+` FROM deleted_files WHERE id > $1 ORDER BY id LIMIT $2) d
		LEFT JOIN deleted_copies c ON c.file_id = d.id
		LEFT JOIN formats f ON f.id = c.format_id
		ORDER BY d.id, c.copy_no`, cursor, limit+1)
	if err != nil {
		return p, err
	}
	err = each(rows, func(s scanner) error {
		var c catalog.Copy
		d, err := scanDeleted(s, &c.CopyNo, &c.Volume, &c.FileSeq, &c.BlockID, &c.Format, &c.Size)
		if err != nil {
			return err
		}
		if n := len(p.Deletions); n == 0 || p.Deletions[n-1].File.ID != d.File.ID {
			p.Deletions = append(p.Deletions, d)
		}
		if c.CopyNo != 0 {
			c.FileID = d.File.ID
			last := &p.Deletions[len(p.Deletions)-1]
			last.Copies = append(last.Copies, c)
		}
		return nil
	})
	if err != nil {
		return catalog.DeletedPage{}, err
	}
	if len(p.Deletions) > limit {
		p.Deletions = p.Deletions[:limit]
		p.Next = p.Deletions[limit-1].File.ID
	}
	return p, nil
}

// PurgeDeleted implements catalog.Catalog. It reads the ids to purge,
// locking their entries on PostgreSQL (in id order, so two purges queue
// rather than deadlock), and deletes exactly those: an Undelete that
// locked an entry first restores it, and the purge then passes it by.
// Ids stay unique: PostgreSQL's identity sequence never goes back, and
// SQLite's files.id is AUTOINCREMENT, whose sqlite_sequence keeps the
// highest id ever used even when no row holds it any more.
func (e *Engine) PurgeDeleted(ctx context.Context, before time.Time) (int64, error) {
	cut, all := cutoff(before)
	cond := `deleted_at < $1`
	if all {
		cond = `deleted_at <= $1`
	}
	var purged int64
	err := e.write(ctx, func(tx Tx) error {
		rows, err := tx.Query(ctx, `SELECT id FROM deleted_files WHERE `+cond+` ORDER BY id`+e.d.ForUpdate, cut)
		if err != nil {
			return err
		}
		ids, err := collect(rows, scanInt64)
		if err != nil {
			return err
		}
		for part := range slices.Chunk(ids, inChunk) {
			in := placeholders(1, len(part))
			if _, err := tx.Exec(ctx, `DELETE FROM deleted_copies WHERE file_id IN (`+in+`)`, anys(part)...); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM deleted_files WHERE id IN (`+in+`)`, anys(part)...); err != nil {
				return err
			}
		}
		purged = int64(len(ids))
		return nil
	})
	if err != nil {
		return 0, err
	}
	return purged, nil
}

// cutoff converts a purge's before into stored nanoseconds: times beyond
// what int64 nanoseconds hold are clamped, and the zero time (year 1)
// comes before every deletion. all is true for a before after every
// storable time: then even a deletion at MaxTime (a clock clamped there)
// is before it, and the comparison must include the clamped value.
func cutoff(before time.Time) (cut int64, all bool) {
	switch {
	case before.Before(time.Unix(0, math.MinInt64)):
		return math.MinInt64, false
	case before.After(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64, true
	}
	return before.UnixNano(), false
}
