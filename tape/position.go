package tape

import "fmt"

// Position is a logical position on tape, as SCSI READ POSITION reports it.
//
// Block is the logical object identifier: the number of blocks AND
// filemarks between the beginning of the partition and the position (SSC
// counts both). File is the logical file identifier: the number of filemarks
// between the beginning of the partition and the position. So after writing
// blocks b0 b1, a filemark and b2, the position is Block 4, File 1.
type Position struct {
	Partition int
	Block     int64
	File      int64
}

func (p Position) String() string {
	return fmt.Sprintf("partition %d file %d block %d", p.Partition, p.File, p.Block)
}

// SpaceKind says what Drive.Space counts.
type SpaceKind int

const (
	// SpaceBlocks spaces over blocks; a filemark stops it (ErrFilemark).
	SpaceBlocks SpaceKind = iota
	// SpaceFilemarks spaces over filemarks. Forward, the drive ends just
	// after the count-th filemark (the start of the next file); backward,
	// just before it (the end of the previous file), as `mt fsf`/`mt bsf`.
	SpaceFilemarks
	// SpaceEndOfData goes to end of data; the count is ignored.
	SpaceEndOfData
)

func (k SpaceKind) String() string {
	switch k {
	case SpaceBlocks:
		return "blocks"
	case SpaceFilemarks:
		return "filemarks"
	case SpaceEndOfData:
		return "end of data"
	}
	return fmt.Sprintf("SpaceKind(%d)", int(k))
}
