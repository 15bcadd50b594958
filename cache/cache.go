package cache

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/benbjohnson/clock"
	"golang.org/x/sys/unix"

	"github.com/tapekit/tapekit/checksum"
)

// Cache is a disk staging area over one directory. It is safe for
// concurrent use by many goroutines; one process at a time may open a
// directory.
type Cache struct {
	dir  string
	opts Options

	mu      sync.Mutex
	closed  bool
	x       *index
	j       *journal
	lock    *os.File
	root    int // descriptor of dir/data
	tmpDir  int // descriptor of dir/tmp
	tmpSeq  uint64
	pins    map[string][]Pin
	need    map[string]map[string]struct{}
	byState [5]int64
	counts  [5]int
	// reserved is the space held by Reservations not yet turned into
	// files; quota, high and low are in bytes.
	reserved     int64
	quota        int64
	high, low    int64
	waiters      []*waiter
	timer        *clock.Timer
	hits, misses uint64
	evictions    uint64
	evictedBytes uint64
	waits        uint64
	recovery     Recovery
	j0records    int // records replayed from the journal at open
}

// Info describes a cached file.
type Info struct {
	Name         string
	Size         int64
	State        State
	StorageClass string
	Checksums    []checksum.Value
	Created      time.Time
	LastAccess   time.Time
	Pins         []Pin // live pins only
	Needed       bool  // a queued request declared it needed
}

// Recovery is what Open found after the previous run ended.
type Recovery struct {
	// Precious names the files not yet on tape, to be (re)queued for
	// archiving.
	Precious []string
	// PartialsRemoved counts temporary files of unfinished writes deleted.
	PartialsRemoved int
	// Redone counts acknowledged changes whose file operation (a rename or
	// an unlink) was completed on open.
	Redone int
	// Lost names indexed files whose data was not found.
	Lost []string
	// TornBytes is the length of the damaged journal tail that was cut.
	TornBytes int64
}

// Open opens (creating it if needed) the cache in dir. It replays the
// index, finishes or undoes what a crash interrupted, and removes the
// partial files of unfinished writes; Recovery tells what it found.
func Open(dir string, opts *Options) (*Cache, error) {
	o := opts.withDefaults()
	for _, sub := range []string{"", "data", "tmp", "index"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, err
		}
	}
	c := &Cache{dir: dir, opts: o, pins: map[string][]Pin{}, need: map[string]map[string]struct{}{},
		root: -1, tmpDir: -1}
	ok := false
	defer func() {
		if !ok {
			c.closeFiles()
		}
	}()
	lock, err := os.OpenFile(filepath.Join(dir, "index", "LOCK"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	c.lock = lock
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrLocked, dir)
	}
	if c.root, err = unix.Open(filepath.Join(dir, "data"), dirFlags&^unix.O_NOFOLLOW, 0); err != nil {
		return nil, err
	}
	if c.tmpDir, err = unix.Open(filepath.Join(dir, "tmp"), dirFlags&^unix.O_NOFOLLOW, 0); err != nil {
		return nil, err
	}
	if err := c.setQuota(); err != nil {
		return nil, err
	}
	c.tmpSeq = uint64(time.Now().UnixNano())
	if err := c.load(); err != nil {
		return nil, err
	}
	ok = true
	return c, nil
}

func (c *Cache) setQuota() error {
	c.quota = c.opts.Quota
	if c.quota <= 0 {
		var st unix.Statfs_t
		if err := unix.Statfs(c.dir, &st); err != nil {
			return err
		}
		c.quota = int64(st.Blocks) * int64(st.Bsize) / 10 * 9
	}
	c.high = int64(float64(c.quota) * c.opts.HighWater)
	c.low = int64(float64(c.quota) * c.opts.LowWater)
	return nil
}

func (c *Cache) indexDir() string { return filepath.Join(c.dir, "index") }

