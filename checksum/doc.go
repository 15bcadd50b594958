// Package checksum computes the checksums that tape storage systems record,
// while the data streams, without slowing the stream down.
//
// Every byte that enters or leaves a tapekit system (ingest into the disk
// cache, write to tape, recall, delivery) is checksummed on the way. HEP
// storage uses Adler-32 (dCache, CTA, EOS, XRootD); Enstore a zero-seeded
// Adler-32; object stores CRC32C and MD5; users ask for SHA-256. This
// package computes any set of them in one pass.
//
// # Algorithms
//
// Algorithms are named in a registry: adler32, adler32z (Enstore's
// zero-seeded Adler-32), crc32 (IEEE), crc32c (Castagnoli), xxh64, md5,
// sha1, sha256 and sha512. New returns a hash.Hash by name; Algorithms lists
// the names; an unknown name gives an *UnknownAlgorithmError.
//
// Adler (NewAdler32, NewAdler32Zero) is tapekit's own Adler-32, identical
// to hash/adler32 in results and much faster on large buffers. On amd64
// with AVX2 a small assembly kernel sums 32 bytes per step (position
// weights by VPMADDUBSW, byte sums by VPSADBW); everywhere else, and for the
// tails, pure Go sums bytes in the 16-bit lanes of 64-bit words and folds
// them into the running sums every 128 bytes, about three times
// hash/adler32 on its own. Build with -tags purego to leave the assembly
// out.
//
// # One pass, several algorithms
//
// A Set is an io.Writer that feeds every write to all of its algorithms.
// With several algorithms and several CPUs it packs the algorithms onto
// worker goroutines by cost, so that a write takes about as long as its
// slowest algorithm: adler32+crc32c+xxh64+md5 costs about as much as md5
// alone. Write hands the caller's slice to the workers and waits for them,
// so nothing is copied, nothing is allocated per write, and memory does not
// grow with the stream. Small writes and one-algorithm sets are hashed on
// the caller's goroutine.
//
// NewReader and NewWriter put a Set into an io pipeline. NewVerifyingReader
// checks a stream against expected values and, at the end of the stream,
// returns a *MismatchError (matching ErrMismatch) instead of io.EOF when the
// data is not what was stored: a recall is good only when the reader
// returned io.EOF.
//
// # Combining and converting
//
// Adler-32 and the CRC-32s of consecutive chunks combine into the checksum
// of the whole with Combine, given the second chunk's length: a large file
// can be hashed in parallel pieces, and an interrupted transfer can resume
// from the checksum of what already arrived. Repeat gives the checksum of
// a piece repeated any number of times in O(log count) steps, so periodic
// data (the simulator's synthetic files) needs no hashing of its bulk.
// Adler32ZeroToStandard and
// Adler32StandardToZero convert exactly between Enstore's checksums and
// everyone else's, given the file length.
//
// # Encodings
//
// Value.Hex prints lower-case hex as HEP tools do (adler32 as 8 digits, like
// xrdadler32); ParseHex reads it back. For HTTP, FormatReprDigest and
// ParseReprDigest handle the RFC 9530 Repr-Digest and Content-Digest fields
// (a Structured Field dictionary of byte sequences: sha-256=:…:, adler=:…:),
// ParseWantReprDigest and FormatWantReprDigest their Want- counterparts, and
// ParseDigest and FormatDigest the older RFC 3230 Digest field (adler32 and
// crc32c in hex, md5, sha, sha-256 and sha-512 in base64) that dCache and
// XRootD still exchange. Malformed fields give a *HeaderError.
package checksum
