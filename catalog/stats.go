package catalog

// PoolStats counts the volumes and copies of one pool.
type PoolStats struct {
	Pool      string
	Volumes   int64 // all volumes, whatever their state
	Writable  int64 // volumes in StateActive
	Capacity  int64 // sum of volume capacities, bytes
	BytesUsed int64 // sum of volume fill levels, bytes
	Copies    int64 // live copies on the pool's volumes
	CopyBytes int64 // sum of the sizes of the files of those copies
}

// VolumeStats counts the live copies on one volume. Copies deleted into the
// recycle log still take room on tape (Volume.BytesUsed) but are not
// counted here; the difference is what a repack would win back.
type VolumeStats struct {
	Copies    int64
	CopyBytes int64 // sum of the sizes of the files of those copies
}

// Report is the result of a consistency check. An empty report means the
// catalog is consistent.
type Report struct {
	// OrphanCopies are copies on a volume the catalog does not know.
	OrphanCopies []Copy
	// FilelessCopies are copies whose file is not a live file (missing, or
	// deleted without its copies), in (volume, file sequence) order. The
	// catalogs never write them; a hand edit of the tables can.
	FilelessCopies []Copy
	// Underreplicated are files with fewer copies than their storage class
	// wants, in id order.
	Underreplicated []Shortfall
}

// Shortfall is a file with fewer copies than its storage class wants.
type Shortfall struct {
	FileID int64
	Path   string
	Class  string
	Want   int64
	Have   int64
}

// OK reports whether the check found nothing wrong.
func (r Report) OK() bool {
	return len(r.OrphanCopies) == 0 && len(r.FilelessCopies) == 0 && len(r.Underreplicated) == 0
}
