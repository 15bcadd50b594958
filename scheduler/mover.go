package scheduler

// The mover: one worker per drive takes batches from the core, mounts
// their volume, reads or writes their files and reports each outcome.
//
// A recall batch reserves room in the Sink before the mount: the first
// file waiting (a full sink delays the mount, it never fails it), the
// others with TryReserve when the sink has it, else just before each is
// read. The mount finds the cartridge by barcode in the changer's
// inventory, moves it to the drive (dismounting what is there), loads it
// and checks its label. Reads go in the Orderer's order (block order
// without one) through TapeIO, which verifies the catalog's checksums and
// the tape's; the SinkFile is committed with them, or aborted. Work that
// arrives for the mounted tape (more) is read before the tape goes.
//
// An archive batch writes to the volume the core reserved for the drive
// (a blank one is labelled first) through a TapeWriter; a file's copy is
// committed to the catalog only once a synchronising filemark covers it,
// and only then is its request reported done. Past early warning the
// volume is marked full and released, and the rest goes back as
// failNoSpace.
//
// Failures are classified for the core: the drive (a hardware error, not
// ready, no medium: the drive goes down, the rest of the batch is given
// back unstarted), the medium (a medium error, a checksum mismatch, a
// truncated or foreign file, a wrong or missing label: another copy is
// tried), the sink or source (the disk side), a cancelled request (its
// SinkFile is aborted at the next block; an archive's input fails, so
// nothing of it reaches the tape), and anything else. A mount that fails
// for a reason outside the request (the robot, a cartridge in the way) gives
// the batch back and waits a minute on the clock.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/checksum"
	"github.com/tapekit/tapekit/simulator/vclock"
	"github.com/tapekit/tapekit/tape"
	"github.com/tapekit/tapekit/tape/format"
)

// mountRetryDelay is how long a drive waits after a mount or dismount
// failed for a reason outside it (the robot, a cartridge in the way).
const mountRetryDelay = time.Minute

// errStopped: the worker's context ended before an entry started.
var errStopped = errors.New("scheduler: drive worker stopping")

// moverCore is what a drive worker calls of the core (see plan.go):
// *Scheduler implements it; the mover's tests use a fake.
type moverCore interface {
	next(ctx context.Context, d *driveState) (*batch, bool, error)
	more(d *driveState) []*entry
	done(d *driveState, e *entry, res result) (retry bool)
	unclaimed(d *driveState, es []*entry, reason string)
	setMounted(d *driveState, volume string)
	writer(d *driveState) string
}

var _ moverCore = (*Scheduler)(nil)

// moverEnv is what a drive worker uses of the scheduler: parts of its
// configuration and the core's calls.
type moverEnv struct {
	cfg  moverConfig
	cat  catalog.Catalog
	clk  clock.Clock
	host string
	log  *slog.Logger
	core moverCore
}

// moverConfig: the fields of Config the mover uses.
type moverConfig struct {
	Changer changer.Changer
	Sink    Sink
	Source  Source
	TapeIO  TapeIO
	Orderer Orderer
}

func (s *moverEnv) next(ctx context.Context, d *driveState) (*batch, bool, error) {
	return s.core.next(ctx, d)
}
func (s *moverEnv) more(d *driveState) []*entry { return s.core.more(d) }
func (s *moverEnv) done(d *driveState, e *entry, res result) bool {
	return s.core.done(d, e, res)
}
func (s *moverEnv) unclaimed(d *driveState, es []*entry, reason string) {
	s.core.unclaimed(d, es, reason)
}
func (s *moverEnv) setMounted(d *driveState, v string) { s.core.setMounted(d, v) }
func (s *moverEnv) writer(d *driveState) string        { return s.core.writer(d) }

// mover is the worker of one drive: what it knows of the tape in it.
type mover struct {
	s   *moverEnv
	d   *driveState
	log *slog.Logger
	tio TapeIO

	volume   string // in the drive ("" none)
	verified bool   // label read since the mount
	written  bool   // written under our reservation: release at dismount
	errs     int64  // errors during this mount, for RecordMount
	counted  bool   // RecordMount done for this mount
}

// runDrive is the worker of drive d: it runs until ctx ends or the drive
// goes down. When ctx ends it finishes the file it is on, gives back the
// rest and leaves the tape in the drive (a restart finds and reuses it).
func (s *Scheduler) runDrive(ctx context.Context, d *driveState) {
	runMover(ctx, &moverEnv{
		cfg: moverConfig{Changer: s.cfg.Changer, Sink: s.cfg.Sink, Source: s.cfg.Source, TapeIO: s.cfg.TapeIO, Orderer: s.cfg.Orderer},
		cat: s.cat, clk: s.clk, host: s.host, log: s.log, core: s,
	}, d)
}

