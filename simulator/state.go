package simulator

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/tape"
)

// stateVersion is the version of the files in a state directory.
const stateVersion = 1

// stateFile is library.json in a state directory.
type stateFile struct {
	Version int     `json:"version"`
	Config  *Config `json:"config"`
	// Running is true while a process has the library open: finding it
	// true on open means that process died, and the library recovers as
	// from a power loss.
	Running bool `json:"running"`
	// Now is the virtual time of a mock clock.
	Now        time.Time       `json:"now"`
	Elements   []elementState  `json:"elements"`
	Cartridges []cartridgeFile `json:"cartridges"`
	Drives     []driveFile     `json:"drives"`
	Robot      struct {
		Failed bool `json:"failed,omitempty"`
	} `json:"robot"`
}

type elementState struct {
	Address     changer.Address `json:"address"`
	Barcode     string          `json:"barcode,omitempty"`
	Source      changer.Address `json:"source,omitempty"`
	SourceValid bool            `json:"source_valid,omitempty"`
}

type cartridgeFile struct {
	Barcode        string       `json:"barcode"`
	Media          string       `json:"media,omitempty"`
	Cleaning       bool         `json:"cleaning,omitempty"`
	CleaningUses   int          `json:"cleaning_uses,omitempty"`
	WriteProtected bool         `json:"write_protected,omitempty"`
	Unreadable     bool         `json:"unreadable,omitempty"`
	Mounts         int          `json:"mounts,omitempty"`
	Faults         []faultState `json:"faults,omitempty"`
}

type faultState struct {
	First int64   `json:"first"`
	Last  int64   `json:"last"`
	Op    FaultOp `json:"op"`
}

type driveFile struct {
	Threaded       bool                `json:"threaded,omitempty"`
	Pos            int64               `json:"pos,omitempty"`
	Failed         bool                `json:"failed,omitempty"`
	CleaningNeeded bool                `json:"cleaning_needed,omitempty"`
	Alerts         tape.TapeAlertFlags `json:"alerts,omitempty"`
	Stats          DriveStats          `json:"stats"`
	// PowerLost is the barcode of the cartridge the drive held loaded when
	// it lost power, until it loads one again.
	PowerLost string `json:"power_lost,omitempty"`
}

func jsonMarshal(v any) ([]byte, error) { return json.MarshalIndent(v, "", "  ") }

// Open opens the library kept in dir, creating it from cfg (nil means
// DefaultConfig) when dir holds none; cfg is ignored when it does. Only one
// process may have a directory open at a time (ErrLocked).
//
// A library whose last process died without Close recovers as after a
// power loss: every cartridge keeps what was synchronised, and drives need a
// Load. Open decides that the whole directory holds together before it
// changes anything: a directory it refuses (*CorruptStateError) is left
// byte for byte as it was, data files included.
func Open(dir string, cfg *Config, opts *Options) (*Library, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	lock, err := lockDir(filepath.Join(dir, "lock"))
	if err != nil {
		return nil, err
	}
	l, err := openLocked(dir, cfg, opts)
	if err != nil {
		unlockDir(lock)
		return nil, err
	}
	l.lock = lock
	return l, nil
}

// Remedies that CorruptStateErrors give.
const (
	remedyBackup  = "restore library.json and the tapes directory beside it from one backup"
	remedyRelease = "open the library with the tapekit release that wrote it"
)

