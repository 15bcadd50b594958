package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"strings"
	"syscall"
	"testing"
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
	os.Exit(m.Run())
}

// child starts the program as a process and returns its address.
func child(t *testing.T, data string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-data", data, "-listen", "127.0.0.1:0")
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
