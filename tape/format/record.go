package format

import (
	"encoding/json"
	"time"

	"github.com/tapekit/tapekit/checksum"
)

// Status says what became of a tape file, in a Record.
type Status string

const (
	// StatusPending: written but not yet synchronised; a power loss may
	// still take it. Only a Writer reports it, from WriteFile.
	StatusPending Status = "pending"
	// StatusOK: on the medium and, when read, verified.
	StatusOK Status = "ok"
	// StatusDamaged: the medium could not be read (Err carries the tape
	// position).
	StatusDamaged Status = "damaged"
	// StatusTruncated: the tape file was cut short by a crash or power
	// loss: its tar stream or its closing filemark is missing.
	StatusTruncated Status = "truncated"
	// StatusChecksumMismatch: the data read does not match its checksums.
	StatusChecksumMismatch Status = "checksum-mismatch"
	// StatusUnknownFormat: the tape file is not a file of this format
	// (foreign data, or metadata that cannot be parsed).
	StatusUnknownFormat Status = "unknown-format"
)

// Record is one archived file as the catalog needs it: where it is on tape
// and what it is. Writers return it for each file they place; Scan rebuilds
// it from the tape alone.
type Record struct {
	Volume string `json:"volume"` // barcode of the tape
	Format string `json:"format"` // FormatPAX or FormatANSI
	// FSeq is the file sequence number: 1 for the first file after the
	// volume label. For FormatPAX it is also the tape file number, so `mt
	// fsf FSeq` from the beginning of tape reaches it.
	FSeq int64 `json:"fseq"`
	// Block is the logical block id where the file's tape file starts (for
	// FormatANSI, its HDR1 label): a catalog locates to it directly.
	Block int64 `json:"block"`
	// Blocks is the number of blocks of the file's data tape file.
	Blocks int64 `json:"blocks"`

	FileID       string           `json:"file_id"`
	Path         string           `json:"path"`
	Size         int64            `json:"size"`
	ModTime      time.Time        `json:"mtime,omitzero"`
	Copy         int              `json:"copy"` // 0 when unknown (ANSI tapes do not record it)
	StorageClass string           `json:"storage_class,omitempty"`
	Checksums    []checksum.Value `json:"-"`

	Status Status `json:"status"`
	// Err says why Status is not ok or pending; it wraps a *FileError.
	Err error `json:"-"`
}

// MarshalJSON writes checksums as {"adler32": "hex", …} and the error as
// its text, the forms a catalog import or an operator reads.
func (r Record) MarshalJSON() ([]byte, error) {
	type plain Record
	out := struct {
		plain
		Checksums map[string]string `json:"checksums,omitempty"`
		Error     string            `json:"error,omitempty"`
	}{plain: plain(r)}
	if len(r.Checksums) > 0 {
		out.Checksums = map[string]string{}
		for _, v := range r.Checksums {
			out.Checksums[v.Algorithm] = v.Hex()
		}
	}
	if r.Err != nil {
		out.Error = r.Err.Error()
	}
	return json.Marshal(out)
}

// Checksum returns the record's checksum of the named algorithm.
func (r Record) Checksum(algorithm string) (checksum.Value, bool) {
	for _, v := range r.Checksums {
		if v.Algorithm == algorithm {
			return v, true
		}
	}
	return checksum.Value{}, false
}