// runMover is runDrive on an environment.
func runMover(ctx context.Context, s *moverEnv, d *driveState) {
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	m := &mover{s: s, d: d, log: s.log.With("drive", d.Name), tio: s.cfg.TapeIO}
	if m.tio == nil {
		m.tio = FormatIO{}
	}
	m.discover(ctx)
	for ctx.Err() == nil {
		b, dismount, err := s.next(ctx, d)
		switch {
		case errors.Is(err, errDriveDown):
			m.dismount(ctx)
			m.finishMount(context.WithoutCancel(ctx))
			return
		case err != nil:
			return
		case dismount:
			if err := m.dismount(ctx); err != nil {
				m.log.Error("scheduler: dismount", "volume", m.volume, "err", err)
				m.sleep(ctx, mountRetryDelay)
			}
		case b != nil && b.kind == Archive:
			m.archive(ctx, b)
		case b != nil:
			m.recall(ctx, b)
		}
	}
}

// discover adopts a cartridge found in the drive at start-up.
func (m *mover) discover(ctx context.Context) {
	if m.s.cfg.Changer == nil {
		return
	}
	inv, err := m.s.cfg.Changer.Inventory(ctx)
	if err != nil {
		m.log.Warn("scheduler: inventory at start", "err", err)
		return
	}
	e, ok := inv.Element(m.d.Element)
	if !ok || !e.Full {
		return
	}
	m.volume, m.verified, m.counted = e.Barcode, false, true
	if e.Barcode == "" {
		m.volume = "?"
		if err := m.dismount(ctx); err != nil {
			m.log.Error("scheduler: unload a cartridge without barcode", "err", err)
		}
		return
	}
	m.s.setMounted(m.d, e.Barcode)
}

