package mtx_test

import (
	"os"
	"strings"
	"testing"
)

func TestMain(m *testing.M) {
	if os.Getenv(fakeEnv) == "1" {
		os.Exit(fakeMTX(os.Args[1:], os.Stdout, os.Stderr))
	}
	// Children started by the driver under test act as mtx. Under -race
	// a child would sleep a second before exiting (GORACE atexit_sleep_ms
	// defaults to 1000); the fake has nothing to report that late.
	os.Setenv(fakeEnv, "1")
	os.Setenv("GORACE", strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	os.Exit(m.Run())
}
