package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/tapekit/tapekit/cache"
	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/postgres"
	"github.com/tapekit/tapekit/catalog/sqlite"
	"github.com/tapekit/tapekit/examples/hsm/internal/auth"
	"github.com/tapekit/tapekit/examples/hsm/internal/server"
)

// flushEvery is how often the archiver looks for precious files due.
const flushEvery = 2 * time.Second

// barcodePrefix is what -sim-barcodes takes.
var barcodePrefix = regexp.MustCompile(`^[A-Z0-9]{2}$`)

// tokenEnv names the environment variable whose value, when set, is
// accepted as an admin token.
const tokenEnv = "TAPEKIT_HSM_TOKEN"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil)
	stop()
	os.Exit(code)
}

// flags are the command line.
type flags struct {
	data, listen      string
	siteName, baseURL string
	tlsCert, tlsKey   string
	quota             int64
	maxFileSize       int64
	logLevel          slog.Level
	shutdownGrace     time.Duration
	diskLifetime      time.Duration
	simSpeed          float64
	catalog           string
	host, library     string
	simBarcodes       string
	config            string
	// lib is the -config file, loaded; nil for the demo library.
	lib *fileConfig
}

// run is main without the process: it serves until ctx ends and returns
// the exit status (0 after a clean shutdown, 1 when the server could not
// start or stop cleanly, 2 for a wrong command line). ready, if not nil,
// receives the address listened on.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready chan<- string) int {
	var f flags
	fs := flag.NewFlagSet("hsm", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.data, "data", "./hsm-data", "`DIR` of the cache, the catalog and the token file (created on first start)")
	fs.StringVar(&f.listen, "listen", "127.0.0.1:8080", "`ADDRESS` to listen on (port 0: any free port)")
	fs.StringVar(&f.siteName, "sitename", "tapekit", "sitename of the WLCG Tape REST API discovery document")
	fs.StringVar(&f.baseURL, "base-url", "", "public `URL` of the server, for the discovery document (default: from each request's Host)")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "TLS certificate `FILE` (PEM); with -tls-key, serve HTTPS")
	fs.StringVar(&f.tlsKey, "tls-key", "", "TLS private key `FILE` (PEM)")
	fs.Int64Var(&f.quota, "cache-quota", 0, "disk cache quota in `BYTES` (0: nine tenths of the filesystem)")
	fs.Int64Var(&f.maxFileSize, "max-file-size", 0, "largest PUT in `BYTES` (0: the cache quota)")
	fs.DurationVar(&f.diskLifetime, "disk-lifetime", server.DefaultDiskLifetime, "pin lifetime of staged files when a stage request gives none")
	fs.DurationVar(&f.shutdownGrace, "shutdown-grace", 30*time.Second, "how long a shutdown waits for requests in flight")
	fs.StringVar(&f.catalog, "catalog", "", "the catalog, which also keeps the scheduler's queue: a PostgreSQL connection string (`DSN`: postgres://… or key=value pairs), or empty for SQLite in DATA/catalog.db")
	fs.StringVar(&f.config, "config", "", "run the real library the JSON `FILE` describes (SG_IO or mtx changer, SG_IO drives, pools, storage classes, policy, host, catalog) instead of the demo library; see go doc ./examples/hsm")
	fs.StringVar(&f.host, "host", "hsm", "`NAME` of this HSM in the scheduler's queue; hosts sharing a PostgreSQL catalog need different names")
	fs.StringVar(&f.library, "library", "demo", "`NAME` of this host's library in the catalog; hosts sharing a catalog each run their own")
	fs.StringVar(&f.simBarcodes, "sim-barcodes", "TK", "first two characters (A-Z, 0-9) of the demo cartridges' barcodes (TK: TK0001L9…), when the library is created; hosts sharing a catalog need different ones")
	fs.Float64Var(&f.simSpeed, "sim-speed", 30, "how many times faster than a real library the demo library runs (30: a mount takes about a second)")
	fs.TextVar(&f.logLevel, "log-level", slog.LevelInfo, "log `LEVEL`: DEBUG, INFO, WARN or ERROR")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "hsm: unexpected arguments %q: everything is set with flags (hsm -help)\n", fs.Args())
		return 2
	}
	if f.simSpeed < 1 || f.simSpeed > 1e6 {
		fmt.Fprintln(stderr, "hsm: -sim-speed must be between 1 (real time) and 1000000")
		return 2
	}
	if f.config != "" {
		var clash []string
		fs.Visit(func(fl *flag.Flag) {
			switch fl.Name {
			case "catalog", "host", "library", "sim-barcodes", "sim-speed":
				clash = append(clash, "-"+fl.Name)
			}
		})
		if len(clash) > 0 {
			fmt.Fprintf(stderr, "hsm: %s: with -config the config file says these (catalog, host, library) or they do not apply (-sim-*)\n", strings.Join(clash, ", "))
			return 2
		}
		cfg, err := loadConfig(f.config)
		if err != nil {
			fmt.Fprintf(stderr, "hsm: %v\n", err)
			return 2
		}
		f.lib, f.catalog, f.host, f.library = &cfg, cfg.Catalog, cfg.Host, cfg.Library.Name
		if cfg.SiteName != "" && !flagSet(fs, "sitename") {
			f.siteName = cfg.SiteName
		}
	}
	if !barcodePrefix.MatchString(f.simBarcodes) || strings.HasPrefix(f.simBarcodes, "CL") {
		fmt.Fprintf(stderr, "hsm: -sim-barcodes %q: want two characters A-Z or 0-9 (not CL, which cleaning cartridges start with)\n", f.simBarcodes)
		return 2
	}
	for _, n := range []struct{ flag, v string }{{"-host", f.host}, {"-library", f.library}} {
		if err := catalog.ValidateName(n.flag[1:], n.v); err != nil || strings.Contains(n.v, "@") {
			fmt.Fprintf(stderr, "hsm: %s %q: want a short name without spaces or @\n", n.flag, n.v)
			return 2
		}
	}
	if (f.tlsCert == "") != (f.tlsKey == "") {
		fmt.Fprintln(stderr, "hsm: -tls-cert and -tls-key go together")
		return 2
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: f.logLevel}))
	if err := serve(ctx, f, stdout, log, ready); err != nil {
		fmt.Fprintf(stderr, "hsm: %v\n", err)
		return 1
	}
	return 0
}

