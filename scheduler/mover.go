package scheduler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/checksum"
	"github.com/tapekit/tapekit/simulator/vclock"
	"github.com/tapekit/tapekit/tape"
	"github.com/tapekit/tapekit/tape/format"
)

// The mover: one worker per drive runs the batches the planner hands out
// (see plan.go for the contract). It mounts, orders the reads, moves the
// data through the TapeIO and reports each request's outcome; it never
// decides what to do next.

// mountRetryDelay is how long a worker waits after a robot or dismount
// failure before it asks for work again, so a broken robot is not hammered.
const mountRetryDelay = 30 * time.Second

// errNotInLibrary: the changer does not hold the volume.
var errNotInLibrary = errors.New("scheduler: volume not in the library")

type mover struct {
	s   *Scheduler
	d   *driveState
	io  TapeIO
	ord Orderer
}

// runDrive is the worker of drive d: it runs until ctx ends or the drive
// goes down.
func (s *Scheduler) runDrive(ctx context.Context, d *driveState) {
	m := &mover{s: s, d: d, io: s.cfg.TapeIO, ord: s.cfg.Orderer}
	if m.io == nil {
		m.io = FormatIO{}
	}
	if m.ord == nil {
		m.ord = BlockOrder{}
	}
	if err := m.startup(ctx); err != nil && ctx.Err() == nil {
		s.logf("drive %s: start-up: %v", d.Name, err)
	}
	for {
		b, dismount, err := s.next(ctx, d)
		if err != nil {
			if errors.Is(err, errDriveDown) {
				// Give the tape back to its slot if the drive still can.
				bg := context.WithoutCancel(ctx)
				if err := m.dismount(bg); err != nil {
					s.logf("drive %s is down and keeps its tape: %v", d.Name, err)
				}
			}
			return
		}
		if dismount {
			if err := m.dismount(ctx); err != nil && ctx.Err() == nil {
				s.logf("drive %s: dismount: %v", d.Name, err)
				m.pause(ctx)
			}
			continue
		}
		if b == nil {
			continue
		}
		switch b.kind {
		case Recall:
			m.recall(ctx, b)
		case Archive:
			m.archive(ctx, b)
		}
	}
}

// startup finds what is in the drive after a restart. A tape left in it
// by a crash is given back to its slot: the planner starts from empty
// drives, and the tape's requests were requeued by the recovery.
func (m *mover) startup(ctx context.Context) error {
	if m.s.cfg.Changer == nil {
		return nil
	}
	inv, err := m.s.cfg.Changer.Inventory(ctx)
	if err != nil {
		return err
	}
	el, ok := inv.Element(m.d.Element)
	if !ok {
		return fmt.Errorf("the changer has no element %d", m.d.Element)
	}
	if !el.Full {
		m.s.setMounted(m.d, "")
		return nil
	}
	m.s.setMounted(m.d, el.Barcode)
	return m.dismount(ctx)
}

// pause waits a while on the clock before the worker asks again.
func (m *mover) pause(ctx context.Context) {
	m.s.sleep(ctx, mountRetryDelay)
}

