package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers driver "sqlite"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/internal/sqlcat"
)

//go:embed schema/*.sql
var schemaFS embed.FS

// migrations returns the schema steps in file-name order.
func migrations() []string { return sqlcat.Migrations(schemaFS, "schema") }

// SchemaVersion is the newest schema version this package writes.
var SchemaVersion = len(migrations())

// Synchronous modes for Options.Synchronous.
const (
	// SyncFull makes every commit durable: once CommitCopies returns, a
	// power loss does not lose the copies. The default, because a copy the
	// catalog forgets is data the archive loses track of.
	SyncFull = "FULL"
	// SyncNormal in WAL mode keeps the database consistent after a power
	// loss but may lose the last commits. Faster; only for catalogs that
	// can be rebuilt from tape.
	SyncNormal = "NORMAL"
)

// Options configures Open. A nil *Options means all defaults.
type Options struct {
	// Synchronous is SyncFull (default) or SyncNormal.
	Synchronous string
	// BusyTimeout is how long a writer waits for another process's write
	// transaction before failing; default 10 s.
	BusyTimeout time.Duration
	// ReadConns is the number of read connections; default 4.
	ReadConns int
	// Now is the clock for created, modified and state-change times;
	// default time.Now. Readings outside [catalog.MinTime,
	// catalog.MaxTime] are clamped to it.
	Now func() time.Time
	// Logger receives one line per open; default slog.Default().
	Logger *slog.Logger
}

// DB is a catalog in one SQLite file in WAL mode. Writes go through one
// connection in BEGIN IMMEDIATE transactions, so writers in this and
// other processes queue instead of deadlocking; reads use a separate pool
// and run alongside writes.
type DB struct {
	*sqlcat.Engine
}

var _ catalog.Catalog = (*DB)(nil)

// Open opens or creates the catalog at path and migrates its schema. A
// catalog written by a newer schema gives catalog.ErrSchemaTooNew and is
// not modified.
func Open(ctx context.Context, path string, opts *Options) (*DB, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Synchronous == "" {
		o.Synchronous = SyncFull
	}
	if o.Synchronous != SyncFull && o.Synchronous != SyncNormal {
		return nil, fmt.Errorf("catalog/sqlite: unknown synchronous mode %q", o.Synchronous)
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = 10 * time.Second
	}
	if o.ReadConns <= 0 {
		o.ReadConns = 4
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("catalog/sqlite: bad database path %q", path)
	}
	pragmas := func(extra ...string) string {
		q := url.Values{}
		q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", o.BusyTimeout.Milliseconds()))
		q.Add("_pragma", "foreign_keys(1)")
		for _, p := range extra {
			q.Add("_pragma", p)
		}
		return path + "?" + q.Encode()
	}
	// journal_mode is a property of the file, set once by the writer;
	// synchronous is per connection and matters only where commits happen.
	w, err := sql.Open("sqlite", pragmas("journal_mode(WAL)", "synchronous("+o.Synchronous+")")+"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite", pragmas("query_only(1)"))
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(o.ReadConns)
	b := &backend{w: w, r: r}
	e, err := sqlcat.New(ctx, b, sqlcat.Dialect{Migrations: migrations()}, o.Now)
	if err != nil {
		b.Close()
		return nil, err
	}
	if err := b.prepareInserts(ctx); err != nil {
		b.Close()
		return nil, fmt.Errorf("catalog/sqlite: prepare: %w", err)
	}
	o.Logger.Debug("catalog opened", "backend", "sqlite", "path", path, "synchronous", o.Synchronous)
	return &DB{Engine: e}, nil
}

type backend struct {
	w, r *sql.DB
	// inserts are the multi-row INSERTs, prepared after migration and
	// read-only after; see prepareInserts.
	inserts map[insertKey]*sql.Stmt
}

func (b *backend) Reader() sqlcat.Querier { return querier{b.r} }

func (b *backend) Write(ctx context.Context, fn func(sqlcat.Tx) error) error {
	tx, err := b.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(&txn{querier: querier{tx}, tx: tx, b: b}); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

func (b *backend) IsNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// Classify reads the constraint from the message: modernc's error codes
// say "unique" but not which index.
func (b *backend) Classify(err error) sqlcat.Kind {
	if err == nil {
		return sqlcat.KindOther
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "FOREIGN KEY constraint failed"):
		return sqlcat.KindForeignKey
	case !strings.Contains(msg, "UNIQUE constraint failed"):
		return sqlcat.KindOther
	case strings.Contains(msg, "files.path"):
		return sqlcat.KindPath
	case strings.Contains(msg, "volumes.barcode"):
		return sqlcat.KindBarcode
	case strings.Contains(msg, "copies.file_id, copies.copy_no"):
		return sqlcat.KindCopy
	case strings.Contains(msg, "copies.volume, copies.file_seq"):
		return sqlcat.KindFileSeq
	}
	return sqlcat.KindOther
}

func (b *backend) Close() error {
	for _, st := range b.inserts {
		st.Close()
	}
	return errors.Join(b.r.Close(), b.w.Close())
}

// execer is what *sql.DB and *sql.Tx share.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type querier struct{ x execer }

