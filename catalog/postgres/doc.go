// Package postgres is a catalog.Catalog in a PostgreSQL database, for
// sites where several hosts share one catalog, as Enstore and CTA do. It
// uses github.com/jackc/pgx/v5 with a connection pool.
//
// # Concurrency between hosts
//
// Transactions run at READ COMMITTED. ReserveVolume picks a volume with
// SELECT … FOR UPDATE SKIP LOCKED and marks it with the writer in the same
// transaction: two hosts asking at once get different volumes, and neither
// waits for the other. CommitCopies and RelocateCopies lock the volume
// row (FOR UPDATE) before checking and updating its fill level, so
// commits to one volume are serialised and none is lost.
//
// A commit locks the files it adds copies to FOR KEY SHARE; Delete,
// RelocateCopies and RemoveCopy lock the files whose copies they move or
// drop FOR UPDATE, in file-id order, and then the copy rows. A delete
// racing a commit or a relocation therefore either runs first, and the
// other call finds no file (ErrNotFound), or waits and takes the new
// copies with it: no copy outlives its file. Undelete and PurgeDeleted
// lock the recycle-log entries they take, so an entry is restored or
// purged whole.
//
// # Bulk ingest
//
// CreateFiles takes a batch of ids from the identity sequence in one round
// trip and sends the rows with COPY; CommitCopies, and RelocateCopies for
// the copies' new places, send copies with COPY. A duplicate path or copy
// fails the whole batch.
//
// # Schema
//
// The schema lives in schema/*.sql, one numbered file per migration, and
// is applied on Open in one transaction under an advisory lock, so two
// hosts starting together do not both migrate. Paths and names use
// COLLATE "C", so order and prefix listings are byte order whatever the
// database locale.
package postgres
