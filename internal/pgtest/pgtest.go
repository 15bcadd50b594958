package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNoBinaries means no PostgreSQL server binaries were found.
var ErrNoBinaries = errors.New("pgtest: no PostgreSQL server binaries (initdb, postgres) on PATH or in /usr/lib/postgresql/*/bin; install the postgresql package")

// port is fixed: the socket lives in a private directory, so servers of
// parallel test binaries cannot collide.
const port = 5432

// Server is a running throwaway server.
type Server struct {
	dir  string
	cmd  *exec.Cmd
	done chan error
	seq  atomic.Int64
}

// findBin returns the directory holding initdb and postgres: PATH first,
// then the newest /usr/lib/postgresql/N/bin.
func findBin() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			dir := filepath.Dir(real)
			if _, err := os.Stat(filepath.Join(dir, "postgres")); err == nil {
				return dir, nil
			}
		}
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	sort.Slice(matches, func(i, j int) bool { return version(matches[i]) > version(matches[j]) })
	for _, m := range matches {
		dir := filepath.Dir(m)
		if _, err := os.Stat(filepath.Join(dir, "postgres")); err == nil {
			return dir, nil
		}
	}
	return "", ErrNoBinaries
}

func version(initdb string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return n
}

// credential returns the unprivileged user to run the server as when we
// are root, because initdb and postgres refuse to run as root.
func credential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		u, err = user.Lookup("nobody")
	}
	if err != nil {
		return nil, fmt.Errorf("pgtest: running as root and no postgres or nobody user to run the server as: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// Start initialises a cluster in a new temporary directory and starts the
// server. It returns ErrNoBinaries when PostgreSQL is not installed.
func Start(ctx context.Context) (*Server, error) {
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	cred, err := credential()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "tapekit-pg-")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, done: make(chan error, 1)}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	// Run from the temp dir: the server user may not be allowed into the
	// caller's working directory (a checkout under /root, say).
	initdb.Dir = dir
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pgtest: initdb: %w\n%s", err, out)
	}
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	defer logf.Close()
	// Durability is pointless for a throwaway server; fsync off makes
	// CREATE DATABASE and commits fast on a shared CI disk.
	s.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-k", dir, "-p", strconv.Itoa(port),
		"-c", "listen_addresses=", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=200", "-c", "shared_buffers=64MB")
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	s.cmd.Dir = dir
	// Pdeathsig: if the test binary dies without cleaning up, the server
	// shuts down immediately instead of lingering.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT}
	if err := s.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pgtest: start postgres: %w", err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	if err := s.waitReady(ctx); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

func (s *Server) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		conn, err := pgx.Connect(ctx, s.ConnString("postgres"))
		if err == nil {
			return conn.Close(ctx)
		}
		select {
		case werr := <-s.done:
			s.done <- werr
			log, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
			return fmt.Errorf("pgtest: postgres exited: %v\n%s", werr, log)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pgtest: server not ready after 60 s: %w", err)
		}
	}
}

// ConnString returns a connection string for database db.
func (s *Server) ConnString(db string) string {
	return fmt.Sprintf("host=%s port=%d user=postgres dbname=%s sslmode=disable", s.dir, port, db)
}

// NewDatabase creates an empty database with a fresh name and returns its
// connection string.
func (s *Server) NewDatabase(ctx context.Context) (string, error) {
	name := fmt.Sprintf("t%d", s.seq.Add(1))
	conn, err := pgx.Connect(ctx, s.ConnString("postgres"))
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	return s.ConnString(name), nil
}

// Stop shuts the server down (fast shutdown, then kill after 30 s) and
// removes its directory.
func (s *Server) Stop() error {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			s.cmd.Process.Kill()
			<-s.done
		}
	}
	return os.RemoveAll(s.dir)
}

var (
	once     sync.Once
	shared   *Server
	startErr error
	inMain   bool
)

// Main runs the tests of a package with one shared server, started by the
// first Require and stopped after all tests, so packages whose selected
// tests need no PostgreSQL start none. Use it as TestMain's body:
// os.Exit(pgtest.Main(m)).
func Main(m *testing.M) int {
	inMain = true
	code := m.Run()
	if shared != nil {
		if err := shared.Stop(); err != nil && code == 0 {
			fmt.Fprintln(os.Stderr, "pgtest: stop:", err)
			code = 1
		}
	}
	return code
}

// Require returns the package's shared server, starting it on first use.
// Without PostgreSQL binaries it skips the test, or fails it when
// TAPEKIT_REQUIRE_POSTGRES=1; any other start failure fails the test.
func Require(tb testing.TB) *Server {
	tb.Helper()
	if !inMain {
		tb.Fatal("pgtest: Require needs pgtest.Main in TestMain, which stops the server")
	}
	once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		shared, startErr = Start(ctx)
	})
	switch {
	case shared != nil:
		return shared
	case errors.Is(startErr, ErrNoBinaries) && os.Getenv("TAPEKIT_REQUIRE_POSTGRES") != "1":
		tb.Skipf("skipping: %v (set TAPEKIT_REQUIRE_POSTGRES=1 to make this a failure)", startErr)
	}
	tb.Fatalf("PostgreSQL required: %v", strings.TrimSpace(startErr.Error()))
	return nil
}
