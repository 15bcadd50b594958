package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/simulator/workload"
	"github.com/tapekit/tapekit/tape/format"
)

// TestScanLaidOut: `tapectl scan` reads a cartridge laid out by
// simulator/workload byte by byte and reports every file ok.
func TestScanLaidOut(t *testing.T) {
	dir := t.TempDir()
	var files []workload.File
	for i, size := range []int64{0, 700, 9000, 70000} {
		files = append(files, workload.File{Meta: format.Meta{FileID: fmt.Sprint(i + 1), Path: fmt.Sprintf("/w/f%d", i), Size: size}, Seed: uint64(i)})
	}
	prepare(t, dir, nil, func(l *simulator.Library) error {
		_, err := workload.Fill(l, "TK0001L9", files, &workload.Options{BlockSize: 8192, Checksums: []string{"adler32", "crc32c"}})
		return err
	})
	mustRun(t, dir, nil, "load", "1", "0")
	out := mustRun(t, dir, nil, "scan", "0")
	t.Logf("scan:\n%s", out)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(files) {
		t.Fatalf("scan found %d files, want %d:\n%s", len(lines), len(files), out)
	}
	for i, line := range lines {
		if !strings.HasPrefix(line, fmt.Sprintf("fseq %d ", i+1)) || !strings.Contains(line, " ok ") || !strings.Contains(line, files[i].Path) {
			t.Errorf("scan line %d: %s", i+1, line)
		}
	}
}
