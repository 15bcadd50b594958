package simulator

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/simulator/vclock"
)

// Options tune a library. A nil *Options means the defaults.
type Options struct {
	// Clock is charged with the time of every mechanical action and byte
	// moved. Nil means a new mock clock starting at Epoch: virtual time that
	// the simulator advances itself, so runs are instant and deterministic.
	// With a *clock.Mock the simulator calls Add for each action; with any
	// other clock it waits, Scale times faster than library time.
	Clock clock.Clock
	// Scale speeds up a real clock: with 60, a 17 s load takes 283 ms of wall
	// time. 0 means 1; below 1 slows it down. NaN, infinite and negative
	// values are refused (ErrConfig). A wait longer than time.Duration can
	// hold (292 years of wall time) waits that long.
	Scale float64
	// Logger receives one line per mechanical action at debug level. Nil
	// discards.
	Logger *slog.Logger
	// HostMaxTransfer is the most data one SCSI command may move through
	// the library's SCSI targets (DriveTarget, ChangerTarget), as a host
	// adapter limits it: a longer command fails as Linux fails it, with
	// EINVAL and nothing sent. 0 means DefaultHostMaxTransfer; negative
	// means no limit.
	HostMaxTransfer int
}

// DefaultHostMaxTransfer is the simulated host adapter's transfer limit:
// 128 scatter-gather segments of 4 KiB pages, the limit of many HBAs and of
// mhvtl, and far below the 8 MiB blocks LTO drives accept.
const DefaultHostMaxTransfer = 512 << 10

// validate refuses options that cannot be honoured.
func (o *Options) validate() error {
	if o == nil {
		return nil
	}
	if s := o.Scale; math.IsNaN(s) || math.IsInf(s, 0) || s < 0 {
		return fmt.Errorf("%w: Options.Scale %v: want 0 (meaning 1) or a positive, finite speed-up", ErrConfig, s)
	}
	return nil
}

// Epoch is where a default mock clock starts.
var Epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Library is a simulated tape library: drives, storage slots, I/E ports, a
// robot and cartridges. It is safe for concurrent use; each drive runs one
// operation at a time, and the robot one move at a time, as in a real
// library.
type Library struct {
	cfg    *Config
	clk    clock.Clock
	mock   *clock.Mock
	vc     *vclock.Clock
	scale  float64
	logger *slog.Logger
	// hostMax is the SCSI targets' transfer limit; 0: none.
	hostMax int
	dir     string   // "" for a library in memory
	lock    *os.File // held while a directory is open

	// robots queue moves first come, first served: each robot moves one
	// cartridge at a time (Config.Robots of them).
	robots *vclock.Resource

	mu          sync.Mutex // guards what follows
	closed      bool
	elems       []*element // transport, slots, ports, drives: the order Inventory reports
	byAddr      map[changer.Address]*element
	drives      []*driveState
	carts       map[string]*cartridge
	robotFailed bool
}

type element struct {
	typ      changer.ElementType
	addr     changer.Address
	cart     *cartridge
	src      changer.Address
	srcValid bool
	drive    *driveState
}

// New creates a library in memory. A nil cfg means DefaultConfig.
func New(cfg *Config, opts *Options) (*Library, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if cfg == nil {
		cfg = DefaultConfig()
	}
	l, err := newLibrary(cfg, opts)
	if err != nil {
		return nil, err
	}
	if err := l.populate(); err != nil {
		return nil, err
	}
	return l, nil
}

