package format

import (
	"archive/tar"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tapekit/tapekit/checksum"
)

// paxPrefix is the vendor prefix of tapekit's pax records (POSIX reserves
// upper-case VENDOR.keyword names for vendors).
const paxPrefix = "TAPEKIT."

// The pax record keywords tapekit writes, in the member's header (before
// the data) and in the trailer (after it).
const (
	RecordFormat       = paxPrefix + "format"        // "tapekit-pax/1"
	RecordFileID       = paxPrefix + "file_id"       // the catalog's file id
	RecordPath         = paxPrefix + "path"          // the file's path in the namespace, exactly
	RecordSize         = paxPrefix + "size"          // bytes of data
	RecordCopy         = paxPrefix + "copy"          // copy number (1, 2, …)
	RecordFSeq         = paxPrefix + "fseq"          // file sequence number on this tape
	RecordStorageClass = paxPrefix + "storage_class" // the file's storage class
	RecordVolume       = paxPrefix + "volume"        // the barcode of the tape
	// RecordChecksumPrefix + algorithm ("TAPEKIT.checksum.adler32") holds a
	// checksum in lower-case hex: in the header the one the caller gave
	// (from ingest), in the trailer the one computed while writing.
	RecordChecksumPrefix = paxPrefix + "checksum."
	// RecordTrailerChecksums lists, comma-separated, the algorithms whose
	// checksums the trailer will hold, so a reader computes them while
	// the data streams.
	RecordTrailerChecksums = paxPrefix + "trailer_checksums"
	// RecordTrailer marks the trailer; its value is the data size written.
	RecordTrailer = paxPrefix + "trailer"
)

// TrailerName is the name of the pax global header that follows a file's
// data and carries its computed checksums. Tar extracts no file for it.
const TrailerName = "TAPEKIT-TRAILER"

// Meta is what the catalog knows of a file and asks to be written with it.
type Meta struct {
	FileID       string
	Path         string // the file's name in the namespace; the tar member is named after it
	Size         int64
	ModTime      time.Time // zero means the writer's current time
	Mode         int64     // permission bits; 0 means 0644
	Copy         int       // copy number; 0 means 1
	StorageClass string
	// Checksums are the file's expected checksums, from ingest. They are
	// written in the header and verified while writing: a file whose data
	// does not match is not written. On reading, the header's checksums are
	// verified too.
	Checksums []checksum.Value
}

// memberName is the tar member name for a path: relative, cleaned, never
// escaping the directory tar extracts into.
func memberName(p, fileID string) string {
	name := strings.TrimPrefix(path.Clean("/"+p), "/")
	if name == "" {
		name = fileID
	}
	if name == "" {
		name = "unnamed"
	}
	return name
}

// header builds the tar header of a file's data member.
func (m Meta) header(fseq int64, volume string, trailerSums []string, now time.Time) (*tar.Header, error) {
	if m.Size < 0 {
		return nil, fmt.Errorf("%w: negative size %d", ErrBadMetadata, m.Size)
	}
	mt, mode, cp := m.ModTime, m.Mode, m.Copy
	if mt.IsZero() {
		mt = now
	}
	if mode == 0 {
		mode = 0o644
	}
	if cp == 0 {
		cp = 1
	}
	rec := map[string]string{
		RecordFormat: fmt.Sprintf("%s/%d", FormatPAX, Version),
		RecordFileID: m.FileID,
		RecordPath:   m.Path,
		RecordSize:   strconv.FormatInt(m.Size, 10),
		RecordCopy:   strconv.Itoa(cp),
		RecordFSeq:   strconv.FormatInt(fseq, 10),
	}
	if len(trailerSums) > 0 {
		rec[RecordTrailerChecksums] = strings.Join(trailerSums, ",")
	}
	if m.StorageClass != "" {
		rec[RecordStorageClass] = m.StorageClass
	}
	if volume != "" {
		rec[RecordVolume] = volume
	}
	for _, v := range m.Checksums {
		rec[RecordChecksumPrefix+v.Algorithm] = v.Hex()
	}
	for k, v := range rec {
		// tar cannot carry a NUL in a record; the catalog has none either.
		if strings.Contains(v, "\x00") {
			return nil, fmt.Errorf("%w: %s holds a NUL", ErrBadMetadata, k)
		}
	}
	return &tar.Header{
		Typeflag:   tar.TypeReg,
		Name:       memberName(m.Path, m.FileID),
		Size:       m.Size,
		Mode:       mode & 0o7777,
		ModTime:    mt.Truncate(time.Second),
		Format:     tar.FormatPAX,
		PAXRecords: rec,
	}, nil
}

// FileHeader is what a tape file's tar header says about its file.
type FileHeader struct {
	Meta
	FSeq   int64  // as recorded when written
	Volume string // the barcode recorded when written
	Format string // "tapekit-pax/1"
	Name   string // the tar member name
	// TrailerChecksums are the algorithms the trailer holds checksums of.
	TrailerChecksums []string
}

