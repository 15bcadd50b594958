package scheduler

// TEMPORARY (sched-mover branch only): the core's internal types and the
// calls the mover makes, with the names and signatures of the core's
// contract (plan.go on sched-core), so that the mover compiles and is
// tested on its own. Delete this file at merge: scheduler.go, plan.go and
// order.go define the real ones. The mover's tests run it on a fake core
// (runMover), so they need none of this.

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/tape"
)

// Orderer and CostModel: order.go's.
type Orderer interface {
	Order(ctx context.Context, d tape.Drive, volume string, from int64, segs []tape.Segment) ([]tape.Segment, error)
}

type CostModel interface {
	Locate(volume string, from, to int64) time.Duration
}

var errDriveDown = errors.New("scheduler: drive is down")

// Config: the fields the mover uses.
type Config struct {
	Catalog   catalog.Catalog
	Changer   changer.Changer
	Drives    []Drive
	Sink      Sink
	Source    Source
	Clock     clock.Clock
	Host      string
	TapeIO    TapeIO
	Orderer   Orderer
	CostModel CostModel
	Logger    *slog.Logger
}

type Scheduler struct {
	cfg  Config
	cat  catalog.Catalog
	clk  clock.Clock
	host string
	log  *slog.Logger
}

type failKind uint8

const (
	failNone failKind = iota
	failMedia
	failDrive
	failSink
	failCancelled
	failOther
	failNoSpace
)

func (k failKind) String() string {
	return [...]string{"ok", "media error", "drive error", "sink error", "cancelled", "error", "volume full"}[k]
}

type result struct {
	err    error
	kind   failKind
	volume string
	copies []catalog.Copy
}

type entry struct {
	Request
	file   catalog.File
	copies []catalog.Copy
	copy   catalog.Copy
	ctx    context.Context
	cancel context.CancelFunc
}

type batch struct {
	volume   string
	kind     Kind
	pool     string
	activity string
	entries  []*entry
}

type driveState struct {
	Drive
	mounted string
	down    bool
}

// The core's calls; the mover's tests run it on a fake (runMover).
func (s *Scheduler) next(ctx context.Context, d *driveState) (*batch, bool, error) {
	panic("core_shim: no core in this build")
}
func (s *Scheduler) more(d *driveState) []*entry { panic("core_shim: no core in this build") }
func (s *Scheduler) done(d *driveState, e *entry, res result) (retry bool) {
	panic("core_shim: no core in this build")
}
func (s *Scheduler) unclaimed(d *driveState, es []*entry, reason string) {
	panic("core_shim: no core in this build")
}
func (s *Scheduler) setMounted(d *driveState, volume string) {
	panic("core_shim: no core in this build")
}
func (s *Scheduler) writer(d *driveState) string { return s.host + "/" + d.Name }
