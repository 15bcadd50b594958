package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/tapekit/tapekit/cache"
	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/examples/hsm/internal/auth"
)

// Defaults for the zero fields of Config.
const (
	DefaultMaxJSONBody   = 16 << 20
	DefaultMaxStageFiles = 100_000
	DefaultDiskLifetime  = 24 * time.Hour
	DefaultRetryAfter    = 60 * time.Second
	DefaultKeepEnded     = 7 * 24 * time.Hour
	// APIPath is where the Tape REST API v1 lives.
	APIPath = "/api/v1"
)

// Config assembles a Server. Cache, Catalog, Scheduler and Tokens are
// required; zero fields of the rest mean the defaults above.
type Config struct {
	Cache     *cache.Cache
	Catalog   catalog.Catalog
	Scheduler Scheduler
	Tokens    *auth.Store
	// Repacker serves the repack endpoints of the admin API; nil: they
	// answer 404.
	Repacker Repacker
	// Tape serves the drives and queue endpoints of the admin API (the
	// scheduler); nil: they answer 404.
	Tape TapeAdmin
	// Library serves the libraries, label, import and export endpoints;
	// nil: they answer 404.
	Library Library

	// Host, when set, is appended to the Requester of every recall the
	// server submits (CLIENT@HOST), so that among hosts sharing one queue
	// the recall is run by this one, whose cache the file must reach (see
	// the scheduler's Config.Accept).
	Host string

	// SiteName is the sitename of the well-known document.
	SiteName string
	// BaseURL ("https://hsm.example.org:8443") makes the absolute uri of
	// the well-known document; empty means the scheme and Host of each
	// request, which is right unless a proxy rewrites them.
	BaseURL string
	// MaxJSONBody bounds a JSON request body in bytes; MaxStageFiles the
	// paths of one stage, cancel, release or archiveinfo request.
	MaxJSONBody   int64
	MaxStageFiles int
	// MaxFileSize bounds a PUT; 0 means only the cache's quota does.
	MaxFileSize int64
	// DefaultDiskLifetime pins a staged file when the client gives no
	// diskLifetime.
	DefaultDiskLifetime time.Duration
	// RetryAfter is what a GET of a file only on tape tells the client to
	// wait before it asks again.
	RetryAfter time.Duration
	// KeepEnded is how long a stage request that ended stays visible.
	KeepEnded time.Duration
	// StateDir keeps the stage requests across restarts, in a journal
	// (stages.jsonl); empty keeps them in memory only.
	StateDir string
	// Now is the clock of request times; default time.Now.
	Now func() time.Time
	// Logger receives one line per request; default slog.Default().
	Logger *slog.Logger
	// Registry receives the server's Prometheus metrics, served at
	// /metrics; nil means a new registry with the Go and process
	// collectors.
	Registry *prometheus.Registry
}

// Server serves the HSM over HTTP. It is an http.Handler.
type Server struct {
	cfg     Config
	log     *slog.Logger
	mux     *http.ServeMux
	metrics *metrics
	journal *journal // nil without Config.StateDir

	stages stages
}

