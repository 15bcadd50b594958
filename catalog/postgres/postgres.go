package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/internal/sqlcat"
)

//go:embed schema/*.sql
var schemaFS embed.FS

// migrations returns the schema steps in file-name order.
func migrations() []string { return sqlcat.Migrations(schemaFS, "schema") }

// SchemaVersion is the newest schema version this package writes.
var SchemaVersion = len(migrations())

// migrationLockKey is the advisory lock two hosts opening one database
// take, so only one migrates it ("tapk" in ASCII).
const migrationLockKey = 0x7461706b

// Options configures Open. A nil *Options means all defaults.
type Options struct {
	// Now is the clock for created, modified and state-change times;
	// default time.Now. Readings outside [catalog.MinTime,
	// catalog.MaxTime] are clamped to it.
	Now func() time.Time
	// Logger receives one line per open; default slog.Default().
	Logger *slog.Logger
}

// DB is a catalog in a PostgreSQL database, shared by any number of
// processes and hosts. Transactions run at READ COMMITTED; the rows that
// decide a write (the volume of a commit or reservation) are locked with
// SELECT … FOR UPDATE, and reservations skip rows another host holds
// locked (SKIP LOCKED).
type DB struct {
	*sqlcat.Engine
	pool *pgxpool.Pool
}

var _ catalog.Catalog = (*DB)(nil)

// Open connects with a pgx connection string or URL (pool settings such as
// pool_max_conns are accepted) and migrates the schema. A database with a
// newer schema gives catalog.ErrSchemaTooNew and is not modified.
func Open(ctx context.Context, connString string, opts *Options) (*DB, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	pool, err := pgxpool.New(ctx, connString)
	if err != nil {
		return nil, fmt.Errorf("catalog/postgres: %w", err)
	}
	b := &backend{pool: pool}
	e, err := sqlcat.New(ctx, b, sqlcat.Dialect{
		ForUpdate:     " FOR UPDATE",
		SkipLocked:    " FOR UPDATE SKIP LOCKED",
		MigrationLock: fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", migrationLockKey),
		Migrations:    migrations(),
	}, o.Now)
	if err != nil {
		pool.Close()
		return nil, err
	}
	// The sequence's name is looked up once: pg_get_serial_sequence in
	// the id query is evaluated per row and took most of its time.
	if err := pool.QueryRow(ctx, `SELECT pg_get_serial_sequence('files', 'id')`).Scan(&b.fileIDs); err != nil {
		pool.Close()
		return nil, fmt.Errorf("catalog/postgres: find the file id sequence: %w", err)
	}
	o.Logger.Debug("catalog opened", "backend", "postgres", "database", pool.Config().ConnConfig.Database)
	return &DB{Engine: e, pool: pool}, nil
}

type backend struct {
	pool    *pgxpool.Pool
	fileIDs string // the files.id sequence, schema-qualified
}

func (b *backend) Reader() sqlcat.Querier { return querier{b.pool} }

func (b *backend) Write(ctx context.Context, fn func(sqlcat.Tx) error) error {
	// READ COMMITTED whatever the database's default: the locking
	// (FOR UPDATE, SKIP LOCKED, the re-checks of locked rows) is designed
	// for it, and at REPEATABLE READ contended calls fail with
	// serialization errors instead of waiting.
	return pgx.BeginTxFunc(ctx, b.pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
		return fn(txn{querier{tx}, tx, b.fileIDs})
	})
}

func (b *backend) IsNoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }

func (b *backend) Classify(err error) sqlcat.Kind {
	if errors.Is(err, errNoFile) {
		return sqlcat.KindForeignKey
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return sqlcat.KindOther
	}
	switch pe.Code {
	case "23503": // foreign_key_violation
		return sqlcat.KindForeignKey
	case "23505": // unique_violation
		switch pe.ConstraintName {
		case "files_path_key":
			return sqlcat.KindPath
		case "volumes_pkey":
			return sqlcat.KindBarcode
		case "copies_pkey":
			return sqlcat.KindCopy
		case "copies_volume_file_seq_key":
			return sqlcat.KindFileSeq
		}
	}
	return sqlcat.KindOther
}