// sleep waits on the scheduler's clock.
func (m *mover) sleep(ctx context.Context, d time.Duration) {
	if vc, ok := m.s.clk.(*vclock.Clock); ok {
		if _, p := vclock.Participant(ctx); p {
			_ = vc.SleepContext(ctx, d)
			return
		}
	}
	t := m.s.clk.Timer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// mountError is a failed mount and what it means for the batch.
type mountError struct {
	kind failKind // failNone: not the entries' fault, give them back
	err  error
}

func (e *mountError) Error() string { return e.err.Error() }
func (e *mountError) Unwrap() error { return e.err }

// mount makes volume the verified tape in the drive, dismounting another.
// A blank volume is labelled when forArchive and the catalog says it was
// never written.
func (m *mover) mount(ctx context.Context, volume string, forArchive bool) error {
	s := m.s
	if m.volume != "" && m.volume != volume {
		if err := m.dismount(ctx); err != nil {
			return &mountError{err: fmt.Errorf("dismount %s: %w", m.volume, err)}
		}
	}
	if m.volume == "" && s.cfg.Changer == nil {
		// A drive without a changer: an operator loads the tape; its
		// label says whether it is the right one.
		m.volume, m.verified, m.written, m.errs, m.counted = volume, false, false, 0, false
		s.setMounted(m.d, volume)
	}
	if m.volume == "" {
		inv, err := s.cfg.Changer.Inventory(ctx)
		if err != nil {
			return &mountError{err: err}
		}
		if de, ok := inv.Element(m.d.Element); ok && de.Full {
			// Something we did not know of: take it out first.
			m.volume, m.counted = de.Barcode, true
			if m.volume == "" {
				m.volume = "?"
			}
			if err := m.dismount(ctx); err != nil {
				return &mountError{err: err}
			}
			if inv, err = s.cfg.Changer.Inventory(ctx); err != nil {
				return &mountError{err: err}
			}
		}
		src, ok := inv.Find(volume)
		switch {
		case !ok:
			return &mountError{kind: failMedia, err: fmt.Errorf("%w: %s is not in the library", changer.ErrNoBarcode, volume)}
		case src.Type == changer.DataTransfer:
			return &mountError{err: fmt.Errorf("scheduler: %s is in drive element %d", volume, src.Address)}
		}
		if err := s.cfg.Changer.Move(ctx, src.Address, m.d.Element); err != nil {
			if errors.Is(err, changer.ErrIncompatibleMedium) {
				return &mountError{kind: failMedia, err: err}
			}
			return &mountError{err: err}
		}
		m.volume, m.verified, m.written, m.errs, m.counted = volume, false, false, 0, false
		s.setMounted(m.d, volume)
	}
	if err := m.d.Drive.Drive.Load(ctx); err != nil {
		return &mountError{kind: classify(err, nil), err: err}
	}
	if m.verified {
		return nil
	}
	_, err := format.CheckLabel(ctx, m.d.Drive.Drive, volume)
	if errors.Is(err, format.ErrNoLabel) && forArchive {
		v, verr := s.cat.Volume(ctx, volume)
		if verr == nil && v.LastFileSeq == 0 && v.BytesUsed == 0 {
			lo := &format.LabelOptions{Now: s.clk.Now, Creator: "tapekit scheduler on " + s.host}
			if vf, ok := m.tio.(VolumeFormatter); ok {
				lo.Format = vf.VolumeFormat(volume)
			}
			_, err = format.Label(ctx, m.d.Drive.Drive, volume, lo)
		}
	}
	if err != nil {
		m.errs++
		return &mountError{kind: classify(err, nil), err: fmt.Errorf("scheduler: volume %s: %w", volume, err)}
	}
	m.verified = true
	return nil
}

// dismount unloads the tape and puts it back in a slot.
func (m *mover) dismount(ctx context.Context) error {
	if m.volume == "" {
		return nil
	}
	err := m.d.Drive.Drive.Unload(ctx)
	if errors.Is(err, tape.ErrNoMedium) {
		err = nil
	}
	if err != nil {
		m.log.Warn("scheduler: unload", "volume", m.volume, "err", err)
	}
	// The changer takes the cartridge out even when the drive failed to
	// eject it (libraries unload a drive before moving its cartridge).
	if m.s.cfg.Changer == nil {
		if err != nil {
			return err
		}
	} else if _, cerr := changer.Unload(ctx, m.s.cfg.Changer, m.d.Element); cerr != nil && !errors.Is(cerr, changer.ErrSourceEmpty) {
		return cerr
	}
	m.finishMount(ctx)
	m.volume, m.verified, m.written, m.errs, m.counted = "", false, false, 0, false
	m.s.setMounted(m.d, "")
	return nil
}

// finishMount records the mount in the catalog and gives back the archive
// reservation.
func (m *mover) finishMount(ctx context.Context) {
	if m.volume == "" || m.volume == "?" {
		return
	}
	if !m.counted {
		m.counted = true
		if err := m.s.cat.RecordMount(ctx, m.volume, m.errs); err != nil {
			m.log.Warn("scheduler: record mount", "volume", m.volume, "err", err)
		}
	}
	if m.written {
		m.written = false
		if err := m.s.cat.ReleaseVolume(ctx, m.volume, m.s.writer(m.d)); err != nil && !errors.Is(err, catalog.ErrReserved) {
			m.log.Warn("scheduler: release volume", "volume", m.volume, "err", err)
		}
	}
}

// failMount reports a failed mount for the entries es.
func (m *mover) failMount(ctx context.Context, es []*entry, volume string, err error) {
	var me *mountError
	if !errors.As(err, &me) {
		me = &mountError{kind: classify(err, nil), err: err}
	}
	m.log.Warn("scheduler: mount", "volume", volume, "err", err)
	if me.kind == failNone || me.kind == failOther {
		m.s.unclaimed(m.d, es, "mount "+volume+": "+err.Error())
		m.sleep(ctx, mountRetryDelay)
		return
	}
	if me.kind == failDrive {
		m.driveFailed(ctx)
	}
	for _, e := range es {
		m.s.done(m.d, e, result{err: me.err, kind: me.kind, volume: volume, noRetry: true})
	}
}

// driveFailed takes the tape out of a failed drive before the failure is
// reported, so that the core sees the volume free for another drive
// (libraries unload a drive that cannot eject by itself).
func (m *mover) driveFailed(ctx context.Context) {
	if err := m.dismount(context.WithoutCancel(ctx)); err != nil {
		m.log.Error("scheduler: take the tape out of a failed drive", "volume", m.volume, "err", err)
	}
}

// entryCtx returns ctx (values: the clock participant) cancelled also when
// the entry is.
func entryCtx(ctx context.Context, e *entry) (context.Context, context.CancelFunc) {
	c, cancel := context.WithCancel(ctx)
	if e.ctx == nil {
		return c, cancel
	}
	stop := context.AfterFunc(e.ctx, cancel)
	return c, func() { stop(); cancel() }
}

func entryDone(e *entry) bool { return e.ctx != nil && e.ctx.Err() != nil }

// item is one recall entry and whether sink room is reserved for it.
type item struct {
	e        *entry
	reserved bool
}

// reserveFirst reserves sink room for the first entry that can have it,
// waiting while the sink is full: a full sink delays the mount. The
// others get TryReserve. It returns the items left to read, or
// errStopped when ctx ended (their reservations given back).
func (m *mover) reserveFirst(ctx context.Context, vol string, es []*entry) ([]*item, error) {
	sink := m.s.cfg.Sink
	try, _ := sink.(TryReserver)
	var out []*item
	first := true
	for i, e := range es {
		if entryDone(e) {
			m.s.done(m.d, e, result{err: e.ctx.Err(), kind: failCancelled, volume: vol})
			continue
		}
		it := &item{e: e}
		switch {
		case first:
			rctx, cancel := entryCtx(ctx, e)
			err := sink.Reserve(rctx, e.Request)
			cancel()
			switch {
			case err == nil:
				it.reserved, first = true, false
			case ctx.Err() != nil:
				m.giveBack(out, es[i:], "scheduler stopping")
				return nil, errStopped
			case entryDone(e):
				m.s.done(m.d, e, result{err: e.ctx.Err(), kind: failCancelled, volume: vol})
				continue
			default:
				m.s.done(m.d, e, result{err: &sinkError{err}, kind: failSink, volume: vol})
				continue
			}
		case try != nil:
			it.reserved = try.TryReserve(e.Request)
		}
		out = append(out, it)
	}
	return out, nil
}

// giveBack releases the reservations of its and gives them and es back to
// the core.
func (m *mover) giveBack(its []*item, es []*entry, reason string) {
	all := slices.Clone(es)
	for _, it := range its {
		if it.reserved {
			m.s.cfg.Sink.Release(it.e.Request)
			it.reserved = false
		}
		all = append(all, it.e)
	}
	if len(all) > 0 {
		m.s.unclaimed(m.d, all, reason)
	}
}

// recall runs a recall batch: reserve, mount, read in order, then what
// more brings for the volume.
func (m *mover) recall(ctx context.Context, b *batch) {
	its, err := m.reserveFirst(ctx, b.volume, b.entries)
	if err != nil || len(its) == 0 {
		return
	}
	if err := m.mount(ctx, b.volume, false); err != nil {
		m.giveBackOrFail(ctx, its, b.volume, err)
		return
	}
	for len(its) > 0 {
		its = m.order(ctx, b.volume, its)
		for i, it := range its {
			if ctx.Err() != nil {
				m.giveBack(its[i:], nil, "scheduler stopping")
				return
			}
			if !m.recallOne(ctx, b.volume, it) {
				reason := "drive failed"
				if ctx.Err() != nil {
					reason = "scheduler stopping"
				}
				m.giveBack(its[i+1:], nil, reason)
				return
			}
		}
		its = nil
		try, _ := m.s.cfg.Sink.(TryReserver)
		for _, e := range m.s.more(m.d) {
			it := &item{e: e}
			if try != nil {
				it.reserved = try.TryReserve(e.Request)
			}
			its = append(its, it)
		}
	}
}

func (m *mover) giveBackOrFail(ctx context.Context, its []*item, vol string, err error) {
	es := make([]*entry, len(its))
	for i, it := range its {
		if it.reserved {
			m.s.cfg.Sink.Release(it.e.Request)
			it.reserved = false
		}
		es[i] = it.e
	}
	m.failMount(ctx, es, vol, err)
}

// order sorts the items in the orderer's order from the drive's position.
func (m *mover) order(ctx context.Context, vol string, its []*item) []*item {
	if len(its) < 2 {
		return its
	}
	segs := make([]tape.Segment, len(its))
	for i, it := range its {
		c := it.e.copy
		segs[i] = tape.Segment{ID: uint64(i), FirstBlock: c.BlockID, LastBlock: c.BlockID + copyBlocks(c, it.e.Size) - 1}
	}
	var from int64
	if pos, err := m.d.Drive.Drive.Position(ctx); err == nil {
		from = pos.Block
	}
	var out []tape.Segment
	if o := m.s.cfg.Orderer; o != nil {
		got, err := o.Order(ctx, m.d.Drive.Drive, vol, from, slices.Clone(segs))
		if err == nil && permutation(len(segs), got) {
			out = got
		} else if err != nil {
			m.log.Warn("scheduler: orderer failed, reading in block order", "volume", vol, "err", err)
		}
	}
	if out == nil {
		out = slices.Clone(segs)
		slices.SortStableFunc(out, func(a, b tape.Segment) int {
			if a.FirstBlock != b.FirstBlock {
				if a.FirstBlock < b.FirstBlock {
					return -1
				}
				return 1
			}
			return 0
		})
	}
	res := make([]*item, len(out))
	for i, sg := range out {
		res[i] = its[sg.ID]
	}
	return res
}

func permutation(n int, segs []tape.Segment) bool {
	if len(segs) != n {
		return false
	}
	seen := make([]bool, n)
	for _, s := range segs {
		if s.ID >= uint64(n) || seen[s.ID] {
			return false
		}
		seen[s.ID] = true
	}
	return true
}

// recallOne reads one entry, retrying on this mount while the core says
// so. It reports false after a drive failure: the batch stops.
func (m *mover) recallOne(ctx context.Context, vol string, it *item) bool {
	for {
		res := m.readOne(ctx, vol, it)
		if res.kind == failMedia {
			m.errs++
		}
		if errors.Is(res.err, errStopped) {
			m.s.unclaimed(m.d, []*entry{it.e}, "scheduler stopping")
			return false
		}
		if res.kind == failDrive {
			m.driveFailed(ctx)
			m.s.done(m.d, it.e, res)
			return false
		}
		retry := m.s.done(m.d, it.e, res)
		if !retry {
			return true
		}
	}
}

// readOne reads one file into the sink.
func (m *mover) readOne(ctx context.Context, vol string, it *item) result {
	s, e := m.s, it.e
	sink := s.cfg.Sink
	if entryDone(e) {
		if it.reserved {
			sink.Release(e.Request)
			it.reserved = false
		}
		return result{err: e.ctx.Err(), kind: failCancelled, volume: vol}
	}
	if !it.reserved {
		rctx, cancel := entryCtx(ctx, e)
		err := sink.Reserve(rctx, e.Request)
		cancel()
		switch {
		case err == nil:
			it.reserved = true
		case entryDone(e):
			return result{err: e.ctx.Err(), kind: failCancelled, volume: vol}
		case ctx.Err() != nil:
			return result{err: errStopped}
		default:
			return result{err: &sinkError{err}, kind: failSink, volume: vol}
		}
	}
	// The file in hand finishes even when the worker is told to stop.
	ioctx := context.WithoutCancel(ctx)
	f := e.file
	if f.ID != e.FileID {
		var err error
		if f, err = s.cat.File(ioctx, e.FileID); err != nil {
			sink.Release(e.Request)
			it.reserved = false
			return result{err: err, kind: failOther, volume: vol}
		}
	}
	sf, err := sink.Create(ioctx, e.Request)
	if err != nil {
		sink.Release(e.Request)
		it.reserved = false
		return result{err: &sinkError{err}, kind: failSink, volume: vol}
	}
	it.reserved = false // the SinkFile holds it now
	ew := &entryWriter{ctx: e.ctx, w: sf}
	sums, err := m.tio.ReadFile(ioctx, m.d.Drive.Drive, f, e.copy, ew)
	if err != nil {
		sf.Abort()
		return result{err: err, kind: classify(err, e), volume: vol}
	}
	if err := sf.Commit(sums); err != nil {
		return result{err: &sinkError{err}, kind: failSink, volume: vol}
	}
	return result{volume: vol}
}

// sinkError marks a failure of the disk side (Sink or Source).
type sinkError struct{ err error }

func (e *sinkError) Error() string { return "scheduler: sink: " + e.err.Error() }
func (e *sinkError) Unwrap() error { return e.err }

// entryWriter delivers into a SinkFile, stopping at the next block once
// the entry is cancelled.
type entryWriter struct {
	ctx context.Context
	w   SinkFile
}

func (w *entryWriter) Write(p []byte) (int, error) {
	if w.ctx != nil && w.ctx.Err() != nil {
		return 0, w.ctx.Err()
	}
	n, err := w.w.Write(p)
	if err != nil {
		err = &sinkError{err}
	}
	return n, err
}

// Discard implements Discarder when the SinkFile does.
func (w *entryWriter) Discard(n int64) error {
	if w.ctx != nil && w.ctx.Err() != nil {
		return w.ctx.Err()
	}
	d, ok := w.w.(Discarder)
	if !ok {
		return &sinkError{fmt.Errorf("scheduler: the sink cannot count bytes it does not see: %w", errors.ErrUnsupported)}
	}
	if err := d.Discard(n); err != nil {
		return &sinkError{err}
	}
	return nil
}

// entryReader feeds an archive from the Source, failing at the next read
// once the entry is cancelled: the writer then leaves the file off tape.
type entryReader struct {
	ctx context.Context
	r   io.Reader
}

func (r *entryReader) Read(p []byte) (int, error) {
	if r.ctx != nil && r.ctx.Err() != nil {
		return 0, r.ctx.Err()
	}
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		err = &sinkError{err}
	}
	return n, err
}

