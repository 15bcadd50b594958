package cache_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/benbjohnson/clock"

	"github.com/tapekit/tapekit/cache"
)

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func openTest(t testing.TB, dir string, quota int64, clk clock.Clock) *cache.Cache {
	t.Helper()
	if clk == nil {
		clk = clock.NewMock()
	}
	c, err := cache.Open(dir, &cache.Options{Quota: quota, HighWater: 0.9, LowWater: 0.5,
		Clock: clk, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func content(name string, size int) []byte {
	name = strings.TrimPrefix(name, "/")
	b := make([]byte, size)
	seed := byte(len(name))
	for _, c := range []byte(name) {
		seed = seed*31 + c
	}
	for i := range b {
		b[i] = seed + byte(i*7+i/251)
	}
	return b
}

// put creates and commits a file; st chooses Create (precious) or Stage
// (online).
func put(t testing.TB, c *cache.Cache, name string, size int, st cache.State) cache.Info {
	t.Helper()
	begin := c.Create
	if st == cache.Online {
		begin = c.Stage
	}
	w, err := begin(context.Background(), name, int64(size), nil)
	if err != nil {
		t.Fatalf("begin %s: %v", name, err)
	}
	if _, err := w.Write(content(name, size)); err != nil {
		t.Fatalf("write %s: %v", name, err)
	}
	inf, err := w.Commit()
	if err != nil {
		t.Fatalf("commit %s: %v", name, err)
	}
	return inf
}

func readAll(t testing.TB, c *cache.Cache, name string) []byte {
	t.Helper()
	f, err := c.Open(name)
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func checkContent(t testing.TB, c *cache.Cache, name string, size int) {
	t.Helper()
	if got := readAll(t, c, name); !bytes.Equal(got, content(name, size)) {
		t.Fatalf("%s: content differs (%d bytes, want %d)", name, len(got), size)
	}
}