func (b *backend) Close() error {
	b.pool.Close()
	return nil
}

// pgxQuerier is what *pgxpool.Pool and pgx.Tx share.
type pgxQuerier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

type querier struct{ q pgxQuerier }

func (q querier) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	tag, err := q.q.Exec(ctx, sql, args...)
	return tag.RowsAffected(), err
}

func (q querier) Query(ctx context.Context, sql string, args ...any) (sqlcat.Rows, error) {
	return q.q.Query(ctx, sql, args...)
}

func (q querier) QueryRow(ctx context.Context, sql string, args ...any) sqlcat.Row {
	return q.q.QueryRow(ctx, sql, args...)
}

type txn struct {
	querier
	tx      pgx.Tx
	fileIDs string
}

// InsertFiles takes the ids from the table's identity sequence in one
// round trip, then streams the rows with COPY, which is several times
// faster than INSERTs, batched or not.
func (t txn) InsertFiles(ctx context.Context, files []sqlcat.FileRow) ([]int64, error) {
	rows, err := t.tx.Query(ctx, `SELECT nextval($1::regclass) FROM generate_series(1, $2)`, t.fileIDs, len(files))
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	if len(ids) != len(files) {
		return nil, fmt.Errorf("catalog/postgres: asked for %d ids, got %d", len(files), len(ids))
	}
	// Rows go in path order: two batches sharing paths then wait for each
	// other on the first shared path and the second fails with a
	// duplicate, where in opposite orders they deadlocked.
	order := make([]int, len(files))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(files[a].Path, files[b].Path) })
	_, err = t.tx.CopyFrom(ctx, pgx.Identifier{"files"},
		[]string{"id", "path", "size", "checksums", "storage_class", "owner", "created", "modified"},
		pgx.CopyFromSlice(len(files), func(k int) ([]any, error) {
			i := order[k]
			f := files[i]
			return []any{ids[i], f.Path, f.Size, f.Checksums, f.Class, f.Owner, f.Created, f.Modified}, nil
		}))
	return ids, err
}

// errNoFile is what InsertCopies returns when a copy's file is missing;
// Classify calls it a foreign-key violation, as the key it replaces.
var errNoFile = errors.New("catalog/postgres: a copy names a file that does not exist")

// InsertCopies locks the batch's files for key share in one statement,
// which keeps them from being deleted until the commit ends (schema
// version 2 dropped the per-row foreign key that did this), then streams
// the copies with COPY. The locks are taken in id order, as every other
// statement that locks several files takes them: in the order rows lie on
// disk, a relocation locking the same files in id order could deadlock
// with the commit.
func (t txn) InsertCopies(ctx context.Context, copies []catalog.Copy, formats []int64) error {
	ids := make([]int64, 0, len(copies))
	seen := make(map[int64]struct{}, len(copies))
	for _, c := range copies {
		if _, ok := seen[c.FileID]; !ok {
			seen[c.FileID] = struct{}{}
			ids = append(ids, c.FileID)
		}
	}
	var n int
	if err := t.tx.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM files WHERE id = ANY($1) ORDER BY id FOR KEY SHARE) f`, ids).Scan(&n); err != nil {
		return err
	}
	if n != len(ids) {
		return fmt.Errorf("%w: %d of the batch's %d files are missing", errNoFile, len(ids)-n, len(ids))
	}
	_, err := t.tx.CopyFrom(ctx, pgx.Identifier{"copies"},
		[]string{"file_id", "copy_no", "volume", "file_seq", "block_id", "format_id", "size"},
		pgx.CopyFromSlice(len(copies), func(i int) ([]any, error) {
			c := copies[i]
			return []any{c.FileID, c.CopyNo, c.Volume, c.FileSeq, c.BlockID, formats[i], c.Size}, nil
		}))
	return err
}