func openLocked(dir string, cfg *Config, opts *Options) (*Library, error) {
	path := filepath.Join(dir, "library.json")
	var st stateFile
	err := readJSON(path, &st, remedyBackup+"; or, to start afresh, remove the whole directory (what its cartridges held is lost)")
	if isNotExist(err) {
		if cfg == nil {
			cfg = DefaultConfig()
		}
		l, err := newLibrary(cfg, opts)
		if err != nil {
			return nil, err
		}
		l.dir = dir
		if err := l.populate(); err != nil {
			return nil, err
		}
		return l, l.save()
	}
	if err != nil {
		return nil, err
	}
	if st.Version != 0 && st.Version != stateVersion {
		return nil, &CorruptStateError{Path: path, Err: fmt.Errorf("version %d; this simulator reads version %d", st.Version, stateVersion), Remedy: remedyRelease}
	}
	var missing []string
	if st.Version == 0 {
		missing = append(missing, `"version"`)
	}
	if st.Config == nil {
		missing = append(missing, `"config"`)
	}
	if len(missing) > 0 {
		return nil, &CorruptStateError{Path: path, Err: fmt.Errorf("has no %s: it is not a whole library state", strings.Join(missing, " and no ")), Remedy: remedyBackup}
	}
	l, err := newLibrary(st.Config, opts)
	if err != nil {
		return nil, &CorruptStateError{Path: path, Err: fmt.Errorf("its config is invalid: %w", err), Remedy: remedyBackup}
	}
	l.dir = dir
	cuts, err := l.restore(&st)
	if err != nil {
		return nil, err
	}
	// The whole state holds together: only now may the recovery from a
	// crash cut what was written after the last synchronisation.
	for _, c := range cuts {
		if err := os.Truncate(c.path, c.size); err != nil {
			return nil, fmt.Errorf("recovering from a crash: %w", err)
		}
	}
	switch {
	case l.vc != nil:
		l.vc.Set(st.Now) // a library opens with no participants
	case l.mock != nil && st.Now.After(l.mock.Now()):
		l.mock.Set(st.Now)
	}
	return l, l.save()
}

// restore rebuilds the library from its state file and the cartridges'
// indexes. It changes no file: it returns the data files that a recovery
// from a crash must cut, for the caller to cut once all is found good.
func (l *Library) restore(st *stateFile) ([]fileCut, error) {
	path := filepath.Join(l.dir, "library.json")
	bad := func(format string, args ...any) error {
		return &CorruptStateError{Path: path, Err: fmt.Errorf(format, args...), Remedy: remedyBackup}
	}
	var cuts []fileCut
	for _, cf := range st.Cartridges {
		// A barcode names the cartridge's files: one that is a path
		// would reach outside the directory.
		if !barcodeRE.MatchString(cf.Barcode) {
			return nil, bad("cartridge %q: a barcode is 1 to 16 upper-case letters and digits", cf.Barcode)
		}
		c, err := l.newCartridge(CartridgeConfig{Barcode: cf.Barcode, Media: cf.Media})
		if err != nil {
			return nil, bad("%w", err)
		}
		if _, dup := l.carts[c.barcode]; dup {
			return nil, bad("cartridge %s listed twice", c.barcode)
		}
		c.cleaningUses, c.wp, c.unreadable, c.mounts = cf.CleaningUses, cf.WriteProtected, cf.Unreadable, cf.Mounts
		for _, f := range cf.Faults {
			c.faults = append(c.faults, mediaFault{first: f.First, last: f.Last, op: f.Op})
		}
		if !c.cleaning {
			cut, err := l.loadIndex(c, st.Running)
			if err != nil {
				return nil, err
			}
			if cut != nil {
				cuts = append(cuts, *cut)
			}
		}
		l.carts[c.barcode] = c
	}
	placed := map[string]changer.Address{}
	for _, es := range st.Elements {
		e := l.byAddr[es.Address]
		if e == nil || e.typ == changer.Transport {
			return nil, bad("no element %d", es.Address)
		}
		if es.Barcode == "" {
			continue
		}
		c := l.carts[es.Barcode]
		if c == nil {
			return nil, bad("element %d holds cartridge %q, which is not among the cartridges", es.Address, es.Barcode)
		}
		if where, twice := placed[es.Barcode]; twice {
			return nil, bad("cartridge %q is in element %d and in element %d", es.Barcode, where, es.Address)
		}
		if e.cart != nil {
			return nil, bad("element %d is listed twice", es.Address)
		}
		placed[es.Barcode] = es.Address
		e.cart, e.src, e.srcValid = c, es.Source, es.SourceValid
	}
	if len(st.Drives) != len(l.drives) {
		return nil, bad("%d drive states for %d drives", len(st.Drives), len(l.drives))
	}
	for i, df := range st.Drives {
		d := l.drives[i]
		d.failed, d.cleaningNeeded, d.alerts, d.stats = df.Failed, df.CleaningNeeded, df.Alerts, df.Stats
		d.powerLost = df.PowerLost
		c := d.cart()
		switch {
		case c == nil || !df.Threaded:
		case st.Running:
			// The process died: the drive lost power with c loaded.
			d.powerLost = c.barcode
		case df.Pos < 0 || df.Pos > c.content.objects():
			return nil, &CorruptStateError{
				Path: path,
				Err: fmt.Errorf("drive %d is at object %d, but %s has %d (as %s records): library.json and the cartridge's index are from different times",
					i, df.Pos, c.barcode, c.content.objects(), filepath.Base(l.indexPath(c.barcode))),
				Remedy: fmt.Sprintf(`%s; or, to keep the cartridge as its index has it, set "threaded" to false in drive %d's entry of "drives" in library.json: the drive then needs a load, as after a power loss`, remedyBackup, i),
			}
		default:
			d.threaded, d.pos = true, df.Pos
		}
		d.snapshot()
	}
	l.robotFailed = st.Robot.Failed
	return cuts, nil
}

