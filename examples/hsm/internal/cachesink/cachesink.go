package cachesink

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/tapekit/tapekit/cache"
	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/checksum"
	"github.com/tapekit/tapekit/scheduler"
)

// Sink is the cache as the scheduler's Sink and Source. It is safe for
// concurrent use.
type Sink struct {
	c   *cache.Cache
	cat catalog.Catalog

	mu  sync.Mutex
	res map[int64]*cache.Reservation // by request id, until Create or Release
}

var (
	_ scheduler.Sink   = (*Sink)(nil)
	_ scheduler.Source = (*Sink)(nil)
)

// New returns the Sink of c. The catalog gives the checksums a recalled
// file must have, which the cache verifies as the data comes in.
func New(c *cache.Cache, cat catalog.Catalog) *Sink {
	return &Sink{c: c, cat: cat, res: map[int64]*cache.Reservation{}}
}

// Reserve sets req.Size bytes aside in the cache, waiting while it is full
// of files that cannot be evicted: back-pressure on mounts.
func (s *Sink) Reserve(ctx context.Context, req scheduler.Request) error {
	if req.Size == 0 {
		return nil // an empty file needs no room
	}
	r, err := s.c.Reserve(ctx, req.Size)
	if err != nil {
		return err
	}
	s.mu.Lock()
	old := s.res[req.ID]
	s.res[req.ID] = r
	s.mu.Unlock()
	if old != nil { // reserved twice (a retry): keep one
		old.Release()
	}
	return nil
}

// Release gives back the reservation of a request that will not be
// created.
func (s *Sink) Release(req scheduler.Request) {
	if r := s.take(req.ID); r != nil {
		r.Release()
	}
}

func (s *Sink) take(id int64) *cache.Reservation {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.res[id]
	delete(s.res, id)
	return r
}

// Create starts the file in the cache, staging until Commit. The file's
// catalog checksums are expected: data that does not match is refused at
// Commit. A file that is already on disk (another recall brought it)
// gets a SinkFile that discards the bytes and commits nothing.
func (s *Sink) Create(ctx context.Context, req scheduler.Request) (scheduler.SinkFile, error) {
	res := s.take(req.ID)
	expected, err := s.expected(ctx, req)
	if err != nil {
		if res != nil {
			res.Release()
		}
		return nil, err
	}
	w, err := s.c.Stage(ctx, req.Path, req.Size, &cache.WriteOptions{Reservation: res, Expected: expected})
	if errors.Is(err, cache.ErrExists) {
		if info, serr := s.c.Stat(req.Path); serr == nil && (info.State == cache.Online || info.State == cache.Precious) {
			if res != nil {
				res.Release()
			}
			return discard{}, nil
		}
	}
	if err != nil {
		if res != nil {
			res.Release()
		}
		return nil, err
	}
	return &file{c: s.c, w: w, res: res}, nil
}

// expected returns the catalog's checksums of the request's file.
func (s *Sink) expected(ctx context.Context, req scheduler.Request) ([]checksum.Value, error) {
	if req.FileID == 0 {
		return nil, nil
	}
	f, err := s.cat.File(ctx, req.FileID)
	if err != nil {
		return nil, fmt.Errorf("cachesink: the catalog's checksums of file %d: %w", req.FileID, err)
	}
	var out []checksum.Value
	for alg, hex := range f.Checksums {
		v, err := checksum.ParseHex(alg, hex)
		if err != nil {
			return nil, fmt.Errorf("cachesink: file %d: %s checksum %q: %w", req.FileID, alg, hex, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// file is a recalled file on its way into the cache.
type file struct {
	c   *cache.Cache
	w   *cache.Writer
	res *cache.Reservation
}

func (f *file) Write(p []byte) (int, error) { return f.w.Write(p) }

// Commit makes the file online. sums, what the mover verified while
// reading, must agree with what the cache computed of the same bytes.
func (f *file) Commit(sums []checksum.Value) error {
	defer f.release()
	info, err := f.w.Commit()
	if err != nil {
		return err
	}
	for _, v := range sums {
		for _, got := range info.Checksums {
			if got.Algorithm == v.Algorithm && !got.Equal(v) {
				// The bytes written are not those read: never serve them.
				f.c.Remove(info.Name)
				return fmt.Errorf("cachesink: %s: the mover read %s, the cache stored %s: %w", info.Name, v, got, checksum.ErrMismatch)
			}
		}
	}
	return nil
}

func (f *file) Abort() error {
	defer f.release()
	return f.w.Abort()
}

// release gives back what the file did not use of its reservation.
func (f *file) release() {
	if f.res != nil {
		f.res.Release()
	}
}

// discard is the SinkFile of a file already on disk.
type discard struct{}

func (discard) Write(p []byte) (int, error)   { return len(p), nil }
func (discard) Commit([]checksum.Value) error { return nil }
func (discard) Abort() error                  { return nil }

// Open gives the data of a precious file to archive.
func (s *Sink) Open(ctx context.Context, req scheduler.Request) (io.ReadCloser, error) {
	return s.c.Open(req.Path)
}
