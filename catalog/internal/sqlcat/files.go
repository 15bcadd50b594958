package sqlcat

import (
	"context"
	"fmt"
	"strings"

	"github.com/tapekit/tapekit/catalog"
)

// CreateFiles implements catalog.Catalog. Everything that can be checked
// without the database is checked first, so a bad batch costs no
// transaction; the database's unique and foreign-key constraints then
// catch the rest, and the transaction rolls back.
func (e *Engine) CreateFiles(ctx context.Context, files []catalog.File) ([]catalog.File, error) {
	if err := e.check(); err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, nil
	}
	now := e.nowNanos()
	rows := make([]FileRow, len(files))
	seen := make(map[string]struct{}, len(files))
	classes := make(map[string]int)
	for i, f := range files {
		if err := catalog.ValidateFile(f); err != nil {
			return nil, catalog.WithIndex(err, "files", i)
		}
		if _, dup := seen[f.Path]; dup {
			return nil, &catalog.ValidationError{Field: fmt.Sprintf("files[%d].path", i), Value: f.Path, Err: catalog.ErrExists}
		}
		seen[f.Path] = struct{}{}
		if _, ok := classes[f.StorageClass]; !ok {
			classes[f.StorageClass] = i
		}
		r := FileRow{Path: f.Path, Size: f.Size, Checksums: encodeChecksums(f.Checksums), Class: f.StorageClass,
			Owner: f.Owner, Created: orNanos(f.Created, now)}
		r.Modified = orNanos(f.Modified, r.Created)
		rows[i] = r
	}
	var ids []int64
	err := e.write(ctx, func(tx Tx) error {
		for class, i := range classes {
			var n int64
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM storage_classes WHERE name = $1`, class).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return &catalog.ValidationError{Field: fmt.Sprintf("files[%d].storage_class", i), Value: class, Err: catalog.ErrUnknownStorageClass}
			}
		}
		var err error
		ids, err = tx.InsertFiles(ctx, rows)
		return err
	})
	if err != nil {
		if e.b.Classify(err) == KindPath {
			return nil, e.whichPathExists(ctx, files, err)
		}
		return nil, err
	}
	out := make([]catalog.File, len(files))
	for i, r := range rows {
		sums, _ := decodeChecksums(r.Checksums)
		out[i] = catalog.File{ID: ids[i], Path: r.Path, Size: r.Size, Checksums: sums, StorageClass: r.Class,
			Owner: r.Owner, Created: fromNanos(r.Created), Modified: fromNanos(r.Modified)}
	}
	return out, nil
}

// whichPathExists names the first file of a rejected batch whose path is
// taken. It runs only after a failed batch, so the fast path needs no
// lookup per file.
func (e *Engine) whichPathExists(ctx context.Context, files []catalog.File, cause error) error {
	for i, f := range files {
		if _, err := e.FileByPath(ctx, f.Path); err == nil {
			return &catalog.ValidationError{Field: fmt.Sprintf("files[%d].path", i), Value: f.Path, Err: catalog.ErrExists}
		}
	}
	return fmt.Errorf("%w: %v", catalog.ErrExists, cause)
}

// file reads a live file; lock is appended to the SELECT (Dialect.ForUpdate
// or "").
func (e *Engine) file(ctx context.Context, q Querier, id int64, lock string) (catalog.File, error) {
	f, err := scanFile(q.QueryRow(ctx, `SELECT `+fileCols+` FROM files WHERE id = $1`+lock, id))
	if e.b.IsNoRows(err) {
		return f, &catalog.ValidationError{Field: "id", Value: fmt.Sprint(id), Err: catalog.ErrNotFound}
	}
	return f, err
}

// File implements catalog.Catalog.
func (e *Engine) File(ctx context.Context, id int64) (catalog.File, error) {
	q, err := e.reader()
	if err != nil {
		return catalog.File{}, err
	}
	return e.file(ctx, q, id, "")
}

// FileByPath implements catalog.Catalog.
func (e *Engine) FileByPath(ctx context.Context, path string) (catalog.File, error) {
	q, err := e.reader()
	if err != nil {
		return catalog.File{}, err
	}
	if !storable(path) {
		return catalog.File{}, &catalog.ValidationError{Field: "path", Value: path, Err: catalog.ErrNotFound}
	}
	f, err := scanFile(q.QueryRow(ctx, `SELECT `+fileCols+` FROM files WHERE path = $1`, path))
	if e.b.IsNoRows(err) {
		return f, &catalog.ValidationError{Field: "path", Value: path, Err: catalog.ErrNotFound}
	}
	return f, err
}

// DefaultListLimit is the page size when List is called with limit ≤ 0;
// MaxListLimit caps larger requests, so one call's memory stays bounded.
const (
	DefaultListLimit = 1000
	MaxListLimit     = 10000
)

// List implements catalog.Catalog with keyset paging: each page is an
// index range scan from the last path of the previous page, so page n
// costs the same as page 1, unlike OFFSET.
func (e *Engine) List(ctx context.Context, prefix, cursor string, limit int) (catalog.Page, error) {
	q, err := e.reader()
	if err != nil {
		return catalog.Page{}, err
	}
	if prefix != "" && (prefix[0] != '/' || catalog.ValidateText("prefix", prefix) != nil) {
		return catalog.Page{}, &catalog.ValidationError{Field: "prefix", Value: prefix, Err: catalog.ErrInvalidPath}
	}
	if limit <= 0 {
		limit = DefaultListLimit
	}
	limit = min(limit, MaxListLimit)
	where := []string{"path >= $1"}
	args := []any{prefix}
	if cursor != "" {
		after, err := decodeCursor(cursor)
		if err != nil {
			return catalog.Page{}, err
		}
		args = append(args, after)
		where = append(where, fmt.Sprintf("path > $%d", len(args)))
	}
	if end, ok := prefixEnd(prefix); ok {
		args = append(args, end)
		where = append(where, fmt.Sprintf("path < $%d", len(args)))
	}
	args = append(args, limit+1)
	rows, err := q.Query(ctx, `SELECT `+fileCols+` FROM files WHERE `+strings.Join(where, " AND ")+
		fmt.Sprintf(` ORDER BY path LIMIT $%d`, len(args)), args...)
	if err != nil {
		return catalog.Page{}, err
	}
	files, err := collect(rows, scanFile)
	if err != nil {
		return catalog.Page{}, err
	}
	var p catalog.Page
	if len(files) > limit {
		files = files[:limit]
		p.Next = encodeCursor(files[limit-1].Path)
	}
	p.Files = files
	return p, nil
}
