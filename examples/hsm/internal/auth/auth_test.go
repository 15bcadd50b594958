package auth_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapekit/tapekit/examples/hsm/internal/auth"
)

func TestLoadOrCreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "tokens.json")
	entries, tok, err := auth.LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok, "tk_") || len(tok) < 40 {
		t.Fatalf("created token %q", tok)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
	// The second start reads the same token and prints nothing.
	again, tok2, err := auth.LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	if tok2 != "" {
		t.Fatalf("second start created %q", tok2)
	}
	if diff := cmp.Diff(entries, again); diff != "" {
		t.Fatal(diff)
	}
	s, err := auth.New(again)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Check(tok)
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range auth.Scopes {
		if !c.Can(sc) {
			t.Errorf("admin token cannot %s", sc)
		}
	}

	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := auth.LoadOrCreate(path); !errors.Is(err, auth.ErrBadFile) || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("world-readable file: %v", err)
	}
}

func TestCheck(t *testing.T) {
	s, err := auth.New([]auth.Entry{
		{Name: "reader", Token: "reader-token-0123456789", Scopes: []auth.Scope{auth.Read}},
		{Name: "fts", Token: "fts-token-0123456789", Scopes: []auth.Scope{auth.Read, auth.Stage}},
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Check("fts-token-0123456789")
	if err != nil || c.Name != "fts" || !c.Can(auth.Stage) || c.Can(auth.Write) || c.Can(auth.Admin) {
		t.Fatalf("fts: %+v %v", c, err)
	}
	for _, bad := range []string{"fts-token-012345678", "fts-token-0123456789x", "FTS-TOKEN-0123456789"} {
		if _, err := s.Check(bad); !errors.Is(err, auth.ErrBadToken) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if _, err := s.Check(""); !errors.Is(err, auth.ErrNoToken) {
		t.Errorf("empty: %v", err)
	}
}

func TestNewRefuses(t *testing.T) {
	for name, es := range map[string][]auth.Entry{
		"no name":       {{Token: "0123456789abcdef", Scopes: []auth.Scope{auth.Read}}},
		"short token":   {{Name: "a", Token: "short", Scopes: []auth.Scope{auth.Read}}},
		"no scopes":     {{Name: "a", Token: "0123456789abcdef"}},
		"unknown scope": {{Name: "a", Token: "0123456789abcdef", Scopes: []auth.Scope{"root"}}},
		"same name":     {{Name: "a", Token: "0123456789abcdef", Scopes: []auth.Scope{auth.Read}}, {Name: "a", Token: "0123456789abcdefg", Scopes: []auth.Scope{auth.Read}}},
	} {
		if _, err := auth.New(es); !errors.Is(err, auth.ErrBadFile) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestBearer(t *testing.T) {
	for h, want := range map[string]string{
		"Bearer abc":   "abc",
		"bearer abc ":  "abc",
		"Basic abc":    "",
		"Bearer":       "",
		"":             "",
		"BearerX abc":  "",
		"Bearer  abc":  "abc",
		"Bearer a b c": "a b c",
	} {
		if got := auth.Bearer(h); got != want {
			t.Errorf("Bearer(%q) = %q, want %q", h, got, want)
		}
	}
}

// TestLoadOrCreateRace: servers starting at once on one directory agree
// on one token file, and exactly one prints a token.
func TestLoadOrCreateRace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.json")
	const n = 8
	created := make(chan string, n)
	errs := make(chan error, n)
	for range n {
		go func() {
			_, tok, err := auth.LoadOrCreate(path)
			created <- tok
			errs <- err
		}()
	}
	printed := 0
	for range n {
		if tok := <-created; tok != "" {
			printed++
		}
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if printed != 1 {
		t.Fatalf("%d servers printed a token", printed)
	}
}
