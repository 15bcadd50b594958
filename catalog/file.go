package catalog

import "time"

// File is one archived file. Its content lives on tape as one or more
// copies (see Copy).
type File struct {
	// ID is assigned by the catalog on creation (it must be zero in
	// CreateFiles); ids are never reused, not even after Delete.
	ID   int64
	Path string // absolute, slash separated, UTF-8: "/exp/run1/f.dat"
	Size int64
	// Checksums maps an algorithm name (see Algorithms) to the checksum in
	// lower-case hex. Every copy must match all of them.
	Checksums    map[string]string
	StorageClass string // must exist; it says how many copies are wanted
	Owner        string
	// Created is set to the catalog's clock when zero, Modified to
	// Created. Like every time in the catalog they must lie within
	// [MinTime, MaxTime] (ErrInvalid otherwise) and come back as the same
	// instant, to the nanosecond, in UTC; the Unix epoch is a time like
	// any other, not "unset".
	Created  time.Time
	Modified time.Time
}

// Copy is one copy of a file on tape.
type Copy struct {
	FileID int64
	// CopyNo numbers the copies of a file from 1; copy n goes to the pool
	// the storage class names for it.
	CopyNo  int64
	Volume  string // barcode
	FileSeq int64  // tape file number on the volume, from 1
	// BlockID is the logical object id at which the file starts, for a
	// direct locate.
	BlockID int64
	// Format names the on-tape layout: "tapekit-pax-1", "cta-ansi".
	Format string
	// Size is the number of bytes the copy takes on tape (headers
	// included); zero when unknown.
	Size int64
}

// Page is one page of a listing. Next is an opaque cursor for the next page,
// empty when this page is the last one.
type Page struct {
	Files []File
	Next  string
}

// Deletion is a file in the recycle log: the file and its copies as they
// were when deleted.
type Deletion struct {
	File      File
	Copies    []Copy    // in copy-number order
	DeletedAt time.Time // when Delete ran, by the catalog's clock
	Reason    string
}

// DeletedPage is one page of the recycle log. Next is the cursor for the
// next page, the file id of the page's last entry, or 0 when this page is
// the last one.
type DeletedPage struct {
	Deletions []Deletion
	Next      int64
}
