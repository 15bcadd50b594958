package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/tapekit/tapekit/checksum"
)

// expectedDigests collects the checksums a PUT says its body has:
// Repr-Digest (RFC 9530), Content-Digest (the same thing for a body
// without content coding) and the older Digest (RFC 3230) that dCache and
// XRootD clients still send. Two values of one algorithm must agree.
func expectedDigests(h http.Header) ([]checksum.Value, error) {
	var all []checksum.Value
	for _, f := range []struct {
		name  string
		parse func(string) ([]checksum.Value, error)
	}{
		{"Repr-Digest", checksum.ParseReprDigest},
		{"Content-Digest", checksum.ParseReprDigest},
		{"Digest", checksum.ParseDigest},
	} {
		for _, field := range h.Values(f.name) {
			vs, err := f.parse(field)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", f.name, err)
			}
			all = append(all, vs...)
		}
	}
	var out []checksum.Value
	for _, v := range all {
		dup := false
		for _, o := range out {
			if o.Algorithm == v.Algorithm {
				if !o.Equal(v) {
					return nil, fmt.Errorf("two different %s digests given: %s and %s", v.Algorithm, o.Hex(), v.Hex())
				}
				dup = true
			}
		}
		if !dup {
			out = append(out, v)
		}
	}
	return out, nil
}

// wantDigestTokens are the RFC 3230 Want-Digest tokens the server
// answers, with the registry names they stand for.
var wantDigestTokens = map[string]string{
	"adler32": checksum.Adler32,
	"crc32c":  checksum.CRC32C,
	"md5":     checksum.MD5,
	"sha":     checksum.SHA1,
	"sha-256": checksum.SHA256,
	"sha-512": checksum.SHA512,
}

// wanted returns the algorithms a request asks digests of, most wanted
// first: from Want-Repr-Digest (repr true) and from the older Want-Digest
// ("adler32;q=1, md5;q=0.5"). A malformed field is ignored, as RFC 9530
// lets a recipient do.
func wanted(h http.Header) (repr, legacy []string) {
	if f := h.Get("Want-Repr-Digest"); f != "" {
		if prefs, err := checksum.ParseWantReprDigest(f); err == nil {
			for _, p := range prefs {
				if p.Weight > 0 {
					repr = append(repr, p.Algorithm)
				}
			}
		}
	}
	for _, f := range h.Values("Want-Digest") {
		for part := range strings.SplitSeq(f, ",") {
			tok, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			name, ok := wantDigestTokens[strings.ToLower(strings.TrimSpace(tok))]
			if !ok {
				continue
			}
			if q, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
				if v, err := strconv.ParseFloat(q, 64); err == nil && v <= 0 {
					continue
				}
			}
			legacy = append(legacy, name)
		}
	}
	return repr, legacy
}

// digestHeaders sets Repr-Digest and Digest for what the request wants,
// from the checksums the cache has; when it has none of the wanted
// algorithms it computes the most wanted one from the data (the file's
// reader, rewound after).
func digestHeaders(w http.ResponseWriter, r *http.Request, have []checksum.Value, data io.ReadSeeker) error {
	repr, legacy := wanted(r.Header)
	for _, field := range []struct {
		name   string
		algs   []string
		format func(...checksum.Value) (string, error)
	}{
		{"Repr-Digest", repr, checksum.FormatReprDigest},
		{"Digest", legacy, checksum.FormatDigest},
	} {
		if len(field.algs) == 0 {
			continue
		}
		var vs []checksum.Value
		for _, a := range field.algs {
			for _, v := range have {
				if v.Algorithm == a {
					vs = append(vs, v)
				}
			}
		}
		if len(vs) == 0 {
			v, err := compute(field.algs[0], data)
			if err != nil {
				return err
			}
			have = append(have, v)
			vs = append(vs, v)
		}
		s, err := field.format(vs...)
		if err != nil && !errors.Is(err, errors.ErrUnsupported) {
			return err
		}
		if s != "" {
			w.Header().Set(field.name, s)
		}
	}
	return nil
}

func compute(alg string, data io.ReadSeeker) (checksum.Value, error) {
	if data == nil {
		return checksum.Value{}, fmt.Errorf("no %s digest at hand", alg)
	}
	set, err := checksum.NewSet([]string{alg}, nil)
	if err != nil {
		return checksum.Value{}, err
	}
	defer set.Close()
	if _, err := data.Seek(0, io.SeekStart); err != nil {
		return checksum.Value{}, err
	}
	if _, err := io.Copy(set, data); err != nil {
		return checksum.Value{}, err
	}
	if _, err := data.Seek(0, io.SeekStart); err != nil {
		return checksum.Value{}, err
	}
	return set.Sum()[0], nil
}
