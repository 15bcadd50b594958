package checksum

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// RFC 9530 algorithm keys (IANA "Hash Algorithms for HTTP Digest Fields")
// and the registry names they stand for. sha-512 and sha-256 are Active, the
// others Deprecated but still sent by HEP storage (adler) and clouds (md5,
// crc32c). The 32-bit checksums travel as their 4 big-endian bytes.
var reprKeys = map[string]string{
	"sha-256": SHA256,
	"sha-512": SHA512,
	"md5":     MD5,
	"sha":     SHA1,
	"adler":   Adler32,
	"crc32c":  CRC32C,
}

// RFC 3230 digest-algorithm tokens (IANA "HTTP Digest Algorithm Values"),
// compared case-insensitively; hex says the value is 1 to 8 hex digits
// instead of base64.
var digestTokens = map[string]struct {
	name string
	hex  bool
}{
	"adler32": {Adler32, true},
	"crc32c":  {CRC32C, true},
	"md5":     {MD5, false},
	"sha":     {SHA1, false},
	"sha-256": {SHA256, false},
	"sha-512": {SHA512, false},
}

func reprKey(name string) (string, bool) {
	for k, n := range reprKeys {
		if n == name {
			return k, true
		}
	}
	return "", false
}

func digestToken(name string) (string, bool) {
	for k, t := range digestTokens {
		if t.name == name {
			return k, true
		}
	}
	return "", false
}

