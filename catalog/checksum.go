package catalog

import "sort"

// hexLen is the length in hex digits of each known checksum algorithm.
// adler32z is Adler-32 started from zero instead of one, as some tape
// systems record it.
var hexLen = map[string]int{
	"adler32":  8,
	"adler32z": 8,
	"crc32c":   8,
	"crc32":    8,
	"xxh64":    16,
	"md5":      32,
	"sha1":     40,
	"sha256":   64,
}

// Algorithms returns the names of the checksum algorithms the catalog
// accepts, sorted.
func Algorithms() []string {
	names := make([]string, 0, len(hexLen))
	for n := range hexLen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ValidateChecksum checks that algorithm is known (ErrUnknownAlgorithm) and
// value is its checksum in lower-case hex of the right length
// (ErrInvalidChecksum).
func ValidateChecksum(algorithm, value string) error {
	n, ok := hexLen[algorithm]
	if !ok {
		return invalid("checksums", algorithm, ErrUnknownAlgorithm)
	}
	if len(value) != n {
		return invalid("checksums."+algorithm, value, ErrInvalidChecksum)
	}
	for i := 0; i < len(value); i++ {
		c := value[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return invalid("checksums."+algorithm, value, ErrInvalidChecksum)
		}
	}
	return nil
}