// sleep waits d on the scheduler's clock, or until ctx ends.
func (s *Scheduler) sleep(ctx context.Context, d time.Duration) {
	if vc, ok := s.clk.(*vclock.Clock); ok {
		vc.SleepContext(ctx, d)
		return
	}
	t := s.clk.Timer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

func (s *Scheduler) logf(format string, args ...any) {
	if s.log != nil {
		s.log.Warn(fmt.Sprintf(format, args...))
	}
}

// dismount unloads the drive's tape and puts it back in a slot.
func (m *mover) dismount(ctx context.Context) error {
	if m.d.mounted == "" {
		return nil
	}
	uerr := m.d.Drive.Drive.Unload(ctx)
	if errors.Is(uerr, tape.ErrNoMedium) {
		uerr = nil
	}
	if m.s.cfg.Changer != nil {
		// Even when the drive failed to unload, the robot may still get a
		// cartridge that was never threaded out of it.
		if _, err := changer.Unload(ctx, m.s.cfg.Changer, m.d.Element); err != nil && !errors.Is(err, changer.ErrSourceEmpty) {
			if uerr != nil {
				return fmt.Errorf("unload %s: %w (and the robot could not take it: %v)", m.d.mounted, uerr, err)
			}
			return fmt.Errorf("move %s back to a slot: %w", m.d.mounted, err)
		}
	} else if uerr != nil {
		return fmt.Errorf("unload %s: %w", m.d.mounted, uerr)
	}
	m.s.setMounted(m.d, "")
	return nil
}

// mountError says how a failed mount is reported.
type mountError struct {
	kind failKind // failMedia, failDrive or failOther (robot: requeue)
	err  error
}

func (e *mountError) Error() string { return e.err.Error() }
func (e *mountError) Unwrap() error { return e.err }

// mount makes volume the tape in the drive, loaded and with its label
// checked; with label, a blank volume is labelled first.
func (m *mover) mount(ctx context.Context, volume string, label bool) error {
	d := m.d
	if d.mounted == volume {
		return nil
	}
	if d.mounted != "" {
		if err := m.dismount(ctx); err != nil {
			return &mountError{failDrive, err}
		}
	}
	if c := m.s.cfg.Changer; c != nil {
		inv, err := c.Inventory(ctx)
		if err != nil {
			return &mountError{failOther, fmt.Errorf("inventory: %w", err)}
		}
		el, ok := inv.Find(volume)
		switch {
		case !ok:
			return &mountError{failMedia, fmt.Errorf("%w: %s", errNotInLibrary, volume)}
		case el.Address == d.Element:
		case el.Type == changer.DataTransfer:
			return &mountError{failOther, fmt.Errorf("%s is in another drive (element %d)", volume, el.Address)}
		default:
			if err := c.Move(ctx, el.Address, d.Element); err != nil {
				kind := failOther
				if errors.Is(err, changer.ErrIncompatibleMedium) {
					kind = failMedia
				}
				return &mountError{kind, fmt.Errorf("move %s to drive %s: %w", volume, d.Name, err)}
			}
		}
		// From here on the tape is in the drive, loaded or not.
		m.s.setMounted(d, volume)
	}
	if err := d.Drive.Drive.Load(ctx); err != nil {
		return &mountError{classify(err), fmt.Errorf("load %s: %w", volume, err)}
	}
	m.s.setMounted(d, volume)
	_, err := format.CheckLabel(ctx, d.Drive.Drive, volume)
	if err != nil && label && (errors.Is(err, format.ErrNoLabel) || errors.Is(err, tape.ErrEndOfData)) {
		if v, verr := m.s.cat.Volume(ctx, volume); verr == nil && v.LastFileSeq == 0 {
			_, err = format.Label(ctx, d.Drive.Drive, volume, nil)
		}
	}
	if err != nil {
		kind := classify(err)
		var lm *format.LabelMismatchError
		if errors.As(err, &lm) || errors.Is(err, format.ErrNoLabel) {
			kind = failMedia
		}
		return &mountError{kind, fmt.Errorf("label of %s: %w", volume, err)}
	}
	if err := m.s.cat.RecordMount(ctx, volume, 0); err != nil {
		m.s.logf("drive %s: record mount of %s: %v", d.Name, volume, err)
	}
	return nil
}

// mountFailed reports a failed mount: a drive failure takes the drive down
// (one entry carries it), a media failure counts against the volume for
// every entry, anything else (robot) gives the entries back.
func (m *mover) mountFailed(ctx context.Context, b *batch, es []*entry, err error) {
	var me *mountError
	if !errors.As(err, &me) {
		me = &mountError{failOther, err}
	}
	switch {
	case len(es) == 0:
	case me.kind == failDrive:
		m.s.done(m.d, es[0], result{err: me.err, kind: failDrive, volume: b.volume})
		m.s.unclaimed(m.d, es[1:], me.err.Error())
	case me.kind == failMedia:
		for _, e := range es {
			m.s.done(m.d, e, result{err: me.err, kind: failMedia, volume: b.volume})
		}
	default:
		m.s.unclaimed(m.d, es, me.err.Error())
		if ctx.Err() == nil {
			m.pause(ctx)
		}
	}
}

// classify sorts a tape error into the planner's kinds.
func classify(err error) failKind {
	var mm *checksum.MismatchError
	switch {
	case err == nil:
		return failNone
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return failCancelled
	case errors.Is(err, tape.ErrMediumError), errors.As(err, &mm),
		errors.Is(err, format.ErrNoLabel), errors.Is(err, tape.ErrIncompatibleMedium),
		errors.Is(err, tape.ErrCleaningCartridge), errors.Is(err, tape.ErrBlockTooLong):
		return failMedia
	case errors.Is(err, tape.ErrHardwareError), errors.Is(err, tape.ErrNotReady),
		errors.Is(err, tape.ErrClosed), errors.Is(err, tape.ErrNoMedium):
		return failDrive
	}
	var fe *format.FileError
	if errors.As(err, &fe) {
		// A file that does not read back as written: its copy is bad.
		return failMedia
	}
	return failOther
}

// entryCtx is the context of one entry's work: it ends with the run or
// with the request.
func entryCtx(ctx context.Context, e *entry) (context.Context, context.CancelFunc) {
	c, cancel := context.WithCancel(ctx)
	if e.ctx == nil {
		return c, cancel
	}
	stop := context.AfterFunc(e.ctx, cancel)
	return c, func() { stop(); cancel() }
}

// recall runs a recall batch: reserve sink room for the first file (a
// full sink delays the mount), mount, read the files in the orderer's
// order (each reserved before it is read), then what arrived meanwhile.
func (m *mover) recall(ctx context.Context, b *batch) {
	s := m.s
	todo := b.entries
	// Back-pressure: the mount waits for room for the first file.
	for len(todo) > 0 {
		e := todo[0]
		ok, stop := m.reserve(ctx, e)
		if stop {
			s.unclaimed(m.d, todo, "shutting down")
			return
		}
		if ok {
			break
		}
		todo = todo[1:]
	}
	if len(todo) == 0 {
		return
	}
	if err := m.mount(ctx, b.volume, false); err != nil {
		s.cfg.Sink.Release(todo[0].Request)
		m.mountFailed(ctx, b, todo, err)
		return
	}
	reserved := todo[0]
	for len(todo) > 0 {
		todo = m.order(ctx, b.volume, todo)
		for i, e := range todo {
			if e != reserved {
				ok, stop := m.reserve(ctx, e)
				if stop {
					s.unclaimed(m.d, todo[i:], "shutting down")
					return
				}
				if !ok {
					continue
				}
			}
			reserved = nil
			if !m.readOne(ctx, b, e) {
				s.unclaimed(m.d, todo[i+1:], "drive failed or shutting down")
				return
			}
		}
		todo = s.more(m.d)
	}
}

// reserve takes sink room for e. ok: reserved; !ok && !stop: e ended
// (cancelled, or the sink can never take it); stop: the run ends.
func (m *mover) reserve(ctx context.Context, e *entry) (ok, stop bool) {
	ectx, cancel := entryCtx(ctx, e)
	defer cancel()
	err := m.s.cfg.Sink.Reserve(ectx, e.Request)
	switch {
	case err == nil:
		return true, false
	case ctx.Err() != nil:
		return false, true
	case e.ctx != nil && e.ctx.Err() != nil:
		m.s.done(m.d, e, result{err: err, kind: failCancelled})
	default:
		m.s.done(m.d, e, result{err: fmt.Errorf("sink: %w", err), kind: failSink})
	}
	return false, false
}

// order sorts entries by the orderer. A failing orderer falls back to
// block order: ordering is an optimisation.
func (m *mover) order(ctx context.Context, volume string, es []*entry) []*entry {
	if len(es) < 2 {
		return es
	}
	segs := make([]tape.Segment, len(es))
	for i, e := range es {
		segs[i] = tape.Segment{ID: uint64(i), FirstBlock: e.copy.BlockID, LastBlock: e.copy.BlockID + max(copyBlocks(e.copy)-1, 0)}
	}
	from := int64(0)
	if pos, err := m.d.Drive.Drive.Position(ctx); err == nil {
		from = pos.Block
	}
	out, err := m.ord.Order(ctx, m.d.Drive.Drive, volume, from, segs)
	if err != nil || len(out) != len(segs) {
		out, _ = BlockOrder{}.Order(ctx, nil, volume, from, segs)
	}
	res := make([]*entry, 0, len(es))
	seen := make([]bool, len(es))
	for _, g := range out {
		if g.ID < uint64(len(es)) && !seen[g.ID] {
			seen[g.ID] = true
			res = append(res, es[g.ID])
		}
	}
	for i, e := range es {
		if !seen[i] {
			res = append(res, e)
		}
	}
	return res
}

// copyBlocks estimates how many blocks a copy spans, for ordering.
func copyBlocks(c catalog.Copy) int64 {
	if c.Size <= 0 {
		return 1
	}
	return (c.Size + format.DefaultBlockSize - 1) / format.DefaultBlockSize
}

// readOne reads e (reserved) into the sink and reports it, with the
// retries the planner allows on this mount. It returns false when the
// batch must stop: the drive failed or the run ends.
func (m *mover) readOne(ctx context.Context, b *batch, e *entry) bool {
	s := m.s
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			if ok, stop := m.reserve(ctx, e); stop {
				s.unclaimed(m.d, []*entry{e}, "shutting down")
				return false
			} else if !ok {
				return true
			}
		}
		res := m.readInto(ctx, e)
		res.volume = b.volume
		if res.kind != failNone && ctx.Err() != nil && (e.ctx == nil || e.ctx.Err() == nil) {
			// The run ends, not the request: it goes back to the queue.
			s.unclaimed(m.d, []*entry{e}, "shutting down")
			return false
		}
		if retry := s.done(m.d, e, res); retry {
			continue
		}
		return res.kind != failDrive
	}
}

