package scheduler

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/checksum"
	"github.com/tapekit/tapekit/tape"
)

// Kind says what a request does with tape.
type Kind uint8

const (
	// Recall reads a file's copy from tape into the Sink.
	Recall Kind = iota + 1
	// Archive writes a file from the Source to a volume of a pool.
	Archive
)

func (k Kind) String() string {
	switch k {
	case Recall:
		return "recall"
	case Archive:
		return "archive"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// State is where a request is in its life. A request moves
// Queued → Running → (Queued again after a retry) and ends exactly once in
// Done, Failed or Cancelled.
type State uint8

const (
	Queued State = iota + 1
	Running
	Done
	Failed
	Cancelled
)

func (s State) String() string {
	switch s {
	case Queued:
		return "queued"
	case Running:
		return "running"
	case Done:
		return "done"
	case Failed:
		return "failed"
	case Cancelled:
		return "cancelled"
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// Ended reports whether the state is final.
func (s State) Ended() bool { return s == Done || s == Failed || s == Cancelled }

// Request is one file to recall or one copy of a file to archive.
type Request struct {
	// ID is assigned by Submit; unique within the Store.
	ID   int64
	Kind Kind
	// Group ties requests submitted together (a WLCG stage request id);
	// CancelGroup ends all of them. Optional.
	Group  string
	FileID int64 // the catalog file
	// Path is the file's path in the catalog namespace; sinks and sources
	// key their data by it.
	Path string
	Size int64
	// StorageClass and CopyNo say, for an archive, which copy of the
	// file's class this request writes; Pool is that copy's pool. Submit
	// fills Pool from the class.
	StorageClass string
	CopyNo       int64
	Pool         string
	// Relocate makes an archive move copy CopyNo of the file off the
	// volume named here (a repack) instead of adding a copy: the new copy
	// replaces the old one in the catalog (catalog.RelocateCopies) once it
	// is synchronised on tape. CopyNo is required; Pool, when given, is
	// the destination pool (new media), else the class's pool for that
	// copy. The request ends Done at once if the copy has already left
	// the volume, and fails if the file is deleted meanwhile.
	Relocate string

	Requester string
	// Activity is the fair-share tenant (an experiment, "repack", ...).
	// Empty means "default".
	Activity string
	// Priority: higher goes first, before any other consideration but the
	// mount policy's maximum age.
	Priority int
	Created  time.Time

	// Set by the scheduler.
	State    State
	Reason   string    // why it failed or was cancelled; the last retry's error while queued
	Started  time.Time // first time it ran; zero while never started
	Ended    time.Time
	Attempts int    // times it ran (mounted and tried)
	Volume   string // recall: the volume it was read from; archive: written to
	Host     string // the host running it, while Running
}

// Sink receives recalled files: the cache implements it. Reserve comes
// before the mount; a full sink makes Reserve wait (back-pressure delays
// mounts, it does not fail them) until ctx ends.
type Sink interface {
	// Reserve claims room for req.Size bytes. It waits while the sink is
	// full; it fails only when ctx ends or the request can never fit.
	Reserve(ctx context.Context, req Request) error
	// Release gives back a reservation that will not be used (the request
	// was cancelled, or failed before Create).
	Release(req Request)
	// Create opens the destination of a reserved request.
	Create(ctx context.Context, req Request) (SinkFile, error)
}

// SinkFile is one recalled file being delivered. Exactly one of Commit or
// Abort ends it; either gives back the reservation.
type SinkFile interface {
	io.Writer
	// Commit makes the file visible; sums are the checksums verified
	// while reading.
	Commit(sums []checksum.Value) error
	// Abort throws away what was written.
	Abort() error
}

// Source gives the data of files waiting to be archived: the cache
// implements it.
type Source interface {
	Open(ctx context.Context, req Request) (io.ReadCloser, error)
}

// Drive is one drive the mover runs: the tape.Drive and the changer
// element it sits in.
type Drive struct {
	Name    string // unique; also names the drive in logs and metrics
	Drive   tape.Drive
	Element changer.Address // the changer's data-transfer element
	// Reads and Writes list the media types (catalog.Volume.MediaType,
	// "LTO-8") the drive reads and writes; nil means every one. In a
	// library of mixed generations (an LTO-9 drive reads LTO-8 and LTO-9
	// only) the planner gives a drive only volumes it can read, and
	// archives only to pools whose volumes it can write; a recall no
	// drive can read fails with the reason.
	Reads, Writes []string
}

func (d *Drive) reads(media string) bool {
	return media == "" || d.Reads == nil || slices.Contains(d.Reads, media)
}

func (d *Drive) writes(media string) bool {
	return media == "" || d.Writes == nil || slices.Contains(d.Writes, media)
}
