package server

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/tapekit/tapekit/cache"
)

// filesPrefix is where files are served: /files/a/b is the file /a/b.
const filesPrefix = "/files"

// collapseSlashes replaces every run of slashes by one slash, the only
// rewriting WLCG clients expect of a path.
func collapseSlashes(p string) string {
	if !strings.Contains(p, "//") {
		return p
	}
	var b strings.Builder
	b.Grow(len(p))
	for i := 0; i < len(p); i++ {
		if p[i] == '/' && i > 0 && p[i-1] == '/' {
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

// routePath turns a request's escaped path into the form the router sees:
// repeated slashes collapsed, one trailing slash dropped (every endpoint
// accepts one), and refused when a segment, decoded, is "." or "..". It
// returns the escaped form and the decoded one.
func routePath(escaped string) (esc, dec string, err error) {
	esc = collapseSlashes(escaped)
	if len(esc) > 1 {
		esc = strings.TrimSuffix(esc, "/")
	}
	if !strings.HasPrefix(esc, "/") {
		return "", "", errors.New("the path does not start with /")
	}
	for seg := range strings.SplitSeq(esc[1:], "/") {
		d, err := url.PathUnescape(seg)
		if err != nil {
			return "", "", fmt.Errorf("bad percent-encoding in %q", seg)
		}
		if d == "." || d == ".." {
			return "", "", fmt.Errorf("the path has a %q segment: paths are taken as they are, never resolved", d)
		}
	}
	dec, err = url.PathUnescape(esc)
	if err != nil {
		return "", "", err
	}
	return esc, collapseSlashes(dec), nil
}

// fileName turns the escaped path of a file, as a URL or a request body
// names it, into the cache's name for the file ("a/b", no leading slash).
// A path may be the path of a file URL of this server (/files/a/b), a bare
// namespace path (/a/b) or a whole URL (https://host/files/a/b?x): the
// query is dropped, slashes collapsed, and the rest percent-decoded.
// Anything that would need cleaning beyond that (., .., control
// characters) is refused.
func fileName(sent string) (string, error) {
	p := sent
	if strings.Contains(p, "://") {
		u, err := url.Parse(p)
		if err != nil {
			return "", fmt.Errorf("not a URL: %v", err)
		}
		p = u.EscapedPath()
	} else if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	p = collapseSlashes(p)
	if !strings.HasPrefix(p, "/") {
		return "", errors.New("not an absolute path: it must start with /")
	}
	if rest, ok := strings.CutPrefix(p, filesPrefix+"/"); ok {
		p = "/" + rest
	}
	d, err := url.PathUnescape(p)
	if err != nil {
		return "", errors.New("bad percent-encoding")
	}
	name, err := cache.CleanName(collapseSlashes(d))
	if err != nil {
		var pe *cache.PathError
		if errors.As(err, &pe) {
			return "", fmt.Errorf("not a clean file path: %s", pe.Reason)
		}
		return "", err
	}
	return name, nil
}

// echoPath is a path as the server sends it back: exactly as the client
// sent it, percent-encoding included, only repeated slashes collapsed
// (not the // of a URL's scheme).
func echoPath(sent string) string {
	if i := strings.Index(sent, "://"); i >= 0 {
		return sent[:i+3] + collapseSlashes(sent[i+3:])
	}
	return collapseSlashes(sent)
}

// catalogPath is the catalog's path of a cache name.
func catalogPath(name string) string { return "/" + name }

// fileURLPath is the escaped URL path that serves a cache name.
func fileURLPath(name string) string {
	return filesPrefix + (&url.URL{Path: "/" + name}).EscapedPath()
}