// FormatReprDigest renders values as an RFC 9530 Repr-Digest (or
// Content-Digest) field value: sha-256=:base64:, adler=:base64:, …
// Algorithms without an RFC 9530 key (adler32z, crc32, xxh64) give an error
// wrapping errors.ErrUnsupported.
func FormatReprDigest(values ...Value) (string, error) {
	var b strings.Builder
	for i, v := range values {
		c, _, err := v.check()
		if err != nil {
			return "", err
		}
		key, ok := reprKey(c.Algorithm)
		if !ok {
			return "", fmt.Errorf("checksum: %s has no RFC 9530 algorithm key: %w", c.Algorithm, errors.ErrUnsupported)
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(key)
		b.WriteString("=:")
		b.WriteString(base64.StdEncoding.EncodeToString(c.Bytes))
		b.WriteByte(':')
	}
	return b.String(), nil
}

// ParseReprDigest parses an RFC 9530 Repr-Digest (or Content-Digest) field
// value. Members with algorithm keys tapekit does not compute (unixsum,
// future algorithms) are skipped, as RFC 9530 lets a recipient ignore them;
// a known key whose value is not a byte sequence of the algorithm's length
// is an error.
func ParseReprDigest(field string) ([]Value, error) {
	members, err := parseSFDictionary("Repr-Digest", field)
	if err != nil {
		return nil, err
	}
	var out []Value
	for _, m := range members {
		name, ok := reprKeys[m.key]
		if !ok {
			continue
		}
		if m.val.kind != sfBytes {
			return nil, &HeaderError{Field: "Repr-Digest", Offset: m.offset,
				Reason: fmt.Sprintf("%s: value is a %s, not a byte sequence", m.key, m.val.kind)}
		}
		if size := registry[name].size; len(m.val.b) != size {
			return nil, &HeaderError{Field: "Repr-Digest", Offset: m.offset,
				Reason: fmt.Sprintf("%s: digest has %d bytes, not %d", m.key, len(m.val.b), size)}
		}
		out = append(out, Value{Algorithm: name, Bytes: m.val.b})
	}
	return out, nil
}

// Preference is one member of a Want-Repr-Digest field: how much a peer
// wants an algorithm, from 1 (least) to 10 (most); 0 means "not acceptable".
type Preference struct {
	Algorithm string // registry name
	Weight    int
}

// ParseWantReprDigest parses an RFC 9530 Want-Repr-Digest (or
// Want-Content-Digest) field value. It returns the algorithms tapekit knows,
// most wanted first (ties in field order); unknown keys are skipped.
func ParseWantReprDigest(field string) ([]Preference, error) {
	const name = "Want-Repr-Digest"
	members, err := parseSFDictionary(name, field)
	if err != nil {
		return nil, err
	}
	var out []Preference
	for _, m := range members {
		if m.val.kind != sfInteger {
			return nil, &HeaderError{Field: name, Offset: m.offset,
				Reason: fmt.Sprintf("%s: weight is a %s, not an integer", m.key, m.val.kind)}
		}
		if m.val.num < 0 || m.val.num > 10 {
			return nil, &HeaderError{Field: name, Offset: m.offset,
				Reason: fmt.Sprintf("%s: weight %d outside 0..10", m.key, m.val.num)}
		}
		if alg, ok := reprKeys[m.key]; ok {
			out = append(out, Preference{Algorithm: alg, Weight: int(m.val.num)})
		}
	}
	slices.SortStableFunc(out, func(a, b Preference) int { return b.Weight - a.Weight })
	return out, nil
}

// FormatWantReprDigest renders preferences as a Want-Repr-Digest field
// value, for example "sha-256=10, adler=3".
func FormatWantReprDigest(prefs ...Preference) (string, error) {
	var b strings.Builder
	for i, p := range prefs {
		canon, err := Canonical(p.Algorithm)
		if err != nil {
			return "", err
		}
		key, ok := reprKey(canon)
		if !ok {
			return "", fmt.Errorf("checksum: %s has no RFC 9530 algorithm key: %w", canon, errors.ErrUnsupported)
		}
		if p.Weight < 0 || p.Weight > 10 {
			return "", fmt.Errorf("%w: weight %d outside 0..10", ErrBadValue, p.Weight)
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(key)
		b.WriteByte('=')
		b.WriteString(strconv.Itoa(p.Weight))
	}
	return b.String(), nil
}

// FormatDigest renders values as an RFC 3230 Digest field value, which
// dCache and XRootD still exchange: adler32 and crc32c as 8 hex digits, md5,
// sha (SHA-1), sha-256 and sha-512 in base64.
func FormatDigest(values ...Value) (string, error) {
	var b strings.Builder
	for i, v := range values {
		c, _, err := v.check()
		if err != nil {
			return "", err
		}
		tok, ok := digestToken(c.Algorithm)
		if !ok {
			return "", fmt.Errorf("checksum: %s has no RFC 3230 digest-algorithm: %w", c.Algorithm, errors.ErrUnsupported)
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(tok)
		b.WriteByte('=')
		if digestTokens[tok].hex {
			b.WriteString(hex.EncodeToString(c.Bytes))
		} else {
			b.WriteString(base64.StdEncoding.EncodeToString(c.Bytes))
		}
	}
	return b.String(), nil
}

// ParseDigest parses an RFC 3230 Digest field value: a comma-separated list
// of algorithm=value with case-insensitive algorithm names. Algorithms
// tapekit does not compute (UNIXsum, UNIXcksum, …) are skipped; a known one
// with a malformed value is an error.
func ParseDigest(field string) ([]Value, error) {
	const name = "Digest"
	var out []Value
	off := 0
	for part := range strings.SplitSeq(field, ",") {
		start := off
		off += len(part) + 1
		elem := strings.Trim(part, " \t")
		if elem == "" {
			continue // the HTTP list rule allows empty elements
		}
		start += strings.Index(part, elem)
		tok, val, ok := strings.Cut(elem, "=")
		if !ok || tok == "" {
			return nil, &HeaderError{Field: name, Offset: start, Reason: "expected algorithm=value"}
		}
		for i := 0; i < len(tok); i++ {
			if !isTChar(tok[i]) {
				return nil, &HeaderError{Field: name, Offset: start + i, Reason: "invalid character in algorithm name"}
			}
		}
		t, known := digestTokens[strings.ToLower(tok)]
		if !known {
			continue
		}
		valOff := start + len(tok) + 1
		val = strings.Trim(val, `"`) // some servers quote the value
		var v Value
		if t.hex {
			if len(val) < 1 || len(val) > 8 {
				return nil, &HeaderError{Field: name, Offset: valOff, Reason: tok + ": needs 1 to 8 hex digits"}
			}
			var err error
			if v, err = ParseHex(t.name, val); err != nil {
				return nil, &HeaderError{Field: name, Offset: valOff, Reason: tok + ": bad hex"}
			}
		} else {
			b, err := base64.StdEncoding.DecodeString(val)
			if err != nil {
				return nil, &HeaderError{Field: name, Offset: valOff, Reason: tok + ": bad base64"}
			}
			if size := registry[t.name].size; len(b) != size {
				return nil, &HeaderError{Field: name, Offset: valOff,
					Reason: fmt.Sprintf("%s: digest has %d bytes, not %d", tok, len(b), size)}
			}
			v = Value{Algorithm: t.name, Bytes: b}
		}
		out = append(out, v)
	}
	return out, nil
}