// readInto delivers one copy to the sink; the reservation is used or
// given back whatever happens.
func (m *mover) readInto(ctx context.Context, e *entry) result {
	sink := m.s.cfg.Sink
	ectx, cancel := entryCtx(ctx, e)
	defer cancel()
	f, err := sink.Create(ectx, e.Request)
	if err != nil {
		sink.Release(e.Request)
		if ectx.Err() != nil {
			return result{err: err, kind: failCancelled}
		}
		return result{err: fmt.Errorf("sink: %w", err), kind: failSink}
	}
	sums, err := m.io.ReadCopy(ectx, m.d.Drive.Drive, e.file, e.copy, f)
	if err != nil {
		f.Abort()
		kind := classify(err)
		if kind == failCancelled && ctx.Err() == nil && (e.ctx == nil || e.ctx.Err() == nil) {
			kind = failOther // a deadline of the TapeIO's own
		}
		return result{err: err, kind: kind}
	}
	if err := f.Commit(sums); err != nil {
		return result{err: fmt.Errorf("sink: %w", err), kind: failSink}
	}
	return result{}
}

// archive runs an archive batch on the volume the planner reserved:
// mount (labelling a blank volume), write the files, and commit each
// copy to the catalog only after a synchronising filemark covered it.
func (m *mover) archive(ctx context.Context, b *batch) {
	s := m.s
	if err := m.mount(ctx, b.volume, true); err != nil {
		m.mountFailed(ctx, b, b.entries, err)
		return
	}
	v, err := s.cat.Volume(ctx, b.volume)
	if err != nil {
		m.mountFailed(ctx, b, b.entries, err)
		return
	}
	w, err := m.io.NewWriter(ctx, m.d.Drive.Drive, v)
	if err != nil {
		kind := classify(err)
		var lm *format.LabelMismatchError
		if errors.As(err, &lm) {
			kind = failMedia
		}
		m.mountFailed(ctx, b, b.entries, &mountError{kind, err})
		return
	}
	a := &archiver{m: m, b: b, w: w, vol: v, pending: map[string]*entry{}}
	todo := b.entries
	for len(todo) > 0 {
		for i, e := range todo {
			if !a.write(ctx, e) {
				a.abandon(todo[i+1:])
				return
			}
		}
		todo = s.more(m.d)
	}
	recs, err := w.Close(ctx)
	a.commit(ctx, recs)
	if err != nil {
		a.failPending(err)
	}
	if a.full {
		if err := s.cat.SetVolumeState(context.WithoutCancel(ctx), b.volume, catalog.StateFull, "end of medium"); err != nil {
			s.logf("drive %s: mark %s full: %v", m.d.Name, b.volume, err)
		}
		s.cat.ReleaseVolume(context.WithoutCancel(ctx), b.volume, s.writer(m.d))
	}
}

