package cache

import (
	"strings"
	"unicode/utf8"
)

// Limits on names, those of Linux filesystems.
const (
	MaxNameLen      = 4095 // bytes in a whole name
	MaxComponentLen = 255  // bytes in one element
)

// CleanName checks a name given from outside (an HTTP path, a catalog path)
// and returns the relative form the cache stores, without a leading slash.
// A name is slash-separated UTF-8 with one optional leading slash; it may
// not be empty nor contain empty, "." or ".." elements, a trailing slash,
// NUL or other control characters. Nothing is rewritten except the leading
// slash: a name that needed cleaning is refused, so that two spellings
// never reach one file. The error is a *PathError.
func CleanName(name string) (string, error) {
	n := strings.TrimPrefix(name, "/")
	bad := func(reason string) (string, error) {
		return "", &PathError{Name: name, Reason: reason}
	}
	switch {
	case n == "":
		return bad("empty")
	case len(n) > MaxNameLen:
		return bad("too long")
	case !utf8.ValidString(n):
		return bad("not UTF-8")
	}
	for _, r := range n {
		if r < 0x20 || r == 0x7f {
			return bad("control character")
		}
	}
	for elem := range strings.SplitSeq(n, "/") {
		switch {
		case elem == "":
			return bad("empty element (double or trailing slash)")
		case elem == "." || elem == "..":
			return bad("dot element")
		case len(elem) > MaxComponentLen:
			return bad("element too long")
		}
	}
	return n, nil
}
