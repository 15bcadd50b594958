package checksum_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapekit/tapekit/checksum"
)

// Published test vectors: FIPS 180 and RFC 1321 examples for the
// cryptographic hashes, the CRC catalogue's "123456789" check values, the
// IANA registry's Adler-32 and CRC32c examples ("Wiki", "dog"), xxHash's
// reference outputs (as printed by xxhsum -H64), and zlib.adler32(b"Wiki", 0)
// for the zero-seeded Adler-32.
var vectors = []struct {
	alg, in, hex string
}{
	{"adler32", "", "00000001"},
	{"adler32", "Wiki", "03da0195"},
	{"adler32", "Wikipedia", "11e60398"},
	{"adler32z", "", "00000000"},
	{"adler32z", "Wiki", "03d60194"},
	{"crc32", "123456789", "cbf43926"},
	{"crc32", "", "00000000"},
	{"crc32c", "123456789", "e3069283"},
	{"crc32c", "dog", "0a72a4df"},
	{"xxh64", "", "ef46db3751d8e999"},
	{"xxh64", "abc", "44bc2cf5ad770999"},
	{"md5", "", "d41d8cd98f00b204e9800998ecf8427e"},
	{"md5", "abc", "900150983cd24fb0d6963f7d28e17f72"},
	{"sha1", "abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
	{"sha256", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	{"sha512", "abc", "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
}

func TestVectors(t *testing.T) {
	for _, v := range vectors {
		h, err := checksum.New(v.alg)
		if err != nil {
			t.Fatal(err)
		}
		h.Write([]byte(v.in))
		got := checksum.Value{Algorithm: v.alg, Bytes: h.Sum(nil)}.Hex()
		if got != v.hex {
			t.Errorf("%s(%q) = %s, want %s", v.alg, v.in, got, v.hex)
		}
		// The same through a Set, forced onto workers.
		s, err := checksum.NewSet([]string{v.alg, "md5"}, &checksum.SetOptions{Workers: 2, MinParallel: 1})
		if err != nil {
			t.Fatal(err)
		}
		s.Write([]byte(v.in))
		if got := s.Sum()[0].Hex(); got != v.hex {
			t.Errorf("Set %s(%q) = %s, want %s", v.alg, v.in, got, v.hex)
		}
		s.Close()
	}
}

func TestEveryAlgorithmHasVectors(t *testing.T) {
	seen := map[string]bool{}
	for _, v := range vectors {
		seen[v.alg] = true
	}
	for _, a := range checksum.Algorithms() {
		if !seen[a] {
			t.Errorf("no test vector for %s", a)
		}
	}
}

func TestRegistry(t *testing.T) {
	want := []string{"adler32", "adler32z", "crc32", "crc32c", "md5", "sha1", "sha256", "sha512", "xxh64"}
	if diff := cmp.Diff(want, checksum.Algorithms()); diff != "" {
		t.Errorf("Algorithms() (-want +got):\n%s", diff)
	}
	for _, a := range want {
		h, err := checksum.New(strings.ToUpper(a))
		if err != nil {
			t.Fatalf("New(%q): %v", strings.ToUpper(a), err)
		}
		n, err := checksum.Size(a)
		if err != nil || n != h.Size() {
			t.Errorf("Size(%s) = %d, %v; hash says %d", a, n, err, h.Size())
		}
	}
	_, err := checksum.New("sha3")
	var ue *checksum.UnknownAlgorithmError
	if !errors.As(err, &ue) || ue.Name != "sha3" || !errors.Is(err, checksum.ErrUnknownAlgorithm) {
		t.Errorf("New(sha3) error = %v, want *UnknownAlgorithmError", err)
	}
	if _, err := checksum.NewSet([]string{"md5", "nope"}, nil); !errors.Is(err, checksum.ErrUnknownAlgorithm) {
		t.Errorf("NewSet with unknown algorithm: %v", err)
	}
	if _, err := checksum.NewSet(nil, nil); err == nil {
		t.Error("NewSet(nil) succeeded")
	}
}

func TestParseHex(t *testing.T) {
	tests := []struct {
		alg, in string
		want    string // hex, or "" for an error
	}{
		{"adler32", "03da0195", "03da0195"},
		{"ADLER32", "3DA0195", "03da0195"}, // IANA's example: leading zero dropped
		{"crc32c", "A72A4DF", "0a72a4df"},
		{"md5", "900150983CD24FB0D6963F7D28E17F72", "900150983cd24fb0d6963f7d28e17f72"},
		{"md5", "900150983cd24fb0", ""},
		{"adler32", "", ""},
		{"adler32", "03da01951", ""},
		{"adler32", "0xda0195", ""},
		{"whirlpool", "00", ""},
	}
	for _, tt := range tests {
		v, err := checksum.ParseHex(tt.alg, tt.in)
		if tt.want == "" {
			if err == nil {
				t.Errorf("ParseHex(%s, %q) = %v, want an error", tt.alg, tt.in, v)
			}
			continue
		}
		if err != nil || v.Hex() != tt.want {
			t.Errorf("ParseHex(%s, %q) = %v, %v; want %s", tt.alg, tt.in, v, err, tt.want)
		}
	}
}
