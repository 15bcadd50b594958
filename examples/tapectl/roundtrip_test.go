package main

import (
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const roundTripSize = 50 << 20

// randomInput is n reproducible random bytes, made as they are read so the
// test holds no copy; sum is their SHA-256.
func randomInput(seed uint64, n int64) (r io.Reader, sum func() [32]byte) {
	h := sha256.New()
	src := rand.NewChaCha8([32]byte{byte(seed)})
	r = io.TeeReader(io.LimitReader(src, n), h)
	return r, func() [32]byte { return [32]byte(h.Sum(nil)) }
}

// readSum runs `read DRIVE FILE` and returns the SHA-256 of its output.
func readSum(t *testing.T, dir, drive, file string) [32]byte {
	t.Helper()
	h := sha256.New()
	code, stderr := tapectlTo(t, dir, nil, h, "read", drive, file)
	if code != 0 {
		t.Fatalf("read %s %s: exit %d: %s", drive, file, code, stderr)
	}
	return [32]byte(h.Sum(nil))
}

func allocated() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}

// TestRoundTrip is the acceptance scenario: load slot 1 into drive 0, write
// 50 MiB of random bytes, read tape file 1 back byte-identical, unload; the
// library and the data outlive each invocation.
func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()

	inv := mustRun(t, dir, nil, "inventory")
	for _, line := range []string{"Drive 0: Empty", "Slot 1: Full TK0001L9", "Slot 20: Full CLN001L1", "Port 2: Empty"} {
		if !strings.Contains(inv, line+"\n") {
			t.Errorf("inventory lacks %q:\n%s", line, inv)
		}
	}

	if got, want := mustRun(t, dir, nil, "load", "1", "0"), "loaded TK0001L9 from slot 1 into drive 0\n"; got != want {
		t.Errorf("load: got %q, want %q", got, want)
	}

	in, inSum := randomInput(1, roundTripSize)
	start, alloc := time.Now(), allocated()
	if got, want := mustRun(t, dir, in, "write", "0"), "wrote tape file 1 on TK0001L9: 52428800 bytes in 200 blocks\n"; got != want {
		t.Errorf("write: got %q, want %q", got, want)
	}
	writeTime, writeAlloc := time.Since(start), allocated()-alloc

	start, alloc = time.Now(), allocated()
	if got := readSum(t, dir, "0", "1"); got != inSum() {
		t.Fatalf("read 0 1: the data differs from what was written")
	}
	readTime, readAlloc := time.Since(start), allocated()-alloc
	t.Logf("50 MiB: write %v, read %v; allocated %d MiB writing, %d MiB reading", writeTime, readTime, writeAlloc>>20, readAlloc>>20)
	// Streaming: one block buffer (256 KiB writing, the drive's 8 MiB
	// maximum reading), never the whole file.
	if writeAlloc > roundTripSize/2 || readAlloc > roundTripSize/2 {
		t.Errorf("allocated %d bytes writing and %d reading a %d-byte file: not streaming", writeAlloc, readAlloc, roundTripSize)
	}

	// A second file is appended after the first, whatever the position.
	mustRun(t, dir, nil, "rewind", "0")
	if got, want := mustRun(t, dir, strings.NewReader("second file\n"), "write", "0"), "wrote tape file 2 on TK0001L9: 12 bytes in 1 block\n"; got != want {
		t.Errorf("second write: got %q, want %q", got, want)
	}
	if got := mustRun(t, dir, nil, "read", "0", "2"); got != "second file\n" {
		t.Errorf("read 0 2 = %q", got)
	}

	if got, want := mustRun(t, dir, nil, "unload", "0"), "unloaded TK0001L9 from drive 0 to slot 1\n"; got != want {
		t.Errorf("unload: got %q, want %q", got, want)
	}

	// A new invocation sees the cartridge home and its data intact, from
	// another drive.
	inv = mustRun(t, dir, nil, "inventory")
	for _, line := range []string{"Drive 0: Empty", "Slot 1: Full TK0001L9"} {
		if !strings.Contains(inv, line+"\n") {
			t.Errorf("inventory after unload lacks %q:\n%s", line, inv)
		}
	}
	checkCartridges(t, dir, defaultBarcodes())
	mustRun(t, dir, nil, "load", "1", "2")
	if got := readSum(t, dir, "2", "1"); got != inSum() {
		t.Errorf("read 2 1 after reloading: the data differs from what was written")
	}
	r := tapectl(t, dir, nil, "read", "2", "3")
	if diff := cmp.Diff(result{code: 1, stderr: "tapectl read: there is no tape file 3: TK0001L9 holds files 1 to 2\n"}, r, cmp.AllowUnexported(result{})); diff != "" {
		t.Errorf("read past the last file (-want +got):\n%s", diff)
	}
	mustRun(t, dir, nil, "unload", "2")
	checkCartridges(t, dir, defaultBarcodes())
}
