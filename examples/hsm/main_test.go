package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer the server goroutine writes and the test
// reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs the program on a free port until the returned stop is
// called; stop returns the exit status.
func start(t *testing.T, args ...string) (addr string, out *syncBuffer, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out = &syncBuffer{}
	errs := &syncBuffer{}
	ready := make(chan string, 1)
	code := make(chan int, 1)
	go func() { code <- run(ctx, append([]string{"-listen", "127.0.0.1:0"}, args...), out, errs, ready) }()
	select {
	case addr = <-ready:
	case c := <-code:
		cancel()
		t.Fatalf("exit %d before serving: %s", c, errs)
	case <-time.After(20 * time.Second):
		cancel()
		t.Fatal("not serving after 20 s")
	}
	return addr, out, func() int {
		cancel()
		select {
		case c := <-code:
			if c != 0 {
				t.Logf("stderr: %s", errs)
			}
			return c
		case <-time.After(30 * time.Second):
			t.Fatal("no exit 30 s after the signal")
			return -1
		}
	}
}

func TestStartPrintTokenOnceServeStop(t *testing.T) {
	data := filepath.Join(t.TempDir(), "hsm-data")
	addr, out, stop := start(t, "-data", data)
	tok := regexp.MustCompile(`(?m)^  (tk_\S+)$`).FindStringSubmatch(out.String())
	if tok == nil {
		t.Fatalf("no token printed:\n%s", out)
	}
	if !strings.Contains(out.String(), "curl -H 'Authorization: Bearer "+tok[1]+"' -T myfile http://"+addr+"/files/demo/myfile") {
		t.Errorf("no usable curl example:\n%s", out)
	}
	fi, err := os.Stat(filepath.Join(data, "tokens.json"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v %v", fi, err)
	}

	put, _ := http.NewRequest("PUT", "http://"+addr+"/files/demo/f", strings.NewReader("hello"))
	put.Header.Set("Authorization", "Bearer "+tok[1])
	r, err := http.DefaultClient.Do(put)
	if err != nil || r.StatusCode != http.StatusCreated {
		t.Fatalf("PUT: %v %v", r, err)
	}
	r.Body.Close()
	if c := stop(); c != 0 {
		t.Fatalf("exit %d", c)
	}

	// Restart: the token is not printed again and still works, the file
	// is still there; the environment's token is an admin's too.
	t.Setenv(tokenEnv, "ci-token-0123456789abcdef")
	addr, out, stop = start(t, "-data", data)
	if strings.Contains(out.String(), tok[1]) {
		t.Fatalf("the token was printed again:\n%s", out)
	}
	for _, token := range []string{tok[1], "ci-token-0123456789abcdef"} {
		get, _ := http.NewRequest("GET", "http://"+addr+"/files/demo/f", nil)
		get.Header.Set("Authorization", "Bearer "+token)
		r, err = http.DefaultClient.Do(get)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if r.StatusCode != http.StatusOK || string(b) != "hello" {
			t.Fatalf("GET after restart: %d %q", r.StatusCode, b)
		}
	}
	if c := stop(); c != 0 {
		t.Fatalf("exit %d", c)
	}
}

func TestStageWithoutTapeFailsSaying(t *testing.T) {
	t.Setenv(tokenEnv, "ci-token-0123456789abcdef")
	data := t.TempDir()
	addr, _, stop := start(t, "-data", data)
	defer func() { stop() }()
	do := func(method, path, body string) string {
		req, _ := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer ci-token-0123456789abcdef")
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		return string(b)
	}
	do("PUT", "/files/d/on-disk", "x")
	id := regexp.MustCompile(`"requestId":"([^"]+)"`).FindStringSubmatch(do("POST", "/api/v1/stage", `{"files":[{"path":"/d/on-disk"},{"path":"/d/absent"}]}`))
	if id == nil {
		t.Fatal("no request id")
	}
	st := do("GET", "/api/v1/stage/"+id[1], "")
	if !strings.Contains(st, `"path":"/d/on-disk","onDisk":true,"state":"COMPLETED"`) || !strings.Contains(st, `"path":"/d/absent","onDisk":false,"state":"FAILED","error":"no such file`) {
		t.Fatalf("status %s", st)
	}
	// The request is still there after a restart.
	if c := stop(); c != 0 {
		t.Fatalf("exit %d", c)
	}
	addr, _, stop = start(t, "-data", data)
	if again := do("GET", "/api/v1/stage/"+id[1], ""); again != st {
		t.Fatalf("after a restart:\n%s\nwas\n%s", again, st)
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"extra"}, {"-tls-cert", "c.pem"}, {"-log-level", "LOUD"}, {"-nope"}, {"-sim-speed", "0"}} {
		var errs bytes.Buffer
		if c := run(context.Background(), args, io.Discard, &errs, nil); c != 2 {
			t.Errorf("%v: exit %d, want 2; %s", args, c, errs.String())
		}
	}
}

// A -catalog that is no PostgreSQL connection string is refused, saying so.
func TestBadCatalog(t *testing.T) {
	var errs bytes.Buffer
	c := run(context.Background(), []string{"-data", t.TempDir(), "-listen", "127.0.0.1:0", "-catalog", "catalog.db"}, io.Discard, &errs, nil)
	if c != 1 || !strings.Contains(errs.String(), "PostgreSQL connection string") {
		t.Errorf("exit %d, %s", c, errs.String())
	}
}
