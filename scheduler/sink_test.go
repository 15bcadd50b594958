package scheduler

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tapekit/tapekit/checksum"
)

func discardLogger() *slog.Logger {
	if os.Getenv("MOVER_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

func TestMemorySinkReserve(t *testing.T) {
	s := NewMemorySink(100, nil)
	ctx := context.Background()
	if err := s.Reserve(ctx, Request{ID: 1, Size: 60}); err != nil {
		t.Fatal(err)
	}
	if err := s.Reserve(ctx, Request{ID: 2, Size: 101}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("too large: %v", err)
	}
	if s.TryReserve(Request{ID: 3, Size: 50}) {
		t.Fatal("TryReserve beyond the capacity")
	}
	got := make(chan error, 1)
	go func() { got <- s.Reserve(ctx, Request{ID: 3, Size: 50}) }()
	select {
	case err := <-got:
		t.Fatalf("Reserve did not wait: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	f, err := s.Create(ctx, Request{ID: 1, Size: 60, Path: "/a"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(make([]byte, 60)); err != nil {
		t.Fatal(err)
	}
	if err := f.Commit(nil); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, Request{ID: 4}); !errors.Is(err, ErrNotReserved) {
		t.Fatalf("Create without a reservation: %v", err)
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if err := s.Reserve(cctx, Request{ID: 5, Size: 80}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Reserve past its context: %v", err)
	}
	s.Release(Request{ID: 3})
	if st := s.Stats(); st.Used != 0 || st.Committed != 1 || st.Bytes != 60 {
		t.Fatalf("stats %+v", st)
	}
}

func TestDirSink(t *testing.T) {
	dir := t.TempDir()
	s, err := NewDirSink(dir, &DirSinkOptions{Capacity: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	req := Request{ID: 7, Path: "/exp/run1/f.dat", Size: 5}
	if err := s.Reserve(ctx, req); err != nil {
		t.Fatal(err)
	}
	f, err := s.Create(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(f, "hello")
	final := filepath.Join(dir, "exp", "run1", "f.dat")
	if _, err := os.Stat(final); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("file visible before Commit: %v", err)
	}
	if err := f.Commit([]checksum.Value{{Algorithm: "adler32", Bytes: []byte{1, 2, 3, 4}}}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(final)
	if err != nil || string(b) != "hello" {
		t.Fatalf("after Commit: %q, %v", b, err)
	}
	ents, _ := os.ReadDir(filepath.Dir(final))
	if len(ents) != 1 {
		t.Fatalf("left in the directory: %v", ents)
	}
	// Abort leaves nothing.
	req2 := Request{ID: 8, Path: "/exp/run1/g.dat", Size: 5}
	s.Reserve(ctx, req2)
	g, err := s.Create(ctx, req2)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(g, "xx")
	if err := g.Abort(); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(filepath.Dir(final)); len(ents) != 1 {
		t.Fatalf("after Abort: %v", ents)
	}
	for _, p := range []string{"", "/", "/../etc/passwd", "a/../../b", "/x/.."} {
		r := Request{ID: 9, Path: p, Size: 1}
		s.Reserve(ctx, r)
		if _, err := s.Create(ctx, r); !errors.Is(err, ErrBadPath) {
			t.Errorf("path %q: %v, want ErrBadPath", p, err)
		}
		s.Release(r)
	}
	// A symbolic link out of the directory is not followed.
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, "link")); err != nil {
		t.Skip(err)
	}
	r := Request{ID: 10, Path: "/link/evil", Size: 1}
	s.Reserve(ctx, r)
	if _, err := s.Create(ctx, r); err == nil {
		t.Error("Create through a symbolic link out of the directory succeeded")
	}
}