// save writes library.json; callers hold l.mu or own the library alone.
func (l *Library) save() error {
	if l.dir == "" {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.saveLocked(true)
}

func (l *Library) saveLocked(running bool) error {
	if l.dir == "" {
		return nil
	}
	st := stateFile{Version: stateVersion, Config: l.cfg, Running: running, Now: l.clk.Now()}
	st.Robot.Failed = l.robotFailed
	for _, e := range l.elems {
		if e.typ == changer.Transport {
			continue
		}
		es := elementState{Address: e.addr}
		if e.cart != nil {
			es.Barcode, es.Source, es.SourceValid = e.cart.barcode, e.src, e.srcValid
		}
		st.Elements = append(st.Elements, es)
	}
	for _, c := range l.carts {
		cf := cartridgeFile{Barcode: c.barcode, Cleaning: c.cleaning, CleaningUses: c.cleaningUses, WriteProtected: c.wp, Unreadable: c.unreadable, Mounts: c.mounts}
		if c.media != nil {
			cf.Media = c.media.Name
		}
		for _, f := range c.faults {
			cf.Faults = append(cf.Faults, faultState{First: f.first, Last: f.last, Op: f.op})
		}
		st.Cartridges = append(st.Cartridges, cf)
	}
	sortCartridgeFiles(st.Cartridges)
	for _, d := range l.drives {
		st.Drives = append(st.Drives, d.file)
	}
	b, err := jsonMarshal(st)
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(l.dir, "library.json"), b)
}

// snapshot copies a drive's state into what library.json records of it;
// the caller holds the drive's operation lock and l.mu.
func (d *driveState) snapshot() {
	d.file = driveFile{Threaded: d.threaded, Pos: d.pos, Failed: d.failed, CleaningNeeded: d.cleaningNeeded, Alerts: d.alerts, Stats: d.stats, PowerLost: d.powerLost}
}

// persist records a drive's state change in a directory library; the
// caller holds the drive's operation lock.
func (d *driveState) persist() error {
	l := d.lib
	if l.dir == "" {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	d.snapshot()
	return l.saveLocked(true)
}

func sortCartridgeFiles(cs []cartridgeFile) {
	sort.Slice(cs, func(i, j int) bool { return cs[i].Barcode < cs[j].Barcode })
}
