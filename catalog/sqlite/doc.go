// Package sqlite is the embedded default catalog: a catalog.Catalog in one
// SQLite file, on the pure-Go driver modernc.org/sqlite, so no server and
// no cgo.
//
// # Durability
//
// The database runs in WAL mode. By default every commit is synchronous
// (PRAGMA synchronous=FULL): once CommitCopies returns, a power loss does
// not lose the copies, because a copy the catalog forgets is data the
// archive loses track of. Options.Synchronous = SyncNormal trades the last
// commits before a power loss (never consistency) for speed; measure with
// BenchmarkIngest before choosing it.
//
// # Concurrency
//
// All writes go through one connection in BEGIN IMMEDIATE transactions:
// writers in this process queue on it, and writers in other processes
// wait up to Options.BusyTimeout for the file lock instead of failing or
// deadlocking half way. Reads use a separate pool of read-only connections
// and run alongside writes. Several processes may open one file on a
// local disk; for several hosts use catalog/postgres.
//
// # Schema
//
// The schema lives in schema/*.sql, one numbered file per migration, and
// is applied on Open in one transaction. The PostgreSQL schema in
// catalog/postgres has the same tables and columns; there the catalog,
// not the database, checks the foreign keys of files and copies. Times
// are Unix nanoseconds in integer columns, the zero time (unset) the
// smallest integer; until schema version 3 it was 0, and that version
// rewrites the 0s that meant unset (volumes never mounted or written).
//
// # Speed
//
// CreateFiles and CommitCopies insert 128 rows per statement, with
// statements prepared once per handle, and files get their ids from the
// catalog, above every id ever handed out. VolumeCopies reads one joined
// text value per range of 4096 file sequences: the per-row cost of the
// driver, not SQLite, dominated listings. BenchmarkIngest and BenchmarkVolumeListing
// in package catalog measure both.
package sqlite
