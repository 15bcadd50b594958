package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Scope is one kind of operation a token allows.
type Scope string

// The scopes. Admin implies every other scope.
const (
	Read  Scope = "read"  // GET and HEAD files, archiveinfo
	Write Scope = "write" // PUT and DELETE files
	Stage Scope = "stage" // stage requests, cancel, release
	Admin Scope = "admin" // the admin API; and everything else
)

// Scopes lists the scopes in the order the file and messages use.
var Scopes = []Scope{Read, Write, Stage, Admin}

var (
	// ErrNoToken: the request carried no bearer token.
	ErrNoToken = errors.New("auth: no bearer token")
	// ErrBadToken: the token is not one the server knows.
	ErrBadToken = errors.New("auth: unknown token")
	// ErrBadFile: the token file cannot be used as it is.
	ErrBadFile = errors.New("auth: bad token file")
)

// Client is who a token belongs to.
type Client struct {
	Name   string
	Scopes []Scope
}

// Can reports whether the client may do what scope s allows.
func (c Client) Can(s Scope) bool {
	return slices.Contains(c.Scopes, s) || slices.Contains(c.Scopes, Admin)
}

// Entry is one token as the file stores it.
type Entry struct {
	Name   string  `json:"name"`
	Token  string  `json:"token"`
	Scopes []Scope `json:"scopes"`
}

type fileJSON struct {
	Tokens []Entry `json:"tokens"`
}

type known struct {
	sum    [sha256.Size]byte
	client Client
}

// Store checks tokens. It is read-only once built and safe for concurrent
// use.
type Store struct {
	known []known
}

// New returns a Store of the given tokens. Names must be unique and
// non-empty, tokens at least 16 bytes, scopes known.
func New(entries []Entry) (*Store, error) {
	s := &Store{}
	names := map[string]bool{}
	for i, e := range entries {
		switch {
		case e.Name == "":
			return nil, fmt.Errorf("%w: token %d has no name", ErrBadFile, i+1)
		case names[e.Name]:
			return nil, fmt.Errorf("%w: name %q is used twice", ErrBadFile, e.Name)
		case len(e.Token) < 16:
			return nil, fmt.Errorf("%w: token of %q is shorter than 16 characters", ErrBadFile, e.Name)
		case len(e.Scopes) == 0:
			return nil, fmt.Errorf("%w: token of %q has no scopes (want some of %v)", ErrBadFile, e.Name, Scopes)
		}
		for _, sc := range e.Scopes {
			if !slices.Contains(Scopes, sc) {
				return nil, fmt.Errorf("%w: token of %q has unknown scope %q (want some of %v)", ErrBadFile, e.Name, sc, Scopes)
			}
		}
		names[e.Name] = true
		s.known = append(s.known, known{sum: sha256.Sum256([]byte(e.Token)), client: Client{Name: e.Name, Scopes: slices.Clone(e.Scopes)}})
	}
	return s, nil
}

// Check returns the client of a token. Every known token is compared, in
// constant time, whatever matches.
func (s *Store) Check(token string) (Client, error) {
	if token == "" {
		return Client{}, ErrNoToken
	}
	// Comparing digests gives every comparison the same length, so the
	// time does not depend on the length of the guess either.
	sum := sha256.Sum256([]byte(token))
	found := -1
	for i := range s.known {
		if subtle.ConstantTimeCompare(sum[:], s.known[i].sum[:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return Client{}, ErrBadToken
	}
	return s.known[found].client, nil
}

// Bearer extracts the token from an Authorization header value; "" when it
// is not a bearer token.
func Bearer(header string) string {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// NewToken returns a fresh random token: 32 bytes from crypto/rand.
func NewToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand panics rather)
	return "tk_" + base64.RawURLEncoding.EncodeToString(b)
}

// LoadOrCreate reads the token file at path. When there is none it
// creates one, mode 0600, with a single admin token, and returns that
// token as created so the caller can print it once; created is "" when the
// file already existed. A file readable by others is refused: the tokens
// in it would not be secret.
func LoadOrCreate(path string) (entries []Entry, created string, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		tok := NewToken()
		entries = []Entry{{Name: "admin", Token: tok, Scopes: []Scope{Admin}}}
		err := write(path, entries)
		if errors.Is(err, fs.ErrExist) {
			// Another server starting on the same directory won: its
			// file, and its printed token, stand.
			return LoadOrCreate(path)
		}
		if err != nil {
			return nil, "", err
		}
		return entries, tok, nil
	}
	if err != nil {
		return nil, "", err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, "", err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, "", fmt.Errorf("%w: %s has mode %v: others can read the tokens; chmod 600 %s", ErrBadFile, path, fi.Mode().Perm(), path)
	}
	var f fileJSON
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, "", fmt.Errorf("%w: %s: %v", ErrBadFile, path, err)
	}
	if _, err := New(f.Tokens); err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	return f.Tokens, "", nil
}

// write creates the file atomically: a crash leaves either no file (a new
// token next start) or the whole file.
func write(path string, entries []Entry) error {
	b, err := json.MarshalIndent(fileJSON{Tokens: entries}, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".tokens-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	// Link, not rename: two servers starting at once must not overwrite
	// each other's freshly printed token.
	if err := os.Link(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