// classify says whose fault err is. e may be nil (a mount).
func classify(err error, e *entry) failKind {
	var se *sinkError
	switch {
	case err == nil:
		return failNone
	case e != nil && entryDone(e):
		return failCancelled
	case errors.As(err, &se):
		return failSink
	case errors.Is(err, tape.ErrHardwareError), errors.Is(err, tape.ErrNotReady),
		errors.Is(err, tape.ErrNoMedium), errors.Is(err, tape.ErrClosed),
		errors.Is(err, tape.ErrUnitAttention):
		return failDrive
	case errors.Is(err, tape.ErrMediumError), errors.Is(err, checksum.ErrMismatch),
		errors.Is(err, format.ErrTruncated), errors.Is(err, format.ErrBadMetadata),
		errors.Is(err, format.ErrWrongFormat), errors.Is(err, format.ErrSizeMismatch),
		errors.Is(err, format.ErrLabelMismatch), errors.Is(err, format.ErrNoLabel),
		errors.Is(err, tape.ErrEndOfData), errors.Is(err, tape.ErrFilemark),
		errors.Is(err, tape.ErrBlockTooLong), errors.Is(err, tape.ErrIncompatibleMedium),
		errors.Is(err, tape.ErrCleaningCartridge), errors.Is(err, tape.ErrWriteProtected),
		errors.Is(err, tape.ErrBeginningOfMedium):
		return failMedia
	}
	return failOther
}