// load reads the snapshot and replays the journal, then repairs the data
// tree for the changes the journal saw.
func (c *Cache) load() error {
	gen, err := c.readSnapshot()
	if err != nil {
		return err
	}
	touched := map[string]string{} // name → temporary file of its last put
	jp := journalPath(c.indexDir(), gen)
	if f, err := os.OpenFile(jp, os.O_RDWR, 0); err == nil {
		torn, err := c.replay(f, gen, touched)
		if err != nil {
			f.Close()
			return err
		}
		c.recovery.TornBytes = torn
		if _, err := f.Seek(0, io.SeekEnd); err != nil {
			f.Close()
			return err
		}
		c.j = &journal{f: f, gen: gen}
	} else if errors.Is(err, os.ErrNotExist) {
		if c.j, err = createJournal(c.indexDir(), gen); err != nil {
			return err
		}
	} else {
		return err
	}
	// Journals of other generations are left by a compaction that a crash
	// interrupted (a new, empty one) or finished (the old one).
	if names, err := filepath.Glob(filepath.Join(c.indexDir(), "journal-*")); err == nil {
		for _, n := range names {
			if n != jp {
				os.Remove(n)
			}
		}
	}
	var lost []record
	for name, tmp := range touched {
		i, e := c.x.lookup(name)
		if e == nil {
			if err := unlinkData(c.root, name); err != nil {
				c.opts.Logger.Warn("cache: recovery could not remove a deleted file", "name", name, "err", err)
			}
			c.recovery.Redone++
			continue
		}
		if tmp != "" {
			if err := installData(c.root, c.tmpDir, tmp, name); err == nil {
				c.recovery.Redone++
				continue
			}
		}
		if size, err := statData(c.root, name); err == nil && size == e.size {
			continue
		}
		c.recovery.Lost = append(c.recovery.Lost, name)
		c.dropEntry(i)
		lost = append(lost, record{typ: recDel, name: name})
	}
	if len(lost) > 0 {
		if err := c.j.append(lost...); err != nil {
			return err
		}
	}
	c.recovery.PartialsRemoved, err = c.clearTmp()
	if err != nil {
		return err
	}
	c.x.rebuildLRU()
	for i := range c.x.slots {
		e := &c.x.slots[i]
		if e.state != 0 {
			c.byState[e.state] += e.size
			c.counts[e.state]++
		}
		if e.state == Precious {
			c.recovery.Precious = append(c.recovery.Precious, e.name())
		}
	}
	for _, n := range c.recovery.Lost {
		c.opts.Logger.Error("cache: indexed file missing on disk", "name", n)
		if c.opts.Events.Lost != nil {
			c.opts.Events.Lost(n)
		}
	}
	c.opts.Logger.Info("cache: opened", "dir", c.dir, "files", len(c.x.byName),
		"precious", len(c.recovery.Precious), "partials_removed", c.recovery.PartialsRemoved,
		"redone", c.recovery.Redone, "lost", len(c.recovery.Lost), "torn_bytes", c.recovery.TornBytes)
	return nil
}

// dropEntry forgets an entry during load (before byState is computed).
func (c *Cache) dropEntry(i int32) {
	delete(c.pins, c.x.slots[i].name())
	c.x.remove(i)
}

