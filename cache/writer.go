package cache

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/tapekit/tapekit/checksum"
)

// WriteOptions qualifies a Create or a Stage. Nil means defaults.
type WriteOptions struct {
	// StorageClass selects the checksums computed and the flush policy.
	StorageClass string
	// Reservation, if set, pays for the file; otherwise the cache reserves
	// the size itself, waiting for room as Reserve does.
	Reservation *Reservation
	// Expected are checksums the data must have (a recall's catalog
	// values): Commit fails with ErrChecksum and discards the file if any
	// differs. Their algorithms are computed in addition to the class's.
	Expected []checksum.Value
}

// Writer receives one file's bytes. It writes a temporary file outside the
// served tree and hashes as it goes; only Commit makes the file visible.
// A Writer is not safe for concurrent use.
type Writer struct {
	c        *Cache
	name     string
	slot     int32
	state    State
	tmp      string
	f        *os.File
	set      *checksum.Set
	size, n  int64
	expected []checksum.Value
	done     bool
	buf      []byte
}

// parallelMin is the write size from which the file write and the hashing
// run on two goroutines: each then costs the time of the slower.
const parallelMin = 64 << 10

// Create starts a new file from a client: incoming until Commit, then
// precious until MarkArchived. size is the exact length the file will have.
func (c *Cache) Create(ctx context.Context, name string, size int64, opts *WriteOptions) (*Writer, error) {
	return c.begin(ctx, name, size, Incoming, opts)
}

// Stage starts a file recalled from tape: staging until Commit, then
// online (clean, evictable).
func (c *Cache) Stage(ctx context.Context, name string, size int64, opts *WriteOptions) (*Writer, error) {
	return c.begin(ctx, name, size, Staging, opts)
}

func (c *Cache) begin(ctx context.Context, name string, size int64, st State, opts *WriteOptions) (*Writer, error) {
	n, err := CleanName(name)
	if err != nil {
		return nil, err
	}
	var o WriteOptions
	if opts != nil {
		o = *opts
	}
	if size < 0 {
		return nil, fmt.Errorf("%w: %d", ErrBadSize, size)
	}
	cls := c.opts.class(o.StorageClass)
	algs := append([]string(nil), cls.Algorithms...)
	for _, v := range o.Expected {
		if _, err := checksum.Size(v.Algorithm); err != nil {
			return nil, err
		}
		algs = append(algs, v.Algorithm)
	}
	set, err := checksum.NewSet(algs, nil)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	fail := func(err error) (*Writer, error) {
		set.Close()
		return nil, err
	}
	if c.closed {
		return fail(ErrClosed)
	}
	if size > c.quota {
		return fail(fmt.Errorf("%w: %d bytes, quota %d", ErrTooLarge, size, c.quota))
	}
	if _, e := c.x.lookup(n); e != nil {
		return fail(fmt.Errorf("%w: %s is %s", ErrExists, n, e.state))
	}
	for k := strings.IndexByte(n, '/'); k >= 0; k = next(n, k) {
		if _, e := c.x.lookup(n[:k]); e != nil {
			return fail(fmt.Errorf("%w: %s is a file, not a directory", ErrExists, n[:k]))
		}
	}
	if o.Reservation != nil && o.Reservation.c != c {
		return fail(fmt.Errorf("%w: reservation of another cache", ErrReleased))
	}
	// The name is taken at once, so that a second writer of it fails even
	// while this one waits for space.
	slot := c.x.add(n, o.StorageClass, nil, st, size, 0, 0)
	release := func(err error) (*Writer, error) {
		c.x.remove(slot)
		return fail(err)
	}
	if o.Reservation != nil {
		err = o.Reservation.takeLocked(size)
	} else {
		err = c.acquireLocked(ctx, size)
		if err == nil {
			c.reserved -= size
		}
	}
	if err != nil {
		return release(err)
	}
	c.account(n, 0, st, size)
	tmp := c.newTmpName()
	f, err := os.OpenFile(filepath.Join(c.dir, "tmp", tmp), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		c.account(n, st, 0, size)
		c.x.remove(slot)
		c.grantLocked()
		return fail(err)
	}
	return &Writer{c: c, name: n, slot: slot, state: st, tmp: tmp, f: f, set: set, size: size, expected: o.Expected}, nil
}

func next(s string, k int) int {
	j := strings.IndexByte(s[k+1:], '/')
	if j < 0 {
		return -1
	}
	return k + 1 + j
}

// Name returns the cleaned name of the file.
func (w *Writer) Name() string { return w.name }

