package checksum

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
)

// Value is one finished checksum: the algorithm's name and its digest bytes
// (big-endian for the 32- and 64-bit checksums, as hash.Hash.Sum gives them).
type Value struct {
	Algorithm string
	Bytes     []byte
}

// Hex returns the digest in lower-case hex, the form HEP tools print
// (adler32 as exactly 8 digits, like xrdadler32).
func (v Value) Hex() string { return hex.EncodeToString(v.Bytes) }

// String is "algorithm:hex", the form catalogs and logs use.
func (v Value) String() string { return v.Algorithm + ":" + v.Hex() }

// Equal reports whether v and w are the same algorithm and digest.
func (v Value) Equal(w Value) bool {
	return v.Algorithm == w.Algorithm && bytes.Equal(v.Bytes, w.Bytes)
}

// Uint32 returns a 4-byte checksum (adler32, adler32z, crc32, crc32c) as a
// number.
func (v Value) Uint32() (uint32, error) {
	if len(v.Bytes) != 4 {
		return 0, fmt.Errorf("%w: %s has %d bytes, not 4", ErrBadValue, v.Algorithm, len(v.Bytes))
	}
	return binary.BigEndian.Uint32(v.Bytes), nil
}

// Uint32Value builds the Value of a 32-bit checksum.
func Uint32Value(algorithm string, sum uint32) Value {
	return Value{Algorithm: algorithm, Bytes: binary.BigEndian.AppendUint32(nil, sum)}
}

// ParseHex reads a digest printed in hex (either case). Short 32-bit
// checksums are padded with leading zeros, because several tools drop them
// (RFC 3230's registry allows 1 to 8 digits for ADLER32 and CRC32c).
func ParseHex(algorithm, s string) (Value, error) {
	name, a, err := lookup(algorithm)
	if err != nil {
		return Value{}, err
	}
	if a.size == 4 && len(s) >= 1 && len(s) < 8 {
		s = "00000000"[len(s):] + s
	}
	if len(s) != 2*a.size {
		return Value{}, fmt.Errorf("%w: %s needs %d hex digits, got %d", ErrBadValue, name, 2*a.size, len(s))
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return Value{}, fmt.Errorf("%w: %s: %v", ErrBadValue, name, err)
	}
	return Value{Algorithm: name, Bytes: b}, nil
}

// check validates v's algorithm and length and returns it with the
// canonical name.
func (v Value) check() (Value, algorithm, error) {
	name, a, err := lookup(v.Algorithm)
	if err != nil {
		return Value{}, algorithm{}, err
	}
	if len(v.Bytes) != a.size {
		return Value{}, algorithm{}, fmt.Errorf("%w: %s needs %d bytes, got %d", ErrBadValue, name, a.size, len(v.Bytes))
	}
	return Value{Algorithm: name, Bytes: v.Bytes}, a, nil
}