type archiver struct {
	m       *mover
	b       *batch
	w       ArchiveWriter
	vol     catalog.Volume
	pending map[string]*entry // written, not yet synchronised: by file id and copy
	full    bool
	failed  bool
}

func pendingKey(fileID string, copyNo int) string { return fileID + "/" + strconv.Itoa(copyNo) }

// write appends one file. It returns false when the rest of the batch
// cannot be written on this volume.
func (a *archiver) write(ctx context.Context, e *entry) bool {
	m, s := a.m, a.m.s
	if a.full || a.failed {
		return false
	}
	if e.ctx != nil && e.ctx.Err() != nil {
		s.done(m.d, e, result{err: e.ctx.Err(), kind: failCancelled, volume: a.b.volume})
		return true
	}
	f, err := s.cat.File(ctx, e.FileID)
	if err != nil {
		if ctx.Err() != nil {
			s.unclaimed(m.d, []*entry{e}, "shutting down")
			return false
		}
		s.done(m.d, e, result{err: fmt.Errorf("catalog: %w", err), kind: failOther, volume: a.b.volume})
		return true
	}
	sums, err := catalogSums(f)
	if err != nil {
		s.done(m.d, e, result{err: err, kind: failOther, volume: a.b.volume})
		return true
	}
	var src io.ReadCloser
	if s.cfg.Source == nil {
		err = errors.New("no Source configured")
	} else {
		src, err = s.cfg.Source.Open(ctx, e.Request)
	}
	if err != nil {
		if ctx.Err() != nil {
			s.unclaimed(m.d, []*entry{e}, "shutting down")
			return false
		}
		s.done(m.d, e, result{err: fmt.Errorf("source: %w", err), kind: failOther, volume: a.b.volume})
		return true
	}
	meta := format.Meta{
		FileID: strconv.FormatInt(e.FileID, 10), Path: f.Path, Size: f.Size, ModTime: f.Modified,
		Copy: int(e.CopyNo), StorageClass: f.StorageClass, Checksums: sums,
	}
	rec, err := a.w.WriteFile(ctx, meta, src)
	src.Close()
	switch {
	case err == nil:
		a.pending[pendingKey(meta.FileID, meta.Copy)] = e
		if rec.Status == format.StatusOK {
			// This write synchronised: commit what it made durable.
			recs, err := a.w.Sync(ctx)
			a.commit(ctx, recs)
			if err != nil {
				a.failPending(err)
				return false
			}
		}
		return true
	case errors.Is(err, format.ErrVolumeFull):
		a.full = true
		if rec.FSeq != 0 {
			a.pending[pendingKey(meta.FileID, meta.Copy)] = e
		} else {
			s.done(m.d, e, result{err: err, kind: failNoSpace, volume: a.b.volume})
		}
		recs, _ := a.w.Sync(ctx)
		a.commit(ctx, recs)
		a.failPending(err)
		return false
	case errors.Is(err, format.ErrWriterFailed) || classify(err) == failDrive || classify(err) == failCancelled:
		a.failed = true
		kind := classify(err)
		if kind != failCancelled {
			kind = failDrive
		}
		if kind == failCancelled && ctx.Err() != nil {
			s.unclaimed(m.d, []*entry{e}, "shutting down")
		} else {
			s.done(m.d, e, result{err: err, kind: kind, volume: a.b.volume})
		}
		a.failPending(err)
		return false
	default:
		// The input was bad (size or checksums): not on tape; the writer
		// goes on.
		s.done(m.d, e, result{err: err, kind: failOther, volume: a.b.volume})
		return true
	}
}

