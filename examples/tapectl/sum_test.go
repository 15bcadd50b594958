package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func runSumTest(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"sum"}, args...), strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestSum(t *testing.T) {
	dir := t.TempDir()
	wiki := filepath.Join(dir, "wiki")
	if err := os.WriteFile(wiki, []byte("Wikipedia"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Larger than the read block, so several blocks and a short last one.
	big := filepath.Join(dir, "big")
	p := bytes.Repeat([]byte("0123456789abcdef"), 3<<16+1)
	if err := os.WriteFile(big, p, 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		stdin string
		args  []string
		code  int
		out   string
		err   string // substring of stderr
	}{
		{"default adler32 like xrdadler32", "", []string{wiki},
			0, "11e60398 " + wiki + "\n", ""},
		{"md5 like md5sum", "", []string{"-a", "md5", wiki, empty},
			0, "9c677286866aad38f8e9b660f5411814  " + wiki + "\nd41d8cd98f00b204e9800998ecf8427e  " + empty + "\n", ""},
		{"several algorithms", "", []string{"-a", "md5,adler32,crc32c,xxh64", wiki},
			0, "md5 9c677286866aad38f8e9b660f5411814  " + wiki + "\n" +
				"adler32 11e60398  " + wiki + "\n" +
				"crc32c 2d0e3663  " + wiki + "\n" +
				"xxh64 8c1d59a179b5665c  " + wiki + "\n", ""},
		// Values from md5sum, rhash --crc32c and python3 zlib.adler32(p, 0).
		{"multi-block file", "", []string{"-a", "md5,crc32c,adler32z", big},
			0, "md5 cdf1688e3211a6f7c3a1d82dfd7a375b  " + big + "\n" +
				"crc32c 280fe33d  " + big + "\n" +
				"adler32z 36a9c99c  " + big + "\n", ""},
		{"standard input", "Wikipedia", nil, 0, "11e60398 -\n", ""},
		{"dash", "Wiki", []string{"-a", "crc32c", "-", wiki}, 0, "988fcc28  -\n2d0e3663  " + wiki + "\n", ""},
		{"unknown algorithm", "", []string{"-a", "md5,sha3", wiki}, 2, "", `unknown algorithm "sha3"`},
		{"bad flag", "", []string{"-x", wiki}, 2, "", "flag provided but not defined"},
		{"missing file is skipped", "", []string{"-a", "md5", filepath.Join(dir, "nope"), wiki},
			1, "9c677286866aad38f8e9b660f5411814  " + wiki + "\n", "1 of 2 files could not be read"},
		{"directory", "", []string{dir}, 1, "", "is a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runSumTest(t, tt.stdin, tt.args...)
			if code != tt.code {
				t.Errorf("exit status %d, want %d (stderr %q)", code, tt.code, errs)
			}
			if diff := cmp.Diff(tt.out, out); diff != "" {
				t.Errorf("stdout (-want +got):\n%s", diff)
			}
			if !strings.Contains(errs, tt.err) {
				t.Errorf("stderr %q does not contain %q", errs, tt.err)
			}
		})
	}
}

func TestSumCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"sum", "-"}, strings.NewReader("data"), &out, &errb); code != 1 {
		t.Errorf("cancelled: exit %d, stderr %q", code, errb.String())
	}
	if out.Len() != 0 {
		t.Errorf("cancelled run printed %q", out.String())
	}
}
