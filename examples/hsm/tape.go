package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/tapekit/tapekit/cache"
	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/examples/hsm/internal/archiver"
	"github.com/tapekit/tapekit/examples/hsm/internal/cachesink"
	"github.com/tapekit/tapekit/repack"
	"github.com/tapekit/tapekit/scheduler"
	"github.com/tapekit/tapekit/simulator"
)

// The demo's catalog names: every file goes to one copy in pool "tape".
const (
	demoPool  = "tape"
	demoClass = "default"
	// sparePool holds the last cartridges of the demo library, empty, as
	// a repack's destination.
	sparePool = "spare"
	spares    = 4
)

// tapeSide is the tape half of the HSM: the library, the scheduler that
// runs its drives, and the archiver that feeds it the cache's precious
// files.
type tapeSide struct {
	// sim is the simulated library, nil for a real one (-config).
	sim     *simulator.Library
	changer changer.Changer
	drives  []scheduler.Drive
	library string // its name in the catalog
	desc    string // what describe says of a real library
	// closeLib closes the changer and the drives (and saves a simulated
	// library's directory).
	closeLib func() error
	sched    *scheduler.Scheduler
	metrics  *tapeCollector
	arch     *archiver.Archiver
	rp       *repack.Repacker
	log      *slog.Logger
	// onEnd is called for every request that ends, after the archiver:
	// the server's RecallEnded, set once the server exists.
	onEnd func(scheduler.Request)

	stop func()        // ends Run and the archiver
	done chan struct{} // closed when both have returned
}

// tapeOptions say which library the tape side runs and as whom.
type tapeOptions struct {
	dir   string  // the data directory: the library is in dir/library
	speed float64 // times faster than a real library
	// host names this HSM in the queue it may share with others; library
	// names its library in the catalog.
	host, library string
	// barcodes is the first two characters of the demo cartridges'
	// barcodes (TK: TK0001L9…), used when the library is created.
	barcodes string
	// policy is the scheduler's (nil: the demo's) and class the storage
	// class of files put without one ("": the demo's).
	policy *scheduler.Policy
	class  string
}

// openTape opens the demo library kept in DIR/library (a simulated LTO-9
// library with 4 drives and 16 blank cartridges, created on first start)
// on a real clock speed times faster than library time, registers its
// cartridges in the catalog as blank volumes of the demo pool (once), and
// assembles the scheduler over it with the cache as its sink and source.
//
// Hosts that share the catalog (PostgreSQL) each run their own library
// and cache: the scheduler mounts only this library's volumes and runs
// only the requests submitted through this host, which carry the host's
// name in their Requester (see owns).
func openTape(ctx context.Context, o tapeOptions, cat store, c *cache.Cache, log *slog.Logger) (*tapeSide, error) {
	cfg := simulator.DefaultConfig()
	for i := range cfg.Cartridges {
		if bc := cfg.Cartridges[i].Barcode; !simulator.IsCleaning(bc) {
			cfg.Cartridges[i].Barcode = o.barcodes + bc[2:]
		}
	}
	lib, err := simulator.Open(filepath.Join(o.dir, "library"), cfg, &simulator.Options{Clock: clock.New(), Scale: o.speed, Logger: log})
	if err != nil {
		return nil, err
	}
	t := &tapeSide{sim: lib, changer: lib.Changer(), closeLib: lib.Close, log: log, library: o.library, done: make(chan struct{})}
	if err := t.register(ctx, cat); err != nil {
		lib.Close()
		return nil, err
	}
	for i := range lib.NumDrives() {
		d, err := lib.Drive(i)
		if err != nil {
			lib.Close()
			return nil, err
		}
		t.drives = append(t.drives, scheduler.Drive{Name: driveName(i), Drive: d, Element: lib.DriveAddress(i)})
	}
	if err := t.assemble(o, cat, c, lib.Clock()); err != nil {
		lib.Close()
		return nil, err
	}
	return t, nil
}