// ParseHeader reads the metadata tapekit records in a tar header (as
// archive/tar returns it). A header without tapekit records is a foreign
// tar member: ErrWrongFormat. Malformed records give ErrBadMetadata.
func ParseHeader(h *tar.Header) (FileHeader, error) {
	rec := h.PAXRecords
	f := FileHeader{Name: h.Name, Format: rec[RecordFormat]}
	if f.Format == "" {
		return f, fmt.Errorf("%w: tar member %q carries no %s record", ErrWrongFormat, truncate(h.Name), RecordFormat)
	}
	if !strings.HasPrefix(f.Format, FormatPAX+"/") {
		return f, fmt.Errorf("%w: %s %q", ErrWrongFormat, RecordFormat, truncate(f.Format))
	}
	if v, err := strconv.Atoi(strings.TrimPrefix(f.Format, FormatPAX+"/")); err != nil || v < 1 || v > Version {
		return f, fmt.Errorf("%w: %s %q: this reader knows version 1 to %d", ErrWrongFormat, RecordFormat, truncate(f.Format), Version)
	}
	if h.Typeflag != tar.TypeReg {
		return f, fmt.Errorf("%w: tar member %q is not a regular file (type %q)", ErrBadMetadata, truncate(h.Name), h.Typeflag)
	}
	f.FileID, f.Path, f.StorageClass, f.Volume = rec[RecordFileID], rec[RecordPath], rec[RecordStorageClass], rec[RecordVolume]
	f.ModTime, f.Mode = h.ModTime, h.Mode
	var err error
	if f.Size, err = parseInt(rec, RecordSize, 0); err != nil {
		return f, err
	}
	if f.Size != h.Size {
		return f, fmt.Errorf("%w: %s is %d, the tar header says %d", ErrBadMetadata, RecordSize, f.Size, h.Size)
	}
	cp, err := parseInt(rec, RecordCopy, 1)
	if err != nil {
		return f, err
	}
	if cp > 1<<20 {
		return f, fmt.Errorf("%w: %s %d", ErrBadMetadata, RecordCopy, cp)
	}
	f.Copy = int(cp)
	if f.FSeq, err = parseInt(rec, RecordFSeq, 1); err != nil {
		return f, err
	}
	if f.Checksums, err = parseChecksums(rec); err != nil {
		return f, err
	}
	if s := rec[RecordTrailerChecksums]; s != "" {
		for _, name := range strings.Split(s, ",") {
			c, err := checksum.Canonical(name)
			if err != nil {
				return f, fmt.Errorf("%w: %s: %v", ErrBadMetadata, RecordTrailerChecksums, err)
			}
			if !slices.Contains(f.TrailerChecksums, c) {
				f.TrailerChecksums = append(f.TrailerChecksums, c)
			}
		}
	}
	return f, nil
}

// parseInt reads a non-negative decimal record, at least min.
func parseInt(rec map[string]string, key string, min int64) (int64, error) {
	s, ok := rec[key]
	if !ok {
		return 0, fmt.Errorf("%w: no %s record", ErrBadMetadata, key)
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < min {
		return 0, fmt.Errorf("%w: %s %q", ErrBadMetadata, key, truncate(s))
	}
	return v, nil
}

// parseChecksums collects the TAPEKIT.checksum.* records, sorted by
// algorithm. Unknown algorithms are an error: a reader must not silently
// skip a checksum it was asked to keep.
func parseChecksums(rec map[string]string) ([]checksum.Value, error) {
	var out []checksum.Value
	for k, s := range rec {
		alg, ok := strings.CutPrefix(k, RecordChecksumPrefix)
		if !ok {
			continue
		}
		v, err := checksum.ParseHex(alg, s)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrBadMetadata, truncate(k), err)
		}
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b checksum.Value) int { return strings.Compare(a.Algorithm, b.Algorithm) })
	return out, nil
}

// trailerHeader is the pax global header written after a file's data.
func trailerHeader(size int64, sums []checksum.Value) *tar.Header {
	rec := map[string]string{RecordTrailer: strconv.FormatInt(size, 10)}
	for _, v := range sums {
		rec[RecordChecksumPrefix+v.Algorithm] = v.Hex()
	}
	return &tar.Header{Typeflag: tar.TypeXGlobalHeader, Name: TrailerName, Format: tar.FormatPAX, PAXRecords: rec}
}

// ParseTrailer reads a trailer: the size written and the computed
// checksums.
func ParseTrailer(h *tar.Header) (size int64, sums []checksum.Value, err error) {
	if h.Typeflag != tar.TypeXGlobalHeader {
		return 0, nil, fmt.Errorf("%w: expected the trailer, found tar member %q of type %q", ErrBadMetadata, truncate(h.Name), h.Typeflag)
	}
	if size, err = parseInt(h.PAXRecords, RecordTrailer, 0); err != nil {
		return 0, nil, err
	}
	sums, err = parseChecksums(h.PAXRecords)
	return size, sums, err
}
