// Package cache is the disk staging area between the users of a tape
// system and its tapes: files written by clients wait here until they are
// archived, files recalled from tape land here until they are read, like
// dCache pools in front of Enstore, xrootd in front of HPSS or SAM's
// station caches. It stands alone: the scheduler's mover delivers recalls
// into it and takes archives from it through the calls below, and the
// package imports neither the scheduler nor any driver.
//
// # Layout
//
// A cache owns one directory:
//
//	data/    the files, under their names (data/store/run1/f.root)
//	tmp/     temporary files of writes in progress (*.part)
//	index/   LOCK, snapshot, journal-<generation>
//
// One process at a time: Open takes an flock on index/LOCK and fails with
// ErrLocked if another process holds it.
//
// # Names
//
// Names come from outside (HTTP paths, catalog paths) and are checked by
// CleanName: slash-separated UTF-8 with an optional leading slash, no
// empty, "." or ".." elements, no control characters, within Linux's
// length limits. A name that would need cleaning is refused, not rewritten,
// so two spellings never reach one file. On disk every file is reached
// from a descriptor of data/ one element at a time with O_NOFOLLOW, so a
// symlink planted inside the tree (or a file where a directory should be)
// stops the walk with ErrBadPath instead of leading out of the cache.
//
// # States
//
// A file is in one of four states:
//
//	incoming  a client is writing it (Create); never served
//	precious  complete, not yet on tape; never evicted
//	staging   being recalled from tape (Stage); never served
//	online    a clean copy of a file on tape; evictable
//
// and moves only along these edges (Allowed): absent → incoming →
// precious → online → absent, absent → staging → online, incoming and
// staging → absent when a write is aborted, precious → absent when the
// user deletes the file. Pins are not a state: a file of any state may be
// pinned (Pin) by an owner for a request id with a lifetime, like the disk
// lifetime of a WLCG stage request; it stays while any live pin holds it.
// Unpin releases one request's pin on a file, UnpinRequest and UnpinOwner
// all pins of a request or an owner.
//
// # Writing
//
// Create (from a client) and Stage (from tape) return a Writer for a file
// of a declared size. The bytes go to a temporary file in tmp/ and through
// the checksum package's Set (the storage class's algorithms, plus those of
// any expected checksums) at once: for large writes, the file write and the
// hashing run on two goroutines. Commit then
//
//  1. fsyncs the temporary file,
//  2. compares expected checksums (a recall that does not match is
//     discarded with ErrChecksum),
//  3. appends the file's index record to the journal and fsyncs it,
//  4. renames the temporary file into data/ and fsyncs the directory.
//
// Only then is the file readable (Open) and the commit acknowledged. A
// Writer given more than its size fails with ErrSizeExceeded; Commit
// before the size arrived fails with ErrShortWrite. Nothing half-written is
// ever served: readers see only precious and online files, which exist
// only after step 4.
//
// # Index and crash recovery
//
// The index lives in memory (an arena of fixed-size entries and a name
// map; about 150 bytes per file) and on disk as a snapshot plus a journal
// of changes, both made of length-prefixed records with a CRC-32C. We chose
// this small embedded store over rebuilding by scanning the tree because a
// scan cannot tell a precious file from an online one, loses pins, and
// takes minutes for millions of files; over SQLite because a million rows
// load faster from a flat file and the journal is the only write path.
// Every acknowledged change (commit, archive, removal, eviction, pin,
// unpin) is fsynced in the journal before it is acknowledged. Access times
// (the LRU order) are not journaled on every read: they are written with
// each snapshot, so after a crash the LRU order is that of the last
// snapshot or journal record of each file.
//
// Open loads the snapshot, replays the journal and cuts off a torn tail
// (the one a kill -9 leaves). For each file the journal tail touched, it
// finishes what the crash interrupted: a committed file whose rename had
// not happened is renamed from its temporary file; a removed file still on
// disk is unlinked; a committed file whose data is missing is reported
// Lost (this needs the disk to lose fsynced data). Then it empties tmp/:
// the writes that never committed were never acknowledged. Recovery tells
// what Open found, and Recovery.Precious lists the files still to archive,
// which Precious and FlushDue also return. After a number of journal
// records (Options.CompactAfter) and on Close the whole index is written
// as a new snapshot: the new empty journal is made durable first, the
// snapshot is renamed into place, then the old journal is deleted, so a
// crash at any point leaves a consistent pair.
//
// # Space, reservations and back-pressure
//
// Everything counts against Options.Quota: declared sizes of incoming and
// staging files, precious and online files, and Reservations not yet
// used. Reserve sets space aside ahead of use: the scheduler reserves a
// batch's bytes before it mounts the tape, then stages the files with
// WriteOptions.Reservation. When the space is not there, Reserve, Create
// and Stage wait (in FIFO order, so large requests are not starved) until
// eviction, a release, an abort, an archived file, an unpin or an expired
// pin makes room, or their context ends: a full cache slows callers down,
// it does not fail them. Only a request larger than the whole quota fails
// at once (ErrTooLarge). A context already done turns the call into a try.
//
// # Eviction
//
// When usage would pass the high watermark, the least recently used
// online files that have no live pin and are not needed soon are removed
// until usage is at the low watermark. Precious, incoming and staging
// files are never evicted. The scheduler feeds the files its queued
// requests will read with Need and Unneed (SAM's "needed soon" list); a
// needed file is never evicted, and a name may be needed before it is
// staged; a staged file that nobody needs or pins is evictable as soon
// as it is online, so a scheduler declares Need before it stages. Needs
// are kept in memory: a scheduler declares its queue again after a
// restart.
//
// # Archiving
//
// FlushDue groups precious files by storage class and returns the classes
// whose FlushPolicy (bytes waiting, files waiting, age of the oldest) says
// a tape mount is worth it, oldest files first. MarkArchived moves a file
// that reached tape from precious to online.
//
// # Observability
//
// Stats returns bytes and files by state, reserved and used bytes, hits,
// misses, evictions and waits. Options.Events receives the same as they
// happen (state changes with sizes, hits, misses, evictions, wait begin
// and end, lost files), for an HSM to export to Prometheus; this package
// has no metrics dependency. Logs go to Options.Logger, times come from
// Options.Clock (a mock clock makes pin lifetimes and flush ages
// deterministic in tests).
//
// # Errors
//
// Errors match the sentinels of this package with errors.Is: ErrBadPath
// (with a *PathError), ErrBadSize, ErrTooLarge, ErrNotFound, ErrExists,
// ErrNotReady, ErrWrongState, ErrPinned, ErrBadPin, ErrNotPinned,
// ErrNotNeeded, ErrReleased, ErrSizeExceeded, ErrShortWrite, ErrChecksum
// (wrapping a *checksum.MismatchError), ErrCorruptIndex, ErrLocked and
// ErrClosed. A call refused for bad input changes nothing.
package cache
