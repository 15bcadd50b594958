//go:build amd64 && !purego

package checksum

import "golang.org/x/sys/cpu"

// useAVX2 selects the AVX2 kernel; tests switch it off to cover the
// pure-Go path on the same machine.
var useAVX2 = cpu.X86.HasAVX2

// adler32AVX2 sums p, whose length is a multiple of 32, 32 bytes at a time
// and stores three vectors of partial sums in acc: per-lane byte sums
// (4×u64), the running total of those sums taken before each vector
// (4×u64), and the byte sums weighted 32…1 by position in the vector
// (8×u32). adler32Vector turns them into Adler-32 sums.
//
//go:noescape
func adler32AVX2(p []byte, acc *[12]uint64)

// adler32Vector consumes the longest prefix of p that is a multiple of 32
// bytes with the AVX2 kernel, when the CPU has it, and returns the rest.
// p is at most adlerBlock long, which keeps the kernel's 32-bit lanes
// (at most 255·(32+31+30+29) per vector, 2²⁰/32 vectors) from overflowing.
func adler32Vector(a, b uint64, p []byte) (uint64, uint64, []byte) {
	if !useAVX2 || len(p) < 64 {
		return a, b, p
	}
	n := len(p) &^ 31
	var acc [12]uint64
	adler32AVX2(p[:n], &acc)
	sum := acc[0] + acc[1] + acc[2] + acc[3]
	// Byte j of vector k (of N) is counted in s2 n-32k-j times:
	// 32·(N-1-k) through the running totals, 32-j through the weights.
	prior := acc[4] + acc[5] + acc[6] + acc[7]
	var weighted uint64
	for _, w := range acc[8:] {
		weighted += w&0xffffffff + w>>32
	}
	b += uint64(n)*a + 32*prior + weighted
	a += sum
	return a, b, p[n:]
}