func (c *Cache) readSnapshot() (uint64, error) {
	f, err := os.Open(filepath.Join(c.indexDir(), "snapshot"))
	if errors.Is(err, os.ErrNotExist) {
		c.x = newIndex(0)
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	var hdr [24]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil || string(hdr[:8]) != snapMagic {
		return 0, fmt.Errorf("%w: snapshot header", ErrCorruptIndex)
	}
	gen := binary.LittleEndian.Uint64(hdr[8:])
	n := binary.LittleEndian.Uint64(hdr[16:])
	c.x = newIndex(int(min(n, 1<<26)))
	fr := frameReader{r: br}
	var r record
	for {
		if err := fr.next(&r); err != nil {
			return 0, fmt.Errorf("%w: snapshot record after %d bytes", ErrCorruptIndex, fr.good)
		}
		if r.typ == recEnd {
			if uint64(r.size) != n || uint64(len(c.x.byName)) != n {
				return 0, fmt.Errorf("%w: snapshot holds %d of %d entries", ErrCorruptIndex, len(c.x.byName), n)
			}
			return gen, nil
		}
		if r.typ != recPut {
			return 0, fmt.Errorf("%w: snapshot record type %d", ErrCorruptIndex, r.typ)
		}
		c.applyPut(&r)
	}
}

func (c *Cache) applyPut(r *record) {
	if i, e := c.x.lookup(r.name); e != nil {
		c.dropEntry(i)
	}
	i := c.x.add(r.name, r.class, nil, r.state, r.size, r.created, r.atime)
	if r.sums != "" {
		e := &c.x.slots[i]
		e.key = r.name + r.sums
		c.x.byName[e.key[:len(r.name)]] = i
	}
	if len(r.pins) > 0 {
		c.pins[r.name] = r.pins
	}
}

// replay applies the journal's records and cuts a torn tail off.
func (c *Cache) replay(f *os.File, gen uint64, touched map[string]string) (int64, error) {
	br := bufio.NewReaderSize(f, 1<<20)
	var hdr [16]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil || string(hdr[:8]) != journalMagic ||
		binary.LittleEndian.Uint64(hdr[8:]) != gen {
		return 0, fmt.Errorf("%w: journal header", ErrCorruptIndex)
	}
	fr := frameReader{r: br, good: 16}
	var r record
	for {
		err := fr.next(&r)
		if err == io.EOF {
			return 0, nil
		}
		if err != nil {
			break
		}
		c.j0records++
		switch r.typ {
		case recPut:
			c.applyPut(&r)
			touched[r.name] = r.tmp
		case recState:
			if _, e := c.x.lookup(r.name); e != nil {
				c.x.setState(c.x.byName[r.name], r.state)
			}
		case recDel:
			if i, e := c.x.lookup(r.name); e != nil {
				c.dropEntry(i)
			}
			touched[r.name] = ""
		case recPin:
			if _, e := c.x.lookup(r.name); e != nil {
				c.pins[r.name] = addPin(c.pins[r.name], Pin{Owner: r.owner, ID: r.id, Expires: unixTime(r.expires)})
			}
		case recUnpin:
			c.pins[r.name] = removePin(c.pins[r.name], r.id)
			if len(c.pins[r.name]) == 0 {
				delete(c.pins, r.name)
			}
		}
	}
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if err := f.Truncate(fr.good); err != nil {
		return 0, err
	}
	return st.Size() - fr.good, f.Sync()
}

// clearTmp removes the temporary files of writes that never committed.
func (c *Cache) clearTmp() (int, error) {
	ents, err := os.ReadDir(filepath.Join(c.dir, "tmp"))
	if err != nil {
		return 0, err
	}
	for _, de := range ents {
		if err := os.RemoveAll(filepath.Join(c.dir, "tmp", de.Name())); err != nil {
			return 0, err
		}
	}
	return len(ents), nil
}

// compact writes the whole index as a new snapshot and starts an empty
// journal. The order makes every crash point safe: the new journal exists
// (empty) before the snapshot that names its generation is renamed into
// place, and the old journal is deleted only after.
func (c *Cache) compact() error {
	gen := c.j.gen + 1
	nj, err := createJournal(c.indexDir(), gen)
	if err != nil {
		return err
	}
	tmp := filepath.Join(c.indexDir(), "snapshot.tmp")
	f, err := os.Create(tmp)
	if err != nil {
		nj.close()
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	hdr := []byte(snapMagic)
	hdr = binary.LittleEndian.AppendUint64(hdr, gen)
	var n int64
	for i := range c.x.slots {
		if s := c.x.slots[i].state; s == Precious || s == Online {
			n++
		}
	}
	hdr = binary.LittleEndian.AppendUint64(hdr, uint64(n))
	bw.Write(hdr)
	var buf []byte
	for i := range c.x.slots {
		e := &c.x.slots[i]
		if e.state != Precious && e.state != Online {
			continue
		}
		r := c.putRecord(int32(i), "")
		buf = r.appendFrame(buf[:0])
		bw.Write(buf)
	}
	end := record{typ: recEnd, size: n}
	buf = end.appendFrame(buf[:0])
	bw.Write(buf)
	err = bw.Flush()
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(c.indexDir(), "snapshot"))
	}
	if err == nil {
		err = syncDir(c.indexDir())
	}
	if err != nil {
		nj.close()
		os.Remove(journalPath(c.indexDir(), gen))
		return err
	}
	old := c.j
	c.j = nj
	old.close()
	os.Remove(journalPath(c.indexDir(), old.gen))
	return nil
}

func (c *Cache) putRecord(i int32, tmp string) record {
	e := &c.x.slots[i]
	name := e.name()
	return record{typ: recPut, state: e.state, name: name, tmp: tmp, class: c.x.classes[e.class],
		sums: e.key[e.nameLen:], size: e.size, created: e.created, atime: e.atime, pins: c.pins[name]}
}

