package sqlcat

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tapekit/tapekit/catalog"
)

// Times are stored as Unix nanoseconds, unsetNanos for the zero time: both
// databases compare and index integers alike, and no time zone or precision
// differs between them. 0 is the Unix epoch, a time like any other (files
// with mtime 0 exist). catalog.ValidateTime keeps every stored time within
// catalog.MinTime and catalog.MaxTime, whose nanoseconds fit in an int64
// and are never unsetNanos, so each round-trips exactly.
func toNanos(t time.Time) int64 {
	if t.IsZero() {
		return unsetNanos
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == unsetNanos {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// Checksums are stored as "alg:hex,alg:hex" sorted by algorithm: one
// column keeps ingest to one row per file, and both names and values are
// validated to contain neither ':' nor ','.
func encodeChecksums(m map[string]string) string {
	if len(m) == 0 {
		return ""
	}
	algs := make([]string, 0, len(m))
	for a := range m {
		algs = append(algs, a)
	}
	sort.Strings(algs)
	var b strings.Builder
	for i, a := range algs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(a)
		b.WriteByte(':')
		b.WriteString(m[a])
	}
	return b.String()
}

func decodeChecksums(s string) (map[string]string, error) {
	if s == "" {
		return nil, nil
	}
	m := make(map[string]string)
	for _, kv := range strings.Split(s, ",") {
		a, v, ok := strings.Cut(kv, ":")
		if !ok {
			return nil, fmt.Errorf("catalog: corrupt checksums column %q", s)
		}
		m[a] = v
	}
	return m, nil
}

// The listing cursor is the last path returned, base64 encoded so callers
// treat it as opaque and we may change it later.
func encodeCursor(path string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(path))
}

func decodeCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !storable(string(b)) {
		return "", &catalog.ValidationError{Field: "cursor", Value: c, Err: catalog.ErrInvalid}
	}
	return string(b), nil
}

// prefixEnd returns the smallest string greater than every string that
// starts with prefix, in byte order, so a prefix listing is an index range
// scan "path >= prefix AND path < end". It increments the last code point
// rather than the last byte so the bound stays valid UTF-8, which
// PostgreSQL requires of text; UTF-8 byte order equals code point order.
// ok is false when there is no bound (prefix of U+10FFFF only).
func prefixEnd(prefix string) (end string, ok bool) {
	for prefix != "" {
		r, size := utf8.DecodeLastRuneInString(prefix)
		prefix = prefix[:len(prefix)-size]
		switch {
		case r == utf8.MaxRune:
			continue
		case r == 0xD7FF:
			r = 0xE000 // skip the surrogates, which UTF-8 cannot encode
		default:
			r++
		}
		return prefix + string(r), true
	}
	return "", false
}

// storable reports whether a database could hold s as text: valid UTF-8
// without NUL. Every name and path the catalog stores passed validation,
// so a lookup of anything else finds nothing, and is answered so before
// PostgreSQL refuses the string with an error of its own.
func storable(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}