// pendingFile is an archive entry written, waiting for a synchronisation.
type pendingFile struct {
	e    *entry
	meta format.Meta
}

// archive runs an archive batch on the volume the core reserved for this
// drive: mount (label a blank volume), write each file, commit the copies
// in the catalog after each synchronisation, and only then report them
// done.
func (m *mover) archive(ctx context.Context, b *batch) {
	s, vol := m.s, b.volume
	es := slices.Clone(b.entries)
	if err := m.mount(ctx, vol, true); err != nil {
		m.failMount(ctx, es, vol, err)
		{
			if rerr := s.cat.ReleaseVolume(context.WithoutCancel(ctx), vol, s.writer(m.d)); rerr != nil && !errors.Is(rerr, catalog.ErrReserved) {
				m.log.Warn("scheduler: release volume", "volume", vol, "err", rerr)
			}
		}
		return
	}
	m.written = true
	ioctx := context.WithoutCancel(ctx)
	v, err := s.cat.Volume(ioctx, vol)
	if err != nil {
		m.s.unclaimed(m.d, es, "volume "+vol+": "+err.Error())
		return
	}
	a := &archiver{m: m, vol: vol, used: v.BytesUsed, pending: map[int64]pendingFile{}}
	w, err := m.tio.NewWriter(ioctx, m.d.Drive.Drive, vol)
	if err != nil {
		if classify(err, nil) == failDrive {
			m.driveFailed(ctx)
		}
		for _, e := range es {
			s.done(m.d, e, result{err: err, kind: classify(err, nil), volume: vol, noRetry: true})
		}
		return
	}
	a.w = w
	for len(es) > 0 {
		for i, e := range es {
			if ctx.Err() != nil {
				s.unclaimed(m.d, es[i:], "scheduler stopping")
				a.close(ioctx)
				return
			}
			if stop := a.write(ctx, e, es[i+1:]); stop {
				return
			}
		}
		es = s.more(m.d)
	}
	a.close(ioctx)
}

