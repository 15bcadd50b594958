package sqlcat

import (
	"context"
	"fmt"

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

// Undelete implements catalog.Catalog.
func (e *Engine) Undelete(ctx context.Context, id int64) (catalog.File, error) {
	var f catalog.File
	err := e.write(ctx, func(tx Tx) error {
		d, err := e.deleted(ctx, tx, id)
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
	return e.deleted(ctx, q, id)
}

func (e *Engine) deleted(ctx context.Context, q Querier, id int64) (catalog.Deletion, error) {
	var d catalog.Deletion
	var at int64
	row := q.QueryRow(ctx, `SELECT `+fileCols+`, deleted_at, reason FROM deleted_files WHERE id = $1`, id)
	var sums string
	var created, modified int64
	err := row.Scan(&d.File.ID, &d.File.Path, &d.File.Size, &sums, &d.File.StorageClass, &d.File.Owner, &created, &modified, &at, &d.Reason)
	if e.b.IsNoRows(err) {
		return d, &catalog.ValidationError{Field: "id", Value: fmt.Sprint(id), Err: catalog.ErrNotFound}
	}
	if err != nil {
		return d, err
	}
	if d.File.Checksums, err = decodeChecksums(sums); err != nil {
		return d, err
	}
	d.File.Created, d.File.Modified, d.DeletedAt = fromNanos(created), fromNanos(modified), fromNanos(at)
	rows, err := q.Query(ctx, `SELECT `+copyJoin+` FROM deleted_copies c JOIN formats f ON f.id = c.format_id
		WHERE c.file_id = $1 ORDER BY c.copy_no`, id)
	if err != nil {
		return d, err
	}
	d.Copies, err = collect(rows, scanCopy)
	return d, err
}
