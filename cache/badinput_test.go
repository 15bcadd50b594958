package cache_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tapekit/tapekit/cache"
	"github.com/tapekit/tapekit/checksum"
)

// TestBadInput feeds calls a client or a buggy scheduler could make and
// checks each gives its typed error, does not panic, and changes nothing.
func TestBadInput(t *testing.T) {
	c := openTest(t, t.TempDir(), 1<<20, nil)
	defer c.Close()
	ctx := context.Background()
	put(t, c, "a/f", 100, cache.Online)
	put(t, c, "p", 100, cache.Precious)
	if err := c.Pin("a/f", "o", "r1", time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := c.Unpin("a/f", "r1"); err != nil {
		t.Fatal(err)
	}
	res, err := c.Reserve(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Release(); err != nil {
		t.Fatal(err)
	}
	create := func(name string, size int64) error {
		w, err := c.Create(ctx, name, size, nil)
		if err == nil {
			w.Abort()
			t.Errorf("Create(%q, %d) accepted", name, size)
		}
		return err
	}
	for _, tc := range []struct {
		name string
		call func() error
		want error
	}{
		{"create traversal", func() error { return create("../etc/passwd", 1) }, cache.ErrBadPath},
		{"create deep traversal", func() error { return create("/a/../../x", 1) }, cache.ErrBadPath},
		{"create NUL", func() error { return create("a\x00b", 1) }, cache.ErrBadPath},
		{"create empty", func() error { return create("", 1) }, cache.ErrBadPath},
		{"create negative size", func() error { return create("n", -1) }, cache.ErrBadSize},
		{"create absurd size", func() error { return create("n", math.MaxInt64) }, cache.ErrTooLarge},
		{"create existing", func() error { return create("a/f", 1) }, cache.ErrExists},
		{"create under a file", func() error { return create("p/x", 1) }, cache.ErrExists},
		{"stage unknown algorithm", func() error {
			_, err := c.Stage(ctx, "s", 1, &cache.WriteOptions{Expected: []checksum.Value{{Algorithm: "nope"}}})
			return err
		}, checksum.ErrUnknownAlgorithm},
		{"reserve zero", func() error { _, err := c.Reserve(ctx, 0); return err }, cache.ErrBadSize},
		{"reserve negative", func() error { _, err := c.Reserve(ctx, -5); return err }, cache.ErrBadSize},
		{"reserve absurd", func() error { _, err := c.Reserve(ctx, math.MaxInt64); return err }, cache.ErrTooLarge},
		{"double release", res.Release, cache.ErrReleased},
		{"pin unknown", func() error { return c.Pin("nope", "o", "r", time.Hour) }, cache.ErrNotFound},
		{"pin traversal", func() error { return c.Pin("../a/f", "o", "r", time.Hour) }, cache.ErrBadPath},
		{"pin no owner", func() error { return c.Pin("a/f", "", "r", time.Hour) }, cache.ErrBadPin},
		{"pin no id", func() error { return c.Pin("a/f", "o", "", time.Hour) }, cache.ErrBadPin},
		{"pin zero lifetime", func() error { return c.Pin("a/f", "o", "r", 0) }, cache.ErrBadPin},
		{"pin absurd lifetime", func() error { return c.Pin("a/f", "o", "r", math.MaxInt64) }, cache.ErrBadPin},
		{"double unpin", func() error { return c.Unpin("a/f", "r1") }, cache.ErrNotPinned},
		{"unpin unknown file", func() error { return c.Unpin("nope", "r1") }, cache.ErrNotFound},
		{"unneed never needed", func() error { return c.Unneed("a/f", "q") }, cache.ErrNotNeeded},
		{"archive online", func() error { return c.MarkArchived("a/f") }, cache.ErrWrongState},
		{"archive unknown", func() error { return c.MarkArchived("nope") }, cache.ErrNotFound},
		{"remove unknown", func() error { return c.Remove("nope") }, cache.ErrNotFound},
		{"remove traversal", func() error { return c.Remove("a/../p") }, cache.ErrBadPath},
		{"open unknown", func() error { _, err := c.Open("nope"); return err }, cache.ErrNotFound},
		{"stat traversal", func() error { _, err := c.Stat(".."); return err }, cache.ErrBadPath},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := snapshot(t, c)
			err := tc.call()
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			after := snapshot(t, c)
			if diff := cmp.Diff(before, after); diff != "" {
				t.Fatalf("state changed (-before +after):\n%s", diff)
			}
		})
	}
}

type state struct {
	Stats cache.Stats
	Files map[string]cache.Info
}

func snapshot(t *testing.T, c *cache.Cache) state {
	s := c.Stats()
	s.Misses = 0 // a refused read counts a miss; that is not a change
	out := state{Stats: s, Files: map[string]cache.Info{}}
	for _, n := range []string{"a/f", "p"} {
		inf, err := c.Stat(n)
		if err != nil {
			t.Fatal(err)
		}
		out.Files[n] = inf
	}
	return out
}