// serve assembles the HSM, serves until ctx ends, then shuts down: no new
// connections, requests in flight finish (up to -shutdown-grace), the
// cache and the catalog are closed cleanly.
func serve(ctx context.Context, f flags, stdout io.Writer, log *slog.Logger, ready chan<- string) (err error) {
	if err := os.MkdirAll(f.data, 0o700); err != nil {
		return err
	}
	entries, created, err := auth.LoadOrCreate(filepath.Join(f.data, "tokens.json"))
	if err != nil {
		return err
	}
	if tok := os.Getenv(tokenEnv); tok != "" {
		entries = append(entries, auth.Entry{Name: tokenEnv, Token: tok, Scopes: []auth.Scope{auth.Admin}})
	}
	tokens, err := auth.New(entries)
	if err != nil {
		return err
	}
	c, err := cache.Open(filepath.Join(f.data, "cache"), &cache.Options{Quota: f.quota, Logger: log})
	if err != nil {
		return err
	}
	defer func() {
		if cerr := c.Close(); err == nil {
			err = cerr
		}
	}()
	if r := c.Recovery(); len(r.Precious) > 0 || len(r.Lost) > 0 || r.PartialsRemoved > 0 {
		log.Info("cache recovered", "precious", len(r.Precious), "lost", len(r.Lost), "partials_removed", r.PartialsRemoved)
	}
	cat, err := openCatalog(ctx, f.catalog, f.data, log)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := cat.Close(); err == nil {
			err = cerr
		}
	}()
	o := tapeOptions{dir: f.data, speed: f.simSpeed, host: f.host, library: f.library, barcodes: f.simBarcodes}
	var tp *tapeSide
	if f.lib != nil {
		tp, err = openConfiguredTape(ctx, *f.lib, o, cat, c, log)
	} else {
		tp, err = openTape(ctx, o, cat, c, log)
	}
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), tp.metrics)
	srv, err := server.New(server.Config{
		Cache: c, Catalog: cat, Scheduler: tp.sched, Tokens: tokens, Repacker: tp.rp, Tape: tp.sched, Library: &libraryAdmin{t: tp, cat: cat}, Registry: reg,
		SiteName: f.siteName, BaseURL: f.baseURL, MaxFileSize: f.maxFileSize, Host: f.host,
		DefaultDiskLifetime: f.diskLifetime, Logger: log, StateDir: f.data,
	})
	if err != nil {
		return errors.Join(err, tp.close())
	}
	tp.onEnd = srv.RecallEnded
	// The tape side stops first (its last ends still reach the server),
	// then the server, then (deferred above) the catalog and the cache.
	defer func() {
		terr := tp.close()
		serr := srv.Close()
		if err == nil {
			err = errors.Join(terr, serr)
		}
	}()
	tp.start(context.WithoutCancel(ctx), flushEvery)
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	scheme := "http"
	if f.tlsCert != "" {
		scheme = "https"
	}
	base := scheme + "://" + ln.Addr().String()
	printBanner(stdout, base, f, created, tp.describe())
	log.Info("serving", "url", base, "data", f.data)
	if ready != nil {
		ready <- ln.Addr().String()
	}

	done := make(chan error, 1)
	go func() {
		if f.tlsCert != "" {
			done <- hs.ServeTLS(ln, f.tlsCert, f.tlsKey)
		} else {
			done <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: no new connections; waiting for requests in flight", "grace", f.shutdownGrace)
	sctx, cancel := context.WithTimeout(context.Background(), f.shutdownGrace)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		hs.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// store is a catalog that keeps the scheduler's queue too, as both
// databases do.
type store interface {
	catalog.Catalog
	catalog.Queue
	Close() error
}

// openCatalog opens PostgreSQL when dsn names it, else SQLite in
// DATA/catalog.db.
func openCatalog(ctx context.Context, dsn, data string, log *slog.Logger) (store, error) {
	if dsn == "" {
		return sqlite.Open(ctx, filepath.Join(data, "catalog.db"), &sqlite.Options{Logger: log})
	}
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") && !strings.Contains(dsn, "=") {
		return nil, fmt.Errorf("-catalog %q: want a PostgreSQL connection string (postgres://… or key=value pairs)", dsn)
	}
	return postgres.Open(ctx, dsn, &postgres.Options{Logger: log})
}

// printBanner says what started and how to use it. A token created now is
// printed this once; it stays in the token file.
func printBanner(w io.Writer, base string, f flags, created, library string) {
	fmt.Fprintf(w, "tapekit hsm serving %s\n", base)
	fmt.Fprintf(w, "  data:      %s (cache/, catalog.db, library/, stages.jsonl, tokens.json)\n", f.data)
	if f.lib != nil {
		fmt.Fprintf(w, "  tape:      %s (library %q from %s, host %q)\n", library, f.library, f.config, f.host)
	} else {
		fmt.Fprintf(w, "  tape:      %s, %g times faster than real (library %q, host %q)\n", library, f.simSpeed, f.library, f.host)
	}
	fmt.Fprintf(w, "  discovery: %s/.well-known/wlcg-tape-rest-api\n", base)
	tok := "$TOKEN"
	if created != "" {
		fmt.Fprintf(w, "\nadmin token (shown once; kept in %s):\n  %s\n", filepath.Join(f.data, "tokens.json"), created)
		tok = created
	}
	fmt.Fprintf(w, "\ntry:\n")
	fmt.Fprintf(w, "  curl -H 'Authorization: Bearer %s' -T myfile %s/files/demo/myfile\n", tok, base)
	fmt.Fprintf(w, "  curl -H 'Authorization: Bearer %s' -d '{\"paths\":[\"/demo/myfile\"]}' %s%s/archiveinfo\n", tok, base, server.APIPath)
	fmt.Fprintf(w, "  curl -H 'Authorization: Bearer %s' -o copy %s/files/demo/myfile\n", tok, base)
}

// flagSet reports whether the command line set the flag.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