type archiver struct {
	m       *mover
	vol     string
	w       TapeWriter
	used    int64 // the volume's fill level as committed
	pending map[int64]pendingFile
}

// write writes one entry; stop true when the batch cannot go on (volume
// full, writer failed), the rest having been reported.
func (a *archiver) write(ctx context.Context, e *entry, rest []*entry) (stop bool) {
	m, s := a.m, a.m.s
	ioctx := context.WithoutCancel(ctx)
	for {
		if entryDone(e) {
			s.done(m.d, e, result{err: e.ctx.Err(), kind: failCancelled, volume: a.vol})
			return false
		}
		f := e.file
		if f.ID != e.FileID {
			var err error
			if f, err = s.cat.File(ioctx, e.FileID); err != nil {
				if s.done(m.d, e, result{err: err, kind: failOther, volume: a.vol}) {
					continue
				}
				return false
			}
		}
		// A copy committed by an earlier run that ended (a crash) before
		// it could finish the request is already safe: writing it again
		// would only fail at the commit.
		if c, ok, err := committedCopy(ioctx, s.cat, e); err != nil {
			kind := failOther
			if errors.Is(err, errGone) {
				kind = failGone
			}
			s.done(m.d, e, result{err: err, kind: kind, volume: a.vol, noRetry: true})
			return false
		} else if ok {
			s.done(m.d, e, result{volume: c.Volume, copies: []catalog.Copy{c}})
			return false
		}
		sums, err := ExpectedChecksums(f)
		if err != nil {
			s.done(m.d, e, result{err: err, kind: failOther, volume: a.vol, noRetry: true})
			return false
		}
		meta := format.Meta{FileID: strconv.FormatInt(f.ID, 10), Path: f.Path, Size: f.Size, ModTime: f.Modified,
			Copy: int(max(e.CopyNo, 1)), StorageClass: f.StorageClass, Checksums: sums}
		r, err := s.cfg.Source.Open(ioctx, e.Request)
		if err != nil {
			if s.done(m.d, e, result{err: &sinkError{err}, kind: failSink, volume: a.vol}) {
				continue
			}
			return false
		}
		rec, err := a.w.WriteFile(ioctx, meta, &entryReader{ctx: e.ctx, r: r})
		r.Close()
		switch {
		case err == nil:
			a.pending[rec.FSeq] = pendingFile{e: e, meta: meta}
			if rec.Status == format.StatusOK {
				recs, serr := a.w.Sync(ioctx)
				a.commit(ioctx, recs)
				if serr != nil {
					a.failed(ctx, serr, rest)
					return true
				}
			}
			return false
		case errors.Is(err, format.ErrVolumeFull):
			if rec.FSeq > 0 {
				a.pending[rec.FSeq] = pendingFile{e: e, meta: meta}
			}
			recs, serr := a.w.Sync(ioctx)
			a.commit(ioctx, recs)
			if err := s.cat.SetVolumeState(ioctx, a.vol, catalog.StateFull, "early warning"); err != nil {
				m.log.Error("scheduler: mark volume full", "volume", a.vol, "err", err)
			}
			if err := s.cat.ReleaseVolume(ioctx, a.vol, s.writer(m.d)); err != nil && !errors.Is(err, catalog.ErrReserved) {
				m.log.Warn("scheduler: release a full volume", "volume", a.vol, "err", err)
			}
			m.written = false
			full := &mountError{kind: failNoSpace, err: fmt.Errorf("scheduler: volume %s is full: %w", a.vol, err)}
			if rec.FSeq == 0 {
				s.done(m.d, e, result{err: full, kind: failNoSpace, volume: a.vol})
			}
			for _, o := range rest {
				s.done(m.d, o, result{err: full, kind: failNoSpace, volume: a.vol})
			}
			if serr != nil {
				a.failed(ctx, serr, nil)
				return true
			}
			a.close(ioctx)
			// The tape is of no more use for writing: let it go.
			if derr := m.dismount(ctx); derr != nil {
				m.log.Warn("scheduler: dismount a full volume", "volume", a.vol, "err", derr)
			}
			return true
		case fileLeftOff(err):
			// Nothing of the file is on tape; the writer goes on.
			if s.done(m.d, e, result{err: err, kind: classify(err, e), volume: a.vol}) {
				continue
			}
			return false
		default:
			m.errs++
			a.pending[-1] = pendingFile{e: e}
			a.failed(ctx, err, rest)
			return true
		}
	}
}

