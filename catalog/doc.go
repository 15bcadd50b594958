// Package catalog defines the metadata store of a tape archive: which
// files exist, where each copy lies on tape, which checksums they must
// match, and which volumes can take more data.
//
// # Model
//
// A Pool is a set of volumes for one kind of data. A StorageClass names
// how many copies a file wants and the pool of each copy. A Volume is a
// cartridge: barcode, media type, library, pool, state (active, full,
// readonly, disabled, broken, repacking, exported), capacity and fill
// level, the tape file number of its last copy, and mount and error
// counters. A File has an id the catalog assigns, a clean absolute path,
// a size, checksums by algorithm (Algorithms) and a storage class. A Copy
// places one copy of a file on a volume: copy number, tape file sequence,
// block id where it starts, on-tape format.
//
// # Times
//
// A time is kept to the nanosecond and read back in UTC. The zero
// time.Time means unset (a volume never mounted); the Unix epoch is a time
// like any other, so a file with mtime 0 keeps it. Times must lie within
// [MinTime, MaxTime], about 1677 to 2262, what Unix nanoseconds in 64 bits
// hold: others are refused with ErrInvalid, never wrapped around.
//
// # Writing to tape
//
// A writer asks for a volume with ReserveVolume, which never gives one
// volume to two writers, even on different hosts sharing a database. It
// writes files to tape, makes them durable with a synchronising filemark,
// and only then calls CommitCopies with the copies and the volume's new
// fill level: one transaction, all or nothing. A commit whose file
// sequences do not follow the volume's recorded last one fails with
// ErrConflict, so two writers on one volume cannot overwrite each other's
// fill level. Nothing is reported on tape before it is committed.
//
// # Reading
//
// VolumeCopies iterates over a volume's copies in tape order with bounded
// memory, for recalls that read a tape once from front to back. List pages
// through a directory or any path prefix with an opaque cursor (keyset
// paging: every page costs the same).
//
// # Repacking and bad copies
//
// A repack copies a volume's live files to another volume, then calls
// RelocateCopies, which moves their copies' entries to the new places
// with the checks and the single transaction of CommitCopies. RemoveCopy
// drops one copy (found unreadable, or on a volume being retired); Check
// then reports the file underreplicated until a new copy is committed.
// Neither gives tape space back: the volumes keep their fill level until
// they are written again from the start.
//
// # Deleting
//
// Delete moves a file and its copies into a recycle log with the time and
// reason; its data stays on tape until the volume is repacked. Undelete
// brings it back under its old id while the path is free. DeletedFiles
// pages through the recycle log by file id, and PurgeDeleted forgets the
// entries deleted before a time for good. Ids are never reused, not even
// after a purge.
//
// # The scheduler's queue
//
// Queue is an optional interface (cat.(catalog.Queue)) that keeps a
// scheduler's recall and archive requests in the catalog's database, so
// they survive a restart. An entry is enqueued as queued, claimed by a
// host (running), requeued, and ends exactly once (Finish: done, failed or
// cancelled). Claim never gives one entry to two hosts, so hosts sharing a
// PostgreSQL catalog share one queue; RecoverHost requeues what a
// restarting host was running.
//
// # Errors
//
// Sentinels (ErrNotFound, ErrExists, ErrInvalidPath, ErrUnknownAlgorithm,
// ErrNoVolume, ErrConflict, ErrSchemaTooNew, …) are matched with
// errors.Is; a *ValidationError names the rejected argument, with its
// index in a batch, and is matched with errors.As. A method that returns
// an error has changed nothing.
//
// # Implementations
//
// catalog/sqlite is the embedded default: one file, no server.
// catalog/postgres serves several hosts sharing one catalog. Both share
// one schema design, apply numbered migrations on open, record the schema
// version, and refuse a database written by a newer version
// (ErrSchemaTooNew) without touching it. catalog/catalogtest is the
// conformance suite any implementation can run.
package catalog
