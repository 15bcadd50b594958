package checksum_test

import (
	"crypto/md5"
	"hash"
	"hash/adler32"
	"testing"
	"time"

	"github.com/tapekit/tapekit/checksum"
)

// benchBuf is the size of one write: a large tape block.
const benchBuf = 1 << 20

func benchData() []byte {
	p := make([]byte, benchBuf)
	for i := range p {
		p[i] = byte(i*131 + i>>11)
	}
	return p
}

// timeWrites returns how long n writes of p into w take.
func timeWrites(w interface{ Write([]byte) (int, error) }, p []byte, n int) time.Duration {
	start := time.Now()
	for range n {
		w.Write(p)
	}
	return time.Since(start)
}

// BenchmarkAdler32 compares tapekit's Adler-32 with hash/adler32. The
// tapekit case also times hash/adler32 for as many writes, outside the
// benchmark timer, and reports the speed ratio as x-vs-stdlib (target ≥ 2).
func BenchmarkAdler32(b *testing.B) {
	p := benchData()
	b.Run("tapekit", func(b *testing.B) {
		h := checksum.NewAdler32()
		b.SetBytes(benchBuf)
		b.ReportAllocs()
		for b.Loop() {
			h.Write(p)
		}
		ours := b.Elapsed()
		base := timeWrites(adler32.New(), p, b.N)
		b.ReportMetric(float64(base)/float64(ours), "x-vs-stdlib")
	})
	// The pure-Go path, for the record on AVX2 machines.
	b.Run("tapekit-generic", func(b *testing.B) {
		defer func(orig bool) { *checksum.UseAVX2 = orig }(*checksum.UseAVX2)
		*checksum.UseAVX2 = false
		h := checksum.NewAdler32()
		b.SetBytes(benchBuf)
		b.ReportAllocs()
		for b.Loop() {
			h.Write(p)
		}
		ours := b.Elapsed()
		base := timeWrites(adler32.New(), p, b.N)
		b.ReportMetric(float64(base)/float64(ours), "x-vs-stdlib")
	})
	b.Run("stdlib", func(b *testing.B) {
		h := adler32.New()
		b.SetBytes(benchBuf)
		b.ReportAllocs()
		for b.Loop() {
			h.Write(p)
		}
	})
}

// BenchmarkSet compares a four-algorithm Set with md5 alone, the slowest of
// the four. The set case also times a bare crypto/md5 for as many writes and
// reports the set's speed relative to it as x-vs-md5 (target ≥ 0.8).
func BenchmarkSet(b *testing.B) {
	p := benchData()
	for _, tc := range []struct {
		name string
		algs []string
	}{
		{"adler32+crc32c+xxh64+md5", []string{"adler32", "crc32c", "xxh64", "md5"}},
		{"md5", []string{"md5"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s, err := checksum.NewSet(tc.algs, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			s.Write(p) // start the workers before timing
			b.SetBytes(benchBuf)
			b.ReportAllocs()
			for b.Loop() {
				s.Write(p)
			}
			ours := b.Elapsed()
			var h hash.Hash = md5.New()
			base := timeWrites(h, p, b.N)
			b.ReportMetric(float64(base)/float64(ours), "x-vs-md5")
		})
	}
}
