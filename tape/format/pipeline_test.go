package format_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/tape"
	"github.com/tapekit/tapekit/tape/format"
)

// TestWriteStopsAtFailedBatch: the writing goroutine goes on from one
// batch to the next by itself, but not past a block the drive refused:
// the batch handed over meanwhile is never written, as if every batch had
// waited for the one before, and the drive was used by one goroutine at a
// time.
func TestWriteStopsAtFailedBatch(t *testing.T) {
	ctx := context.Background()
	const bs = 32 << 10
	perBatch := format.BatchBytes / bs
	for _, badIndex := range []int{0, perBatch - 1, perBatch, 2*perBatch + 5} {
		m := labelled(t, nil)
		r := &recorder{d: m.drive, t: t}
		w, err := format.NewWriter(r, &format.WriterOptions{BlockSize: bs})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Start(ctx); err != nil {
			t.Fatal(err)
		}
		start, err := m.drive.Position(ctx)
		if err != nil {
			t.Fatal(err)
		}
		bad := start.Block + int64(badIndex)
		if err := m.lib.InjectMediaError(barcode, bad, bad, simulator.FaultWrite); err != nil {
			t.Fatal(err)
		}
		const size = 5 * format.BatchBytes
		_, err = w.WriteFile(ctx, format.Meta{FileID: "1", Path: "/f", Size: size}, newPattern(size))
		if !errors.Is(err, tape.ErrMediumError) {
			t.Errorf("block %d of the file unwritable: WriteFile: %v", badIndex, err)
		}
		var writes []string
		for _, e := range r.log {
			if strings.HasPrefix(e, "write ") && !strings.HasPrefix(e, "write filemarks") {
				writes = append(writes, e)
			}
		}
		if len(writes) != badIndex+1 || writes[len(writes)-1] != "write 32768: medium error" {
			t.Errorf("block %d of the file unwritable: %d writes, the last %q; want %d, the last failing", badIndex, len(writes), writes[len(writes)-1], badIndex+1)
		}
	}
}
