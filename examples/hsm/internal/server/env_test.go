package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/adler32"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tapekit/tapekit/cache"
	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/sqlite"
	"github.com/tapekit/tapekit/examples/hsm/internal/auth"
	"github.com/tapekit/tapekit/examples/hsm/internal/fakesched"
	"github.com/tapekit/tapekit/examples/hsm/internal/server"
	"github.com/tapekit/tapekit/scheduler"
)

// Tokens of the test clients.
const (
	adminTok  = "admin-token-0123456789"
	readTok   = "read-token-0123456789"
	writeTok  = "write-token-0123456789"
	stageTok  = "stage-token-0123456789"
	ftsTok    = "fts-token-0123456789" // read + stage, as a WLCG transfer service
	otherTok  = "other-token-0123456789"
	volActive = "TK0001L9"
)

// env is a server over real HTTP with a real cache and SQLite catalog and
// the fake scheduler; tape content is kept in memory and delivered into
// the cache when the fake finishes a recall.
type env struct {
	t     testing.TB
	cfg   server.Config
	hs    *httptest.Server
	srv   *server.Server
	cache *cache.Cache
	cat   *sqlite.DB
	sched *fakesched.Scheduler

	mu      sync.Mutex
	tape    map[string][]byte // catalog path → data
	fileSeq map[string]int64  // volume → last file sequence
	// afterSubmit runs inside the fake's Submit, after it queued.
	afterSubmit func([]scheduler.Request)
}

func newEnv(t testing.TB, mod func(*server.Config)) *env {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := cache.Open(filepath.Join(dir, "cache"), &cache.Options{Quota: 1 << 30, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	cat, err := sqlite.Open(ctx, filepath.Join(dir, "catalog.db"), &sqlite.Options{Synchronous: sqlite.SyncNormal, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	must(t, cat.PutPool(ctx, catalog.Pool{Name: "p1"}))
	must(t, cat.PutStorageClass(ctx, catalog.StorageClass{Name: "sc", Pools: []string{"p1"}}))
	for _, v := range []struct {
		barcode string
		state   catalog.VolumeState
	}{{volActive, catalog.StateActive}, {"TK0002L9", catalog.StateDisabled}, {"TK0003L9", catalog.StateBroken}} {
		must(t, cat.AddVolume(ctx, catalog.Volume{Barcode: v.barcode, MediaType: "LTO-9", Library: "lib", Pool: "p1", State: catalog.StateActive, Capacity: 18e12}))
		if v.state != catalog.StateActive {
			defer func() { must(t, cat.SetVolumeState(ctx, v.barcode, v.state, "test")) }()
		}
	}
	tokens, err := auth.New([]auth.Entry{
		{Name: "admin", Token: adminTok, Scopes: []auth.Scope{auth.Admin}},
		{Name: "reader", Token: readTok, Scopes: []auth.Scope{auth.Read}},
		{Name: "writer", Token: writeTok, Scopes: []auth.Scope{auth.Write}},
		{Name: "stager", Token: stageTok, Scopes: []auth.Scope{auth.Stage}},
		{Name: "fts", Token: ftsTok, Scopes: []auth.Scope{auth.Read, auth.Stage}},
		{Name: "other", Token: otherTok, Scopes: []auth.Scope{auth.Read, auth.Stage}},
	})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, cache: c, cat: cat, tape: map[string][]byte{}, fileSeq: map[string]int64{}}
	e.sched = fakesched.New(fakesched.Config{Deliver: e.deliver, AfterSubmit: func(q []scheduler.Request) {
		e.mu.Lock()
		f := e.afterSubmit
		e.mu.Unlock()
		if f != nil {
			f(q)
		}
	}})
	cfg := server.Config{Cache: c, Catalog: cat, Scheduler: e.sched, Tokens: tokens, SiteName: "test-site", Logger: quiet}
	if mod != nil {
		mod(&cfg)
	}
	e.cfg = cfg
	e.start()
	return e
}

// start builds the server from e.cfg and serves it.
func (e *env) start() {
	e.t.Helper()
	srv, err := server.New(e.cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	e.srv = srv
	e.sched.SetOnEnd(e.srv.RecallEnded)
	e.hs = httptest.NewServer(e.srv)
	e.t.Cleanup(e.hs.Close)
	e.t.Cleanup(func() { srv.Close() })
}

// restart stops the server and starts a new one on the same cache,
// catalog, scheduler and state directory, as a restarted process would
// find them.
func (e *env) restart() {
	e.t.Helper()
	e.hs.Close()
	must(e.t, e.srv.Close())
	e.start()
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// deliver is the mover and sink of the fake: the tape data into the cache.
func (e *env) deliver(ctx context.Context, r scheduler.Request) error {
	e.mu.Lock()
	data, ok := e.tape[r.Path]
	e.mu.Unlock()
	if !ok {
		return fmt.Errorf("media error reading %s", r.Path)
	}
	w, err := e.cache.Stage(ctx, r.Path, int64(len(data)), nil)
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		w.Abort()
		return err
	}
	_, err = w.Commit()
	return err
}

// onTape puts files on tape: catalog entries with one copy each on the
// volume, their data kept for deliver.
func (e *env) onTape(volume string, files map[string][]byte) {
	e.t.Helper()
	ctx := context.Background()
	var fs []catalog.File
	for p, data := range files {
		fs = append(fs, catalog.File{Path: p, Size: int64(len(data)), StorageClass: "sc",
			Checksums: map[string]string{"adler32": fmt.Sprintf("%08x", adler32.Checksum(data))}})
	}
	created, err := e.cat.CreateFiles(ctx, fs)
	must(e.t, err)
	e.mu.Lock()
	defer e.mu.Unlock()
	var copies []catalog.Copy
	seq := e.fileSeq[volume]
	for _, f := range created {
		seq++
		copies = append(copies, catalog.Copy{FileID: f.ID, CopyNo: 1, Volume: volume, FileSeq: seq, BlockID: seq * 10, Format: "tapekit-pax-1", Size: f.Size})
		e.tape[f.Path] = files[f.Path]
	}
	v, err := e.cat.Volume(ctx, volume)
	must(e.t, err)
	if v.State != catalog.StateActive { // copies go on while it is writable
		must(e.t, e.cat.SetVolumeState(ctx, volume, catalog.StateActive, "test"))
		defer func() { must(e.t, e.cat.SetVolumeState(ctx, volume, v.State, "test")) }()
	}
	must(e.t, e.cat.CommitCopies(ctx, volume, copies, v.BytesUsed+int64(len(copies)), seq))
	e.fileSeq[volume] = seq
}

// put stores a file in the cache as a client's PUT would, precious.
func (e *env) put(name string, data []byte) {
	e.t.Helper()
	w, err := e.cache.Create(context.Background(), name, int64(len(data)), nil)
	must(e.t, err)
	_, err = w.Write(data)
	must(e.t, err)
	_, err = w.Commit()
	must(e.t, err)
}

type resp struct {
	*http.Response
	body []byte
}

// do sends a request to the server. hdr is name, value, name, value, ….
// Every response must carry a Content-Length.
func (e *env) do(method, path, token string, body any, hdr ...string) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	case io.Reader:
		rd = b
	default:
		j, err := json.Marshal(b)
		must(e.t, err)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.hs.URL+path, rd)
	must(e.t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	r, err := e.hs.Client().Do(req)
	must(e.t, err)
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	must(e.t, err)
	if r.Header.Get("Content-Length") == "" && r.ContentLength < 0 {
		e.t.Errorf("%s %s: %d without Content-Length (Transfer-Encoding %v)", method, path, r.StatusCode, r.TransferEncoding)
	}
	return resp{r, b}
}

// want checks the status; for an error, that the body is a problem with
// that status and a detail.
func (r resp) want(t testing.TB, status int) resp {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d; body %s", r.Request.Method, r.Request.URL, r.StatusCode, status, r.body)
	}
	if status >= 400 && r.Request.Method != http.MethodHead {
		checkProblem(t, r)
	}
	return r
}

func checkProblem(t testing.TB, r resp) {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("%s %s: %d with Content-Type %q, want application/problem+json; body %s", r.Request.Method, r.Request.URL, r.StatusCode, ct, r.body)
	}
	var p struct {
		Type, Title, Detail string
		Status              int
	}
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("problem body %s: %v", r.body, err)
	}
	if p.Status != r.StatusCode || p.Title == "" || p.Detail == "" || p.Type == "" {
		t.Fatalf("problem %+v for status %d", p, r.StatusCode)
	}
}