// logLocked journals records and compacts when the journal has grown.
func (c *Cache) logLocked(recs ...record) error {
	if err := c.j.append(recs...); err != nil {
		return err
	}
	if c.j.records+c.j0records > c.opts.CompactAfter {
		if err := c.compact(); err != nil {
			c.opts.Logger.Error("cache: compaction failed; the journal keeps growing", "err", err)
		} else {
			c.j0records = 0
		}
	}
	return nil
}

// Recovery returns what Open found.
func (c *Cache) Recovery() Recovery {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.recovery
	r.Precious = append([]string(nil), r.Precious...)
	r.Lost = append([]string(nil), r.Lost...)
	return r
}

// Close writes a snapshot and releases the directory. Writers and
// reservations still open are abandoned (their space is not kept).
func (c *Cache) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	c.closed = true
	err := c.compact()
	for _, w := range c.waiters {
		close(w.ready)
	}
	c.waiters = nil
	if c.timer != nil {
		c.timer.Stop()
	}
	c.closeFiles()
	return err
}

func (c *Cache) closeFiles() {
	if c.j != nil {
		c.j.close()
	}
	if c.root >= 0 {
		unix.Close(c.root)
	}
	if c.tmpDir >= 0 {
		unix.Close(c.tmpDir)
	}
	if c.lock != nil {
		c.lock.Close()
	}
}

func (c *Cache) info(i int32) Info {
	e := &c.x.slots[i]
	name := e.name()
	inf := Info{Name: name, Size: e.size, State: e.state, StorageClass: c.x.classes[e.class],
		Checksums: e.sums(), Created: unixTime(e.created), LastAccess: unixTime(e.atime)}
	inf.Pins = c.livePins(name)
	_, inf.Needed = c.need[name]
	return inf
}

// Stat describes a file.
func (c *Cache) Stat(name string) (Info, error) {
	n, err := CleanName(name)
	if err != nil {
		return Info{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	i, _, err := c.fileLocked(n)
	if err != nil {
		return Info{}, err
	}
	return c.info(i), nil
}

// Open opens a complete (precious or online) file for reading and counts
// a hit; a name that is absent or still being written counts a miss. An
// incoming or staging file is never served.
func (c *Cache) Open(name string) (*os.File, error) {
	n, err := CleanName(name)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClosed
	}
	i, e := c.x.lookup(n)
	if e == nil || (e.state != Precious && e.state != Online) {
		c.misses++
		if c.opts.Events.Miss != nil {
			c.opts.Events.Miss(n)
		}
		if e == nil {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, n)
		}
		return nil, fmt.Errorf("%w: %s is %s", ErrNotReady, n, e.state)
	}
	f, err := openData(c.root, n)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			c.loseLocked(i)
			c.misses++
			if c.opts.Events.Miss != nil {
				c.opts.Events.Miss(n)
			}
			return nil, fmt.Errorf("%w: %s (its data is gone)", ErrNotFound, n)
		}
		return nil, err
	}
	c.hits++
	if c.opts.Events.Hit != nil {
		c.opts.Events.Hit(n)
	}
	c.x.touch(i, c.now())
	return f, nil
}

// loseLocked drops an entry whose data vanished from under the cache.
func (c *Cache) loseLocked(i int32) {
	name := c.x.slots[i].name()
	c.opts.Logger.Error("cache: indexed file missing on disk", "name", name)
	if err := c.logLocked(record{typ: recDel, name: name}); err != nil {
		c.opts.Logger.Error("cache: journal", "err", err)
	}
	if c.opts.Events.Lost != nil {
		c.opts.Events.Lost(name)
	}
	c.forgetLocked(i)
}

// forgetLocked removes entry i from memory and the accounting.
func (c *Cache) forgetLocked(i int32) {
	e := &c.x.slots[i]
	name := e.name()
	c.account(name, e.state, 0, e.size)
	delete(c.pins, name)
	c.x.remove(i)
}

// account moves size bytes of a file between states, for Stats and Events.
func (c *Cache) account(name string, from, to State, size int64) {
	if from != 0 {
		c.byState[from] -= size
		c.counts[from]--
	}
	if to != 0 {
		c.byState[to] += size
		c.counts[to]++
	}
	if c.opts.Events.StateChanged != nil {
		c.opts.Events.StateChanged(name, from, to, size)
	}
}

