package checksum

import (
	"fmt"
	"hash/crc32"
	"math"
)

// Repeat returns the checksum of count copies, back to back, of a piece of
// n bytes whose checksum is v, without the data: by doubling, in O(log
// count) steps whatever the length. It works for the algorithms Combine
// works for (adler32, adler32z, crc32, crc32c) and returns
// ErrNotCombinable for the others. Synthetic data with a period (the
// simulator's) gets its checksums this way, a terabyte in microseconds.
func Repeat(v Value, n, count int64) (Value, error) {
	a, _, err := v.check()
	if err != nil {
		return Value{}, err
	}
	if n < 0 || count < 0 {
		return Value{}, fmt.Errorf("%w: %d copies of %d bytes", ErrBadValue, count, n)
	}
	if n > 0 && count > math.MaxInt64/n {
		return Value{}, fmt.Errorf("%w: %d copies of %d bytes overflow a length", ErrBadValue, count, n)
	}
	x, _ := a.Uint32()
	var sum uint32
	switch a.Algorithm {
	case Adler32:
		sum = adlerRepeat(x, n, count, 1)
	case Adler32Zero:
		sum = adlerRepeat(x, n, count, 0)
	case CRC32:
		sum = crcRepeat(x, n, count, crc32.IEEE)
	case CRC32C:
		sum = crcRepeat(x, n, count, crc32.Castagnoli)
	default:
		return Value{}, fmt.Errorf("%s: %w", a.Algorithm, ErrNotCombinable)
	}
	return Uint32Value(a.Algorithm, sum), nil
}

// adlerRepeat doubles the piece and adds it to the result along the bits
// of count; all copies are equal, so the order of the joins does not
// matter. The empty string's Adler-32 is the seed in s1.
func adlerRepeat(piece uint32, n, count int64, seed uint32) uint32 {
	acc := seed
	for count > 0 {
		if count&1 != 0 {
			acc = adlerCombine(acc, piece, n, seed)
		}
		count >>= 1
		if count > 0 {
			piece = adlerCombine(piece, piece, n, seed)
			n *= 2
		}
	}
	return acc
}

// crcRepeat is adlerRepeat for CRC-32, keeping x^(8n) for the current
// piece length and squaring it as the piece doubles, so no step computes a
// power from scratch. The empty string's CRC-32 is 0.
func crcRepeat(piece uint32, n, count int64, poly uint32) uint32 {
	var acc uint32
	xn := xPow8n(uint64(n), poly)
	for count > 0 {
		if count&1 != 0 {
			acc = gfMul(xn, acc, poly) ^ piece
		}
		count >>= 1
		if count > 0 {
			piece = gfMul(xn, piece, poly) ^ piece
			xn = gfMul(xn, xn, poly)
		}
	}
	return acc
}