func newLibrary(cfg *Config, opts *Options) (*Library, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	l := &Library{cfg: cfg, byAddr: map[changer.Address]*element{}, carts: map[string]*cartridge{}, scale: 1, hostMax: DefaultHostMaxTransfer}
	if opts != nil {
		l.clk, l.logger = opts.Clock, opts.Logger
		if opts.Scale > 0 {
			l.scale = opts.Scale
		}
		switch {
		case opts.HostMaxTransfer > 0:
			l.hostMax = opts.HostMaxTransfer
		case opts.HostMaxTransfer < 0:
			l.hostMax = 0
		}
	}
	if l.clk == nil {
		l.clk = vclock.New(Epoch, nil)
	}
	l.mock, _ = l.clk.(*clock.Mock)
	l.vc, _ = l.clk.(*vclock.Clock)
	l.robots = vclock.NewResource(l.vc, "robot", cfg.Robots)
	if l.logger == nil {
		l.logger = slog.New(slog.DiscardHandler)
	}
	add := func(t changer.ElementType, a changer.Address) *element {
		e := &element{typ: t, addr: a}
		l.elems = append(l.elems, e)
		l.byAddr[a] = e
		return e
	}
	add(changer.Transport, cfg.TransportBase)
	for i := range cfg.Slots {
		add(changer.Storage, cfg.SlotBase+changer.Address(i))
	}
	for i := range cfg.Ports {
		add(changer.ImportExport, cfg.PortBase+changer.Address(i))
	}
	for i, dc := range cfg.Drives {
		dt, _ := cfg.driveType(dc.Product)
		serial := dc.Serial
		if serial == "" {
			serial = fmt.Sprintf("SIM%07d", i)
		}
		e := add(changer.DataTransfer, cfg.DriveBase+changer.Address(i))
		d := &driveState{lib: l, index: i, typ: dt, serial: serial, elem: e, poweredOn: true}
		d.op = vclock.NewResource(l.vc, fmt.Sprintf("drive %d", i), 1)
		e.drive = d
		l.drives = append(l.drives, d)
	}
	return l, nil
}

// populate puts the configured cartridges in their elements.
func (l *Library) populate() error {
	for _, cc := range l.cfg.Cartridges {
		c, err := l.newCartridge(cc)
		if err != nil {
			return err
		}
		l.carts[c.barcode] = c
		if cc.Slot > 0 {
			l.byAddr[l.cfg.SlotBase+changer.Address(cc.Slot-1)].cart = c
		} else {
			l.byAddr[l.cfg.PortBase+changer.Address(cc.Port-1)].cart = c
		}
	}
	return nil
}

func (l *Library) newCartridge(cc CartridgeConfig) (*cartridge, error) {
	m, err := l.cfg.cartridgeMedia(cc)
	if err != nil {
		return nil, err
	}
	c := &cartridge{barcode: cc.Barcode, media: m, cleaning: m == nil, wp: cc.WriteProtected}
	if c.media != nil {
		c.geo = NewCostModel(c.media)
	}
	return c, nil
}

// Config returns the library's configuration.
func (l *Library) Config() Config { return *l.cfg }

// Clock returns the clock the library charges.
func (l *Library) Clock() clock.Clock { return l.clk }

// NumDrives returns the number of drives.
func (l *Library) NumDrives() int { return len(l.drives) }

// DriveAddress returns the element address of drive i (0-based).
func (l *Library) DriveAddress(i int) changer.Address { return l.cfg.DriveBase + changer.Address(i) }

// SlotAddress returns the element address of storage slot n (1-based, as
// mtx numbers slots).
func (l *Library) SlotAddress(n int) changer.Address { return l.cfg.SlotBase + changer.Address(n-1) }

// PortAddress returns the element address of I/E port n (1-based).
func (l *Library) PortAddress(n int) changer.Address { return l.cfg.PortBase + changer.Address(n-1) }

// Drive returns a handle on drive i (0-based). Each call returns a new
// handle; closing it does not affect others.
func (l *Library) Drive(i int) (*Drive, error) {
	if i < 0 || i >= len(l.drives) {
		return nil, fmt.Errorf("%w: %d (the library has %d)", ErrNoDrive, i, len(l.drives))
	}
	return &Drive{s: l.drives[i]}, nil
}

// Changer returns a handle on the library's robot.
func (l *Library) Changer() *Changer { return &Changer{l: l} }