func (q querier) Exec(ctx context.Context, s string, args ...any) (int64, error) {
	res, err := q.x.ExecContext(ctx, s, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (q querier) Query(ctx context.Context, s string, args ...any) (sqlcat.Rows, error) {
	rows, err := q.x.QueryContext(ctx, s, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

func (q querier) QueryRow(ctx context.Context, s string, args ...any) sqlcat.Row {
	return q.x.QueryRowContext(ctx, s, args...)
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { r.Rows.Close() }

type txn struct {
	querier
	tx *sql.Tx
	b  *backend
}

// rowsPerInsert is the most rows one INSERT statement carries. Each
// execution of a statement opens its cursors, takes the driver's and
// SQLite's locks, and goes through database/sql; a statement of many rows
// pays that once for all of them. 128 rows of 8 columns stay far below
// SQLite's limit of 32,766 parameters.
const rowsPerInsert = 128

// Tables InsertFiles and InsertCopies fill, with their columns.
var (
	fileInsert = insertTable{"files", "id, path, size, checksums, storage_class, owner, created, modified", 8}
	copyInsert = insertTable{"copies", "file_id, copy_no, volume, file_seq, block_id, format_id, size, rec", 8}
)

type insertTable struct {
	name, cols string
	ncols      int
}

type insertKey struct {
	table string
	rows  int
}

// prepareInserts prepares, on the writer connection and outside any
// transaction, the INSERT of each power of two up to rowsPerInsert rows
// into each table: parsing a statement of 128 rows costs as much as
// running it, so it is done once per handle. (A statement cannot be
// prepared on the handle during a write: the one connection is busy.)
func (b *backend) prepareInserts(ctx context.Context) error {
	b.inserts = map[insertKey]*sql.Stmt{}
	for _, t := range []insertTable{fileInsert, copyInsert} {
		one := "(" + strings.TrimSuffix(strings.Repeat("?, ", t.ncols), ", ") + ")"
		for rows := 1; rows <= rowsPerInsert; rows *= 2 {
			st, err := b.w.PrepareContext(ctx, "INSERT INTO "+t.name+" ("+t.cols+") VALUES "+
				strings.TrimSuffix(strings.Repeat(one+", ", rows), ", "))
			if err != nil {
				return err
			}
			b.inserts[insertKey{t.name, rows}] = st
		}
	}
	return nil
}

// insertRows inserts n rows into table, asking args for row i's values.
// It uses statements of rowsPerInsert rows, then of the powers of two that
// make up the rest, so a handle needs eight statements per table whatever
// the batch sizes.
func (t *txn) insertRows(ctx context.Context, table insertTable, n int, args func(i int, dst []any)) error {
	ncols := table.ncols
	buf := make([]any, ncols*min(n, rowsPerInsert))
	for start := 0; start < n; {
		rows := rowsPerInsert
		for rows > n-start {
			rows /= 2
		}
		st := t.b.inserts[insertKey{table.name, rows}]
		vals := buf[:ncols*rows]
		for r := range rows {
			args(start+r, vals[r*ncols:(r+1)*ncols])
		}
		if _, err := t.tx.StmtContext(ctx, st).ExecContext(ctx, vals...); err != nil {
			return err
		}
		start += rows
	}
	return nil
}

// InsertFiles assigns the ids itself, which lets many rows go in one
// statement (SQLite does not promise RETURNING's order): the next ids after
// both the largest live id and the largest AUTOINCREMENT ever handed out,
// so no id comes back. The write transaction (BEGIN IMMEDIATE) keeps
// other writers out until it ends.
func (t *txn) InsertFiles(ctx context.Context, files []sqlcat.FileRow) ([]int64, error) {
	var last int64
	if err := t.tx.QueryRowContext(ctx, `SELECT max(
			coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'files'), 0),
			coalesce((SELECT max(id) FROM files), 0))`).Scan(&last); err != nil {
		return nil, err
	}
	ids := make([]int64, len(files))
	for i := range ids {
		ids[i] = last + 1 + int64(i)
	}
	err := t.insertRows(ctx, fileInsert, len(files), func(i int, dst []any) {
		f := files[i]
		dst[0], dst[1], dst[2], dst[3], dst[4], dst[5], dst[6], dst[7] = ids[i], f.Path, f.Size, f.Checksums, f.Class, f.Owner, f.Created, f.Modified
	})
	return ids, err
}

// InsertCopies inserts many rows per statement, as InsertFiles, and fills
// the rec column listings read.
func (t *txn) InsertCopies(ctx context.Context, copies []catalog.Copy, formats []int64) error {
	var rec []byte
	return t.insertRows(ctx, copyInsert, len(copies), func(i int, dst []any) {
		c := copies[i]
		rec = appendRec(rec[:0], c.FileSeq, c.FileID, c.CopyNo, c.BlockID, formats[i], c.Size)
		dst[0], dst[1], dst[2], dst[3], dst[4], dst[5], dst[6], dst[7] = c.FileID, c.CopyNo, c.Volume, c.FileSeq, c.BlockID, formats[i], c.Size, string(rec)
	})
}
