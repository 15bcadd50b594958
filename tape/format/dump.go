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
// filemark is copied and reported as ErrTruncated.
func DumpTapeFile(ctx context.Context, d tape.Drive, file int64, w io.Writer, maxBlock int) (n, blocks int64, err error) {
	if err := tape.LocateFile(ctx, d, 0, file); err != nil {
		return 0, 0, err
	}
	if maxBlock <= 0 {
		maxBlock = fallbackMaxBlock
		if st, err := d.Status(ctx); err == nil && st.MaxBlockSize > 0 && st.MaxBlockSize <= 64<<20 {
			maxBlock = st.MaxBlockSize
		}
	}
	buf := make([]byte, maxBlock)
	for {
		k, err := d.Read(ctx, buf)
		if k > 0 && err == nil {
			if _, werr := w.Write(buf[:k]); werr != nil {
				return n, blocks, werr
			}
			n, blocks = n+int64(k), blocks+1
		}
		switch {
		case err == nil:
		case errors.Is(err, tape.ErrFilemark):
			return n, blocks, nil
		case errors.Is(err, tape.ErrEndOfData):
			if blocks == 0 {
				return 0, 0, err
			}
			return n, blocks, fmt.Errorf("%w: tape file %d ends at end of data without a filemark", ErrTruncated, file)
		default:
			return n, blocks, err
		}
	}
}
