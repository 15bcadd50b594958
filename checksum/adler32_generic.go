//go:build !amd64 || purego

package checksum

// useAVX2 is always false off amd64 (or with the purego tag): Adler uses
// the pure-Go lane sums alone.
var useAVX2 = false

func adler32Vector(a, b uint64, p []byte) (uint64, uint64, []byte) { return a, b, p }
