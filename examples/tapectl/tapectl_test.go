package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// result is what one tapectl invocation left.
type result struct {
	code           int
	stdout, stderr string
}

// tapectl runs one invocation on the library in dir ("" for none), as a
// separate process would: nothing is shared between calls but the
// directory.
func tapectl(t *testing.T, dir string, stdin io.Reader, args ...string) result {
	t.Helper()
	var out bytes.Buffer
	code, stderr := tapectlTo(t, dir, stdin, &out, args...)
	return result{code: code, stdout: out.String(), stderr: stderr}
}

// tapectlTo is tapectl with standard output going to w, for outputs too
// big to keep.
func tapectlTo(t *testing.T, dir string, stdin io.Reader, w io.Writer, args ...string) (int, string) {
	t.Helper()
	if dir != "" {
		args = append([]string{"-sim", dir}, args...)
	}
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	var errb bytes.Buffer
	code := run(context.Background(), args, stdin, w, &errb)
	return code, errb.String()
}

// mustRun runs a command that must succeed.
func mustRun(t *testing.T, dir string, stdin io.Reader, args ...string) string {
	t.Helper()
	r := tapectl(t, dir, stdin, args...)
	if r.code != 0 {
		t.Fatalf("tapectl %s: exit %d, stderr:\n%s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

// invElement is one entry of `inventory -json`, decoded independently of the
// command's own type so the test checks the documented names.
type invElement struct {
	Type       string `json:"type"`
	Address    int    `json:"address"`
	Number     int    `json:"number"`
	Full       bool   `json:"full"`
	Barcode    string `json:"barcode"`
	AltBarcode string `json:"alt_barcode"`
	Source     *int   `json:"source"`
	SourceType string `json:"source_type"`
	Serial     string `json:"serial"`
	Accessible bool   `json:"accessible"`
	Exception  string `json:"exception"`
}

func inventory(t *testing.T, dir string) []invElement {
	t.Helper()
	out := mustRun(t, dir, nil, "inventory", "-json")
	var els []invElement
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&els); err != nil {
		t.Fatalf("inventory -json: %v\n%s", err, out)
	}
	return els
}

// defaultBarcodes are the cartridges of simulator.DefaultConfig.
func defaultBarcodes() []string {
	var bs []string
	for i := 1; i <= 16; i++ {
		bs = append(bs, fmt.Sprintf("TK%04dL9", i))
	}
	return append(bs, "CLN001L1")
}

// checkCartridges fails unless every cartridge in want is in the library
// exactly once and there are no others: the invariant no failure may break.
func checkCartridges(t *testing.T, dir string, want []string) {
	t.Helper()
	var got []string
	for _, el := range inventory(t, dir) {
		if el.Full {
			got = append(got, el.Barcode)
		}
	}
	slices.Sort(got)
	want = slices.Sorted(slices.Values(want))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("cartridges in the library (-want +got):\n%s", diff)
	}
}
