package simulator

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// cartridge is one cartridge and its content. Its content is touched only by
// the drive it is loaded in, under that drive's operation lock, or under the
// library lock when it is in no drive.
type cartridge struct {
	barcode      string
	media        *MediaType // nil for a cleaning cartridge
	geo          *CostModel
	cleaning     bool
	cleaningUses int
	wp           bool
	unreadable   bool // barcode label unreadable
	mounts       int

	content content
	// synced is how many logical objects are durable: a power loss keeps
	// objects [0, synced) and drops the rest.
	synced int64
	blob   blob

	faults []mediaFault
}

// mediaFault makes reading or writing blocks first..last fail.
type mediaFault struct {
	first, last int64
	op          FaultOp
}

// FaultOp says which operations a media fault breaks.
type FaultOp int

const (
	FaultRead  FaultOp = 1 << iota // reads of the blocks fail
	FaultWrite                     // writes at those blocks fail
)

func (c *cartridge) faultAt(id int64, op FaultOp) bool {
	for _, f := range c.faults {
		if f.op&op != 0 && id >= f.first && id <= f.last {
			return true
		}
	}
	return false
}

// data returns the cartridge's blob, opening its file in a directory library.
func (l *Library) data(c *cartridge) (blob, error) {
	if c.blob != nil {
		return c.blob, nil
	}
	if l.dir == "" {
		c.blob = &memBlob{}
		return c.blob, nil
	}
	p := l.dataPath(c.barcode)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	c.blob = fileBlob{f}
	return c.blob, nil
}

// syncCartridge makes everything written to c durable: the data, then the
// index that points at it, so a crash between the two loses nothing the
// index claims.
func (l *Library) syncCartridge(c *cartridge) error {
	if c.synced == c.content.objects() {
		return nil
	}
	if l.dir != "" {
		if c.blob != nil {
			if err := c.blob.Sync(); err != nil {
				return err
			}
		}
		if err := l.saveIndex(c, c.content.runs); err != nil {
			return err
		}
	}
	c.synced = c.content.objects()
	return nil
}

type indexFile struct {
	Version int   `json:"version"`
	Runs    []run `json:"runs"`
}

func (l *Library) saveIndex(c *cartridge, runs []run) error {
	if runs == nil {
		runs = []run{} // "runs": null is how a damaged index reads
	}
	b, err := jsonMarshal(indexFile{Version: stateVersion, Runs: runs})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(l.indexPath(c.barcode)), 0o755); err != nil {
		return err
	}
	return writeFileAtomic(l.indexPath(c.barcode), b)
}

// fileCut is a data file that Open cuts back to what its index records,
// once it has found the whole state good: what a process that died wrote
// after its last synchronisation.
type fileCut struct {
	path string
	size int64
}

// loadIndex reads a cartridge's durable index and checks it against its
// data file, changing neither. A data file longer than the index records
// is what a crash leaves (crashed: the library's last process died): the
// returned cut drops the bytes written after the last synchronisation. Any
// other mismatch is refused, since cutting would destroy data that was
// acknowledged.
func (l *Library) loadIndex(c *cartridge, crashed bool) (*fileCut, error) {
	ip, dp := l.indexPath(c.barcode), l.dataPath(c.barcode)
	iname, dname := filepath.Base(ip), filepath.Base(dp)
	both := fmt.Sprintf("restore %s and %s from one backup; or remove both, and %s becomes a blank cartridge (what it held is lost)", iname, dname, c.barcode)
	var ix struct {
		Version int    `json:"version"`
		Runs    *[]run `json:"runs"`
	}
	err := readJSON(ip, &ix, both)
	found := err == nil
	switch {
	case isNotExist(err):
		// A cartridge never synchronised has no index: it is blank.
		ix.Version, ix.Runs = stateVersion, &[]run{}
	case err != nil:
		return nil, err
	}
	if ix.Version != stateVersion {
		return nil, &CorruptStateError{Path: ip, Err: fmt.Errorf("version %d; this simulator reads version %d", ix.Version, stateVersion), Remedy: remedyRelease}
	}
	if ix.Runs == nil {
		return nil, &CorruptStateError{Path: ip, Err: errors.New(`has no "runs": it does not say what the cartridge holds`), Remedy: both}
	}
	c.content = content{runs: *ix.Runs}
	if err := c.content.validate(); err != nil {
		return nil, &CorruptStateError{Path: ip, Err: err, Remedy: both}
	}
	var size int64
	fi, err := os.Stat(dp)
	switch {
	case err == nil:
		size = fi.Size()
	case !isNotExist(err):
		return nil, err
	}
	need := c.content.dataEnd()
	switch {
	case size < need:
		held := fmt.Sprintf("%s holds only %d", dname, size)
		if err != nil {
			held = "there is no " + dname
		}
		return nil, &CorruptStateError{Path: ip,
			Err:    fmt.Errorf("records %d bytes of data, but %s: data it points at is missing (the data file is older than its index, or was cut short or removed)", need, held),
			Remedy: both}
	case size > need && !crashed && !found:
		return nil, &CorruptStateError{Path: ip,
			Err:    fmt.Errorf("is missing, but %s holds %d bytes; the library was closed cleanly, so this is no crash to recover from", dname, size),
			Remedy: fmt.Sprintf("restore %s from the backup %s came from; or remove %s, and %s becomes a blank cartridge (what it held is lost)", iname, dname, dname, c.barcode)}
	case size > need && !crashed:
		return nil, &CorruptStateError{Path: ip,
			Err:    fmt.Errorf("records %d bytes of data, but %s holds %d: the index is older than the data (restored from an older backup?); the library was closed cleanly, so this is no crash to recover from", need, dname, size),
			Remedy: fmt.Sprintf("restore %s and %s from one backup; or, to keep only what the index records and lose the %d bytes after it, cut the data file to match: truncate -s %d %s", iname, dname, size-need, need, dp)}
	}
	c.synced = c.content.objects()
	if size > need {
		return &fileCut{path: dp, size: need}, nil
	}
	return nil, nil
}

// powerLoss drops what was written to c since its last synchronisation.
func (l *Library) powerLoss(c *cartridge) {
	c.content.truncate(c.synced)
	if c.blob != nil {
		c.blob.Truncate(c.content.dataEnd())
	}
}

// truncateAt cuts c at object id before an overwrite. In a directory
// library the durable index is cut first, so that a crash never leaves an
// index that points at bytes about to be overwritten.
func (l *Library) truncateAt(c *cartridge, id int64) error {
	if id >= c.content.objects() {
		return nil
	}
	if l.dir != "" && id < c.synced {
		durable := content{runs: append([]run(nil), c.content.runs...)}
		durable.truncate(id)
		if err := l.saveIndex(c, durable.runs); err != nil {
			return err
		}
	}
	c.content.truncate(id)
	c.synced = min(c.synced, id)
	if c.blob != nil {
		return c.blob.Truncate(c.content.dataEnd())
	}
	return nil
}

// fillSynthetic fills p with the bytes of a synthetic block: its object id
// repeated as little-endian 64-bit words, so every block differs and a
// reader can check what it got.
func fillSynthetic(p []byte, id int64) {
	var w [8]byte
	binary.LittleEndian.PutUint64(w[:], uint64(id))
	n := copy(p, w[:])
	// Double what is written: a few large copies, not a million small ones.
	for n < len(p) {
		n += copy(p[n:], p[:n])
	}
}