func (r resp) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("%s: %v", r.body, err)
	}
}

func (r resp) detail(t testing.TB) string {
	t.Helper()
	var p struct{ Detail string }
	r.json(t, &p)
	return p.Detail
}

type stageFile struct {
	Path       string `json:"path"`
	OnDisk     bool   `json:"onDisk"`
	State      string `json:"state"`
	Error      string `json:"error"`
	StartedAt  int64  `json:"startedAt"`
	FinishedAt int64  `json:"finishedAt"`
}

type stageStatus struct {
	ID          string      `json:"id"`
	CreatedAt   int64       `json:"createdAt"`
	StartedAt   int64       `json:"startedAt"`
	CompletedAt int64       `json:"completedAt"`
	Files       []stageFile `json:"files"`
}

// stage submits a stage request for paths and returns its id.
func (e *env) stage(token string, paths ...string) string {
	e.t.Helper()
	files := make([]map[string]any, len(paths))
	for i, p := range paths {
		files[i] = map[string]any{"path": p}
	}
	r := e.do("POST", "/api/v1/stage", token, map[string]any{"files": files}).want(e.t, http.StatusCreated)
	var out struct{ RequestID string }
	r.json(e.t, &out)
	if out.RequestID == "" || r.Header.Get("Location") != "/api/v1/stage/"+out.RequestID {
		e.t.Fatalf("stage answer %s, Location %q", r.body, r.Header.Get("Location"))
	}
	return out.RequestID
}

func (e *env) status(token, id string) stageStatus {
	e.t.Helper()
	var st stageStatus
	e.do("GET", "/api/v1/stage/"+id, token, nil).want(e.t, http.StatusOK).json(e.t, &st)
	return st
}

// states returns path → state of a stage request.
func (e *env) states(token, id string) map[string]string {
	e.t.Helper()
	m := map[string]string{}
	for _, f := range e.status(token, id).Files {
		m[f.Path] = f.State
	}
	return m
}

type locality struct {
	Path     string `json:"path"`
	Locality string `json:"locality,omitempty"`
	Error    string `json:"error,omitempty"`
}

func (e *env) archiveInfo(token string, paths ...string) []locality {
	e.t.Helper()
	var out []locality
	e.do("POST", "/api/v1/archiveinfo", token, map[string]any{"paths": paths}).want(e.t, http.StatusOK).json(e.t, &out)
	return out
}

// recallOf returns the fake's request for a catalog path (the last one).
func (e *env) recallOf(path string) scheduler.Request {
	e.t.Helper()
	var found scheduler.Request
	for _, r := range e.sched.Requests() {
		if r.Path == path {
			found = r
		}
	}
	if found.ID == 0 {
		e.t.Fatalf("no recall of %s", path)
	}
	return found
}

type serverConfig = server.Config

func newServer(cfg server.Config) (*server.Server, error) { return server.New(cfg) }