// fileLeftOff: the writer refused one file (its input) and goes on.
func fileLeftOff(err error) bool {
	var te *tape.Error
	if errors.As(err, &te) {
		return false
	}
	return errors.Is(err, format.ErrInput) || errors.Is(err, format.ErrSizeMismatch) || errors.Is(err, checksum.ErrMismatch)
}

// commit records synchronised files in the catalog, then reports them
// done: never the other way round. New copies go in with CommitCopies,
// relocated ones (Request.Relocate) with RelocateCopies, each run of
// either kind in tape order, so that every call finds its files after
// the volume's last one.
func (a *archiver) commit(ctx context.Context, recs []format.Record) {
	if len(recs) == 0 {
		return
	}
	m := a.m
	var copies []catalog.Copy
	var files []*entry
	var bytes int64
	for _, rec := range recs {
		p, ok := a.pending[rec.FSeq]
		if !ok {
			m.log.Error("scheduler: synchronised a file the mover did not write", "volume", a.vol, "fseq", rec.FSeq)
			continue
		}
		delete(a.pending, rec.FSeq)
		n := tapeBytes(rec, p.meta)
		copies = append(copies, catalog.Copy{FileID: p.e.FileID, CopyNo: max(p.e.CopyNo, 1), Volume: a.vol,
			FileSeq: rec.FSeq, BlockID: rec.Block, Format: CopyFormat(rec), Size: n})
		files = append(files, p.e)
		bytes += n
	}
	used := a.used + bytes
	if st, err := m.d.Drive.Drive.Status(ctx); err == nil && st.Capacity > 0 {
		used = max(a.used, st.Capacity-st.Remaining)
	}
	for len(copies) > 0 {
		n := 1
		for n < len(copies) && (files[n].Relocate != "") == (files[0].Relocate != "") {
			n++
		}
		a.commitRun(ctx, copies[:n], files[:n], used)
		copies, files = copies[n:], files[n:]
	}
}