// assemble builds the scheduler, the repacker and the archiver over the
// library's changer and drives, with the cache as sink and source.
func (t *tapeSide) assemble(o tapeOptions, cat store, c *cache.Cache, clk clock.Clock) (err error) {
	log := t.log
	sink := cachesink.New(c, cat)
	t.rp, err = repack.New(repack.Config{Catalog: cat, Dir: filepath.Join(o.dir, "repack"), Clock: clk, Logger: log,
		Requester: "repack@" + o.host})
	if err != nil {
		return err
	}
	pol := o.policy
	if pol == nil {
		pol = scheduler.DefaultPolicy()
		// Repacks run as their own activity, with a quarter of the
		// drives when users want them too.
		pol.Shares = map[string]float64{"default": 3, "repack": 1}
		// A demo writes a file to tape at once; a site batches (the
		// cache's flush policy decides when files are due).
		pol.ArchiveMinBytes, pol.ArchiveMinFiles, pol.ArchiveMaxAge = 0, 0, 0
	}
	class := o.class
	if class == "" {
		class = demoClass
	}
	t.metrics = newTapeCollector(t, cat)
	t.sched, err = scheduler.New(scheduler.Config{
		Events:  t.metrics.events(),
		Catalog: cat, Queue: cat, Changer: t.changer, Drives: t.drives,
		Sink: t.rp.Sink(sink), Source: t.rp.Source(sink), Clock: clk, Policy: pol, Logger: log,
		Host: o.host, Library: o.library, Accept: owns(o.host),
		OnEnd: func(r scheduler.Request) {
			if repack.IsRepack(r) {
				t.rp.OnEnd(r)
				return
			}
			t.arch.Ended(r)
			if t.onEnd != nil {
				t.onEnd(r)
			}
		},
	})
	if err != nil {
		t.rp.Close()
		return err
	}
	t.arch, err = archiver.New(archiver.Config{Cache: c, Catalog: cat, Scheduler: t.sched, StorageClass: class, Logger: log,
		Requester: "archiver@" + o.host})
	if err != nil {
		t.rp.Close()
		return err
	}
	return nil
}

func driveName(i int) string { return fmt.Sprintf("drive%d", i) }

// owns says which requests of a shared queue are host's to run: those
// submitted through it, whose Requester ends in @host (the archiver's,
// the repacker's and the server's recalls all do), since their data is
// in this host's cache. A request whose Requester names no host is
// anyone's.
func owns(host string) func(scheduler.Request) bool {
	return func(r scheduler.Request) bool {
		i := strings.LastIndexByte(r.Requester, '@')
		return i < 0 || r.Requester[i+1:] == host
	}
}

// register puts the demo pool and class in the catalog and every data
// cartridge of the library as a blank volume, unless it is there already.
func (t *tapeSide) register(ctx context.Context, cat catalog.Catalog) error {
	pools, err := cat.Pools(ctx)
	if err != nil {
		return err
	}
	for _, p := range []catalog.Pool{{Name: demoPool, Description: "the demo library's cartridges"},
		{Name: sparePool, Description: "empty cartridges of the demo library, for repacks"}} {
		if slices.ContainsFunc(pools, func(q catalog.Pool) bool { return q.Name == p.Name }) {
			continue
		}
		if err := cat.PutPool(ctx, p); err != nil {
			return err
		}
	}
	if _, err := cat.StorageClass(ctx, demoClass); errors.Is(err, catalog.ErrUnknownStorageClass) {
		if err := cat.PutStorageClass(ctx, catalog.StorageClass{Name: demoClass, Pools: []string{demoPool}}); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	var data []simulator.CartridgeInfo
	for _, ci := range t.sim.Cartridges() {
		if !simulator.IsCleaning(ci.Barcode) {
			data = append(data, ci)
		}
	}
	for i, ci := range data {
		pool := demoPool
		if i >= len(data)-spares && len(data) > spares {
			pool = sparePool
		}
		if v, err := cat.Volume(ctx, ci.Barcode); err == nil {
			if v.Library != t.library {
				return fmt.Errorf("cartridge %s of this library is in the catalog as one of library %q, not %q: each host sharing a catalog needs its own barcodes (-sim-barcodes)", ci.Barcode, v.Library, t.library)
			}
			continue
		} else if !errors.Is(err, catalog.ErrUnknownVolume) {
			return err
		}
		m, ok := simulator.LookupMedia(ci.Media)
		if !ok {
			continue
		}
		if err := cat.AddVolume(ctx, catalog.Volume{Barcode: ci.Barcode, MediaType: m.Name, Library: t.library,
			Pool: pool, State: catalog.StateActive, Capacity: m.Capacity}); err != nil {
			return err
		}
	}
	return nil
}

// start runs the scheduler and the archiver (a flush every few seconds)
// until stop.
func (t *tapeSide) start(ctx context.Context, flushEvery time.Duration) {
	ctx, cancel := context.WithCancel(ctx)
	t.stop = cancel
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		if err := t.sched.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			t.log.Error("scheduler stopped", "err", err)
		}
	}()
	go func() {
		// Repacks a previous run left carry on.
		if err := t.rp.Attach(ctx, t.sched); err != nil && ctx.Err() == nil {
			t.log.Error("repack: resume", "err", err)
		}
		t.arch.Run(ctx, flushEvery)
		<-ran
		close(t.done)
	}()
}

