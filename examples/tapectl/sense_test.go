package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func runTapectl(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestSenseAcceptance(t *testing.T) {
	code, out, errs := runTapectl(t, "", "sense", "70", "00", "03", "00", "00", "00", "00", "0a", "00", "00", "00", "00", "11", "00", "00", "00", "00", "00")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	want := `MEDIUM ERROR: Unrecovered read error (11/00)
  format:            fixed, current (response code 70h)
  sense key:         MEDIUM ERROR (3h)
  additional sense:  Unrecovered read error (ASC 11h, ASCQ 00h)
`
	if out != want {
		t.Errorf("output:\n%s\nwant:\n%s", out, want)
	}
}

func TestSenseInputForms(t *testing.T) {
	const first = "MEDIUM ERROR: Unrecovered read error (11/00)\n"
	for name, args := range map[string][]string{
		"one run":       {"sense", "700003000000000a0000000011000000000000"},
		"0x prefixes":   {"sense", "0x70", "0x00", "0x03", "0", "0", "0", "0", "0x0a", "0", "0", "0", "0", "0x11", "0"},
		"commas":        {"sense", "70,00,03,00,00,00,00,0a,00,00,00,00,11,00"},
		"single digits": {"sense", "70", "0", "3", "0", "0", "0", "0", "a", "0", "0", "0", "0", "11", "0"},
	} {
		code, out, errs := runTapectl(t, "", args...)
		if code != 0 || !strings.HasPrefix(out, first) {
			t.Errorf("%s: exit %d, out %q, err %q", name, code, out, errs)
		}
	}
	// Standard input, as `sg_raw ... | tapectl sense` would feed it.
	code, out, _ := runTapectl(t, "70 00 03 00 00 00 00 0a\n00 00 00 00 11 00 00 00 00 00\n", "sense")
	if code != 0 || !strings.HasPrefix(out, first) {
		t.Errorf("stdin: exit %d, out %q", code, out)
	}
}

func TestSenseDetails(t *testing.T) {
	// ILI with a negative residue: a block longer than the buffer.
	code, out, _ := runTapectl(t, "", "sense", "f0 00 20 ff ff fe 00 0a 00 00 00 00 00 00 00 00 00 00")
	if code != 0 || !strings.Contains(out, "stream flags:      ILI") || !strings.Contains(out, "(residue -512)") {
		t.Errorf("ILI: exit %d, out:\n%s", code, out)
	}
	// Descriptor format with a field pointer.
	code, out, _ = runTapectl(t, "", "sense", "72 05 24 00 00 00 00 08 02 06 00 00 c8 00 01 00")
	if code != 0 || !strings.Contains(out, "ILLEGAL REQUEST: Invalid field in CDB (24/00)") || !strings.Contains(out, "field pointer:     CDB byte 1 bit 0") {
		t.Errorf("descriptor: exit %d, out:\n%s", code, out)
	}
	code, out, _ = runTapectl(t, "", "sense", "-json", "70 00 02 00 00 00 00 0a 00 00 00 00 3a 00 00 00 00 00")
	if code != 0 || !strings.Contains(out, `"key": "NOT READY"`) || !strings.Contains(out, `"text": "Medium not present"`) {
		t.Errorf("json: exit %d, out:\n%s", code, out)
	}
}

func TestSenseGarbage(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no bytes", []string{"sense"}, 2, "no sense bytes given"},
		{"not hex", []string{"sense", "zz"}, 2, `"zz" is not hexadecimal`},
		{"odd run", []string{"sense", "700"}, 2, "odd number of hex digits"},
		{"bad response code", []string{"sense", "12 34 56 78 9a bc de f0"}, 1, "response code"},
		{"too short", []string{"sense", "70 00 03"}, 1, "truncated"},
		{"bad flag", []string{"sense", "-x"}, 2, "flag provided but not defined"},
	}
	for _, tt := range tests {
		code, _, errs := runTapectl(t, "", tt.args...)
		if code != tt.code || !strings.Contains(errs, tt.stderr) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d and %q", tt.name, code, errs, tt.code, tt.stderr)
		}
	}
}

func FuzzSenseStdin(f *testing.F) {
	f.Add("70 00 03 00 00 00 00 0a 00 00 00 00 11 00 00 00 00 00")
	f.Add("72 05 24 00 00 00 00 08 02 06 00 00 c8 00 01 00")
	f.Add("0x7")
	f.Fuzz(func(t *testing.T, in string) {
		var out, errb bytes.Buffer
		if code := run(context.Background(), []string{"sense"}, strings.NewReader(in), &out, &errb); code != 0 && errb.Len() == 0 {
			t.Fatalf("exit %d without a message", code)
		}
	})
}
