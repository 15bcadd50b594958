package checksum_test

import (
	"errors"
	"testing"

	"github.com/tapekit/tapekit/checksum"
	"pgregory.net/rapid"
)

func sumOf(t interface{ Fatal(...any) }, alg string, p []byte) checksum.Value {
	h, err := checksum.New(alg)
	if err != nil {
		t.Fatal(err)
	}
	h.Write(p)
	return checksum.Value{Algorithm: alg, Bytes: h.Sum(nil)}
}

func TestCombine(t *testing.T) { bothPaths(t, testCombine) }

func testCombine(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		alg := rapid.SampledFrom([]string{"adler32", "adler32z", "crc32", "crc32c"}).Draw(t, "alg")
		a := data().Draw(t, "a")
		b := data().Draw(t, "b")
		got, err := checksum.Combine(sumOf(t, alg, a), sumOf(t, alg, b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		want := sumOf(t, alg, append(append([]byte(nil), a...), b...))
		if !got.Equal(want) {
			t.Fatalf("Combine = %v, sum of a‖b = %v (len a %d, len b %d)", got, want, len(a), len(b))
		}
	})
}

// TestCombineLongSecondChunk checks lengths past the Adler-32 modulus and
// past 2³² bits, where a wrong reduction would show.
func TestCombineLongSecondChunk(t *testing.T) {
	b := make([]byte, 600_000)
	for i := range b {
		b[i] = byte(i * 31)
	}
	a := []byte("tape header")
	for _, alg := range []string{"adler32", "adler32z", "crc32", "crc32c"} {
		got, err := checksum.Combine(sumOf(t, alg, a), sumOf(t, alg, b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		if want := sumOf(t, alg, append(append([]byte(nil), a...), b...)); !got.Equal(want) {
			t.Errorf("%s: Combine = %v, want %v", alg, got, want)
		}
	}
}

func TestCombineErrors(t *testing.T) {
	md5a, md5b := sumOf(t, "md5", []byte("a")), sumOf(t, "md5", []byte("b"))
	if _, err := checksum.Combine(md5a, md5b, 1); !errors.Is(err, checksum.ErrNotCombinable) || !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Combine(md5) error = %v, want ErrNotCombinable wrapping ErrUnsupported", err)
	}
	x := sumOf(t, "xxh64", nil)
	if _, err := checksum.Combine(x, x, 0); !errors.Is(err, checksum.ErrNotCombinable) {
		t.Errorf("Combine(xxh64) error = %v", err)
	}
	ad, cr := sumOf(t, "adler32", nil), sumOf(t, "crc32c", nil)
	if _, err := checksum.Combine(ad, cr, 0); !errors.Is(err, checksum.ErrBadValue) {
		t.Errorf("Combine(adler32, crc32c) error = %v, want ErrBadValue", err)
	}
	if _, err := checksum.Combine(ad, ad, -1); !errors.Is(err, checksum.ErrBadValue) {
		t.Errorf("negative length: %v", err)
	}
	short := checksum.Value{Algorithm: "adler32", Bytes: []byte{1, 2}}
	if _, err := checksum.Combine(short, ad, 0); !errors.Is(err, checksum.ErrBadValue) {
		t.Errorf("2-byte adler32: %v", err)
	}
}
