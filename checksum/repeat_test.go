package checksum_test

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"github.com/tapekit/tapekit/checksum"
	"pgregory.net/rapid"
)

var combinable = []string{"adler32", "adler32z", "crc32", "crc32c"}

func TestRepeat(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		alg := rapid.SampledFrom(combinable).Draw(t, "alg")
		piece := data().Draw(t, "piece")
		count := rapid.IntRange(0, 300).Draw(t, "count")
		got, err := checksum.Repeat(sumOf(t, alg, piece), int64(len(piece)), int64(count))
		if err != nil {
			t.Fatal(err)
		}
		if want := sumOf(t, alg, bytes.Repeat(piece, count)); !got.Equal(want) {
			t.Fatalf("Repeat = %v, sum of %d copies = %v", got, count, want)
		}
	})
}

// TestRepeatSplits checks counts far too large to hash: a run of a+b
// copies is the run of a joined with the run of b.
func TestRepeatSplits(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		alg := rapid.SampledFrom(combinable).Draw(t, "alg")
		piece := data().Draw(t, "piece")
		n := int64(len(piece))
		a := rapid.Int64Range(0, 1<<40).Draw(t, "a")
		b := rapid.Int64Range(0, 1<<40).Draw(t, "b")
		v := sumOf(t, alg, piece)
		ra, err1 := checksum.Repeat(v, n, a)
		rb, err2 := checksum.Repeat(v, n, b)
		rab, err3 := checksum.Repeat(v, n, a+b)
		if err := errors.Join(err1, err2, err3); err != nil {
			t.Fatal(err)
		}
		joined, err := checksum.Combine(ra, rb, b*n)
		if err != nil {
			t.Fatal(err)
		}
		if !joined.Equal(rab) {
			t.Fatalf("Repeat(%d+%d) = %v, Repeat(%d) joined with Repeat(%d) = %v", a, b, rab, a, b, joined)
		}
	})
}

func TestRepeatErrors(t *testing.T) {
	if _, err := checksum.Repeat(sumOf(t, "sha256", []byte("x")), 1, 2); !errors.Is(err, checksum.ErrNotCombinable) {
		t.Errorf("Repeat(sha256) error = %v, want ErrNotCombinable", err)
	}
	ad := sumOf(t, "adler32", []byte("x"))
	for _, c := range []struct{ n, count int64 }{{-1, 1}, {1, -1}, {1 << 32, 1 << 32}, {2, math.MaxInt64}} {
		if _, err := checksum.Repeat(ad, c.n, c.count); !errors.Is(err, checksum.ErrBadValue) {
			t.Errorf("Repeat(%d bytes, %d times) error = %v, want ErrBadValue", c.n, c.count, err)
		}
	}
}