// New checks cfg and returns the server.
func New(cfg Config) (*Server, error) {
	switch {
	case cfg.Cache == nil:
		return nil, errors.New("server: Config.Cache is required")
	case cfg.Catalog == nil:
		return nil, errors.New("server: Config.Catalog is required")
	case cfg.Scheduler == nil:
		return nil, errors.New("server: Config.Scheduler is required")
	case cfg.Tokens == nil:
		return nil, errors.New("server: Config.Tokens is required")
	}
	if cfg.SiteName == "" {
		cfg.SiteName = "tapekit"
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	if cfg.MaxJSONBody <= 0 {
		cfg.MaxJSONBody = DefaultMaxJSONBody
	}
	if cfg.MaxStageFiles <= 0 {
		cfg.MaxStageFiles = DefaultMaxStageFiles
	}
	if cfg.DefaultDiskLifetime <= 0 {
		cfg.DefaultDiskLifetime = DefaultDiskLifetime
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = DefaultRetryAfter
	}
	if cfg.KeepEnded <= 0 {
		cfg.KeepEnded = DefaultKeepEnded
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
		cfg.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	s := &Server{cfg: cfg, log: cfg.Logger, mux: http.NewServeMux()}
	s.metrics = newMetrics(s, cfg.Registry)
	s.stages.init()
	if cfg.StateDir != "" {
		j, err := openJournal(cfg.StateDir, &s.stages)
		if err != nil {
			return nil, fmt.Errorf("server: stage requests: %w", err)
		}
		s.journal = j
		// Needs live in memory: declare again what the recalls in flight
		// will bring.
		for _, q := range s.stages.reqs {
			for _, f := range q.files {
				if f.recall != nil && !f.state.ended() {
					cfg.Cache.Need(f.name, q.id)
				}
			}
		}
	}
	s.routes()
	return s, nil
}

// Close closes the stage request journal. Call it after the HTTP server
// has stopped.
func (s *Server) Close() error { return s.journal.close() }

// routes registers the endpoints. Every path also has a pattern without
// a method, so a wrong method gets a 405 problem rather than the mux's
// plain text; "/" catches the rest as a 404 problem.
func (s *Server) routes() {
	type route struct {
		method, path string
		scopes       []auth.Scope // any of them; none: public
		h            http.HandlerFunc
	}
	api := APIPath
	routes := []route{
		{"GET", "/.well-known/wlcg-tape-rest-api", nil, s.wellKnown},
		{"GET", "/healthz", nil, s.healthz},
		{"GET", "/readyz", nil, s.readyz},
		{"GET", "/metrics", []auth.Scope{auth.Read}, s.serveMetrics},
		{"GET", filesPrefix + "/{path...}", []auth.Scope{auth.Read}, s.getFile},
		{"PUT", filesPrefix + "/{path...}", []auth.Scope{auth.Write}, s.putFile},
		{"DELETE", filesPrefix + "/{path...}", []auth.Scope{auth.Write}, s.deleteFile},
		{"PROPFIND", filesPrefix + "/{path...}", []auth.Scope{auth.Read}, s.propfind},
		{"MKCOL", filesPrefix + "/{path...}", []auth.Scope{auth.Write}, s.mkcol},
		{"POST", api + "/stage", []auth.Scope{auth.Stage}, s.postStage},
		{"GET", api + "/stage/{id}", []auth.Scope{auth.Stage}, s.getStage},
		{"DELETE", api + "/stage/{id}", []auth.Scope{auth.Stage}, s.deleteStage},
		{"POST", api + "/stage/{id}/cancel", []auth.Scope{auth.Stage}, s.cancelStage},
		{"POST", api + "/release/{id}", []auth.Scope{auth.Stage}, s.release},
		{"POST", api + "/archiveinfo", []auth.Scope{auth.Read, auth.Stage}, s.archiveInfo},
		{"POST", adminPath + "/evict", []auth.Scope{auth.Admin}, s.evict},
		{"GET", adminPath + "/cache", []auth.Scope{auth.Admin}, s.cacheStats},
		{"GET", adminPath + "/pools", []auth.Scope{auth.Admin}, s.pools},
		{"GET", adminPath + "/volumes/{barcode}", []auth.Scope{auth.Admin}, s.volume},
		{"GET", adminPath + "/stage", []auth.Scope{auth.Admin}, s.stageList},
		{"GET", adminPath + "/drives", []auth.Scope{auth.Admin}, s.drives},
		{"POST", adminPath + "/drives/{name}/down", []auth.Scope{auth.Admin}, s.driveDown},
		{"POST", adminPath + "/drives/{name}/up", []auth.Scope{auth.Admin}, s.driveUp},
		{"GET", adminPath + "/libraries", []auth.Scope{auth.Admin}, s.libraries},
		{"GET", adminPath + "/volumes", []auth.Scope{auth.Admin}, s.volumes},
		{"POST", adminPath + "/volumes/{barcode}/label", []auth.Scope{auth.Admin}, s.label},
		{"POST", adminPath + "/volumes/{barcode}/export", []auth.Scope{auth.Admin}, s.export},
		{"POST", adminPath + "/import", []auth.Scope{auth.Admin}, s.importCartridges},
		{"GET", adminPath + "/storage-classes", []auth.Scope{auth.Admin}, s.storageClasses},
		{"GET", adminPath + "/queue", []auth.Scope{auth.Admin}, s.queue},
		{"POST", adminPath + "/repack", []auth.Scope{auth.Admin}, s.repackStart},
		{"GET", adminPath + "/repack", []auth.Scope{auth.Admin}, s.repackList},
		{"GET", adminPath + "/repack/{volume}", []auth.Scope{auth.Admin}, s.repackStatus},
		{"POST", adminPath + "/repack/{volume}/cancel", []auth.Scope{auth.Admin}, s.repackCancel},
	}
	allowed := map[string][]string{}
	var order []string
	for _, rt := range routes {
		s.mux.Handle(rt.method+" "+rt.path, s.authorize(rt.scopes, rt.h))
		if allowed[rt.path] == nil {
			order = append(order, rt.path)
		}
		allowed[rt.path] = append(allowed[rt.path], rt.method)
	}
	for _, p := range order {
		methods := allowed[p]
		if slices.Contains(methods, "GET") {
			methods = append(methods, "HEAD")
		}
		allow := strings.Join(methods, ", ")
		s.mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			writeProblem(w, r, http.StatusMethodNotAllowed, fmt.Sprintf("%s is not allowed here; allowed: %s", r.Method, allow))
		})
	}
	// Without it the mux would redirect /files to /files/, which
	// ServeHTTP turns back into /files.
	s.mux.HandleFunc(filesPrefix, func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, http.StatusNotFound, fmt.Sprintf("no file named: files are %s/PATH", filesPrefix))
	})
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, http.StatusNotFound, fmt.Sprintf("no endpoint %s: files are under %s/, the Tape REST API under %s (see /.well-known/wlcg-tape-rest-api)", r.URL.Path, filesPrefix, APIPath))
	})
}

