package cachesink_test

import (
	"context"
	"errors"
	"fmt"
	"hash/adler32"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/tapekit/tapekit/cache"
	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/sqlite"
	"github.com/tapekit/tapekit/checksum"
	"github.com/tapekit/tapekit/examples/hsm/internal/cachesink"
	"github.com/tapekit/tapekit/scheduler"
)

func setup(t *testing.T) (*cachesink.Sink, *cache.Cache, catalog.Catalog) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := cache.Open(filepath.Join(dir, "cache"), &cache.Options{Quota: 1 << 20, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	cat, err := sqlite.Open(ctx, filepath.Join(dir, "cat.db"), &sqlite.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	cat.PutPool(ctx, catalog.Pool{Name: "p"})
	cat.PutStorageClass(ctx, catalog.StorageClass{Name: "sc", Pools: []string{"p"}})
	return cachesink.New(c, cat), c, cat
}

func addFile(t *testing.T, cat catalog.Catalog, path string, data []byte) scheduler.Request {
	t.Helper()
	fs, err := cat.CreateFiles(context.Background(), []catalog.File{{Path: path, Size: int64(len(data)), StorageClass: "sc",
		Checksums: map[string]string{"adler32": fmt.Sprintf("%08x", adler32.Checksum(data))}}})
	if err != nil {
		t.Fatal(err)
	}
	return scheduler.Request{ID: fs[0].ID + 100, Kind: scheduler.Recall, FileID: fs[0].ID, Path: path, Size: int64(len(data))}
}

func recall(t *testing.T, s *cachesink.Sink, req scheduler.Request, data []byte, sums []checksum.Value) error {
	t.Helper()
	ctx := context.Background()
	if err := s.Reserve(ctx, req); err != nil {
		t.Fatal(err)
	}
	f, err := s.Create(ctx, req)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return err
	}
	return f.Commit(sums)
}

func TestRecallIntoCache(t *testing.T) {
	s, c, cat := setup(t)
	data := []byte("recalled data")
	req := addFile(t, cat, "/a/f", data)
	sum := checksum.Uint32Value(checksum.Adler32, adler32.Checksum(data))
	if err := recall(t, s, req, data, []checksum.Value{sum}); err != nil {
		t.Fatal(err)
	}
	info, err := c.Stat("a/f")
	if err != nil || info.State != cache.Online || info.Size != int64(len(data)) {
		t.Fatalf("%+v %v", info, err)
	}
	if st := c.Stats(); st.Reserved != 0 {
		t.Fatalf("%d bytes still reserved", st.Reserved)
	}
	// Recalled again (another recall brought it first): discarded, fine.
	if err := recall(t, s, req, data, nil); err != nil {
		t.Fatal(err)
	}
	if st := c.Stats(); st.Reserved != 0 || st.Files[cache.Online] != 1 {
		t.Fatalf("stats %+v", st)
	}
	// The Source side reads it.
	rc, err := s.Open(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != string(data) {
		t.Fatalf("Open read %q", b)
	}
}

func TestRecallNotMatchingTheCatalog(t *testing.T) {
	s, c, cat := setup(t)
	req := addFile(t, cat, "/a/g", []byte("what was archived"))
	err := recall(t, s, req, []byte("what came back...."[:17]), nil)
	if !errors.Is(err, cache.ErrChecksum) {
		t.Fatalf("commit of wrong data: %v", err)
	}
	if _, err := c.Stat("a/g"); !errors.Is(err, cache.ErrNotFound) {
		t.Fatalf("wrong data kept: %v", err)
	}
	if st := c.Stats(); st.Reserved != 0 || st.Used != 0 {
		t.Fatalf("space not given back: %+v", st)
	}
}

func TestMoverSumsDisagree(t *testing.T) {
	s, c, cat := setup(t)
	data := []byte("data")
	req := addFile(t, cat, "/a/h", data)
	bad := checksum.Uint32Value(checksum.Adler32, 1)
	if err := recall(t, s, req, data, []checksum.Value{bad}); !errors.Is(err, checksum.ErrMismatch) {
		t.Fatalf("%v", err)
	}
	if _, err := c.Stat("a/h"); !errors.Is(err, cache.ErrNotFound) {
		t.Fatalf("kept: %v", err)
	}
}

func TestReleaseAndAbort(t *testing.T) {
	s, c, cat := setup(t)
	ctx := context.Background()
	req := addFile(t, cat, "/a/i", []byte("0123456789"))
	if err := s.Reserve(ctx, req); err != nil {
		t.Fatal(err)
	}
	if st := c.Stats(); st.Reserved != 10 {
		t.Fatalf("reserved %d", st.Reserved)
	}
	s.Release(req)
	s.Release(req) // twice: nothing
	if st := c.Stats(); st.Reserved != 0 {
		t.Fatalf("reserved %d after Release", st.Reserved)
	}
	if err := s.Reserve(ctx, req); err != nil {
		t.Fatal(err)
	}
	f, err := s.Create(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("01234"))
	if err := f.Abort(); err != nil {
		t.Fatal(err)
	}
	if st := c.Stats(); st.Reserved != 0 || st.Used != 0 {
		t.Fatalf("after Abort: %+v", st)
	}
	// A request larger than the whole cache fails at once.
	big := req
	big.Size = 2 << 20
	if err := s.Reserve(ctx, big); !errors.Is(err, cache.ErrTooLarge) {
		t.Fatalf("%v", err)
	}
	// An empty file needs no reservation.
	empty := addFile(t, cat, "/a/empty", nil)
	if err := recall(t, s, empty, nil, nil); err != nil {
		t.Fatal(err)
	}
}
