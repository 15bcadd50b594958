package cache_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tapekit/tapekit/cache"
)

func TestCleanName(t *testing.T) {
	long := strings.Repeat("a", cache.MaxComponentLen+1)
	for _, tc := range []struct {
		in, want string
	}{
		{"a", "a"},
		{"/store/run1/f.root", "store/run1/f.root"},
		{"store/run1/f.root", "store/run1/f.root"},
		{"a..b/.c/d.", "a..b/.c/d."},
		{"ünïcode/файл", "ünïcode/файл"},
		{"", ""},
		{"/", ""},
		{"//a", ""},
		{"a//b", ""},
		{"a/", ""},
		{".", ""},
		{"..", ""},
		{"../etc/passwd", ""},
		{"/a/../../etc", ""},
		{"a/./b", ""},
		{"a/..", ""},
		{"a\x00b", ""},
		{"a\nb", ""},
		{"a\x7fb", ""},
		{"\xff\xfe", ""},
		{long, ""},
		{strings.Repeat("a/", cache.MaxNameLen/2+1) + "a", ""},
	} {
		got, err := cache.CleanName(tc.in)
		if tc.want == "" {
			var pe *cache.PathError
			if !errors.Is(err, cache.ErrBadPath) || !errors.As(err, &pe) || pe.Name != tc.in {
				t.Errorf("CleanName(%q) = %q, %v; want a *PathError", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("CleanName(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// FuzzCleanName checks that whatever a client sends, an accepted name is
// relative, stays below the root and is its own clean form.
func FuzzCleanName(f *testing.F) {
	for _, s := range []string{"a/b", "/a", "../x", "a/../../b", "a//b", "a\x00", ".", "..."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := cache.CleanName(s)
		if err != nil {
			if !errors.Is(err, cache.ErrBadPath) {
				t.Fatalf("CleanName(%q): error %v does not match ErrBadPath", s, err)
			}
			return
		}
		if n == "" || strings.HasPrefix(n, "/") || !utf8.ValidString(n) || len(n) > cache.MaxNameLen {
			t.Fatalf("CleanName(%q) = %q", s, n)
		}
		depth := 0
		for _, el := range strings.Split(n, "/") {
			if el == "" || el == "." || el == ".." || strings.ContainsAny(el, "\x00") {
				t.Fatalf("CleanName(%q) = %q has element %q", s, n, el)
			}
			depth++
		}
		if again, err := cache.CleanName(n); err != nil || again != n {
			t.Fatalf("CleanName not idempotent on %q: %q, %v", n, again, err)
		}
		if n != strings.TrimPrefix(s, "/") {
			t.Fatalf("CleanName(%q) rewrote to %q", s, n)
		}
	})
}
