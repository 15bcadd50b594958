package catalog

import (
	"context"
	"time"
)

// VolumeState is the life-cycle state of a volume. Only StateActive volumes
// take new copies.
type VolumeState string

// Volume states, as operators of Enstore and CTA know them.
const (
	// StateActive: readable and writable.
	StateActive VolumeState = "active"
	// StateFull: the writer reached the end of the medium; read only.
	StateFull VolumeState = "full"
	// StateReadOnly: an operator stopped writes; read only.
	StateReadOnly VolumeState = "readonly"
	// StateDisabled: neither read nor written, for example while it is
	// checked by hand.
	StateDisabled VolumeState = "disabled"
	// StateBroken: the medium failed; its copies must be recovered from
	// other copies.
	StateBroken VolumeState = "broken"
	// StateRepacking: its live copies are being moved to other volumes.
	StateRepacking VolumeState = "repacking"
	// StateExported: the cartridge left the library.
	StateExported VolumeState = "exported"
)

// VolumeStates lists every valid VolumeState.
var VolumeStates = []VolumeState{StateActive, StateFull, StateReadOnly, StateDisabled, StateBroken, StateRepacking, StateExported}

// Valid reports whether s is one of VolumeStates.
func (s VolumeState) Valid() bool {
	for _, v := range VolumeStates {
		if s == v {
			return true
		}
	}
	return false
}

// Volume is one tape cartridge as the catalog knows it.
type Volume struct {
	Barcode   string // "ABC123L9"; unique
	MediaType string // "LTO-9"
	Library   string // which library holds it
	Pool      string // the pool it belongs to; must exist
	State     VolumeState
	// StateReason is the operator's or program's reason for the last state
	// change ("end of medium", "repack to LTO-9").
	StateReason  string
	StateChanged time.Time

	// Capacity is the usable capacity in bytes; BytesUsed how much of it is
	// written, as the last commit recorded it.
	Capacity  int64
	BytesUsed int64
	// LastFileSeq is the tape file number of the last committed copy (0 for
	// an empty volume). Tape file numbers start at 1 and only grow: deleting
	// a file does not free its place on tape.
	LastFileSeq int64

	Mounts int64 // times mounted (RecordMount)
	Errors int64 // read or write errors reported (RecordMount)

	// Writer is the writer that reserved the volume with ReserveVolume,
	// empty when none has.
	Writer string

	// The times are given to AddVolume or set by the catalog's clock:
	// Created and StateChanged when the volume is added without them (and
	// StateChanged by SetVolumeState), LastMounted by RecordMount,
	// LastWritten by CommitCopies and RelocateCopies. A zero LastMounted
	// or LastWritten means never mounted or written; the Unix epoch is a
	// time like any other. Given times must lie within [MinTime, MaxTime]
	// (ErrInvalid otherwise) and come back as the same instant, to the
	// nanosecond, in UTC.
	Created     time.Time
	LastMounted time.Time
	LastWritten time.Time
}

// Free returns the bytes left on the volume.
func (v Volume) Free() int64 { return v.Capacity - v.BytesUsed }

// VolumeLister lists volumes: an optional interface of a Catalog, which
// the SQLite and PostgreSQL catalogs implement (find it with
// l, ok := cat.(catalog.VolumeLister)). A repack of a whole pool or media
// type starts from it.
type VolumeLister interface {
	// Volumes returns the volumes of pool ("" for every pool) whose
	// media type is mediaType ("" for any), in barcode order.
	Volumes(ctx context.Context, pool, mediaType string) ([]Volume, error)
}

// StorageClassLister lists storage classes: an optional interface of a
// Catalog, which the SQLite and PostgreSQL catalogs implement (find it
// with l, ok := cat.(catalog.StorageClassLister)).
type StorageClassLister interface {
	// StorageClasses returns every storage class, in name order, each
	// with its pools in copy order.
	StorageClasses(ctx context.Context) ([]StorageClass, error)
}

// LibraryReserver reserves volumes of one library: an optional interface
// of a Catalog that several libraries share, where a pool spans them and
// a host can only write the cartridges its own library holds. The SQLite
// and PostgreSQL catalogs implement it (find it with
// r, ok := cat.(catalog.LibraryReserver)).
type LibraryReserver interface {
	// ReserveVolumeIn is ReserveVolume limited to the volumes whose
	// Library is library ("" for any, which is ReserveVolume).
	ReserveVolumeIn(ctx context.Context, pool, library string, minFree int64, writer string) (Volume, error)
}
