package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestArchiveRestore is the operator's walkthrough: label a cartridge,
// archive files, list them with scan, restore one, and read the raw tape
// files with GNU tar.
func TestArchiveRestore(t *testing.T) {
	dir := t.TempDir()
	src := t.TempDir()
	files := map[string][]byte{
		"empty":           nil,
		"hello.txt":       []byte("hello, tape\n"),
		"große Datei.bin": bytes.Repeat([]byte("0123456789abcdef"), 40_000),
	}
	names := []string{"empty", "hello.txt", "große Datei.bin"}
	var paths []string
	for _, n := range names {
		p := filepath.Join(src, n)
		if err := os.WriteFile(p, files[n], 0o640); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}

	mustRun(t, dir, nil, "load", "1", "0")
	if r := tapectl(t, dir, nil, "archive", "0", paths[0]); r.code != 1 || !strings.Contains(r.stderr, "no volume label") {
		t.Errorf("archive to an unlabelled tape: exit %d, %s", r.code, r.stderr)
	}
	if r := tapectl(t, dir, nil, "label", "0", "TK0002L9"); r.code != 1 || !strings.Contains(r.stderr, "library says drive 0 holds TK0001L9") {
		t.Errorf("label with the wrong barcode: exit %d, %s", r.code, r.stderr)
	}
	out := mustRun(t, dir, nil, "label", "0", "TK0001L9")
	if !regexp.MustCompile(`^labelled TK0001L9 in drive 0: tapekit-pax version 1, id [0-9a-f]{32}\n$`).MatchString(out) {
		t.Errorf("label: %q", out)
	}

	out = mustRun(t, dir, nil, append([]string{"archive", "-b", "64K", "0"}, paths...)...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("archive printed:\n%s", out)
	}
	for i, l := range lines {
		want := fmt.Sprintf(`^fseq %d block \d+ size %d adler32 [0-9a-f]{8} %s$`, i+1, len(files[names[i]]), regexp.QuoteMeta(paths[i]))
		if !regexp.MustCompile(want).MatchString(l) {
			t.Errorf("archive line %d: %q, want %s", i+1, l, want)
		}
	}
	if r := tapectl(t, dir, nil, "label", "0", "TK0001L9"); r.code != 1 || !strings.Contains(r.stderr, "holds data") {
		t.Errorf("relabel of a tape with data: exit %d, %s", r.code, r.stderr)
	}

	// scan -json gives the catalog records.
	var recs []struct {
		FSeq      int64             `json:"fseq"`
		Block     int64             `json:"block"`
		Path      string            `json:"path"`
		Size      int64             `json:"size"`
		Status    string            `json:"status"`
		Volume    string            `json:"volume"`
		Format    string            `json:"format"`
		Checksums map[string]string `json:"checksums"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, dir, nil, "scan", "-json", "0")), &recs); err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 {
		t.Fatalf("scan found %d files", len(recs))
	}
	for i, r := range recs {
		if r.FSeq != int64(i+1) || r.Path != paths[i] || r.Status != "ok" || r.Volume != "TK0001L9" || r.Format != "tapekit-pax" || len(r.Checksums["adler32"]) != 8 {
			t.Errorf("scan record %d: %+v", i+1, r)
		}
		if !strings.Contains(lines[i], fmt.Sprintf("block %d ", r.Block)) || !strings.Contains(lines[i], r.Checksums["adler32"]) {
			t.Errorf("scan record %d (%+v) disagrees with archive's line %q", i+1, r, lines[i])
		}
	}
	if out := mustRun(t, dir, nil, "scan", "0", "-from", "3"); !strings.HasPrefix(out, "fseq 3 block ") || strings.Count(out, "\n") != 1 {
		t.Errorf("scan -from 3: %q", out)
	}

	// restore: to the base name in the current directory by default,
	// refusing to overwrite.
	dest := t.TempDir()
	t.Chdir(dest)
	out = mustRun(t, dir, nil, "restore", "0", "3")
	if !strings.HasPrefix(out, "restored file 3 of TK0001L9 to große Datei.bin: 640000 bytes, adler32 ") {
		t.Errorf("restore: %q", out)
	}
	if got, _ := os.ReadFile(filepath.Join(dest, "große Datei.bin")); !bytes.Equal(got, files["große Datei.bin"]) {
		t.Error("restored file differs")
	}
	if r := tapectl(t, dir, nil, "restore", "0", "3"); r.code != 1 || !strings.Contains(r.stderr, "exists") {
		t.Errorf("restore over an existing file: exit %d, %s", r.code, r.stderr)
	}
	mustRun(t, dir, nil, "restore", "-force", "0", "2", "große Datei.bin")
	if got, _ := os.ReadFile(filepath.Join(dest, "große Datei.bin")); string(got) != "hello, tape\n" {
		t.Errorf("restore -force: %q", got)
	}
	sub := filepath.Join(dest, "sub")
	os.Mkdir(sub, 0o755)
	mustRun(t, dir, nil, "restore", "0", "2", sub)
	if got, _ := os.ReadFile(filepath.Join(sub, "hello.txt")); string(got) != "hello, tape\n" {
		t.Errorf("restore into a directory: %q", got)
	}
	if r := tapectl(t, dir, nil, "restore", "0", "9"); r.code != 1 || !strings.Contains(r.stderr, "no file 9") {
		t.Errorf("restore of a missing file: exit %d, %s", r.code, r.stderr)
	}
	if r := tapectl(t, dir, nil, "restore", "0", "0"); r.code != 2 {
		t.Errorf("restore 0: exit %d, %s", r.code, r.stderr)
	}

	// dump gives what dd would: a tar archive GNU tar extracts.
	tarPath, err := exec.LookPath("tar")
	if err != nil {
		if os.Getenv("TAPEKIT_REQUIRE_TAR") == "1" {
			t.Fatal(err)
		}
		t.Skipf("no tar to check dump with: %v", err)
	}
	x := t.TempDir()
	for i, p := range paths {
		raw := mustRun(t, dir, nil, "dump", "0", fmt.Sprint(i+1))
		cmd := exec.Command(tarPath, "-x", "--warning=no-unknown-keyword", "-f", "-")
		cmd.Dir, cmd.Stdin = x, strings.NewReader(raw)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("tar -x of dump %d: %v\n%s", i+1, err, b)
		}
		got, err := os.ReadFile(filepath.Join(x, strings.TrimPrefix(p, "/")))
		if err != nil || !bytes.Equal(got, files[names[i]]) {
			t.Errorf("tar extracted %s: %v", p, err)
		}
	}
	label := mustRun(t, dir, nil, "dump", "0", "0")
	cmd := exec.Command(tarPath, "-x", "-O", "-f", "-")
	cmd.Stdin = strings.NewReader(label)
	if b, err := cmd.Output(); err != nil || !strings.Contains(string(b), `"barcode": "TK0001L9"`) {
		t.Errorf("the label through tar: %v\n%s", err, b)
	}
	if diff := cmp.Diff(0, tapectl(t, dir, nil, "dump", "0", "4").code); diff == "" {
		t.Error("dump of a missing file succeeded")
	}
}
