package format

import (
	"archive/tar"
	"bytes"
	"fmt"
	"slices"
	"time"

	"github.com/tapekit/tapekit/checksum"
)

// MemberHead returns the bytes a Writer puts before a file's data in its
// tape file: the pax extended header with tapekit's records and the ustar
// header (see the package documentation). fseq and volume are recorded in
// it; trailerChecksums are the algorithms the trailer will hold
// (WriterOptions.Checksums); now stands for a zero Meta.ModTime.
//
// MemberHead(…) ‖ data ‖ MemberTail(…), cut into blocks of the block size
// with the last one shorter, then a filemark, is the tape file a Writer
// writes, byte for byte. It lets a tool lay out a tape without streaming
// the data through a Writer: the simulator's synthetic libraries (package
// simulator/workload) are built this way.
func MemberHead(meta Meta, fseq int64, volume string, trailerChecksums []string, now time.Time) ([]byte, error) {
	var names []string
	for _, name := range trailerChecksums {
		c, err := checksum.Canonical(name)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(names, c) {
			names = append(names, c)
		}
	}
	hdr, err := meta.header(fseq, volume, names, now)
	if err != nil {
		return nil, err
	}
	return encodeHead(hdr)
}

// MemberTail returns the bytes a Writer puts after size bytes of data:
// zeros to the next 512-byte boundary, the trailer holding sums (the
// checksums of the data) and tar's end of archive.
func MemberTail(size int64, sums []checksum.Value) ([]byte, error) {
	if size < 0 {
		return nil, fmt.Errorf("%w: negative size %d", ErrBadMetadata, size)
	}
	t, err := encodeTrailer(size, sums)
	if err != nil {
		return nil, err
	}
	return append(make([]byte, padding(size), padding(size)+len(t)), t...), nil
}

// encodeHead encodes a data member's header.
func encodeHead(hdr *tar.Header) ([]byte, error) {
	var b bytes.Buffer
	if err := tar.NewWriter(&b).WriteHeader(hdr); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadMetadata, err)
	}
	return b.Bytes(), nil
}

// encodeTrailer encodes the trailer and end of archive that follow a
// file's data and its padding.
func encodeTrailer(size int64, sums []checksum.Value) ([]byte, error) {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	if err := tw.WriteHeader(trailerHeader(size, sums)); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadMetadata, err)
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// padding is the number of zeros that end size bytes of data on a tar
// record boundary.
func padding(size int64) int { return int((512 - size%512) % 512) }
