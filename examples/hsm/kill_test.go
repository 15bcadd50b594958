package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tapekit/tapekit/catalog/sqlite"
	"github.com/tapekit/tapekit/internal/pgtest"
)

// TestMain lets a test run the program itself as a child process, so a
// test can kill it with SIGKILL.
func TestMain(m *testing.M) {
	if os.Getenv("HSM_TEST_CHILD") == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil)
		stop()
		os.Exit(code)
	}
	os.Exit(pgtest.Main(m))
}

// child starts the program as a process and returns its address.
func child(t *testing.T, data string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-data", data, "-listen", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), "HSM_TEST_CHILD=1", tokenEnv+"=kill-token-0123456789abcdef")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(out)
	re := regexp.MustCompile(`serving http://(\S+)`)
	for sc.Scan() { // the child exits, closing its output, if it cannot start
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			go io.Copy(io.Discard, out)
			return cmd, m[1]
		}
	}
	t.Fatal("the child did not say where it serves")
	return nil, ""
}

// TestKill9KeepsAcknowledged: whatever the server acknowledged (a PUT's
// 201, a stage request's id) is there after a kill -9 and a restart.
func TestKill9KeepsAcknowledged(t *testing.T) {
	data := t.TempDir()
	cmd, addr := child(t, data)
	do := func(addr, method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer kill-token-0123456789abcdef")
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		return r.StatusCode, string(b)
	}
	if c, b := do(addr, "PUT", "/files/k/acked", "acknowledged"); c != http.StatusCreated {
		t.Fatalf("PUT %d %s", c, b)
	}
	c, b := do(addr, "POST", "/api/v1/stage", `{"files":[{"path":"/files/k/acked"},{"path":"/k/absent"}]}`)
	id := regexp.MustCompile(`"requestId":"([^"]+)"`).FindStringSubmatch(b)
	if c != http.StatusCreated || id == nil {
		t.Fatalf("stage %d %s", c, b)
	}
	_, before := do(addr, "GET", "/api/v1/stage/"+id[1], "")
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	_, addr = child(t, data)
	if c, b := do(addr, "GET", "/files/k/acked", ""); c != http.StatusOK || b != "acknowledged" {
		t.Fatalf("GET after kill -9: %d %q", c, b)
	}
	if c, after := do(addr, "GET", "/api/v1/stage/"+id[1], ""); c != http.StatusOK || after != before {
		t.Fatalf("stage request after kill -9: %d\n%s\nwas\n%s", c, after, before)
	}
}

// TestKill9DuringArchiveAndRecall kills the server at random moments
// while files are being archived and recalled, and restarts it, several
// times: every file whose PUT was acknowledged is read back whole, every
// stage request acknowledged still answers, and once the server is left
// running every file reaches tape and every stage request completes,
// with no request left behind in the scheduler's queue.
func TestKill9DuringArchiveAndRecall(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess test")
	}
	data := t.TempDir()
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 3))
	do := func(addr, method, path, body string) (int, string, error) {
		req, _ := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer kill-token-0123456789abcdef")
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		return r.StatusCode, string(b), nil
	}
	acked := map[string]string{} // path → content of files whose PUT got 201
	var stages []string          // stage request ids acknowledged
	n := 0
	for round := range 6 {
		cmd, addr := child(t, data, "-sim-speed", "300")
		killAt := time.Now().Add(time.Duration(200+rng.IntN(1500)) * time.Millisecond)
		for time.Now().Before(killAt) {
			p := fmt.Sprintf("/k/r%d/f%03d", round, n)
			content := strings.Repeat(fmt.Sprintf("%s ", p), 2000+rng.IntN(20000))
			n++
			if code, _, err := do(addr, "PUT", "/files"+p, content); err == nil && code == http.StatusCreated {
				acked[p] = content
			}
			// Evict an archived file now and then and stage it back.
			if len(acked) > 3 && rng.IntN(4) == 0 {
				var old string
				for q := range acked {
					old = q
					break
				}
				do(addr, "POST", "/admin/v1/evict", `{"paths":["`+old+`"]}`)
				if code, b, err := do(addr, "POST", "/api/v1/stage", `{"files":[{"path":"`+old+`"}]}`); err == nil && code == http.StatusCreated {
					if m := regexp.MustCompile(`"requestId":"([^"]+)"`).FindStringSubmatch(b); m != nil {
						stages = append(stages, m[1])
					}
				}
			}
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		t.Logf("round %d: %d files acknowledged, %d stage requests", round, len(acked), len(stages))
	}
	cmd, addr := child(t, data, "-sim-speed", "300")
	for p, content := range acked {
		if code, b, err := do(addr, "GET", "/files"+p, ""); err != nil || code != http.StatusOK || b != content {
			// Evicted and not staged back yet is the only excuse.
			if _, info, _ := do(addr, "POST", "/api/v1/archiveinfo", `{"paths":["`+p+`"]}`); !strings.Contains(info, `"TAPE"`) {
				t.Errorf("GET %s after the kills: %d (%v), %d bytes, want %d; archiveinfo %s", p, code, err, len(b), len(content), info)
			}
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	for _, id := range stages {
		for {
			code, b, err := do(addr, "GET", "/api/v1/stage/"+id, "")
			if err != nil || code != http.StatusOK {
				t.Fatalf("stage request %s after the kills: %d %v %s", id, code, err, b)
			}
			if strings.Contains(b, `"FAILED"`) {
				t.Fatalf("stage request %s failed: %s", id, b)
			}
			if strings.Contains(b, `"COMPLETED"`) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("stage request %s not completed: %s", id, b)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	var paths []string
	for p := range acked {
		paths = append(paths, `"`+p+`"`)
	}
	for {
		_, b, err := do(addr, "POST", "/api/v1/archiveinfo", `{"paths":[`+strings.Join(paths, ",")+`]}`)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Count(b, `TAPE"`) == len(paths) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not all archived: %.3000s", b)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Nothing left behind in the scheduler's queue.
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("the last run did not stop cleanly: %v", err)
	}
	cat, err := sqlite.Open(context.Background(), filepath.Join(data, "catalog.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	if pend, err := cat.PendingEntries(context.Background(), 0, 0); err != nil || len(pend) != 0 {
		t.Errorf("%d requests left in the queue (%v): %+v", len(pend), err, pend)
	}
}
