package catalog

import (
	"context"
	"iter"
	"time"
)

// Catalog is the metadata store of a tape archive: pools and storage
// classes, volumes, files and their copies on tape, and a recycle log of
// deleted files.
//
// Every method is safe for concurrent use, also by several processes or
// hosts sharing one database where the implementation supports that.
// Every mutating method is one transaction: when it returns an error, the
// catalog is unchanged.
type Catalog interface {
	// PutPool creates the pool or updates its description.
	PutPool(ctx context.Context, p Pool) error
	// Pools returns all pools in name order.
	Pools(ctx context.Context) ([]Pool, error)
	// PutStorageClass creates the class or replaces its pools. Every pool
	// must exist (ErrUnknownPool) and there must be at least one.
	PutStorageClass(ctx context.Context, c StorageClass) error
	// StorageClass returns the class (ErrUnknownStorageClass if none).
	StorageClass(ctx context.Context, name string) (StorageClass, error)

	// AddVolume adds a new volume (ErrExists if the barcode is known). Its
	// pool must exist. Created and StateChanged are set to the catalog's
	// clock when zero; Writer must be empty. Its times must lie within
	// [MinTime, MaxTime] (ErrInvalid).
	AddVolume(ctx context.Context, v Volume) error
	// Volume returns the volume (ErrUnknownVolume if none).
	Volume(ctx context.Context, barcode string) (Volume, error)
	// SetVolumeState changes the state and records why and when.
	SetVolumeState(ctx context.Context, barcode string, state VolumeState, reason string) error
	// RecordMount counts one mount of the volume and adds errors to its
	// error counter.
	RecordMount(ctx context.Context, barcode string, errors int64) error

	// ReserveVolume hands a volume of the pool to writer: an active volume
	// with at least minFree bytes free that no other writer holds. Two
	// callers, even on different hosts, never get the same volume. A
	// volume writer already holds is preferred, then the fullest, so
	// partly written volumes are filled first. ErrNoVolume if none fits
	// (or the ones that fit stay locked by other calls for seconds),
	// ErrUnknownPool if the pool does not exist.
	ReserveVolume(ctx context.Context, pool string, minFree int64, writer string) (Volume, error)
	// ReleaseVolume gives back a reservation. writer must hold it
	// (ErrReserved otherwise); an empty writer releases whoever holds it,
	// for an operator cleaning up after a crashed writer.
	ReleaseVolume(ctx context.Context, barcode, writer string) error
	// CommitCopies records copies written to the volume and the volume's
	// new fill level, in one transaction: either all copies are recorded
	// and the volume shows bytesUsed and lastFileSeq, or nothing changed.
	// Call it only after the data is safe on tape (after a synchronising
	// filemark): a committed copy is what readers will trust.
	//
	// Each copy's Volume must be empty or the barcode; its FileSeq must lie
	// after the volume's last file sequence and at most lastFileSeq, and
	// bytesUsed must not be below the recorded fill level (ErrConflict).
	// The volume must be active (ErrVolumeNotWritable) and the files must
	// exist (ErrNotFound). An empty batch just updates the fill level.
	CommitCopies(ctx context.Context, barcode string, copies []Copy, bytesUsed, lastFileSeq int64) error
	// RelocateCopies records copies that a repack wrote to the volume in
	// place of copies on other volumes. Each copy names, by FileID and
	// CopyNo, a copy the catalog has, which must exist (ErrNotFound, also
	// when its file is not live) and lie on another volume (ErrInvalid);
	// its row is replaced by the new location: volume, file sequence,
	// block id, format and size. A copy named twice in the batch gives
	// ErrExists. Otherwise it checks and records exactly as CommitCopies
	// does, in one transaction with the volume's new fill level: either
	// every copy has moved and the volume shows bytesUsed and lastFileSeq,
	// or nothing changed. Call it, like CommitCopies, only after the new
	// copies are safe on tape.
	//
	// The volumes the copies leave keep their BytesUsed: tape is not
	// rewritten in place, and its space comes back only when the whole
	// volume is written again from the start. VolumeStats counts only the
	// live copies, so it shows what a volume still holds.
	RelocateCopies(ctx context.Context, barcode string, copies []Copy, bytesUsed, lastFileSeq int64) error
	// RemoveCopy drops one copy of a live file from the catalog: a copy
	// found unreadable, or on a volume being retired. The file stays, and
	// Check reports it underreplicated until a new copy is committed,
	// which may take the same copy number. ErrNotFound if the file is not
	// live or has no such copy; ErrInvalid if fileID or copyNo is below 1
	// or reason is not valid text (see ValidateText). The volume keeps its
	// BytesUsed, as with RelocateCopies. Nothing else is recorded: the
	// catalog keeps no log of removed copies, so a caller that wants one
	// logs reason itself.
	RemoveCopy(ctx context.Context, fileID, copyNo int64, reason string) error
	// VolumeCopies iterates over the live copies on the volume in tape
	// order (by FileSeq), with memory bounded whatever the volume holds.
	// The iteration is not one snapshot: copies committed or deleted while
	// it runs may or may not be seen. An unknown volume yields
	// ErrUnknownVolume; an error ends the iteration.
	VolumeCopies(ctx context.Context, barcode string) iter.Seq2[Copy, error]

	// CreateFiles creates files in one transaction and returns them with
	// their ids and times set (see File). A duplicate path, in the batch
	// or in the catalog, gives ErrExists and creates none; a time outside
	// [MinTime, MaxTime] gives ErrInvalid.
	CreateFiles(ctx context.Context, files []File) ([]File, error)
	// File returns the live file with this id (ErrNotFound if none).
	File(ctx context.Context, id int64) (File, error)
	// FileByPath returns the live file at path (ErrNotFound if none).
	FileByPath(ctx context.Context, path string) (File, error)
	// Copies returns the file's copies in copy-number order (ErrNotFound
	// if the file does not exist).
	Copies(ctx context.Context, id int64) ([]Copy, error)
	// List returns up to limit files whose path starts with prefix, in
	// byte order of path, starting after cursor ("" for the first page).
	// List a directory with a prefix ending in "/". limit ≤ 0 means a
	// default page size; an implementation may return fewer than limit
	// files (the SQL catalogs cap pages at 10,000) and still set Next.
	List(ctx context.Context, prefix, cursor string, limit int) (Page, error)
	// Delete moves the file and its copies into the recycle log, with the
	// time and reason.
	Delete(ctx context.Context, id int64, reason string) error
	// Undelete restores a deleted file and its copies under its old id and
	// path; ErrExists if a live file took the path meanwhile, ErrNotFound
	// if the recycle log has no such file.
	Undelete(ctx context.Context, id int64) (File, error)
	// Deleted returns the recycle-log entry of a deleted file (ErrNotFound
	// if the recycle log has none).
	Deleted(ctx context.Context, id int64) (Deletion, error)
	// DeletedFiles returns up to limit recycle-log entries, each with its
	// copies, in file-id order, starting after the file id cursor (0 for
	// the first page). limit ≤ 0 means a default page size; an
	// implementation may return fewer than limit entries (the SQL catalogs
	// cap pages at 10,000) and still set Next. A page is one consistent
	// read; pages are not one snapshot. A negative cursor gives ErrInvalid.
	DeletedFiles(ctx context.Context, cursor int64, limit int) (DeletedPage, error)
	// PurgeDeleted removes for good the recycle-log entries deleted before
	// before (DeletedAt < before), with their copies, in one transaction,
	// and returns how many files it removed. They can no longer be
	// undeleted, and their ids are still never handed out again. A zero
	// before purges nothing; before may lie outside [MinTime, MaxTime].
	PurgeDeleted(ctx context.Context, before time.Time) (int64, error)

	// PoolStats returns the counts and sizes of every pool, in name order.
	PoolStats(ctx context.Context) ([]PoolStats, error)
	// VolumeStats returns the counts and sizes of the live copies on the
	// volume.
	VolumeStats(ctx context.Context, barcode string) (VolumeStats, error)
	// Check looks for copies on unknown volumes, copies of files that are
	// not live, and files with fewer copies than their class wants (which
	// includes files not yet written to tape).
	Check(ctx context.Context) (Report, error)

	// Close releases the database. Calls after Close return ErrClosed.
	Close() error
}