// wait charges d of library time: it advances a mock clock, or sleeps on a
// real one (scaled).
func (l *Library) wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	switch {
	case l.vc != nil:
		return l.vc.SleepContext(ctx, d)
	case l.mock != nil:
		l.mock.Add(d)
		return ctx.Err()
	}
	t := l.clk.Timer(scaleDuration(d, l.scale))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// scaleDuration is d of library time in wall time at scale. A conversion
// that overflows would give a negative duration, which waits not at all:
// the longest duration waits instead.
func scaleDuration(d time.Duration, scale float64) time.Duration {
	w := float64(d) / scale
	if w >= math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(w)
}

// CartridgeInfo describes a cartridge and where it is.
type CartridgeInfo struct {
	Barcode        string          `json:"barcode"`
	Media          string          `json:"media"`
	Cleaning       bool            `json:"cleaning,omitempty"`
	CleaningUses   int             `json:"cleaning_uses,omitempty"`
	WriteProtected bool            `json:"write_protected,omitempty"`
	Element        changer.Address `json:"element"`
	InLibrary      bool            `json:"in_library"`
	BytesUsed      int64           `json:"bytes_used"`
	Files          int64           `json:"files"`
	Mounts         int             `json:"mounts"`
}

// Cartridges lists every cartridge the library knows, in the library or
// removed through an I/E port, by barcode.
func (l *Library) Cartridges() []CartridgeInfo {
	l.mu.Lock()
	defer l.mu.Unlock()
	where := map[*cartridge]changer.Address{}
	for _, e := range l.elems {
		if e.cart != nil {
			where[e.cart] = e.addr
		}
	}
	var out []CartridgeInfo
	for _, c := range l.carts {
		ci := CartridgeInfo{Barcode: c.barcode, Cleaning: c.cleaning, CleaningUses: c.cleaningUses, WriteProtected: c.wp, Mounts: c.mounts}
		if c.media != nil {
			ci.Media = c.media.Name
		} else {
			ci.Media = "cleaning"
		}
		ci.Element, ci.InLibrary = where[c]
		ci.BytesUsed = c.content.tapeBytes()
		ci.Files = c.content.filesBefore(c.content.objects())
		out = append(out, ci)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Barcode < out[j].Barcode })
	return out
}

// Close flushes every drive's buffer (a powered drive writes its buffer out
// on its own), saves the state of a directory library and releases it.
func (l *Library) Close() error {
	defer l.stopAll()()
	if l.closed {
		return nil
	}
	var first error
	// synced: every cartridge's index records all its data file holds, so
	// the library may be recorded as closed cleanly. Otherwise the next
	// Open recovers as after a power loss, as if the process had died.
	synced := true
	for _, d := range l.drives {
		// Pay the time drives still owe (a pending load, streaming below
		// the settle step), so a directory library's clock is right next
		// time.
		if err := d.spend(context.Background(), 0); err != nil && first == nil {
			first = err
		}
		if c := d.cart(); c != nil && d.threaded {
			if err := l.syncCartridge(c); err != nil {
				synced = false
				if first == nil {
					first = err
				}
			}
		}
	}
	for _, d := range l.drives {
		d.snapshot()
	}
	if l.dir != "" {
		if err := l.saveLocked(!synced); err != nil && first == nil {
			first = err
		}
	}
	for _, c := range l.carts {
		if c.blob != nil {
			if err := c.blob.Close(); err != nil && first == nil {
				first = err
			}
			c.blob = nil
		}
	}
	if l.lock != nil {
		unlockDir(l.lock)
		l.lock = nil
	}
	l.closed = true
	return first
}

// dataPath and indexPath name a cartridge's files in a directory library.
func (l *Library) dataPath(barcode string) string {
	return filepath.Join(l.dir, "tapes", barcode+".data")
}
func (l *Library) indexPath(barcode string) string {
	return filepath.Join(l.dir, "tapes", barcode+".index.json")
}
