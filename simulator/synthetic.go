package simulator

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/tapekit/tapekit/checksum"
)

// SyntheticPeriod is the length of the pattern SyntheticData repeats.
const SyntheticPeriod = 4096

// SyntheticData is file content the simulator generates instead of
// storing: Size bytes repeating a SyntheticPeriod-byte pattern drawn from
// Seed (a SplitMix64 sequence, little-endian). Two seeds give unrelated
// content, so a reader handed the wrong file notices. Its checksums follow
// from the pattern in closed form (Checksums), so a terabyte of it is laid
// out on a cartridge (TapeFile, Library.AppendTapeFiles) with true
// checksums in microseconds, and never takes room in memory or on disk.
type SyntheticData struct {
	Seed uint64
	Size int64
}

// pattern returns the bytes the data repeats.
func (s SyntheticData) pattern() *[SyntheticPeriod]byte {
	var p [SyntheticPeriod]byte
	x := s.Seed
	for i := 0; i < SyntheticPeriod; i += 8 {
		x += 0x9e3779b97f4a7c15
		z := x
		z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
		z = (z ^ z>>27) * 0x94d049bb133111eb
		binary.LittleEndian.PutUint64(p[i:], z^z>>31)
	}
	return &p
}

// ReadAt implements io.ReaderAt: the data as a file of Size bytes.
func (s SyntheticData) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("simulator: synthetic data read at negative offset %d", off)
	}
	if off >= s.Size {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), s.Size-off))
	s.fill(s.pattern(), p[:n], off)
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// fill writes the data from offset off into p, which must not reach past
// the end: the pattern from the right phase, then whole periods, copied
// in doubling steps rather than one period at a time.
func (s SyntheticData) fill(pat *[SyntheticPeriod]byte, p []byte, off int64) {
	k := copy(p, pat[off%SyntheticPeriod:])
	q := p[k:]
	m := copy(q, pat[:])
	for m < len(q) {
		m += copy(q[m:], q[:m])
	}
}

// Checksums returns the checksums of the data by the named algorithms,
// without reading it: the checksum of one period, repeated
// (checksum.Repeat) and joined with that of the last partial period
// (checksum.Combine). Only algorithms that combine (adler32, adler32z,
// crc32, crc32c) can be computed this way; the others give an error
// wrapping checksum.ErrNotCombinable (and errors.ErrUnsupported).
func (s SyntheticData) Checksums(algorithms ...string) ([]checksum.Value, error) {
	if s.Size < 0 {
		return nil, fmt.Errorf("%w: synthetic data of %d bytes", ErrConfig, s.Size)
	}
	pat := s.pattern()
	q, r := s.Size/SyntheticPeriod, s.Size%SyntheticPeriod
	out := make([]checksum.Value, 0, len(algorithms))
	for _, alg := range algorithms {
		h, err := checksum.New(alg)
		if err != nil {
			return nil, err
		}
		name, _ := checksum.Canonical(alg)
		h.Write(pat[:])
		period := checksum.Value{Algorithm: name, Bytes: h.Sum(nil)}
		h.Reset()
		h.Write(pat[:r])
		rest := checksum.Value{Algorithm: name, Bytes: h.Sum(nil)}
		v, err := checksum.Repeat(period, SyntheticPeriod, q)
		if err == nil {
			v, err = checksum.Combine(v, rest, r)
		}
		if err != nil {
			return nil, fmt.Errorf("simulator: checksum of synthetic data: %w", err)
		}
		out = append(out, v)
	}
	return out, nil
}