func (c *Cache) now() int64 { return c.opts.Clock.Now().UnixNano() }

func unixTime(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}

// fileLocked returns the index entry of the cleaned name n, or ErrClosed
// or ErrNotFound; the caller holds c.mu.
func (c *Cache) fileLocked(n string) (int32, *entry, error) {
	if c.closed {
		return nilSlot, nil, ErrClosed
	}
	i, e := c.x.lookup(n)
	if e == nil {
		return nilSlot, nil, fmt.Errorf("%w: %s", ErrNotFound, n)
	}
	return i, e, nil
}

// MarkArchived records that a precious file is now safely on tape: it
// becomes online (clean) and, unless pinned or needed, evictable.
func (c *Cache) MarkArchived(name string) error {
	n, err := CleanName(name)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	i, e, err := c.fileLocked(n)
	if err != nil {
		return err
	}
	if e.state != Precious {
		return fmt.Errorf("%w: %s is %s, not precious", ErrWrongState, n, e.state)
	}
	if err := c.logLocked(record{typ: recState, name: n, state: Online}); err != nil {
		return err
	}
	c.account(n, Precious, Online, e.size)
	c.x.setState(i, Online)
	c.grantLocked()
	return nil
}

// Remove deletes a precious or online file (the user deleted it). A pinned
// file is kept and ErrPinned returned; an incoming or staging file gives
// ErrWrongState (abort its Writer instead).
func (c *Cache) Remove(name string) error {
	n, err := CleanName(name)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	i, e, err := c.fileLocked(n)
	if err != nil {
		return err
	}
	if e.state != Precious && e.state != Online {
		return fmt.Errorf("%w: %s is %s", ErrWrongState, n, e.state)
	}
	if len(c.livePins(n)) > 0 {
		return fmt.Errorf("%w: %s", ErrPinned, n)
	}
	if err := c.deleteLocked(i); err != nil {
		return err
	}
	c.grantLocked()
	return nil
}

// deleteLocked journals the removal, then unlinks the data: a crash in
// between leaves a file that the next Open unlinks.
func (c *Cache) deleteLocked(i int32) error {
	name := c.x.slots[i].name()
	if err := c.logLocked(record{typ: recDel, name: name}); err != nil {
		return err
	}
	if err := unlinkData(c.root, name); err != nil {
		c.opts.Logger.Warn("cache: could not unlink a removed file", "name", name, "err", err)
	}
	c.forgetLocked(i)
	return nil
}

// Precious lists the files not yet on tape, oldest first within no
// particular class order.
func (c *Cache) Precious() []Info {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Info, 0, len(c.x.precious))
	for i := range c.x.precious {
		out = append(out, c.info(i))
	}
	sortInfos(out)
	return out
}

// Stats is a snapshot of the cache's counters.
type Stats struct {
	Quota, HighWater, LowWater int64
	// Bytes and Files by state, indexed by State.
	Bytes [5]int64
	Files [5]int
	// Reserved is space held by reservations not yet used by a file.
	Reserved int64
	// Used is everything counted against the quota.
	Used                    int64
	Hits, Misses            uint64
	Evictions, EvictedBytes uint64
	// Waits counts callers that had to wait for space; Waiting those
	// waiting now.
	Waits   uint64
	Waiting int
}

// Stats returns the cache's counters.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Stats{Quota: c.quota, HighWater: c.high, LowWater: c.low, Bytes: c.byState, Files: c.counts,
		Reserved: c.reserved, Used: c.usedLocked(), Hits: c.hits, Misses: c.misses,
		Evictions: c.evictions, EvictedBytes: c.evictedBytes, Waits: c.waits, Waiting: len(c.waiters)}
}

func (c *Cache) usedLocked() int64 {
	return c.byState[Incoming] + c.byState[Precious] + c.byState[Staging] + c.byState[Online] + c.reserved
}

func (c *Cache) newTmpName() string {
	c.tmpSeq++
	return fmt.Sprintf("%016x.part", c.tmpSeq)
}

// List describes the files whose names start with prefix, sorted by name.
func (c *Cache) List(prefix string) []Info {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Info
	for name, i := range c.x.byName {
		if strings.HasPrefix(name, prefix) {
			out = append(out, c.info(i))
		}
	}
	slices.SortFunc(out, func(a, b Info) int { return strings.Compare(a.Name, b.Name) })
	return out
}
