package format

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/tapekit/tapekit/tape"
)

// DumpTapeFile copies tape file number file (0 is the label; for FormatPAX
// file N holds file sequence N) to w exactly as it is on tape, block after
// block, as `mt fsf N; dd if=/dev/nst0 bs=BIG` would. It returns the bytes
// and blocks copied; a tape file that ends at end of data without its
// filemark is copied and reported as ErrTruncated. See CopyTapeFile.
func DumpTapeFile(ctx context.Context, d tape.Drive, file int64, w io.Writer, maxBlock int) (n, blocks int64, err error) {
	if err := tape.LocateFile(ctx, d, 0, file); err != nil {
		return 0, 0, err
	}
	return copyTapeFile(ctx, d, w, maxBlock, fmt.Sprintf("tape file %d", file))
}

// CopyTapeFile copies the blocks from d's position to the filemark that
// ends the tape file to w, each block in one Write, and returns the bytes
// and blocks copied. maxBlock is the size of each of its two read buffers
// (0: the drive's maximum block size).
//
// The drive reads the next block while w takes the current one, as dd
// writing to a pipe while the st driver reads. It ends as a plain loop of
// Read calls would: after the filemark (nil error), at end of data (a tape
// file cut short: ErrTruncated, or the drive's tape.ErrEndOfData when
// there was no block at all), or at the first error, with the blocks before
// it written, so the same commands reach the drive. When w fails, the block
// read ahead is given back (the drive spaces back over it): the drive is
// after the block w refused, as without read-ahead.
func CopyTapeFile(ctx context.Context, d tape.Drive, w io.Writer, maxBlock int) (n, blocks int64, err error) {
	return copyTapeFile(ctx, d, w, maxBlock, "the tape file")
}

func copyTapeFile(ctx context.Context, d tape.Drive, w io.Writer, maxBlock int, what string) (n, blocks int64, err error) {
	src := newReadAhead(ctx, d, newReadBuffers(readBufferSize(ctx, d, maxBlock)))
	src.enable(tape.Position{}, false)
	for {
		b, err := src.next()
		switch {
		case err == nil && len(b) == 0:
			return n, blocks, fmt.Errorf("%w: the drive returned an empty block", ErrWrongFormat)
		case err == nil:
		case errors.Is(err, tape.ErrFilemark):
			return n, blocks, nil
		case errors.Is(err, tape.ErrEndOfData):
			if blocks == 0 {
				return 0, 0, err
			}
			return n, blocks, fmt.Errorf("%w: %s ends at end of data without a filemark", ErrTruncated, what)
		default:
			return n, blocks, err
		}
		if _, werr := w.Write(b); werr != nil {
			if serr := src.stop(); serr != nil {
				return n, blocks, errors.Join(werr, serr)
			}
			return n, blocks, werr
		}
		n, blocks = n+int64(len(b)), blocks+1
	}
}
