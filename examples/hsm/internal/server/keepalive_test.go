package server_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestKeepAlive: a client's requests, answers with errors included, go
// over one connection, as gfal2 and FTS keep theirs.
func TestKeepAlive(t *testing.T) {
	e := newEnv(t, nil)
	e.put("k/f", []byte("data"))
	var dials atomic.Int32
	tr := e.hs.Client().Transport.(*http.Transport).Clone()
	var d net.Dialer
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return d.DialContext(ctx, network, addr)
	}
	client := &http.Client{Transport: tr}
	for _, rq := range []struct {
		method, path, token, body string
		status                    int
	}{
		{"GET", "/files/k/f", readTok, "", 200},
		{"HEAD", "/files/k/f", readTok, "", 200},
		{"GET", "/files/k/none", readTok, "", 404},
		{"PUT", "/files/k/g", "", "unread body", 401},
		{"PUT", "/files/k/g", readTok, "unread body", 403},
		{"POST", "/api/v1/stage", ftsTok, "{bad", 400},
		{"POST", "/api/v1/archiveinfo", ftsTok, `{"paths": ["/k/f"]}`, 200},
		{"PUT", "/files/k/f", writeTok, "again", 409},
		{"PATCH", "/files/k/f", writeTok, "", 405},
		{"GET", "/.well-known/wlcg-tape-rest-api/", "", "", 200},
		{"PUT", "/files/k/h", writeTok, "new", 201},
		{"DELETE", "/files/k/h", writeTok, "", 200},
	} {
		req, _ := http.NewRequest(rq.method, e.hs.URL+rq.path, strings.NewReader(rq.body))
		if rq.token != "" {
			req.Header.Set("Authorization", "Bearer "+rq.token)
		}
		r, err := client.Do(req)
		must(t, err)
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
		if r.StatusCode != rq.status || r.Close {
			t.Errorf("%s %s: %d (close %v), want %d", rq.method, rq.path, r.StatusCode, r.Close, rq.status)
		}
	}
	if n := dials.Load(); n != 1 {
		t.Fatalf("%d connections for one client", n)
	}
}

// TestExpectContinue: gfal2 sends PUTs with Expect: 100-continue; a PUT
// refused before its body (no token) is answered without the body being
// sent, one taken gets it.
func TestExpectContinue(t *testing.T) {
	e := newEnv(t, nil)
	tr := e.hs.Client().Transport.(*http.Transport).Clone()
	tr.ExpectContinueTimeout = 10 * time.Second
	client := &http.Client{Transport: tr}
	var sent atomic.Int64
	for _, tc := range []struct {
		token  string
		status int
		body   bool
	}{{"", 401, false}, {writeTok, 201, true}} {
		sent.Store(0)
		body := countingReader{r: strings.NewReader("continued"), n: &sent}
		req, _ := http.NewRequest("PUT", e.hs.URL+"/files/x/continued", body)
		req.ContentLength = int64(len("continued"))
		req.Header.Set("Expect", "100-continue")
		if tc.token != "" {
			req.Header.Set("Authorization", "Bearer "+tc.token)
		}
		r, err := client.Do(req)
		must(t, err)
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
		if r.StatusCode != tc.status || (sent.Load() > 0) != tc.body {
			t.Errorf("token %q: %d, %d body bytes sent", tc.token, r.StatusCode, sent.Load())
		}
	}
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}