// commitRun commits copies of one kind (all new or all relocated) and
// ends their requests.
func (a *archiver) commitRun(ctx context.Context, copies []catalog.Copy, files []*entry, used int64) {
	m, s := a.m, a.m.s
	relocate := files[0].Relocate != ""
	var last int64
	for _, c := range copies {
		last = max(last, c.FileSeq)
	}
	record := func(cs []catalog.Copy) error {
		if relocate {
			return s.cat.RelocateCopies(ctx, a.vol, cs, used, last)
		}
		return s.cat.CommitCopies(ctx, a.vol, cs, used, last)
	}
	type dup struct {
		e  *entry
		of int
	}
	var dups []dup
	err := record(copies)
	if errors.Is(err, catalog.ErrExists) || (relocate && (errors.Is(err, catalog.ErrNotFound) || errors.Is(err, catalog.ErrInvalid))) {
		// Some of these files already have this copy (the same archive
		// submitted twice, or committed by a run that crashed before it
		// finished the request), or, for a relocation, the copy has
		// already moved or is gone (the file was deleted meanwhile).
		// Those end as they are, and what was just written for them stays
		// on tape unreferenced. The others are recorded without them.
		var keep []catalog.Copy
		var keepFiles []*entry
		var lookupErr error
		first := map[[2]int64]int{} // (file, copy) -> its index in keep
		for i, c := range copies {
			if j, ok := first[[2]int64{c.FileID, c.CopyNo}]; ok {
				// Twice in this batch: the first is recorded, this
				// one ends with it.
				dups = append(dups, dup{files[i], j})
				continue
			}
			old, ok, cerr := committedCopy(ctx, s.cat, files[i])
			switch {
			case errors.Is(cerr, errGone):
				s.done(m.d, files[i], result{err: cerr, kind: failGone, volume: a.vol, noRetry: true})
				continue
			case cerr != nil:
				lookupErr = cerr
			case ok:
				m.log.Warn("scheduler: the file already has this copy; the one written stays unreferenced",
					"volume", a.vol, "fseq", c.FileSeq, "file", c.FileID, "copy", c.CopyNo, "committed", old.Volume)
				s.done(m.d, files[i], result{volume: old.Volume, copies: []catalog.Copy{old}})
				continue
			}
			first[[2]int64{c.FileID, c.CopyNo}] = len(keep)
			keep, keepFiles = append(keep, c), append(keepFiles, files[i])
		}
		copies, files, err = keep, keepFiles, lookupErr
		if err == nil {
			err = record(copies)
		}
	}
	if err != nil {
		m.log.Error("scheduler: commit copies", "volume", a.vol, "files", len(copies), "relocate", relocate, "err", err)
		for _, e := range files {
			s.done(m.d, e, result{err: err, kind: failOther, volume: a.vol, noRetry: true})
		}
		for _, d := range dups {
			s.done(m.d, d.e, result{err: err, kind: failOther, volume: a.vol, noRetry: true})
		}
		return
	}
	a.used = used
	for i, e := range files {
		s.done(m.d, e, result{volume: a.vol, copies: []catalog.Copy{copies[i]}})
	}
	for _, d := range dups {
		s.done(m.d, d.e, result{volume: a.vol, copies: []catalog.Copy{copies[d.of]}})
	}
}

// errGone: the file of an archive, or the copy it relocates, is no longer
// in the catalog.
var errGone = errors.New("scheduler: gone from the catalog")

// committedCopy returns the copy the catalog holds of e's file with e's
// copy number when it makes e needless: any such copy for an archive that
// adds one; for one that relocates (Request.Relocate), a copy on another
// volume than the one it leaves. For a relocation whose copy or file is
// gone, the error wraps errGone.
func committedCopy(ctx context.Context, cat catalog.Catalog, e *entry) (catalog.Copy, bool, error) {
	cs, err := cat.Copies(ctx, e.FileID)
	if err != nil && !errors.Is(err, catalog.ErrNotFound) {
		return catalog.Copy{}, false, err
	}
	for _, c := range cs {
		if c.CopyNo != max(e.CopyNo, 1) {
			continue
		}
		if e.Relocate != "" && c.Volume == e.Relocate {
			return catalog.Copy{}, false, nil
		}
		return c, true, nil
	}
	if e.Relocate != "" {
		return catalog.Copy{}, false, fmt.Errorf("%w: file %d has no copy %d to move off %s", errGone, e.FileID, max(e.CopyNo, 1), e.Relocate)
	}
	return catalog.Copy{}, false, nil
}

// failed reports a failed writer: what it had not synchronised is lost,
// the rest of the batch goes back.
func (a *archiver) failed(ctx context.Context, err error, rest []*entry) {
	m := a.m
	kind := classify(err, nil)
	if kind == failNone || kind == failSink {
		kind = failOther
	}
	if kind == failDrive {
		m.driveFailed(ctx)
	}
	lost := slices.Sorted(func(yield func(int64) bool) {
		for k := range a.pending {
			if !yield(k) {
				return
			}
		}
	})
	for _, k := range lost {
		m.s.done(m.d, a.pending[k].e, result{err: err, kind: kind, volume: a.vol, noRetry: true})
	}
	a.pending = map[int64]pendingFile{}
	if len(rest) > 0 {
		m.s.unclaimed(m.d, rest, "writer failed: "+err.Error())
	}
}

// close synchronises the last files and commits them.
func (a *archiver) close(ctx context.Context) {
	recs, err := a.w.Close(ctx)
	a.commit(ctx, recs)
	if err != nil && !errors.Is(err, format.ErrClosed) {
		a.failed(ctx, err, nil)
	}
}
