package simulator

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
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
}

func jsonMarshal(v any) ([]byte, error) { return json.MarshalIndent(v, "", "  ") }

// Open opens the library kept in dir, creating it from cfg (nil means
// DefaultConfig) when dir holds none; cfg is ignored when it does. Only one
// process may have a directory open at a time (ErrLocked).
//
// A library whose last process died without Close recovers as after a
// power loss: every cartridge keeps what was synchronised, and drives need a
// Load.
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

func openLocked(dir string, cfg *Config, opts *Options) (*Library, error) {
	path := filepath.Join(dir, "library.json")
	var st stateFile
	err := readJSON(path, &st)
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
	if st.Version != stateVersion || st.Config == nil {
		return nil, fmt.Errorf("%w: %s: version %d, want %d", ErrCorruptState, path, st.Version, stateVersion)
	}
	l, err := newLibrary(st.Config, opts)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrCorruptState, path, err)
	}
	l.dir = dir
	if err := l.restore(&st); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrCorruptState, path, err)
	}
	if l.mock != nil && st.Now.After(l.mock.Now()) {
		l.mock.Set(st.Now)
	}
	return l, l.save()
}

func (l *Library) restore(st *stateFile) error {
	for _, cf := range st.Cartridges {
		c, err := l.newCartridge(CartridgeConfig{Barcode: cf.Barcode, Media: cf.Media})
		if err != nil {
			return err
		}
		if _, dup := l.carts[c.barcode]; dup {
			return fmt.Errorf("cartridge %s listed twice", c.barcode)
		}
		c.cleaningUses, c.wp, c.unreadable, c.mounts = cf.CleaningUses, cf.WriteProtected, cf.Unreadable, cf.Mounts
		for _, f := range cf.Faults {
			c.faults = append(c.faults, mediaFault{first: f.First, last: f.Last, op: f.Op})
		}
		if !c.cleaning {
			if err := l.loadIndex(c); err != nil {
				return err
			}
		}
		l.carts[c.barcode] = c
	}
	placed := map[string]bool{}
	for _, es := range st.Elements {
		e := l.byAddr[es.Address]
		if e == nil || e.typ == changer.Transport {
			return fmt.Errorf("no element %d", es.Address)
		}
		if es.Barcode == "" {
			continue
		}
		c := l.carts[es.Barcode]
		if c == nil || placed[es.Barcode] || e.cart != nil {
			return fmt.Errorf("element %d: cartridge %q unknown or in two places", es.Address, es.Barcode)
		}
		placed[es.Barcode] = true
		e.cart, e.src, e.srcValid = c, es.Source, es.SourceValid
	}
	if len(st.Drives) != len(l.drives) {
		return fmt.Errorf("%d drive states for %d drives", len(st.Drives), len(l.drives))
	}
	for i, df := range st.Drives {
		d := l.drives[i]
		d.failed, d.cleaningNeeded, d.alerts, d.stats = df.Failed, df.CleaningNeeded, df.Alerts, df.Stats
		d.file = df
		if c := d.cart(); c != nil && df.Threaded && !st.Running {
			if df.Pos < 0 || df.Pos > c.content.objects() {
				return fmt.Errorf("drive %d: position %d outside cartridge %s", i, df.Pos, c.barcode)
			}
			d.threaded, d.pos = true, df.Pos
		}
		if st.Running {
			d.poweredOn = true
			d.file.Threaded = false
		}
	}
	l.robotFailed = st.Robot.Failed
	return nil
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
	d.file = driveFile{Threaded: d.threaded, Pos: d.pos, Failed: d.failed, CleaningNeeded: d.cleaningNeeded, Alerts: d.alerts, Stats: d.stats}
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
