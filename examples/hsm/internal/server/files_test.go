package server_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"hash/adler32"
	"net/http"
	"strings"
	"testing"

	"github.com/tapekit/tapekit/cache"
)

func reprDigest(data []byte) (adler, sha string) {
	var a [4]byte
	binary.BigEndian.PutUint32(a[:], adler32.Checksum(data))
	s := sha256.Sum256(data)
	return "adler=:" + base64.StdEncoding.EncodeToString(a[:]) + ":",
		"sha-256=:" + base64.StdEncoding.EncodeToString(s[:]) + ":"
}

func TestPutGetHeadDelete(t *testing.T) {
	e := newEnv(t, nil)
	data := bytes.Repeat([]byte("tapekit "), 1000)
	adler, sha := reprDigest(data)

	r := e.do("PUT", "/files/exp/run1/f.dat", writeTok, data, "Repr-Digest", adler+", "+sha, "Want-Repr-Digest", "sha-256=9").want(t, http.StatusCreated)
	if got := r.Header.Get("Location"); got != "/files/exp/run1/f.dat" {
		t.Errorf("Location %q", got)
	}
	if got := r.Header.Get("Repr-Digest"); got != sha {
		t.Errorf("PUT Repr-Digest %q, want %q", got, sha)
	}
	info, err := e.cache.Stat("exp/run1/f.dat")
	if err != nil || info.State != cache.Precious || info.Size != int64(len(data)) {
		t.Fatalf("cached %+v %v, want precious of %d bytes", info, err, len(data))
	}

	// GET with a trailing slash and doubled slashes is the same file.
	for _, p := range []string{"/files/exp/run1/f.dat", "/files/exp/run1/f.dat/", "//files//exp/run1//f.dat"} {
		r = e.do("GET", p, readTok, nil, "Want-Repr-Digest", "adler=5, sha-256=3").want(t, http.StatusOK)
		if !bytes.Equal(r.body, data) {
			t.Fatalf("GET %s: %d bytes, want %d", p, len(r.body), len(data))
		}
		// Both were stored (the PUT's digests are computed on ingest),
		// in the order of preference.
		if got, want := r.Header.Get("Repr-Digest"), adler+", "+sha; got != want {
			t.Errorf("GET %s Repr-Digest %q, want %q", p, got, want)
		}
	}
	// HEAD: the headers of the GET, no body; the legacy Want-Digest.
	r = e.do("HEAD", "/files/exp/run1/f.dat", readTok, nil, "Want-Digest", "adler32").want(t, http.StatusOK)
	if r.ContentLength != int64(len(data)) || len(r.body) != 0 {
		t.Errorf("HEAD: Content-Length %d, body %d bytes", r.ContentLength, len(r.body))
	}
	if got, want := r.Header.Get("Digest"), "adler32="+hex8(adler32.Checksum(data)); got != want {
		t.Errorf("HEAD Digest %q, want %q", got, want)
	}
	// A range, as a resuming client asks.
	r = e.do("GET", "/files/exp/run1/f.dat", readTok, nil, "Range", "bytes=8-15").want(t, http.StatusPartialContent)
	if string(r.body) != "tapekit " {
		t.Errorf("range: %q", r.body)
	}

	// A range beyond the end is a problem too.
	r = e.do("GET", "/files/exp/run1/f.dat", readTok, nil, "Range", "bytes=9000-9999").want(t, http.StatusRequestedRangeNotSatisfiable)
	if d := r.detail(t); !strings.Contains(d, "the file has 8000 bytes") || r.Header.Get("Content-Range") != "bytes */8000" {
		t.Errorf("416: %q, Content-Range %q", d, r.Header.Get("Content-Range"))
	}

	// Files are never overwritten.
	e.do("PUT", "/files/exp/run1/f.dat", writeTok, "other").want(t, http.StatusConflict)

	var del struct {
		Path               string
		FromDisk, FromTape bool
	}
	e.do("DELETE", "/files/exp/run1/f.dat/", writeTok, nil).want(t, http.StatusOK).json(t, &del)
	if del.Path != "/files/exp/run1/f.dat" || !del.FromDisk || del.FromTape {
		t.Errorf("DELETE answered %+v", del)
	}
	e.do("GET", "/files/exp/run1/f.dat", readTok, nil).want(t, http.StatusNotFound)
	e.do("DELETE", "/files/exp/run1/f.dat", writeTok, nil).want(t, http.StatusNotFound)
}