// close stops the scheduler (running mounts end or their requests go
// back to the queue, which the catalog keeps) and the archiver, then
// closes the library, which saves its state.
func (t *tapeSide) close() error {
	if t.stop != nil {
		t.stop()
		<-t.done
	}
	return errors.Join(t.rp.Close(), t.closeLib())
}

// describe says what the library holds, for the banner.
func (t *tapeSide) describe() string {
	carts := 0
	if t.sim == nil {
		return t.desc
	}
	for _, ci := range t.sim.Cartridges() {
		if !simulator.IsCleaning(ci.Barcode) {
			carts++
		}
	}
	media := strings.Join(mediaNames(t.sim), ", ")
	return fmt.Sprintf("a simulated %s library, %d drives, %d cartridges", media, t.sim.NumDrives(), carts)
}

func mediaNames(lib *simulator.Library) []string {
	seen := map[string]bool{}
	var out []string
	for _, ci := range lib.Cartridges() {
		if !simulator.IsCleaning(ci.Barcode) && !seen[ci.Media] {
			seen[ci.Media] = true
			out = append(out, ci.Media)
		}
	}
	return out
}

// media is the media type of a cartridge: the simulator's for a simulated
// library, else the one its LTO-style barcode suffix names; nil if
// unknown.
func (t *tapeSide) media(barcode string) *simulator.MediaType {
	if t.sim != nil {
		for _, ci := range t.sim.Cartridges() {
			if ci.Barcode == barcode {
				m, _ := simulator.LookupMedia(ci.Media)
				return m
			}
		}
	}
	m, _ := simulator.MediaForBarcode(barcode)
	return m
}

// simDrives is how many drives have simulator statistics: all of a
// simulated library's, none of a real one's.
func (t *tapeSide) simDrives() int {
	if t.sim == nil {
		return 0
	}
	return t.sim.NumDrives()
}

// openConfiguredTape opens the library a config file names (real devices
// through SG_IO or mtx, or a simulated library through its SCSI
// targets), puts the config's pools and storage classes in the catalog,
// registers the cartridges the pools claim, and assembles the scheduler
// over it on the real clock with the config's policy.
func openConfiguredTape(ctx context.Context, cfg fileConfig, o tapeOptions, cat store, c *cache.Cache, log *slog.Logger) (*tapeSide, error) {
	lib, err := openConfiguredLibrary(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	skipped, err := registerConfigured(ctx, cat, cfg, lib.cartridges)
	if err != nil {
		return nil, errors.Join(err, lib.close())
	}
	if len(skipped) > 0 {
		log.Warn("cartridges that no pool's barcodes claim, or of a media type not known, are not used", "barcodes", skipped)
	}
	t := &tapeSide{changer: lib.changer, drives: lib.drives, closeLib: lib.close, library: cfg.Library.Name, log: log,
		desc: fmt.Sprintf("%s, %d drives, %d cartridges", lib.name, len(lib.drives), len(lib.cartridges)), done: make(chan struct{})}
	o.library, o.policy, o.class = cfg.Library.Name, cfg.Policy.policy(), cfg.DefaultStorageClass
	if err := t.assemble(o, cat, c, clock.New()); err != nil {
		return nil, errors.Join(err, lib.close())
	}
	return t, nil
}
