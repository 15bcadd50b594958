package main

import (
	"errors"
	"strings"
	"testing"
)

// brokenPipe takes n writes, then fails as a closed pipe does.
type brokenPipe struct{ n int }

func (w *brokenPipe) Write(p []byte) (int, error) {
	if w.n == 0 {
		return 0, errors.New("broken pipe")
	}
	w.n--
	return len(p), nil
}

// TestReadOutputFails: when standard output fails in the middle of a
// file, read says so (not the drive), and the next read of the file, in
// another invocation, gets it whole.
func TestReadOutputFails(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, dir, nil, "load", "1", "0")
	data := strings.Repeat("0123456789", 10_000)
	mustRun(t, dir, strings.NewReader(data), "write", "-b", "1000", "0")
	code, stderr := tapectlTo(t, dir, nil, &brokenPipe{n: 3}, "read", "0", "1")
	if code != 1 || !strings.Contains(stderr, "writing standard output: broken pipe") {
		t.Errorf("read into a broken pipe: exit %d, stderr %q", code, stderr)
	}
	if got := mustRun(t, dir, nil, "read", "0", "1"); got != data {
		t.Errorf("read after the broken pipe: %d bytes, want %d", len(got), len(data))
	}
}
