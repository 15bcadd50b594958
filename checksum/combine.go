package checksum

import (
	"fmt"
	"hash/crc32"
)

// Combine returns the checksum of a‖b given the checksum of a, the checksum
// of b and the length of b, without the data. It works for adler32,
// adler32z, crc32 and crc32c, so a large file can be hashed in parallel
// chunks, or a transfer resumed from the checksum of what already arrived.
// Other algorithms return ErrNotCombinable.
func Combine(first, second Value, secondLen int64) (Value, error) {
	a, _, err := first.check()
	if err != nil {
		return Value{}, err
	}
	b, _, err := second.check()
	if err != nil {
		return Value{}, err
	}
	if a.Algorithm != b.Algorithm {
		return Value{}, fmt.Errorf("%w: cannot combine %s with %s", ErrBadValue, a.Algorithm, b.Algorithm)
	}
	if secondLen < 0 {
		return Value{}, fmt.Errorf("%w: negative length %d", ErrBadValue, secondLen)
	}
	x, _ := a.Uint32()
	y, _ := b.Uint32()
	var sum uint32
	switch a.Algorithm {
	case Adler32:
		sum = adlerCombine(x, y, secondLen, 1)
	case Adler32Zero:
		sum = adlerCombine(x, y, secondLen, 0)
	case CRC32:
		sum = crcCombine(x, y, secondLen, crc32.IEEE)
	case CRC32C:
		sum = crcCombine(x, y, secondLen, crc32.Castagnoli)
	default:
		return Value{}, fmt.Errorf("%s: %w", a.Algorithm, ErrNotCombinable)
	}
	return Uint32Value(a.Algorithm, sum), nil
}

// adlerCombine joins Adler-32 sums computed with the given seed (1 or 0).
// Running b's bytes from a's state instead of from (seed, 0) adds a's s1 to
// s1, and a's s1 to s2 once per byte of b; the seed's own contributions to
// b's sums (seed to s1, seed·len to s2) must come out again.
func adlerCombine(a, b uint32, lenB int64, seed uint32) uint32 {
	n := uint64(lenB % adlerMod)
	a1, a2 := uint64(a&0xffff), uint64(a>>16)
	b1, b2 := uint64(b&0xffff), uint64(b>>16)
	s := uint64(seed)
	s1 := (a1 + b1 + adlerMod - s) % adlerMod
	s2 := (a2 + b2 + n*a1 + adlerMod*adlerMod - n*s) % adlerMod
	return uint32(s2<<16 | s1)
}

// Adler32ZeroToStandard converts Enstore's zero-seeded Adler-32 of length
// bytes into the standard Adler-32 of the same bytes. The seed 1 in s1 adds
// 1 to s1 and, carried once per byte, length to s2; the conversion is exact.
func Adler32ZeroToStandard(sum uint32, length int64) uint32 {
	n := uint64(length % adlerMod)
	s1 := (uint64(sum&0xffff) + 1) % adlerMod
	s2 := (uint64(sum>>16) + n) % adlerMod
	return uint32(s2<<16 | s1)
}

// Adler32StandardToZero is the inverse of Adler32ZeroToStandard.
func Adler32StandardToZero(sum uint32, length int64) uint32 {
	n := uint64(length % adlerMod)
	s1 := (uint64(sum&0xffff) + adlerMod - 1) % adlerMod
	s2 := (uint64(sum>>16) + adlerMod - n) % adlerMod
	return uint32(s2<<16 | s1)
}

// crcCombine joins two CRC-32s of the same (reflected) polynomial. Appending
// n bytes multiplies the CRC register by x^(8n) modulo the polynomial; the
// pre- and post-inversion of the standard CRC cancel between the two terms,
// so crc(a‖b) = crc(a)·x^(8n) ⊕ crc(b) in GF(2)[x]/P.
func crcCombine(a, b uint32, lenB int64, poly uint32) uint32 {
	return gfMul(xPow8n(uint64(lenB), poly), a, poly) ^ b
}

// gfMul multiplies a and b modulo poly, in the bit-reflected representation
// CRC-32 uses (the top bit is x⁰).
func gfMul(a, b, poly uint32) uint32 {
	var p uint32
	for m := uint32(1) << 31; m != 0; m >>= 1 {
		if a&m != 0 {
			p ^= b
		}
		if b&1 != 0 {
			b = b>>1 ^ poly
		} else {
			b >>= 1
		}
	}
	return p
}

// xPow8n returns x^(8n) modulo poly by square-and-multiply over the bits of
// n: 64 squarings at most, whatever n is.
func xPow8n(n uint64, poly uint32) uint32 {
	p := uint32(1) << 31  // x⁰
	sq := uint32(1) << 23 // x⁸
	for ; n != 0; n >>= 1 {
		if n&1 != 0 {
			p = gfMul(p, sq, poly)
		}
		sq = gfMul(sq, sq, poly)
	}
	return p
}
