package simulator

import (
	"fmt"
)

// TapeFile is one tape file for Library.AppendTapeFiles: the byte stream
// Head ‖ Data ‖ Tail cut into blocks of BlockSize bytes (the last one
// shorter), then a filemark. Head and Tail are stored; Data is generated
// when read. A tar member's headers before its data and its trailer after
// it, for example: that is how package simulator/workload lays out files
// in tape/format's default format without storing them.
type TapeFile struct {
	BlockSize  int
	Head, Tail []byte
	Data       SyntheticData
}

// AppendTapeFiles appends tape files to a cartridge that is not in a
// drive, after what it holds, and returns the block id (logical object id)
// at which each begins. Reading them gives exactly the bytes of their
// streams, block by block, as if a drive had written them;
// Drive.ReadBlocks reads them without moving the bytes. Only Head and Tail
// take room, in memory or in the cartridge's data file in a directory
// library, so hundreds of cartridges holding petabytes are set up in
// seconds.
func (l *Library) AppendTapeFiles(barcode string, files []TapeFile) ([]int64, error) {
	var starts []int64
	err := l.exclusive(func() error {
		c, err := l.fillable(barcode)
		if err != nil {
			return err
		}
		maxBlock := 0
		for _, d := range l.drives {
			maxBlock = max(maxBlock, d.typ.MaxBlockSize)
		}
		room := c.media.Capacity - c.content.tapeBytes()
		for i, f := range files {
			if f.BlockSize <= 0 || (maxBlock > 0 && f.BlockSize > maxBlock) || f.Data.Size < 0 {
				return fmt.Errorf("%w: tape file %d: %d bytes of data in %d-byte blocks (the drives take 1 to %d)", ErrConfig, i, f.Data.Size, f.BlockSize, maxBlock)
			}
			room -= int64(len(f.Head)) + f.Data.Size + int64(len(f.Tail)) + filemarkSize
			if room < 0 || f.Data.Size > c.media.Capacity {
				return fmt.Errorf("%w: the tape files do not fit on %s", ErrConfig, barcode)
			}
		}
		b, err := l.data(c)
		if err != nil {
			return err
		}
		starts = make([]int64, len(files))
		for i, f := range files {
			off := c.content.dataEnd()
			if _, err := b.WriteAt(f.Head, off); err != nil {
				return err
			}
			if _, err := b.WriteAt(f.Tail, off+int64(len(f.Head))); err != nil {
				return err
			}
			starts[i] = c.content.objects()
			st := &stream{Head: int64(len(f.Head)), Tail: int64(len(f.Tail)), Seed: f.Data.Seed, Size: f.Data.Size}
			c.content.appendStream(st, int64(f.BlockSize))
			c.content.appendMarks(1)
		}
		c.synced = 0 // force the index out
		return l.syncCartridge(c)
	})
	if err != nil {
		return nil, err
	}
	return starts, nil
}

// readStream fills p with the bytes of a stream from offset off: stored
// head, synthetic data, stored tail.
func (l *Library) readStream(c *cartridge, st *stream, off int64, p []byte) error {
	var b blob
	stored := func(p []byte, at int64) error {
		var err error
		if b == nil {
			if b, err = l.data(c); err != nil {
				return err
			}
		}
		_, err = b.ReadAt(p, st.Off+at)
		return err
	}
	if off < st.Head {
		k := int(min(int64(len(p)), st.Head-off))
		if err := stored(p[:k], off); err != nil {
			return err
		}
		p, off = p[k:], off+int64(k)
	}
	if len(p) > 0 && off < st.Head+st.Size {
		data := SyntheticData{Seed: st.Seed, Size: st.Size}
		k := int(min(int64(len(p)), st.Head+st.Size-off))
		data.fill(data.pattern(), p[:k], off-st.Head)
		p, off = p[k:], off+int64(k)
	}
	if len(p) > 0 {
		// The tail is stored right after the head: the data between
		// them in the stream takes no room.
		return stored(p, off-st.Size)
	}
	return nil
}