type ctxKey int

const (
	keyClient ctxKey = iota
	keyPath
)

// client returns who made the request (set by authorize).
func client(r *http.Request) auth.Client {
	c, _ := r.Context().Value(keyClient).(auth.Client)
	return c
}

// escapedPath returns the request's escaped path as routed: repeated
// slashes collapsed, a trailing slash dropped.
func escapedPath(r *http.Request) string {
	p, _ := r.Context().Value(keyPath).(string)
	return p
}

// authorize checks the bearer token and that it holds one of scopes.
func (s *Server) authorize(scopes []auth.Scope, h http.HandlerFunc) http.Handler {
	if len(scopes) == 0 {
		return h
	}
	names := make([]string, len(scopes))
	for i, sc := range scopes {
		names[i] = string(sc)
	}
	need := strings.Join(names, " or ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := s.cfg.Tokens.Check(auth.Bearer(r.Header.Get("Authorization")))
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tapekit"`)
			detail := "this endpoint needs a bearer token (Authorization: Bearer TOKEN)"
			if errors.Is(err, auth.ErrBadToken) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="tapekit", error="invalid_token"`)
				detail = "the bearer token is not valid"
			}
			writeProblem(w, r, http.StatusUnauthorized, detail)
			return
		}
		for _, sc := range scopes {
			if c.Can(sc) {
				if rec, ok := w.(*recorder); ok {
					rec.client = c.Name
				}
				h(w, r.WithContext(context.WithValue(r.Context(), keyClient, c)))
				return
			}
		}
		writeProblem(w, r, http.StatusForbidden, fmt.Sprintf("the token of %q lacks the scope this needs: %s", c.Name, need))
	})
}

// ServeHTTP routes a request. The path is tidied first, so that the mux
// never answers with a redirect: repeated slashes are collapsed, a
// trailing slash dropped, and a "." or ".." segment refused.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	var route string
	defer func() {
		took := time.Since(start)
		s.metrics.observe(route, r.Method, rec.status, took)
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method), slog.String("path", r.URL.RequestURI()),
			slog.Int("status", rec.status), slog.Int64("bytes", rec.bytes),
			slog.Float64("ms", float64(took.Microseconds())/1000), slog.String("client", rec.client))
	}()
	esc, dec, err := routePath(r.URL.EscapedPath())
	if err != nil {
		writeProblem(rec, r, http.StatusBadRequest, "bad path: "+err.Error())
		return
	}
	r2 := r.WithContext(context.WithValue(r.Context(), keyPath, esc))
	u := *r.URL
	u.Path, u.RawPath = dec, ""
	r2.URL = &u
	s.mux.ServeHTTP(rec, r2)
	route = r2.Pattern
}

// recorder notes the status and size of a response for the log. It keeps
// io.ReaderFrom, so files still go out with sendfile.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
	client string
	wrote  bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	r.wrote = true
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	return n, err
}

func (r *recorder) ReadFrom(src io.Reader) (int64, error) {
	r.wrote = true
	n, err := io.Copy(r.ResponseWriter, src)
	r.bytes += n
	return n, err
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// healthz says the process serves HTTP.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, r, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz says whether requests can be served: the catalog answers a read
// within two seconds.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if _, err := s.cfg.Catalog.Pools(ctx); err != nil {
		w.Header().Set("Retry-After", "5")
		writeProblem(w, r, http.StatusServiceUnavailable, "not ready: the catalog does not answer: "+err.Error())
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]string{"status": "ready"})
}
