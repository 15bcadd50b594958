package checksum_test

import (
	"hash/adler32"
	"testing"

	"github.com/tapekit/tapekit/checksum"
	"pgregory.net/rapid"
)

// refAdler is the definition of RFC 1950, byte by byte, with any seed for s1.
func refAdler(s1 uint32, p []byte) uint32 {
	var s2 uint32
	for _, c := range p {
		s1 = (s1 + uint32(c)) % 65521
		s2 = (s2 + s1) % 65521
	}
	return s2<<16 | s1
}

// data draws byte slices that include the worst case for the lane sums
// (runs of 0xff) as well as random bytes, at lengths around the 128-byte
// stripe.
func data() *rapid.Generator[[]byte] {
	return rapid.OneOf(
		rapid.SliceOfN(rapid.Byte(), 0, 2000),
		rapid.Custom(func(t *rapid.T) []byte {
			p := make([]byte, rapid.IntRange(0, 1100).Draw(t, "n"))
			fill := rapid.SampledFrom([]byte{0, 1, 0x80, 0xff}).Draw(t, "fill")
			for i := range p {
				p[i] = fill
			}
			return p
		}),
	)
}

// bothPaths runs test once with the CPU's fastest Adler-32 kernel and once
// with the pure-Go code, so a machine with AVX2 checks both.
func bothPaths(t *testing.T, test func(t *testing.T)) {
	orig := *checksum.UseAVX2
	defer func() { *checksum.UseAVX2 = orig }()
	t.Run("avx2", func(t *testing.T) {
		if !orig {
			t.Skip("CPU without AVX2 (or purego build): only the pure-Go path runs")
		}
		*checksum.UseAVX2 = true
		test(t)
	})
	t.Run("generic", func(t *testing.T) {
		*checksum.UseAVX2 = false
		test(t)
	})
}

func TestAdler32MatchesStdlib(t *testing.T) { bothPaths(t, testAdler32MatchesStdlib) }

func testAdler32MatchesStdlib(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := data().Draw(t, "p")
		splits := rapid.SliceOfN(rapid.IntRange(0, len(p)), 0, 5).Draw(t, "splits")
		a := checksum.NewAdler32()
		z := checksum.NewAdler32Zero()
		rest := p
		for _, n := range splits {
			n = min(n, len(rest))
			a.Write(rest[:n])
			z.Write(rest[:n])
			rest = rest[n:]
		}
		a.Write(rest)
		z.Write(rest)
		if got, want := a.Sum32(), adler32.Checksum(p); got != want {
			t.Fatalf("adler32 = %08x, hash/adler32 = %08x (len %d, splits %v)", got, want, len(p), splits)
		}
		if got, want := z.Sum32(), refAdler(0, p); got != want {
			t.Fatalf("adler32z = %08x, reference = %08x", got, want)
		}
		n := int64(len(p))
		if got := checksum.Adler32ZeroToStandard(z.Sum32(), n); got != a.Sum32() {
			t.Fatalf("ZeroToStandard(%08x, %d) = %08x, want %08x", z.Sum32(), n, got, a.Sum32())
		}
		if got := checksum.Adler32StandardToZero(a.Sum32(), n); got != z.Sum32() {
			t.Fatalf("StandardToZero(%08x, %d) = %08x, want %08x", a.Sum32(), n, got, z.Sum32())
		}
	})
}

// TestAdler32Large covers the 1 MiB reduction block and lengths beyond the
// modulus, with the all-0xff input that maximises every intermediate sum.
func TestAdler32Large(t *testing.T) { bothPaths(t, testAdler32Large) }

func testAdler32Large(t *testing.T) {
	for _, n := range []int{65521, 1<<20 - 1, 1 << 20, 1<<20 + 129, 3<<20 + 77} {
		p := make([]byte, n)
		for i := range p {
			p[i] = 0xff
		}
		a := checksum.NewAdler32()
		a.Write(p)
		if got, want := a.Sum32(), adler32.Checksum(p); got != want {
			t.Errorf("len %d all 0xff: %08x, want %08x", n, got, want)
		}
		for i := range p {
			p[i] = byte(i*7 + i>>9)
		}
		a.Reset()
		a.Write(p)
		if got, want := a.Sum32(), adler32.Checksum(p); got != want {
			t.Errorf("len %d pattern: %08x, want %08x", n, got, want)
		}
		z := checksum.NewAdler32Zero()
		z.Write(p)
		if got := checksum.Adler32ZeroToStandard(z.Sum32(), int64(n)); got != a.Sum32() {
			t.Errorf("len %d: zero-seed conversion %08x, want %08x", n, got, a.Sum32())
		}
	}
}

func TestAdler32ConversionIsExactForAnyLength(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s1 := rapid.Uint32Range(0, 65520).Draw(t, "s1")
		s2 := rapid.Uint32Range(0, 65520).Draw(t, "s2")
		n := rapid.Int64Range(0, 1<<50).Draw(t, "len")
		sum := s2<<16 | s1
		if got := checksum.Adler32StandardToZero(checksum.Adler32ZeroToStandard(sum, n), n); got != sum {
			t.Fatalf("round trip of %08x at length %d gives %08x", sum, n, got)
		}
	})
}
