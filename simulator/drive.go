package simulator

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/tapekit/tapekit/simulator/vclock"
	"github.com/tapekit/tapekit/tape"
)

// DriveStats counts what a drive did, in library time.
type DriveStats struct {
	Mounts       int
	BytesRead    int64
	BytesWritten int64
	// Streaming is time spent moving data at the native rate.
	Streaming time.Duration
	// Positioning is time spent locating, spacing, rewinding and
	// repositioning after a synchronising filemark (backhitch).
	Positioning time.Duration
	// Loading is time spent loading, unloading and cleaning.
	Loading     time.Duration
	Backhitches int
}

// backhitch is the time a drive loses when its buffer is flushed to tape
// and it stops: it has to back up and ramp up again before the next write.
const backhitch = 2500 * time.Millisecond

// cleaningTime is one cleaning cycle; cleaningLife the cycles a cleaning
// cartridge lasts.
const (
	cleaningTime = 90 * time.Second
	cleaningLife = 50
)

// TapeAlert flags the simulator raises (numbers from the TapeAlert table).
const (
	alertHardError       = 3
	alertMedia           = 4
	alertReadFailure     = 5
	alertWriteFailure    = 6
	alertWriteProtect    = 9
	alertCleaningMedia   = 11
	alertUnsupported     = 12
	alertCleanNow        = 20
	alertExpiredCleaning = 22
	alertHardwareA       = 30
)

// driveState is the shared state of one drive; Drive is a handle on it.
type driveState struct {
	lib    *Library
	index  int
	typ    *DriveType
	serial string
	elem   *element

	op *vclock.Resource // one operation at a time; guards what follows
	// threaded: the cartridge in the drive is loaded and ready.
	threaded       bool
	pos            int64 // logical object id
	debt           time.Duration
	failed         bool
	alerts         tape.TapeAlertFlags
	cleaningNeeded bool
	stats          DriveStats
	// stopped: a synchronising flush stopped the tape mid-stream, so the
	// next write first pays a backhitch to get back up to speed.
	stopped bool
	// file is what library.json records of the drive; guarded by lib.mu.
	file driveFile
	// mediumChanged and poweredOn remember the unit attentions a SCSI
	// initiator has not yet been told about.
	mediumChanged, poweredOn bool
	// powerLost is the barcode of the cartridge that was loaded when the
	// drive lost power, until the drive loads a cartridge again: while that
	// cartridge sits unloaded in the drive, ErrPowerLoss says why.
	powerLost string
}

// cart is the cartridge in the drive, threaded or not.
func (s *driveState) cart() *cartridge { return s.elem.cart }

// Drive is a handle on a simulated drive; it implements tape.Drive and the
// optional TapeAlertReader, FileLocator and Eraser. Get one from
// Library.Drive.
type Drive struct {
	s      *driveState
	closed atomic.Bool
}

var (
	_ tape.Drive           = (*Drive)(nil)
	_ tape.TapeAlertReader = (*Drive)(nil)
	_ tape.FileLocator     = (*Drive)(nil)
	_ tape.Eraser          = (*Drive)(nil)
)

// Index returns the drive's index in the library (0-based).
func (d *Drive) Index() int { return d.s.index }

// Serial returns the drive's serial number.
func (d *Drive) Serial() string { return d.s.serial }

