package simulator

import (
	"encoding/binary"
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
	geo          *geometry
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
	b, err := jsonMarshal(indexFile{Version: stateVersion, Runs: runs})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(l.indexPath(c.barcode)), 0o755); err != nil {
		return err
	}
	return writeFileAtomic(l.indexPath(c.barcode), b)
}

// loadIndex reads a cartridge's durable index and cuts its data file to
// match, dropping bytes written after the last synchronisation.
func (l *Library) loadIndex(c *cartridge) error {
	var ix indexFile
	if err := readJSON(l.indexPath(c.barcode), &ix); err != nil {
		if isNotExist(err) {
			return nil
		}
		return err
	}
	if ix.Version != stateVersion {
		return fmt.Errorf("%w: %s: index version %d, want %d", ErrCorruptState, c.barcode, ix.Version, stateVersion)
	}
	var size int64
	if fi, err := os.Stat(l.dataPath(c.barcode)); err == nil {
		size = fi.Size()
	}
	c.content = content{runs: ix.Runs}
	if err := c.content.validate(size); err != nil {
		return fmt.Errorf("%w: cartridge %s: %v", ErrCorruptState, c.barcode, err)
	}
	if size > c.content.dataEnd() {
		if err := os.Truncate(l.dataPath(c.barcode), c.content.dataEnd()); err != nil {
			return err
		}
	}
	c.synced = c.content.objects()
	return nil
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
	for i := 0; i < len(p); i += 8 {
		copy(p[i:], w[:])
	}
}
