package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/tapekit/tapekit/scheduler"
)

// ttfbSink is the benchmark's scheduler.Sink: a MemorySink that counts
// bytes without keeping them, and notes when each request's first byte
// arrived (the first attempt's, should a request be read twice).
type ttfbSink struct {
	*scheduler.MemorySink
	now   func() time.Time
	mu    sync.Mutex
	first map[int64]time.Time
}

var (
	_ scheduler.Sink        = (*ttfbSink)(nil)
	_ scheduler.TryReserver = (*ttfbSink)(nil)
)

func newTTFBSink(ms *scheduler.MemorySink, now func() time.Time) *ttfbSink {
	return &ttfbSink{MemorySink: ms, now: now, first: map[int64]time.Time{}}
}

// Create implements scheduler.Sink.
func (s *ttfbSink) Create(ctx context.Context, req scheduler.Request) (scheduler.SinkFile, error) {
	f, err := s.MemorySink.Create(ctx, req)
	if err != nil {
		return nil, err
	}
	return &ttfbFile{SinkFile: f, s: s, id: req.ID}, nil
}

func (s *ttfbSink) seen(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.first[id]; !ok {
		s.first[id] = s.now()
	}
}

// firstByte returns when request id's first byte arrived.
func (s *ttfbSink) firstByte(id int64) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.first[id]
	return t, ok
}

type ttfbFile struct {
	scheduler.SinkFile
	s    *ttfbSink
	id   int64
	seen bool
}

func (f *ttfbFile) note(n int64) {
	if !f.seen && n > 0 {
		f.seen = true
		f.s.seen(f.id)
	}
}

func (f *ttfbFile) Write(p []byte) (int, error) {
	f.note(int64(len(p)))
	return f.SinkFile.Write(p)
}

// Discard implements scheduler.Discarder.
func (f *ttfbFile) Discard(n int64) error {
	d, ok := f.SinkFile.(scheduler.Discarder)
	if !ok {
		return fmt.Errorf("recallbench: sink file %T cannot discard: %w", f.SinkFile, errors.ErrUnsupported)
	}
	f.note(n)
	return d.Discard(n)
}

// zeroSource is W6's disk cache: every file to archive is zeros.
type zeroSource struct{}

func (zeroSource) Open(_ context.Context, req scheduler.Request) (io.ReadCloser, error) {
	return io.NopCloser(io.LimitReader(zeros{}, req.Size)), nil
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