// enter starts an operation: it takes the drive and checks the handle, the
// library and injected drive failures.
func (d *Drive) enter(ctx context.Context, op string) (*driveState, error) {
	if d.closed.Load() {
		return nil, &tape.Error{Op: op, Err: tape.ErrClosed}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s := d.s
	if err := s.op.Acquire(ctx); err != nil {
		return nil, &tape.Error{Op: op, Err: err}
	}
	s.lib.mu.Lock()
	closed := s.lib.closed
	s.lib.mu.Unlock()
	if closed {
		s.op.Release(ctx)
		return nil, &tape.Error{Op: op, Err: fmt.Errorf("%w: %w", tape.ErrClosed, ErrClosed)}
	}
	if s.failed {
		s.op.Release(ctx)
		return nil, &tape.Error{Op: op, Err: fmt.Errorf("%w: drive %d failed (injected)", tape.ErrHardwareError, s.index)}
	}
	return s, nil
}

func (s *driveState) errAt(op string, err error) *tape.Error {
	e := &tape.Error{Op: op, Err: err}
	if c := s.cart(); c != nil && s.threaded {
		e.Pos, e.PosValid = s.position(c), true
	}
	return e
}

func (s *driveState) position(c *cartridge) tape.Position {
	return tape.Position{Block: s.pos, File: c.content.filesBefore(s.pos)}
}

// ready returns the loaded data cartridge, or why there is none.
func (s *driveState) ready(op string) (*cartridge, error) {
	c := s.cart()
	switch {
	case c == nil:
		return nil, &tape.Error{Op: op, Err: tape.ErrNoMedium}
	case !s.threaded && s.powerLost == c.barcode:
		return nil, &tape.Error{Op: op, Err: fmt.Errorf("%w: cartridge %s is not loaded: %w", tape.ErrNotReady, c.barcode, ErrPowerLoss)}
	case !s.threaded:
		return nil, &tape.Error{Op: op, Err: fmt.Errorf("%w: cartridge %s is not loaded", tape.ErrNotReady, c.barcode)}
	case c.cleaning:
		s.alerts = s.alerts.With(alertCleaningMedia)
		return nil, &tape.Error{Op: op, Err: tape.ErrCleaningCartridge}
	case !s.typ.CanRead(c.media):
		s.alerts = s.alerts.With(alertUnsupported)
		return nil, &tape.Error{Op: op, Err: fmt.Errorf("%w: %s drive cannot read %s", tape.ErrIncompatibleMedium, s.typ.Product, c.media.Name)}
	}
	return c, nil
}

// writable checks that the loaded cartridge may be written.
func (s *driveState) writable(op string, c *cartridge) error {
	if !s.typ.CanWrite(c.media) {
		s.alerts = s.alerts.With(alertUnsupported)
		return s.errAt(op, fmt.Errorf("%w: %s drive cannot write %s", tape.ErrIncompatibleMedium, s.typ.Product, c.media.Name))
	}
	if c.wp {
		s.alerts = s.alerts.With(alertWriteProtect)
		return s.errAt(op, tape.ErrWriteProtected)
	}
	return nil
}

// settleEvery bounds how much streaming time a drive owes before it pays.
// On a vclock.Clock every operation pays as it ends, so that concurrent
// drives and the robot interleave exactly; a clock.Mock is advanced in
// large steps (each Add costs a millisecond of wall time), a real clock in
// small sleeps.
func (s *driveState) settleEvery() time.Duration {
	switch {
	case s.lib.vc != nil:
		return 0
	case s.lib.mock != nil:
		return time.Minute
	}
	return time.Duration(50 * float64(time.Millisecond) * s.lib.scale)
}

// stream charges n bytes moved at the native rate.
func (s *driveState) stream(ctx context.Context, c *cartridge, n int64) error {
	d := c.geo.Read(n)
	s.stats.Streaming += d
	s.debt += d
	if s.debt >= s.settleEvery() {
		return s.spend(ctx, 0)
	}
	return nil
}

// spend charges a mechanical action of d, after what the drive owes.
func (s *driveState) spend(ctx context.Context, d time.Duration) error {
	total := s.debt + d
	s.debt = 0
	return s.lib.wait(ctx, total)
}

// flush writes the drive's buffer to tape. After a synchronising filemark
// (stop true) the tape stops where the data ends; the backhitch that brings
// it back up to speed is paid by the next write, not by the flush, so a
// final synchronisation costs nothing extra.
func (s *driveState) flush(ctx context.Context, c *cartridge, stop bool) error {
	if c.synced == c.content.objects() {
		return nil
	}
	if err := s.lib.syncCartridge(c); err != nil {
		return s.errAt("flush", fmt.Errorf("%w: %v", tape.ErrHardwareError, err))
	}
	s.stopped = stop
	return nil
}

// resume pays the backhitch of a write that follows a synchronising flush.
func (s *driveState) resume(ctx context.Context) error {
	if !s.stopped {
		return nil
	}
	s.stopped = false
	s.stats.Backhitches++
	s.stats.Positioning += backhitch
	return s.spend(ctx, backhitch)
}

// Read implements tape.Drive.
func (d *Drive) Read(ctx context.Context, p []byte) (int, error) {
	s, err := d.enter(ctx, "read")
	if err != nil {
		return 0, err
	}
	defer s.op.Release(ctx)
	c, err := s.ready("read")
	if err != nil {
		return 0, err
	}
	o, ok := c.content.object(s.pos)
	if !ok {
		return 0, s.errAt("read", tape.ErrEndOfData)
	}
	if o.mark {
		e := s.errAt("read", tape.ErrFilemark)
		s.pos++
		return 0, e
	}
	if c.faultAt(s.pos, FaultRead) {
		s.alerts = s.alerts.With(alertMedia).With(alertReadFailure)
		e := s.errAt("read", fmt.Errorf("%w: unrecovered read error (injected)", tape.ErrMediumError))
		s.pos++
		return 0, e
	}
	n := min(int64(len(p)), o.len)
	switch {
	case o.synthetic:
		fillSynthetic(p[:n], s.pos)
	case o.stream != nil:
		if err := s.lib.readStream(c, o.stream, o.off, p[:n]); err != nil {
			return 0, s.errAt("read", fmt.Errorf("%w: %v", tape.ErrHardwareError, err))
		}
	default:
		b, err := s.lib.data(c)
		if err == nil {
			_, err = b.ReadAt(p[:n], o.off)
		}
		if err != nil {
			return 0, s.errAt("read", fmt.Errorf("%w: %v", tape.ErrHardwareError, err))
		}
	}
	var long error
	if o.len > int64(len(p)) {
		// Where the block was: worked out only when it is reported.
		long = &tape.Error{Op: "read", Pos: s.position(c), PosValid: true, Residue: o.len - int64(len(p)), Err: tape.ErrBlockTooLong}
	}
	s.pos++
	s.stats.BytesRead += o.len
	if err := s.stream(ctx, c, o.len); err != nil {
		return int(n), err
	}
	return int(n), long
}

// checkRoom reports whether n more bytes fit after the current position:
// ErrEndOfMedium if not, ErrEarlyWarning (with ok true) in the warning zone.
func (s *driveState) checkRoom(op string, c *cartridge, n int64) (warn bool, err error) {
	end := c.content.tapeOffset(s.pos) + n
	if end > c.media.Capacity {
		return false, s.errAt(op, tape.ErrEndOfMedium)
	}
	return end > c.media.Capacity-c.media.EarlyWarning, nil
}

// Write implements tape.Drive.
func (d *Drive) Write(ctx context.Context, p []byte) error {
	s, err := d.enter(ctx, "write")
	if err != nil {
		return err
	}
	defer s.op.Release(ctx)
	c, err := s.ready("write")
	if err != nil {
		return err
	}
	if err := s.writable("write", c); err != nil {
		return err
	}
	if len(p) == 0 || len(p) > s.typ.MaxBlockSize {
		return s.errAt("write", fmt.Errorf("%w: block of %d bytes (the drive takes 1 to %d)", tape.ErrIllegalRequest, len(p), s.typ.MaxBlockSize))
	}
	if c.faultAt(s.pos, FaultWrite) {
		s.alerts = s.alerts.With(alertMedia).With(alertWriteFailure)
		return s.errAt("write", fmt.Errorf("%w: write error (injected)", tape.ErrMediumError))
	}
	warn, err := s.checkRoom("write", c, int64(len(p)))
	if err != nil {
		return err
	}
	if err := s.resume(ctx); err != nil {
		return err
	}
	b, err := s.lib.data(c)
	if err == nil {
		err = s.lib.truncateAt(c, s.pos)
	}
	if err == nil {
		_, err = b.WriteAt(p, c.content.dataEnd())
	}
	if err != nil {
		return s.errAt("write", fmt.Errorf("%w: %v", tape.ErrHardwareError, err))
	}
	c.content.appendBlock(int64(len(p)))
	s.pos++
	s.stats.BytesWritten += int64(len(p))
	if err := s.stream(ctx, c, int64(len(p))); err != nil {
		return err
	}
	if warn {
		return s.errAt("write", tape.ErrEarlyWarning)
	}
	return nil
}

// WriteFilemarks implements tape.Drive. A synchronising call that has
// buffered data to flush costs a backhitch, as on a real drive.
func (d *Drive) WriteFilemarks(ctx context.Context, count int, sync bool) error {
	s, err := d.enter(ctx, "write filemarks")
	if err != nil {
		return err
	}
	defer s.op.Release(ctx)
	const op = "write filemarks"
	if count < 0 {
		return &tape.Error{Op: op, Err: fmt.Errorf("%w: negative filemark count %d", tape.ErrIllegalRequest, count)}
	}
	c, err := s.ready(op)
	if err != nil {
		return err
	}
	warn := false
	if count > 0 {
		if err := s.writable(op, c); err != nil {
			return err
		}
		if warn, err = s.checkRoom(op, c, int64(count)*filemarkSize); err != nil {
			return err
		}
		if err := s.resume(ctx); err != nil {
			return err
		}
		if err := s.lib.truncateAt(c, s.pos); err != nil {
			return s.errAt(op, fmt.Errorf("%w: %v", tape.ErrHardwareError, err))
		}
		c.content.appendMarks(int64(count))
		s.pos += int64(count)
		if err := s.stream(ctx, c, int64(count)*filemarkSize); err != nil {
			return err
		}
	}
	if sync {
		if err := s.flush(ctx, c, true); err != nil {
			return err
		}
	}
	if warn {
		return s.errAt(op, tape.ErrEarlyWarning)
	}
	return nil
}

// move repositions to object id, charging the locate.
func (s *driveState) move(ctx context.Context, c *cartridge, id int64) error {
	s.stopped = false // a locate positions the tape anyway
	from, to := c.content.tapeOffset(s.pos), c.content.tapeOffset(id)
	s.pos = id
	t := c.geo.Locate(from, to)
	s.stats.Positioning += t
	return s.spend(ctx, t)
}

// Space implements tape.Drive.
func (d *Drive) Space(ctx context.Context, kind tape.SpaceKind, count int64) error {
	s, err := d.enter(ctx, "space")
	if err != nil {
		return err
	}
	defer s.op.Release(ctx)
	c, err := s.ready("space")
	if err != nil {
		return err
	}
	if err := s.flush(ctx, c, false); err != nil {
		return err
	}
	target, residue, stop := spaceTarget(&c.content, s.pos, kind, count)
	if err := s.move(ctx, c, target); err != nil {
		return err
	}
	if stop != nil {
		e := s.errAt("space", stop)
		e.Residue = residue
		return e
	}
	return nil
}

// spaceTarget computes where a space ends, what it left undone and why it
// stopped early, following SSC: a filemark stops a space over blocks
// (forward: after it; backward: before it), end of data stops forward
// spaces and the beginning of the partition backward ones.
func spaceTarget(c *content, pos int64, kind tape.SpaceKind, count int64) (target, residue int64, stop error) {
	end := c.objects()
	switch kind {
	case tape.SpaceEndOfData:
		return end, 0, nil
	case tape.SpaceBlocks:
		if count >= 0 {
			if m := c.nextMark(pos); m >= 0 && m < pos+count {
				return m + 1, count - (m - pos), tape.ErrFilemark
			}
			if pos+count > end {
				return end, count - (end - pos), tape.ErrEndOfData
			}
			return pos + count, 0, nil
		}
		n := -count
		if m := c.prevMark(pos); m >= 0 && m >= pos-n {
			return m, n - (pos - m - 1), tape.ErrFilemark
		}
		if pos-n < 0 {
			return 0, n - pos, tape.ErrBeginningOfMedium
		}
		return pos - n, 0, nil
	case tape.SpaceFilemarks:
		if count >= 0 {
			at := pos
			for i := int64(0); i < count; i++ {
				m := c.nextMark(at)
				if m < 0 {
					return end, count - i, tape.ErrEndOfData
				}
				// Skip whole runs of filemarks at once.
				k := min(count-i, c.marksFrom(m))
				at = m + k
				i += k - 1
			}
			return at, 0, nil
		}
		n := -count
		at := pos
		for i := int64(0); i < n; i++ {
			m := c.prevMark(at)
			if m < 0 {
				return 0, n - i, tape.ErrBeginningOfMedium
			}
			k := min(n-i, c.marksBackFrom(m))
			at = m - k + 1
			i += k - 1
		}
		return at, 0, nil
	}
	return pos, count, fmt.Errorf("%w: unknown space kind %v", tape.ErrIllegalRequest, kind)
}

// Locate implements tape.Drive.
func (d *Drive) Locate(ctx context.Context, pos tape.Position) error {
	s, err := d.enter(ctx, "locate")
	if err != nil {
		return err
	}
	defer s.op.Release(ctx)
	c, err := s.ready("locate")
	if err != nil {
		return err
	}
	if pos.Partition != 0 || pos.Block < 0 {
		return s.errAt("locate", fmt.Errorf("%w: no partition %d block %d (the simulator has one partition)", tape.ErrIllegalRequest, pos.Partition, pos.Block))
	}
	if err := s.flush(ctx, c, false); err != nil {
		return err
	}
	target := min(pos.Block, c.content.objects())
	if err := s.move(ctx, c, target); err != nil {
		return err
	}
	if target < pos.Block {
		return s.errAt("locate", tape.ErrEndOfData)
	}
	return nil
}

// LocateFile implements tape.FileLocator: it positions at the start of
// file (0-based), as LOCATE(16) to a file does.
func (d *Drive) LocateFile(ctx context.Context, partition int, file int64) error {
	s, err := d.enter(ctx, "locate file")
	if err != nil {
		return err
	}
	defer s.op.Release(ctx)
	c, err := s.ready("locate file")
	if err != nil {
		return err
	}
	if partition != 0 || file < 0 {
		return s.errAt("locate file", fmt.Errorf("%w: no partition %d file %d", tape.ErrIllegalRequest, partition, file))
	}
	if err := s.flush(ctx, c, false); err != nil {
		return err
	}
	target, residue, stop := int64(0), int64(0), error(nil)
	if file > 0 {
		target, residue, stop = spaceTarget(&c.content, 0, tape.SpaceFilemarks, file)
	}
	if err := s.move(ctx, c, target); err != nil {
		return err
	}
	if stop != nil {
		e := s.errAt("locate file", stop)
		e.Residue = residue
		return e
	}
	return nil
}

// Rewind implements tape.Drive.
func (d *Drive) Rewind(ctx context.Context) error {
	s, err := d.enter(ctx, "rewind")
	if err != nil {
		return err
	}
	defer s.op.Release(ctx)
	c, err := s.ready("rewind")
	if err != nil {
		return err
	}
	return s.rewind(ctx, c)
}

func (s *driveState) rewind(ctx context.Context, c *cartridge) error {
	if err := s.flush(ctx, c, false); err != nil {
		return err
	}
	t := c.geo.Rewind(c.content.tapeOffset(s.pos))
	s.pos, s.stopped = 0, false
	s.stats.Positioning += t
	return s.spend(ctx, t)
}

// Position implements tape.Drive.
func (d *Drive) Position(ctx context.Context) (tape.Position, error) {
	s, err := d.enter(ctx, "position")
	if err != nil {
		return tape.Position{}, err
	}
	defer s.op.Release(ctx)
	c, err := s.ready("position")
	if err != nil {
		return tape.Position{}, err
	}
	return s.position(c), nil
}

// Load implements tape.Drive. Loading a cleaning cartridge runs a cleaning
// cycle, after which the drive ejects it.
func (d *Drive) Load(ctx context.Context) error {
	s, err := d.enter(ctx, "load")
	if err != nil {
		return err
	}
	defer s.op.Release(ctx)
	return s.load(ctx)
}

func (s *driveState) load(ctx context.Context) error {
	c := s.cart()
	if c == nil {
		return &tape.Error{Op: "load", Err: tape.ErrNoMedium}
	}
	if s.threaded {
		return nil
	}
	if c.cleaning {
		return s.clean(ctx, c)
	}
	s.threaded, s.pos, s.stopped, s.powerLost = true, 0, false, ""
	s.mediumChanged = true
	// Cartridge fields are read by every drive's persist (saveLocked,
	// under l.mu): change them under it.
	s.lib.mu.Lock()
	c.mounts++
	s.lib.mu.Unlock()
	s.stats.Mounts++
	s.stats.Loading += c.geo.Load()
	if err := s.spend(ctx, c.geo.Load()); err != nil {
		return err
	}
	return s.persist()
}

func (s *driveState) clean(ctx context.Context, c *cartridge) error {
	s.lib.mu.Lock()
	c.cleaningUses++
	s.lib.mu.Unlock()
	if c.cleaningUses > cleaningLife {
		s.alerts = s.alerts.With(alertExpiredCleaning)
		return &tape.Error{Op: "load", Err: fmt.Errorf("%w: cleaning cartridge %s expired", tape.ErrCleaningCartridge, c.barcode)}
	}
	s.cleaningNeeded = false
	s.alerts &^= 1<<(alertCleanNow-1) | 1<<(21-1)
	s.stats.Loading += cleaningTime
	return s.spend(ctx, cleaningTime)
}

// Unload implements tape.Drive: it flushes, rewinds and ejects.
func (d *Drive) Unload(ctx context.Context) error {
	s, err := d.enter(ctx, "unload")
	if err != nil {
		return err
	}
	defer s.op.Release(ctx)
	return s.unload(ctx)
}

func (s *driveState) unload(ctx context.Context) error {
	c := s.cart()
	if c == nil {
		return &tape.Error{Op: "unload", Err: tape.ErrNoMedium}
	}
	if !s.threaded {
		return nil
	}
	if !c.cleaning {
		if err := s.rewind(ctx, c); err != nil {
			return err
		}
	}
	s.threaded = false
	if c.media != nil {
		s.stats.Loading += c.geo.Unload()
		if err := s.spend(ctx, c.geo.Unload()); err != nil {
			return err
		}
	}
	return s.persist()
}

// Status implements tape.Drive.
func (d *Drive) Status(ctx context.Context) (tape.Status, error) {
	s, err := d.enter(ctx, "status")
	if err != nil {
		return tape.Status{}, err
	}
	defer s.op.Release(ctx)
	st := tape.Status{
		Vendor: s.typ.Vendor, Product: s.typ.Product, Serial: s.serial, Revision: "SIM1",
		MaxBlockSize: s.typ.MaxBlockSize, CleaningNeeded: s.cleaningNeeded,
	}
	c := s.cart()
	if c != nil && c.cleaning {
		// A cleaning cartridge is ejected after its cycle and waits in the
		// drive for the robot.
		st.Cleaning, st.Barcode = true, c.barcode
		return st, nil
	}
	if c == nil || !s.threaded {
		return st, nil
	}
	st.Loaded = true
	st.Barcode = c.barcode
	st.Position = s.position(c)
	st.BOT = s.pos == 0
	st.EOD = s.pos == c.content.objects()
	used := c.content.tapeOffset(s.pos)
	st.EarlyWarning = used > c.media.Capacity-c.media.EarlyWarning
	st.WriteProtected = c.wp
	st.MediaType = c.media.Name
	st.DensityCode = c.media.DensityCode
	st.Capacity = c.media.Capacity
	st.Remaining = max(c.media.Capacity-c.content.tapeBytes(), 0)
	return st, nil
}

// TapeAlerts implements tape.TapeAlertReader; reading clears the flags, as
// on a real drive. A failed drive still answers, with flag 30 (hardware A).
func (d *Drive) TapeAlerts(ctx context.Context) (tape.TapeAlertFlags, error) {
	if d.closed.Load() {
		return 0, &tape.Error{Op: "tapealert", Err: tape.ErrClosed}
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s := d.s
	if err := s.op.Acquire(ctx); err != nil {
		return 0, &tape.Error{Op: "tapealert", Err: err}
	}
	defer s.op.Release(ctx)
	f := s.alerts
	if s.cleaningNeeded {
		f = f.With(alertCleanNow)
	}
	if s.failed {
		f = f.With(alertHardwareA)
	}
	s.alerts = 0
	return f, nil
}

// Erase implements tape.Eraser: it removes everything from the current
// position on. A long erase also pays for passing over the rest of the tape.
func (d *Drive) Erase(ctx context.Context, long bool) error {
	s, err := d.enter(ctx, "erase")
	if err != nil {
		return err
	}
	defer s.op.Release(ctx)
	c, err := s.ready("erase")
	if err != nil {
		return err
	}
	if err := s.writable("erase", c); err != nil {
		return err
	}
	if err := s.lib.truncateAt(c, s.pos); err != nil {
		return s.errAt("erase", fmt.Errorf("%w: %v", tape.ErrHardwareError, err))
	}
	if err := s.flush(ctx, c, false); err != nil {
		return err
	}
	if long {
		t := c.geo.Read(c.media.Capacity - c.content.tapeOffset(s.pos))
		s.stats.Positioning += t
		return s.spend(ctx, t)
	}
	return nil
}

// Stats returns what the drive did so far.
func (d *Drive) Stats() DriveStats {
	ctx := context.Background()
	d.s.op.Acquire(ctx)
	defer d.s.op.Release(ctx)
	return d.s.stats
}

// Close implements tape.Drive: it invalidates the handle and leaves the
// drive and its cartridge as they are.
func (d *Drive) Close() error {
	d.closed.Store(true)
	return nil
}
