package catalog

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxPathLen is the longest path accepted, in bytes, as Linux's PATH_MAX.
const MaxPathLen = 4096

// ValidatePath checks that p is a clean absolute path: valid UTF-8, starting
// with "/", without NUL bytes, empty elements, "." or "..", or a trailing
// slash, and at most MaxPathLen bytes. A clean form matters because the
// path is the key users recall by and the prefix lists by: "/a//b" and
// "/a/b" must not be two files.
func ValidatePath(p string) error {
	bad := func() error { return invalid("path", p, ErrInvalidPath) }
	if p == "" || p == "/" || len(p) > MaxPathLen || p[0] != '/' || !utf8.ValidString(p) || strings.IndexByte(p, 0) >= 0 {
		return bad()
	}
	for _, elem := range strings.Split(p[1:], "/") {
		if elem == "" || elem == "." || elem == ".." {
			return bad()
		}
	}
	return nil
}

// validName checks a barcode, pool, class or writer name: non-empty UTF-8
// of at most 255 bytes without spaces or control characters, so it prints
// and greps well in operator tools.
func validName(field, s string) error {
	if s == "" || len(s) > 255 || !utf8.ValidString(s) {
		return invalid(field, s, ErrInvalid)
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return invalid(field, s, ErrInvalid)
		}
	}
	return nil
}

// validText checks free text (reasons, descriptions, owners, formats):
// valid UTF-8 without NUL, which PostgreSQL cannot store.
func validText(field, s string) error {
	if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
		return invalid(field, s, ErrInvalid)
	}
	return nil
}

// ValidateName checks a barcode, pool, storage class or writer name.
func ValidateName(field, s string) error { return validName(field, s) }

// ValidateText checks free text such as a reason or an owner.
func ValidateText(field, s string) error { return validText(field, s) }

// ValidateFile checks a file before it is created: its path, a size ≥ 0,
// known checksum algorithms with well-formed values, a storage class name,
// a zero ID, and times the catalog can store (ValidateTime).
func ValidateFile(f File) error {
	if f.ID != 0 {
		return invalid("id", f.ID, ErrInvalid)
	}
	if err := ValidatePath(f.Path); err != nil {
		return err
	}
	if f.Size < 0 {
		return invalid("size", f.Size, ErrInvalidSize)
	}
	for alg, v := range f.Checksums {
		if err := ValidateChecksum(alg, v); err != nil {
			return err
		}
	}
	if err := validName("storage_class", f.StorageClass); err != nil {
		return err
	}
	if err := ValidateTime("created", f.Created); err != nil {
		return err
	}
	if err := ValidateTime("modified", f.Modified); err != nil {
		return err
	}
	return validText("owner", f.Owner)
}

// ValidateCopy checks the fields of a copy that do not depend on the
// catalog's contents.
func ValidateCopy(c Copy) error {
	switch {
	case c.FileID <= 0:
		return invalid("file_id", c.FileID, ErrInvalid)
	case c.CopyNo < 1:
		return invalid("copy_no", c.CopyNo, ErrInvalid)
	case c.FileSeq < 1:
		return invalid("file_seq", c.FileSeq, ErrInvalid)
	case c.BlockID < 0:
		return invalid("block_id", c.BlockID, ErrInvalid)
	case c.Size < 0:
		return invalid("size", c.Size, ErrInvalidSize)
	}
	if err := validName("format", c.Format); err != nil {
		return err
	}
	if c.Volume != "" {
		return validName("volume", c.Volume)
	}
	return nil
}

// ValidateVolume checks a volume before it is added, its times included
// (ValidateTime).
func ValidateVolume(v Volume) error {
	if err := validName("barcode", v.Barcode); err != nil {
		return err
	}
	if err := validName("pool", v.Pool); err != nil {
		return err
	}
	if !v.State.Valid() {
		return invalid("state", v.State, ErrInvalid)
	}
	switch {
	case v.Capacity < 0:
		return invalid("capacity", v.Capacity, ErrInvalidSize)
	case v.BytesUsed < 0:
		return invalid("bytes_used", v.BytesUsed, ErrInvalidSize)
	case v.LastFileSeq < 0:
		return invalid("last_file_seq", v.LastFileSeq, ErrInvalid)
	case v.Mounts < 0:
		return invalid("mounts", v.Mounts, ErrInvalid)
	case v.Errors < 0:
		return invalid("errors", v.Errors, ErrInvalid)
	case v.Writer != "":
		return invalid("writer", v.Writer, ErrInvalid)
	}
	for _, t := range []struct{ f, s string }{{"media_type", v.MediaType}, {"library", v.Library}, {"state_reason", v.StateReason}} {
		if err := validText(t.f, t.s); err != nil {
			return err
		}
	}
	return validateVolumeTimes(v)
}

// validateVolumeTimes checks the times a volume is added with.
func validateVolumeTimes(v Volume) error {
	for _, t := range []struct {
		f string
		t time.Time
	}{{"created", v.Created}, {"state_changed", v.StateChanged}, {"last_mounted", v.LastMounted}, {"last_written", v.LastWritten}} {
		if err := ValidateTime(t.f, t.t); err != nil {
			return err
		}
	}
	return nil
}

// ValidateStorageClass checks a class's name and that it wants at least
// one copy.
func ValidateStorageClass(c StorageClass) error {
	if err := validName("name", c.Name); err != nil {
		return err
	}
	if len(c.Pools) == 0 {
		return invalid("pools", c.Pools, ErrInvalid)
	}
	for _, p := range c.Pools {
		if err := validName("pools", p); err != nil {
			return err
		}
	}
	return nil
}

// ValidatePool checks a pool's name and description.
func ValidatePool(p Pool) error {
	if err := validName("name", p.Name); err != nil {
		return err
	}
	return validText("description", p.Description)
}
