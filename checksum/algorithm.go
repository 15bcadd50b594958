package checksum

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"hash/crc32"
	"slices"
	"strings"

	"github.com/cespare/xxhash/v2"
)

// Names of the registered algorithms, as tapectl, catalogs and logs spell
// them.
const (
	Adler32     = "adler32"  // RFC 1950, seed 1 (dCache, CTA, EOS, XRootD)
	Adler32Zero = "adler32z" // Adler-32 seeded with 0 (Enstore)
	CRC32C      = "crc32c"   // Castagnoli (iSCSI, SCTP, cloud object stores)
	CRC32       = "crc32"    // IEEE (zlib, gzip, Ethernet)
	XXH64       = "xxh64"    // xxHash64, seed 0
	MD5         = "md5"
	SHA1        = "sha1"
	SHA256      = "sha256"
	SHA512      = "sha512"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

type algorithm struct {
	size int
	new  func() hash.Hash
	// cost is a rough nanoseconds-per-KiB figure on a current x86 core,
	// used only to balance a Set's algorithms over its workers.
	cost int
}

var registry = map[string]algorithm{
	Adler32:     {4, func() hash.Hash { return NewAdler32() }, 220},
	Adler32Zero: {4, func() hash.Hash { return NewAdler32Zero() }, 220},
	CRC32C:      {4, func() hash.Hash { return crc32.New(castagnoli) }, 80},
	CRC32:       {4, func() hash.Hash { return crc32.NewIEEE() }, 100},
	XXH64:       {8, func() hash.Hash { return xxhash.New() }, 100},
	MD5:         {md5.Size, md5.New, 1600},
	SHA1:        {sha1.Size, sha1.New, 1000},
	SHA256:      {sha256.Size, sha256.New, 2500},
	SHA512:      {sha512.Size, sha512.New, 1700},
}

// Algorithms returns the names of the registered algorithms, sorted.
func Algorithms() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// lookup finds an algorithm by name, ignoring case so that "MD5" and
// "ADLER32" from older tools are accepted; the canonical name is returned.
func lookup(name string) (string, algorithm, error) {
	if a, ok := registry[name]; ok {
		return name, a, nil
	}
	lower := strings.ToLower(name)
	if a, ok := registry[lower]; ok {
		return lower, a, nil
	}
	return "", algorithm{}, &UnknownAlgorithmError{Name: name}
}

// New returns a fresh hash for the named algorithm. Its Sum is the
// algorithm's digest in the byte order its standard prints (big-endian for
// the 32- and 64-bit checksums).
func New(name string) (hash.Hash, error) {
	_, a, err := lookup(name)
	if err != nil {
		return nil, err
	}
	return a.new(), nil
}

// Size returns the length in bytes of the named algorithm's checksum.
func Size(name string) (int, error) {
	_, a, err := lookup(name)
	if err != nil {
		return 0, err
	}
	return a.size, nil
}

// Canonical returns the registry's spelling of name ("MD5" → "md5").
func Canonical(name string) (string, error) {
	n, _, err := lookup(name)
	return n, err
}
