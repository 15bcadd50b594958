package mtx_test

import (
	"os"
	"strings"
	"testing"
)

// TestMain makes this test binary double as the fake mtx: the driver under
// test runs it as `<binary> -f <state>.json command ...`, which the testing
// package never does (its flags are -test.*). An argument check rather than
// an environment variable, because fuzz workers inherit the environment.
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == "-f" && strings.HasSuffix(os.Args[2], ".json") {
		os.Exit(fakeMTX(os.Args[1:], os.Stdout, os.Stderr))
	}
	// Under -race a child would sleep a second before exiting (GORACE
	// atexit_sleep_ms defaults to 1000); the fake has nothing to report
	// that late.
	os.Setenv("GORACE", strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	os.Exit(m.Run())
}
