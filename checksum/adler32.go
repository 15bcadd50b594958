package checksum

import (
	"encoding/binary"
	"hash"
)

// adlerMod is the largest prime below 2¹⁶, the modulus of Adler-32 (RFC 1950).
const adlerMod = 65521

// adlerBlock is how many bytes the fast path sums before reducing modulo
// adlerMod. With uint64 accumulators the sums stay exact far beyond zlib's
// NMAX of 5552; 1 MiB keeps s2 below 2⁴⁸ and the (slow) divisions rare.
const adlerBlock = 1 << 20

// adlerStripe is the unit of the SWAR inner loop: 16 words of 8 bytes. The
// 16-bit lanes of the weighted accumulator peak at 255·(1+2+…+16) = 34680,
// so a stripe is the most that can be summed before widening.
const adlerStripe = 128

// Adler is an Adler-32 (RFC 1950) hash.Hash32. The zero value is not
// ready for use: call NewAdler32 or NewAdler32Zero.
//
// It gives the same results as hash/adler32, several times faster on large
// buffers: an AVX2 kernel on amd64 (adler32_amd64.s), and otherwise per-byte
// lane sums kept in the 16-bit lanes of 64-bit words (SIMD within a
// register), folded into the scalar sums every 128 bytes, instead of a
// byte-serial chain of additions.
type Adler struct {
	s1, s2 uint32
	seed   uint32
}

var _ hash.Hash32 = (*Adler)(nil)

// NewAdler32 returns the standard Adler-32 (seed 1), as used by zlib,
// dCache, CTA, EOS and XRootD.
func NewAdler32() *Adler { return &Adler{s1: 1, seed: 1} }

// NewAdler32Zero returns Adler-32 with a zero seed, as Enstore computes it:
// both running sums start at 0 instead of s1 = 1. Convert between the two
// with Adler32ZeroToStandard and Adler32StandardToZero.
func NewAdler32Zero() *Adler { return &Adler{} }

// Write adds p to the running checksum. It never fails.
func (a *Adler) Write(p []byte) (int, error) {
	a.s1, a.s2 = adler32Update(a.s1, a.s2, p)
	return len(p), nil
}

// Sum32 returns the checksum of the bytes written so far.
func (a *Adler) Sum32() uint32 { return a.s2<<16 | a.s1 }

// Sum appends the checksum in big-endian order to b.
func (a *Adler) Sum(b []byte) []byte { return binary.BigEndian.AppendUint32(b, a.Sum32()) }

// Reset forgets the bytes written, keeping the seed.
func (a *Adler) Reset() { a.s1, a.s2 = a.seed, 0 }

// Size is 4 bytes.
func (a *Adler) Size() int { return 4 }

// BlockSize is 4; Adler-32 has no block structure, any write size is fine.
func (a *Adler) BlockSize() int { return 4 }

// adler32Update adds p to the sums (s1, s2), each already reduced modulo
// adlerMod.
func adler32Update(s1, s2 uint32, p []byte) (uint32, uint32) {
	a, b := uint64(s1), uint64(s2)
	for len(p) > 0 {
		n := min(len(p), adlerBlock)
		a, b = adler32Block(a, b, p[:n])
		a %= adlerMod
		b %= adlerMod
		p = p[n:]
	}
	return uint32(a), uint32(b)
}

// adler32Block sums p (at most adlerBlock bytes) into a and b without any
// reduction; the caller reduces afterwards.
func adler32Block(a, b uint64, p []byte) (uint64, uint64) {
	const lo = 0x00ff00ff00ff00ff
	a, b, p = adler32Vector(a, b, p)
	for len(p) >= adlerStripe {
		q := p[:adlerStripe:adlerStripe]
		// le/lo hold the sums of the even/odd bytes of each word in four 16-bit
		// lanes; pe/po accumulate le/lo after every word, which weights word k
		// of the stripe by 16-k.
		var le, lodd, pe, po uint64
		var x uint64
		// Unrolled by hand: the compiler does not unroll, and the loop
		// counter would cost a third of the work.
		x = binary.LittleEndian.Uint64(q[0:])
		le += x & lo
		lodd += x >> 8 & lo
		pe += le
		po += lodd
		x = binary.LittleEndian.Uint64(q[8:])
		le += x & lo
		lodd += x >> 8 & lo
		pe += le
		po += lodd
		x = binary.LittleEndian.Uint64(q[16:])
		le += x & lo
		lodd += x >> 8 & lo
		pe += le
		po += lodd
		x = binary.LittleEndian.Uint64(q[24:])
		le += x & lo
		lodd += x >> 8 & lo
		pe += le
		po += lodd
		x = binary.LittleEndian.Uint64(q[32:])
		le += x & lo
		lodd += x >> 8 & lo
		pe += le
		po += lodd
		x = binary.LittleEndian.Uint64(q[40:])
		le += x & lo
		lodd += x >> 8 & lo
		pe += le
		po += lodd
		x = binary.LittleEndian.Uint64(q[48:])
		le += x & lo
		lodd += x >> 8 & lo
		pe += le
		po += lodd
		x = binary.LittleEndian.Uint64(q[56:])
		le += x & lo
		lodd += x >> 8 & lo
		pe += le
		po += lodd
		x = binary.LittleEndian.Uint64(q[64:])
		le += x & lo
		lodd += x >> 8 & lo
		pe += le
		po += lodd
		x = binary.LittleEndian.Uint64(q[72:])
		le += x & lo
		lodd += x >> 8 & lo
		pe += le
		po += lodd
		x = binary.LittleEndian.Uint64(q[80:])
		le += x & lo
		lodd += x >> 8 & lo
		pe += le
		po += lodd
		x = binary.LittleEndian.Uint64(q[88:])
		le += x & lo
		lodd += x >> 8 & lo
		pe += le
		po += lodd
		x = binary.LittleEndian.Uint64(q[96:])
		le += x & lo
		lodd += x >> 8 & lo
		pe += le
		po += lodd
		x = binary.LittleEndian.Uint64(q[104:])
		le += x & lo
		lodd += x >> 8 & lo
		pe += le
		po += lodd
		x = binary.LittleEndian.Uint64(q[112:])
		le += x & lo
		lodd += x >> 8 & lo
		pe += le
		po += lodd
		x = binary.LittleEndian.Uint64(q[120:])
		le += x & lo
		lodd += x >> 8 & lo
		pe += le
		po += lodd
		// Byte j of word k sits at offset i = 8k+j of the stripe, and s2 gains
		// (128-i) times it: 8·(16-k) from pe/po minus j from the lane sums.
		l := le + lodd // lanes ≤ 2·16·255, no carry between lanes
		l0, l1, l2, l3 := l&0xffff, l>>16&0xffff, l>>32&0xffff, l>>48
		sum := l0 + l1 + l2 + l3
		o := lodd
		oddSum := o&0xffff + o>>16&0xffff + o>>32&0xffff + o>>48
		// Lane m of le holds byte 2m, of lodd byte 2m+1.
		jw := 2*(l1+2*l2+3*l3) + oddSum
		pw := pe&0x0000ffff0000ffff + pe>>16&0x0000ffff0000ffff +
			po&0x0000ffff0000ffff + po>>16&0x0000ffff0000ffff
		pw = pw&0xffffffff + pw>>32
		b += adlerStripe*a + 8*pw - jw
		a += sum
		p = p[adlerStripe:]
	}
	for _, c := range p {
		a += uint64(c)
		b += a
	}
	return a, b
}
