package checksum_test

import (
	"encoding/hex"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapekit/tapekit/checksum"
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// The content of RFC 9530's examples, `{"hello": "world"}`, and its digests
// (the sha-256 and sha-512 values are the ones printed in the RFC).
const (
	helloSHA256 = `X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=`
	helloSHA512 = `WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==`
)

var hello = []byte(`{"hello": "world"}`)

func TestParseReprDigest(t *testing.T) {
	wiki := checksum.Value{Algorithm: "adler32", Bytes: mustHex("03da0195")}
	tests := []struct {
		name, in string
		want     []checksum.Value
		wantErr  bool
	}{
		{"rfc9530 sha-256", "sha-256=:" + helloSHA256 + ":", []checksum.Value{sumOf(t, "sha256", hello)}, false},
		{"rfc9530 two", "sha-256=:" + helloSHA256 + ":,\tsha-512=:" + helloSHA512 + ":",
			[]checksum.Value{sumOf(t, "sha256", hello), sumOf(t, "sha512", hello)}, false},
		{"adler and crc32c", "adler=:A9oBlQ==:, crc32c=:CnKk3w==:",
			[]checksum.Value{wiki, {Algorithm: "crc32c", Bytes: mustHex("0a72a4df")}}, false},
		{"unpadded base64 and parameters", " adler=:A9oBlQ:;x=1 ", []checksum.Value{wiki}, false},
		{"unknown algorithms skipped", "unixsum=:AAA=:, foo=?1, adler=:A9oBlQ==:", []checksum.Value{wiki}, false},
		{"later duplicate wins", "adler=:AAAAAA==:, adler=:A9oBlQ==:", []checksum.Value{wiki}, false},
		{"empty", "", nil, false},
		{"boolean member", "sha-256", nil, true},
		{"token not bytes", "md5=abc", nil, true},
		{"wrong length", "md5=:A9oBlQ==:", nil, true},
		{"unterminated", "sha-256=:X48E9q", nil, true},
		{"bad base64", "sha-256=:X48E9q$$:", nil, true},
		{"upper-case key", "SHA-256=:" + helloSHA256 + ":", nil, true},
		{"trailing comma", "adler=:A9oBlQ==:,", nil, true},
		{"no comma", "adler=:A9oBlQ==: md5=:AA==:", nil, true},
		{"RFC 3230 syntax", "adler32=03da0195", nil, true},
		{"inner list", "adler=(1 2)", nil, true},
	}
	for _, tt := range tests {
		got, err := checksum.ParseReprDigest(tt.in)
		if tt.wantErr {
			var he *checksum.HeaderError
			if !errors.As(err, &he) || !errors.Is(err, checksum.ErrMalformedHeader) || he.Field != "Repr-Digest" {
				t.Errorf("%s: ParseReprDigest(%q) = %v, %v; want a *HeaderError", tt.name, tt.in, got, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: ParseReprDigest(%q): %v", tt.name, tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestFormatReprDigest(t *testing.T) {
	got, err := checksum.FormatReprDigest(sumOf(t, "sha256", hello), sumOf(t, "adler32", []byte("Wiki")))
	if err != nil {
		t.Fatal(err)
	}
	if want := "sha-256=:" + helloSHA256 + ":, adler=:A9oBlQ==:"; got != want {
		t.Errorf("FormatReprDigest = %q, want %q", got, want)
	}
	if _, err := checksum.FormatReprDigest(sumOf(t, "xxh64", nil)); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("xxh64: %v, want ErrUnsupported", err)
	}
}

func TestWantReprDigest(t *testing.T) {
	got, err := checksum.ParseWantReprDigest("sha-256=1, adler=10, sha=3, unixsum=10, md5=0")
	if err != nil {
		t.Fatal(err)
	}
	want := []checksum.Preference{{"adler32", 10}, {"sha1", 3}, {"sha256", 1}, {"md5", 0}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseWantReprDigest (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"sha-256=11", "sha-256=-1", "sha-256=:AA==:", "sha-256=1.5", "sha-256", "unixsum=99"} {
		if _, err := checksum.ParseWantReprDigest(bad); !errors.Is(err, checksum.ErrMalformedHeader) {
			t.Errorf("ParseWantReprDigest(%q) error = %v, want ErrMalformedHeader", bad, err)
		}
	}
	s, err := checksum.FormatWantReprDigest(checksum.Preference{"sha256", 10}, checksum.Preference{"ADLER32", 3})
	if err != nil || s != "sha-256=10, adler=3" {
		t.Errorf("FormatWantReprDigest = %q, %v", s, err)
	}
	if _, err := checksum.FormatWantReprDigest(checksum.Preference{"md5", 11}); err == nil {
		t.Error("weight 11 accepted")
	}
}

func TestDigest(t *testing.T) {
	wiki := checksum.Value{Algorithm: "adler32", Bytes: mustHex("03da0195")}
	tests := []struct {
		name, in string
		want     []checksum.Value
		wantErr  bool
	}{
		// The IANA registry's own examples, both spellings.
		{"iana adler32", "ADLER32=03da0195", []checksum.Value{wiki}, false},
		{"iana adler32 short", "ADLER32=3DA0195", []checksum.Value{wiki}, false},
		{"iana crc32c", "crc32c=A72A4DF", []checksum.Value{{Algorithm: "crc32c", Bytes: mustHex("0a72a4df")}}, false},
		{"md5 and sha-256, dCache style", "adler32=03da0195, MD5=kAFQmDzST7DWlj99KOF/cg==",
			[]checksum.Value{wiki, sumOf(t, "md5", []byte("abc"))}, false},
		{"sha", "SHA=qZk+NkcGgWq6PiVxeFDCbJzQ2J0=", []checksum.Value{sumOf(t, "sha1", []byte("abc"))}, false},
		{"unknown skipped, empty elements", "UNIXsum=30637, , adler32=3da0195,", []checksum.Value{wiki}, false},
		{"empty", "", nil, false},
		{"no value", "adler32", nil, true},
		{"too many digits", "adler32=003da0195", nil, true},
		{"not hex", "adler32=zz", nil, true},
		{"md5 not base64", "md5=kAFQmDzST7DWlj99KOF/cg", nil, true},
		{"md5 wrong length", "md5=AAAA", nil, true},
		{"bad name", "ad ler32=1", nil, true},
	}
	for _, tt := range tests {
		got, err := checksum.ParseDigest(tt.in)
		if tt.wantErr {
			if !errors.Is(err, checksum.ErrMalformedHeader) {
				t.Errorf("%s: ParseDigest(%q) = %v, %v; want ErrMalformedHeader", tt.name, tt.in, got, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: ParseDigest(%q): %v", tt.name, tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
	s, err := checksum.FormatDigest(wiki, sumOf(t, "md5", []byte("abc")), sumOf(t, "crc32c", []byte("dog")))
	if want := "adler32=03da0195,md5=kAFQmDzST7DWlj99KOF/cg==,crc32c=0a72a4df"; err != nil || s != want {
		t.Errorf("FormatDigest = %q, %v; want %q", s, err, want)
	}
	if _, err := checksum.FormatDigest(sumOf(t, "adler32z", nil)); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("adler32z: %v", err)
	}
}

// The fuzz targets check that no input panics or hangs, and that whatever
// parses survives a format/parse round trip unchanged.

func FuzzParseReprDigest(f *testing.F) {
	for _, s := range []string{
		"sha-256=:" + helloSHA256 + ":", "sha-256=:" + helloSHA256 + ":, sha-512=:" + helloSHA512 + ":",
		"adler=:A9oBlQ==:;x=?1, crc32c=:CnKk3w==:", `a="x\"y", b=(1 2.5 tok);p, c=?0, d=@1700000000, e=-3.25`,
		"sha-256=:X48E9q", "", " , ", "*=1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		vals, err := checksum.ParseReprDigest(s)
		if err != nil {
			if !errors.Is(err, checksum.ErrMalformedHeader) {
				t.Fatalf("error %v is not ErrMalformedHeader", err)
			}
			return
		}
		out, err := checksum.FormatReprDigest(vals...)
		if err != nil {
			t.Fatalf("FormatReprDigest(%v): %v", vals, err)
		}
		again, err := checksum.ParseReprDigest(out)
		if err != nil {
			t.Fatalf("re-parse %q: %v", out, err)
		}
		if diff := cmp.Diff(vals, again); len(vals) > 0 && diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}

func FuzzParseWantReprDigest(f *testing.F) {
	for _, s := range []string{"sha-256=1, adler=10", "sha-256=11", "sha=3;q=1, md5=0", "x=(1)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		prefs, err := checksum.ParseWantReprDigest(s)
		if err != nil {
			if !errors.Is(err, checksum.ErrMalformedHeader) {
				t.Fatalf("error %v is not ErrMalformedHeader", err)
			}
			return
		}
		for _, p := range prefs {
			if p.Weight < 0 || p.Weight > 10 {
				t.Fatalf("weight %d out of range", p.Weight)
			}
		}
		out, err := checksum.FormatWantReprDigest(prefs...)
		if err != nil {
			t.Fatalf("FormatWantReprDigest(%v): %v", prefs, err)
		}
		if _, err := checksum.ParseWantReprDigest(out); err != nil {
			t.Fatalf("re-parse %q: %v", out, err)
		}
	})
}

func FuzzParseDigest(f *testing.F) {
	for _, s := range []string{
		"ADLER32=03da0195", "adler32=3DA0195, md5=kAFQmDzST7DWlj99KOF/cg==", "crc32c=A72A4DF",
		"SHA=qZk+NkcGgWq6PiVxeFDCbJzQ2J0=", "UNIXsum=30637", "adler32", ",,,",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		vals, err := checksum.ParseDigest(s)
		if err != nil {
			if !errors.Is(err, checksum.ErrMalformedHeader) {
				t.Fatalf("error %v is not ErrMalformedHeader", err)
			}
			return
		}
		out, err := checksum.FormatDigest(vals...)
		if err != nil {
			t.Fatalf("FormatDigest(%v): %v", vals, err)
		}
		again, err := checksum.ParseDigest(out)
		if err != nil {
			t.Fatalf("re-parse %q: %v", out, err)
		}
		if diff := cmp.Diff(vals, again); len(vals) > 0 && diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}
