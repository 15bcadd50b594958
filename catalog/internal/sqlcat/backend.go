package sqlcat

import (
	"context"

	"github.com/tapekit/tapekit/catalog"
)

// Rows is what both database/sql and pgx return from a query.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Row is a single-row query result; Scan returns ErrNoRows when empty.
type Row interface {
	Scan(dest ...any) error
}

// Querier runs statements. Placeholders are $1, $2, ….
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (int64, error)
	Query(ctx context.Context, sql string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) Row
}

// Tx is a write transaction.
type Tx interface {
	Querier
	// InsertFiles inserts the files (their ID is zero) and returns the
	// ids assigned, in order. A backend uses its fastest bulk path.
	InsertFiles(ctx context.Context, files []FileRow) ([]int64, error)
	// InsertCopies inserts the copies; formats[i] is the id of
	// copies[i].Format in the formats table.
	InsertCopies(ctx context.Context, copies []catalog.Copy, formats []int64) error
}

// FileRow is a file encoded for storage.
type FileRow struct {
	Path      string
	Size      int64
	Checksums string
	Class     string
	Owner     string
	Created   int64
	Modified  int64
}

// Kind says which constraint an error violated.
type Kind int

// Kinds of constraint violation a backend recognises.
const (
	KindOther      Kind = iota // not a constraint violation we know
	KindPath                   // unique files.path
	KindBarcode                // primary key volumes.barcode
	KindCopy                   // primary key copies(file_id, copy_no)
	KindFileSeq                // unique copies(volume, file_seq)
	KindForeignKey             // any foreign key
)

// Backend is what a driver provides.
type Backend interface {
	// Reader runs reads outside any write transaction.
	Reader() Querier
	// Write runs fn in a write transaction and commits when fn returns
	// nil; it rolls back otherwise and returns fn's error.
	Write(ctx context.Context, fn func(Tx) error) error
	// Classify tells which constraint err violated.
	Classify(err error) Kind
	// IsNoRows reports whether err means a single-row query found nothing.
	IsNoRows(err error) bool
	// VolumeChunk calls fn for each copy on the volume with after <
	// file_seq <= upto, in any order. It is the recall path, read for
	// every tape mounted, so a backend uses its fastest way to read.
	VolumeChunk(ctx context.Context, barcode string, after, upto int64,
		fn func(fileID, copyNo, fileSeq, blockID, formatID, size int64)) error
	Close() error
}

// Dialect holds the SQL that differs between databases.
type Dialect struct {
	// ForUpdate is appended to a SELECT of one volume or file to lock the row
	// until the transaction ends (" FOR UPDATE"); empty where a write
	// transaction already excludes other writers (SQLite).
	ForUpdate string
	// SkipLocked is appended to the SELECT that picks a volume to reserve
	// (" FOR UPDATE SKIP LOCKED"), so concurrent writers pick different
	// volumes instead of queueing on the same row.
	SkipLocked string
	// MigrationLock is run first in the migration transaction so two
	// processes opening one database do not migrate it twice; may be
	// empty.
	MigrationLock string
	// Migrations are the schema steps; Migrations[i] brings the schema
	// from version i to i+1. Never edit a released step: append.
	Migrations []string
}