// Write stores p. Writing more than the declared size fails with
// ErrSizeExceeded and stores none of p.
func (w *Writer) Write(p []byte) (int, error) {
	if w.done {
		return 0, ErrClosed
	}
	if w.n+int64(len(p)) > w.size {
		return 0, fmt.Errorf("%w: %d bytes declared", ErrSizeExceeded, w.size)
	}
	var n int
	var err error
	if len(p) >= parallelMin {
		var wg sync.WaitGroup
		wg.Go(func() { n, err = w.f.Write(p) })
		w.set.Write(p)
		wg.Wait()
		if n < len(p) {
			// The hash saw bytes the file did not take: the writer is
			// unusable, as after any failed write.
			w.Abort()
			return n, fmt.Errorf("cache: write %s: %w", w.name, err)
		}
	} else {
		n, err = w.f.Write(p)
		w.set.Write(p[:n])
	}
	w.n += int64(n)
	return n, err
}

// ReadFrom copies r into the file in large chunks, so io.Copy into a
// Writer hashes and writes in parallel.
func (w *Writer) ReadFrom(r io.Reader) (int64, error) {
	if w.buf == nil {
		w.buf = make([]byte, 1<<20)
	}
	var total int64
	for {
		m, rerr := io.ReadFull(r, w.buf)
		if m > 0 {
			k, err := w.Write(w.buf[:m])
			total += int64(k)
			if err != nil {
				return total, err
			}
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			return total, nil
		}
		if rerr != nil {
			return total, rerr
		}
	}
}

// Commit makes the file durable and visible: the data is fsynced, the
// index records the file with its checksums (fsynced), the temporary file
// is renamed into place and the directory fsynced. Once Commit returns nil
// the file survives a crash. A short file, a checksum mismatch or any
// failure discards it.
func (w *Writer) Commit() (Info, error) {
	if w.done {
		return Info{}, ErrClosed
	}
	if w.n != w.size {
		w.Abort()
		return Info{}, fmt.Errorf("%w: %d of %d bytes", ErrShortWrite, w.n, w.size)
	}
	err := w.f.Sync()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	w.f = nil
	if err != nil {
		w.Abort()
		return Info{}, err
	}
	sums := w.set.Sum()
	w.set.Close()
	for _, want := range w.expected {
		for _, got := range sums {
			if got.Algorithm == want.Algorithm && !got.Equal(want) {
				w.Abort()
				return Info{}, fmt.Errorf("%w: %s: %w", ErrChecksum, w.name,
					&checksum.MismatchError{Algorithm: want.Algorithm, Expected: want.Bytes, Actual: got.Bytes})
			}
		}
	}
	c := w.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		w.done = true
		os.Remove(filepath.Join(c.dir, "tmp", w.tmp))
		return Info{}, ErrClosed
	}
	w.done = true
	i := w.slot
	e := &c.x.slots[i]
	c.x.setSums(i, sums)
	e.created = c.now()
	e.atime = e.created
	to := Precious
	if w.state == Staging {
		to = Online
	}
	dir, base, err := openParent(c.root, w.name, true)
	if err != nil {
		return Info{}, w.discardLocked(err)
	}
	defer unix.Close(dir)
	e.state = to // for the record; the index moves below
	rec := c.putRecord(i, w.tmp)
	e.state = w.state
	if err := c.logLocked(rec); err != nil {
		return Info{}, w.discardLocked(err)
	}
	err = unix.Renameat(c.tmpDir, w.tmp, dir, base)
	if err == nil {
		err = unix.Fsync(dir)
	}
	if err != nil {
		// The journal says the file exists; say it does not, so that a
		// crash now does not resurrect it.
		if lerr := c.logLocked(record{typ: recDel, name: w.name}); lerr != nil {
			c.opts.Logger.Error("cache: journal", "err", lerr)
		}
		return Info{}, w.discardLocked(fmt.Errorf("cache: install %s: %w", w.name, err))
	}
	c.account(w.name, w.state, to, w.size)
	c.x.setState(i, to)
	c.grantLocked()
	return c.info(i), nil
}

// discardLocked undoes a writer that will not commit.
func (w *Writer) discardLocked(err error) error {
	c := w.c
	os.Remove(filepath.Join(c.dir, "tmp", w.tmp))
	c.account(w.name, w.state, 0, w.size)
	delete(c.pins, w.name)
	c.x.remove(w.slot)
	c.grantLocked()
	return err
}

// Abort discards the file and gives its space back.
func (w *Writer) Abort() error {
	if w.done {
		return ErrClosed
	}
	w.done = true
	if w.f != nil {
		w.f.Close()
	}
	w.set.Close()
	c := w.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		os.Remove(filepath.Join(c.dir, "tmp", w.tmp))
		return nil
	}
	w.discardLocked(nil)
	return nil
}

var _ io.ReaderFrom = (*Writer)(nil)