func hex8(v uint32) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 8)
	for i := 7; i >= 0; i-- {
		b[i] = digits[v&15]
		v >>= 4
	}
	return string(b)
}

func TestPutDigestMismatchKeepsNothing(t *testing.T) {
	e := newEnv(t, nil)
	data := []byte("the real data")
	adler, sha := reprDigest([]byte("other data"))
	for _, h := range [][]string{
		{"Repr-Digest", sha},
		{"Repr-Digest", adler},
		{"Content-Digest", sha},
		{"Digest", "adler32=00000001"},
	} {
		r := e.do("PUT", "/files/a/b", writeTok, data, h...).want(t, http.StatusBadRequest)
		if d := r.detail(t); !strings.Contains(d, "does not match") || !strings.Contains(d, "nothing was stored") {
			t.Errorf("%v: detail %q", h, d)
		}
		if _, err := e.cache.Stat("a/b"); err == nil {
			t.Fatalf("%v: the file was kept", h)
		}
		e.do("GET", "/files/a/b", readTok, nil).want(t, http.StatusNotFound)
	}
	// Digests that disagree with each other are refused before the body.
	_, goodSha := reprDigest(data)
	e.do("PUT", "/files/a/b", writeTok, data, "Repr-Digest", goodSha, "Content-Digest", sha).want(t, http.StatusBadRequest)
	// The right digest is taken.
	e.do("PUT", "/files/a/b", writeTok, data, "Repr-Digest", goodSha).want(t, http.StatusCreated)
	if got := e.do("GET", "/files/a/b", readTok, nil).want(t, http.StatusOK).body; string(got) != string(data) {
		t.Fatalf("GET %q", got)
	}
}

func TestPercentEncodedFilePaths(t *testing.T) {
	e := newEnv(t, nil)
	e.do("PUT", "/files/dir/a%20b%23c%3F.dat", writeTok, "x").want(t, http.StatusCreated)
	if _, err := e.cache.Stat("dir/a b#c?.dat"); err != nil {
		t.Fatalf("the name was not decoded: %v", err)
	}
	if got := e.do("GET", "/files/dir/a%20b%23c%3F.dat", readTok, nil).want(t, http.StatusOK).body; string(got) != "x" {
		t.Fatalf("GET %q", got)
	}
	// An encoded slash is a slash: the same file.
	e.do("GET", "/files/dir%2Fa%20b%23c%3F.dat", readTok, nil).want(t, http.StatusOK)
	// UTF-8 names.
	e.do("PUT", "/files/d%C3%A9j%C3%A0/vu", writeTok, "y").want(t, http.StatusCreated)
	if _, err := e.cache.Stat("déjà/vu"); err != nil {
		t.Fatal(err)
	}
	got := e.archiveInfo(readTok, "/files/dir/a%20b%23c%3F.dat", "//files//d%C3%A9j%C3%A0//vu", "/dir/a%20b%23c%3F.dat")
	for i, want := range []locality{
		{Path: "/files/dir/a%20b%23c%3F.dat", Locality: "DISK"},
		{Path: "/files/d%C3%A9j%C3%A0/vu", Locality: "DISK"},
		{Path: "/dir/a%20b%23c%3F.dat", Locality: "DISK"},
	} {
		if got[i] != want {
			t.Errorf("archiveinfo[%d] = %+v, want %+v", i, got[i], want)
		}
	}
}

func TestGetFromTapeOnly(t *testing.T) {
	e := newEnv(t, nil)
	e.onTape(volActive, map[string][]byte{"/exp/t.dat": []byte("on tape")})
	r := e.do("GET", "/files/exp/t.dat", readTok, nil).want(t, http.StatusServiceUnavailable)
	if r.Header.Get("Retry-After") != "60" {
		t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
	}
	if d := r.detail(t); !strings.Contains(d, "stage it with POST /api/v1/stage") {
		t.Errorf("detail %q", d)
	}
	e.do("HEAD", "/files/exp/t.dat", readTok, nil).want(t, http.StatusServiceUnavailable)
	// Files on tape are not overwritten either.
	e.do("PUT", "/files/exp/t.dat", writeTok, "new").want(t, http.StatusConflict)

	// Volumes that cannot be read: 503 too; a broken one: lost.
	e.onTape("TK0002L9", map[string][]byte{"/exp/disabled.dat": []byte("d")})
	e.do("GET", "/files/exp/disabled.dat", readTok, nil).want(t, http.StatusServiceUnavailable)
	e.onTape("TK0003L9", map[string][]byte{"/exp/broken.dat": []byte("b")})
	e.do("GET", "/files/exp/broken.dat", readTok, nil).want(t, http.StatusInternalServerError)

	// DELETE of a file on tape moves it to the recycle log.
	var del struct{ FromDisk, FromTape bool }
	e.do("DELETE", "/files/exp/t.dat", writeTok, nil).want(t, http.StatusOK).json(t, &del)
	if del.FromDisk || !del.FromTape {
		t.Errorf("DELETE %+v", del)
	}
	e.do("GET", "/files/exp/t.dat", readTok, nil).want(t, http.StatusNotFound)
}

