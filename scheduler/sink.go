package scheduler

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"github.com/benbjohnson/clock"

	"github.com/tapekit/tapekit/checksum"
)

// ErrSinkFull: a request can never fit in the sink (it is larger than the
// sink's whole capacity).
var ErrSinkFull = errors.New("scheduler: file larger than the sink")

// MemorySink is a Sink in memory, for tests, benchmarks and examples: it
// accounts for a capacity in bytes (Reserve waits while it is full, as a
// disk cache makes recalls wait) and counts what it received. With Keep
// it also keeps the data of every committed file.
type MemorySink struct {
	capacity int64
	keep     bool
	wake     *waker

	mu        sync.Mutex
	reserved  map[int64]int64 // request id → bytes reserved
	used      int64           // reserved + held
	held      map[string]int64
	data      map[string][]byte
	sums      map[string][]checksum.Value
	committed int64
	bytes     int64
}

// NewMemorySink returns a sink of capacity bytes (≤ 0: unlimited) whose
// waits run on clk (nil: the real clock; a *vclock.Clock: waits are on
// the clock, so a full sink holds a drive in virtual time). With keep it
// keeps the data of committed files (Data).
func NewMemorySink(capacity int64, clk clock.Clock, keep bool) *MemorySink {
	if clk == nil {
		clk = clock.New()
	}
	return &MemorySink{
		capacity: capacity, keep: keep, wake: newWaker(clk),
		reserved: map[int64]int64{}, held: map[string]int64{},
		data: map[string][]byte{}, sums: map[string][]checksum.Value{},
	}
}

// Reserve implements Sink.
func (m *MemorySink) Reserve(ctx context.Context, req Request) error {
	if m.capacity > 0 && req.Size > m.capacity {
		return fmt.Errorf("%w: %s needs %d bytes, the sink holds %d", ErrSinkFull, req.Path, req.Size, m.capacity)
	}
	for {
		m.mu.Lock()
		if _, ok := m.reserved[req.ID]; ok {
			m.mu.Unlock()
			return nil
		}
		if m.capacity <= 0 || m.used+req.Size <= m.capacity {
			m.reserved[req.ID] = req.Size
			m.used += req.Size
			m.mu.Unlock()
			return nil
		}
		g := m.wake.arm()
		m.mu.Unlock()
		if err := m.wake.wait(ctx, g, -1); err != nil {
			return err
		}
	}
}

// Release implements Sink.
func (m *MemorySink) Release(req Request) {
	m.mu.Lock()
	n, ok := m.reserved[req.ID]
	if ok {
		delete(m.reserved, req.ID)
		m.used -= n
	}
	m.mu.Unlock()
	if ok {
		m.wake.broadcast()
	}
}

// Create implements Sink.
func (m *MemorySink) Create(ctx context.Context, req Request) (SinkFile, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.reserved[req.ID]; !ok {
		return nil, fmt.Errorf("scheduler: sink: request %d (%s) has no reservation", req.ID, req.Path)
	}
	return &memFile{m: m, req: req}, nil
}

// Evict drops a committed file and gives back its room.
func (m *MemorySink) Evict(p string) {
	m.mu.Lock()
	n, ok := m.held[p]
	if ok {
		delete(m.held, p)
		delete(m.data, p)
		delete(m.sums, p)
		m.used -= n
	}
	m.mu.Unlock()
	if ok {
		m.wake.broadcast()
	}
}

// Data returns a committed file's data (with keep) and checksums.
func (m *MemorySink) Data(p string) ([]byte, []checksum.Value, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.held[p]
	return m.data[p], m.sums[p], ok
}

// Stats reports how many files were committed, their bytes, and the bytes
// reserved or held now.
func (m *MemorySink) Stats() (files, bytes, used int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.committed, m.bytes, m.used
}

type memFile struct {
	m    *MemorySink
	req  Request
	n    int64
	buf  bytes.Buffer
	done bool
}

func (f *memFile) Write(p []byte) (int, error) {
	if f.done {
		return 0, errors.New("scheduler: sink: write after commit or abort")
	}
	if f.n+int64(len(p)) > f.req.Size {
		return 0, fmt.Errorf("scheduler: sink: %s: more than the %d bytes reserved", f.req.Path, f.req.Size)
	}
	f.n += int64(len(p))
	if f.m.keep {
		f.buf.Write(p)
	}
	return len(p), nil
}

func (f *memFile) Commit(sums []checksum.Value) error {
	if f.done {
		return errors.New("scheduler: sink: commit after commit or abort")
	}
	f.done = true
	m := f.m
	m.mu.Lock()
	n := m.reserved[f.req.ID]
	delete(m.reserved, f.req.ID)
	if old, ok := m.held[f.req.Path]; ok {
		m.used -= old
	}
	m.held[f.req.Path] = n
	if m.keep {
		m.data[f.req.Path] = f.buf.Bytes()
	}
	m.sums[f.req.Path] = sums
	m.committed++
	m.bytes += f.n
	m.mu.Unlock()
	m.wake.broadcast()
	return nil
}

func (f *memFile) Abort() error {
	if f.done {
		return nil
	}
	f.done = true
	f.m.Release(f.req)
	return nil
}

// DirSink is a Sink writing each recalled file under a directory, at the
// request's path: a temporary file, fsynced, renamed into place and the
// directory fsynced, so a file that appears is whole. It reserves
// nothing: room is the filesystem's (the cache package is the sink with
// space accounting).
type DirSink struct {
	Root string
}

// Reserve implements Sink; a DirSink does not account for space.
func (DirSink) Reserve(ctx context.Context, req Request) error { return ctx.Err() }

// Release implements Sink.
func (DirSink) Release(Request) {}

// Create implements Sink.
func (s DirSink) Create(ctx context.Context, req Request) (SinkFile, error) {
	rel, err := cleanSinkPath(req.Path)
	if err != nil {
		return nil, err
	}
	dst := filepath.Join(s.Root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(filepath.Dir(dst), ".recall-*")
	if err != nil {
		return nil, err
	}
	return &dirFile{f: f, dst: dst}, nil
}

// cleanSinkPath makes a request's path relative and refuses one that
// would leave the root.
func cleanSinkPath(p string) (string, error) {
	if strings.Contains(p, "\x00") {
		return "", fmt.Errorf("%w: sink path %q holds a NUL byte", ErrInvalid, p)
	}
	for _, part := range strings.Split(p, "/") {
		if part == ".." {
			return "", fmt.Errorf("%w: sink path %q leaves the root", ErrInvalid, p)
		}
	}
	c := strings.TrimPrefix(path.Clean("/"+p), "/")
	if c == "" {
		return "", fmt.Errorf("%w: sink path %q names no file", ErrInvalid, p)
	}
	return c, nil
}

type dirFile struct {
	f    *os.File
	dst  string
	done bool
}

func (d *dirFile) Write(p []byte) (int, error) { return d.f.Write(p) }

func (d *dirFile) Commit([]checksum.Value) error {
	if d.done {
		return errors.New("scheduler: sink: commit after commit or abort")
	}
	d.done = true
	tmp := d.f.Name()
	err := d.f.Sync()
	if cerr := d.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, d.dst)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	dir, err := os.Open(filepath.Dir(d.dst))
	if err != nil {
		return err
	}
	defer dir.Close()
	return dir.Sync()
}

func (d *dirFile) Abort() error {
	if d.done {
		return nil
	}
	d.done = true
	d.f.Close()
	return os.Remove(d.f.Name())
}