// commit records durable files in the catalog and reports them done.
func (a *archiver) commit(ctx context.Context, recs []format.Record) {
	m, s := a.m, a.m.s
	if len(recs) == 0 {
		return
	}
	bctx := context.WithoutCancel(ctx)
	sort.Slice(recs, func(i, j int) bool { return recs[i].FSeq < recs[j].FSeq })
	copies := make([]catalog.Copy, 0, len(recs))
	es := make([]*entry, 0, len(recs))
	var onTape int64
	for _, r := range recs {
		e := a.pending[pendingKey(r.FileID, max(r.Copy, 1))]
		if e == nil {
			continue
		}
		delete(a.pending, pendingKey(r.FileID, max(r.Copy, 1)))
		size := r.Blocks * format.DefaultBlockSize
		onTape += size
		copies = append(copies, catalog.Copy{
			FileID: e.FileID, CopyNo: max(e.CopyNo, 1), Volume: a.b.volume, FileSeq: r.FSeq,
			BlockID: r.Block, Format: r.Format + "-1", Size: size,
		})
		es = append(es, e)
	}
	if len(copies) == 0 {
		return
	}
	used := a.vol.BytesUsed + onTape
	if st, err := m.d.Drive.Drive.Status(bctx); err == nil && st.Capacity > 0 && st.Remaining > 0 {
		used = max(used, st.Capacity-st.Remaining)
	}
	last := copies[len(copies)-1].FileSeq
	if err := s.cat.CommitCopies(bctx, a.b.volume, copies, used, last); err != nil {
		// On tape but not in the catalog: archive them again (the tape
		// files are orphans a scan reports).
		for _, e := range es {
			s.done(m.d, e, result{err: fmt.Errorf("catalog: %w", err), kind: failOther, volume: a.b.volume})
		}
		return
	}
	a.vol.BytesUsed, a.vol.LastFileSeq = used, last
	for i, e := range es {
		s.done(m.d, e, result{volume: a.b.volume, copies: copies[i : i+1]})
	}
}

// failPending reports the files written but never synchronised: they are
// not on tape.
func (a *archiver) failPending(err error) {
	m, s := a.m, a.m.s
	kind := failOther
	switch {
	case errors.Is(err, format.ErrVolumeFull):
		kind = failNoSpace
	case classify(err) == failDrive || errors.Is(err, format.ErrWriterFailed):
		kind = failDrive
	}
	keys := make([]string, 0, len(a.pending))
	for k := range a.pending {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var back []*entry
	for _, k := range keys {
		back = append(back, a.pending[k])
		delete(a.pending, k)
	}
	if kind == failDrive {
		// The drive is down already (or goes down with the first):
		// nothing of these counts against them.
		s.unclaimed(m.d, back, "drive failed before the file was synchronised: "+err.Error())
		return
	}
	for _, e := range back {
		s.done(m.d, e, result{err: err, kind: kind, volume: a.b.volume})
	}
}

// abandon gives back entries never started on this volume.
func (a *archiver) abandon(es []*entry) {
	if len(es) > 0 {
		a.m.s.unclaimed(a.m.d, es, "not written: the volume or drive stopped taking files")
	}
}