func TestPutZeroAndLengthRules(t *testing.T) {
	e := newEnv(t, func(c *serverConfig) { c.MaxFileSize = 100 })
	e.do("PUT", "/files/empty", writeTok, "").want(t, http.StatusCreated)
	if r := e.do("GET", "/files/empty", readTok, nil).want(t, http.StatusOK); len(r.body) != 0 {
		t.Fatalf("empty file: %d bytes", len(r.body))
	}
	e.do("PUT", "/files/big", writeTok, strings.Repeat("x", 101)).want(t, http.StatusRequestEntityTooLarge)
	// Chunked: no Content-Length.
	e.do("PUT", "/files/chunked", writeTok, struct{ *strings.Reader }{strings.NewReader("abc")}).want(t, http.StatusLengthRequired)
}

func TestPropfind(t *testing.T) {
	e := newEnv(t, nil)
	e.put("p/dir/disk.dat", []byte("12345"))
	e.onTape(volActive, map[string][]byte{"/p/tape/t.dat": []byte("123")})
	for _, tc := range []struct {
		path, depth string
		status      int
		want        []string // substrings of the multistatus
	}{
		{"/files/p/dir/disk.dat", "0", 207, []string{"<D:href>/files/p/dir/disk.dat</D:href>", "<D:getcontentlength>5</D:getcontentlength>", "<D:resourcetype></D:resourcetype>", "HTTP/1.1 200 OK", "GMT</D:getlastmodified>"}},
		{"/files/p/tape/t.dat", "", 207, []string{"<D:getcontentlength>3</D:getcontentlength>"}},
		{"/files/p/dir/", "0", 207, []string{"<D:href>/files/p/dir/</D:href>", "<D:collection></D:collection>"}},
		{"/files/p/tape", "0", 207, []string{"<D:collection></D:collection>"}},
		{"/files/p", "0", 207, []string{"<D:collection>"}},
		{"/files/p/none", "0", 404, nil},
		{"/files/p/di", "0", 404, nil},
		{"/files/p/dir", "1", 403, nil},
		{"/files/p/dir", "infinity", 403, nil},
	} {
		var hdr []string
		if tc.depth != "" {
			hdr = []string{"Depth", tc.depth}
		}
		r := e.do("PROPFIND", tc.path, readTok, `<?xml version="1.0"?><propfind xmlns="DAV:"><allprop/></propfind>`, hdr...).want(t, tc.status)
		for _, w := range tc.want {
			if !strings.Contains(string(r.body), w) {
				t.Errorf("PROPFIND %s: %s lacks %s", tc.path, r.body, w)
			}
		}
		if tc.status == 207 && r.Header.Get("Content-Type") != "application/xml; charset=utf-8" {
			t.Errorf("Content-Type %q", r.Header.Get("Content-Type"))
		}
	}
	e.do("PROPFIND", "/files/p/dir/disk.dat", readTok, "").want(t, 207)
	e.do("PROPFIND", "/files/p/dir/disk.dat", readTok, "<not xml").want(t, 400)
	e.do("PROPFIND", "/files/p/dir/disk.dat", stageTok, "").want(t, 403)

	// MKCOL, as gfal-copy -p sends for the parents of a PUT.
	e.do("MKCOL", "/files/p/new/dir", writeTok, nil).want(t, 201)
	e.do("MKCOL", "/files/p/dir", writeTok, nil).want(t, 405)
	e.do("MKCOL", "/files/p/dir/disk.dat", writeTok, nil).want(t, 405)
	e.do("MKCOL", "/files/p/new/dir", readTok, nil).want(t, 403)
}
