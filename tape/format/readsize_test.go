package format_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/tape"
	"github.com/tapekit/tapekit/tape/format"
)

// sizeLog logs the length of every read buffer and what came back.
type sizeLog struct {
	*simulator.Drive
	log []string
}

func (s *sizeLog) Read(ctx context.Context, p []byte) (int, error) {
	n, err := s.Drive.Read(ctx, p)
	e := fmt.Sprintf("read %d → %d", len(p), n)
	switch {
	case err == nil:
	case errors.Is(err, tape.ErrBlockTooLong):
		e += " too long"
	case errors.Is(err, tape.ErrFilemark):
		e += " filemark"
	default:
		e += " " + err.Error()
	}
	s.log = append(s.log, e)
	return n, err
}

func (s *sizeLog) Space(ctx context.Context, k tape.SpaceKind, n int64) error {
	s.log = append(s.log, fmt.Sprintf("space %d", n))
	return s.Drive.Space(ctx, k, n)
}

// TestReadAsksForTheBlockSize: once a block has been read, reads ask the
// drive for that length rather than the whole buffer (a longer READ costs
// an ILI and a copy of the buffer per block through Linux sg); a longer
// block than that is read again whole after spacing back, and no byte is
// lost.
func TestReadAsksForTheBlockSize(t *testing.T) {
	ctx := context.Background()
	m := mount(t, nil)
	var want []byte
	for i, n := range []int{100, 100, 300, 300, 50} {
		b := bytes.Repeat([]byte{byte(i + 1)}, n)
		want = append(want, b...)
		if err := m.drive.Write(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.drive.WriteFilemarks(ctx, 1, true); err != nil {
		t.Fatal(err)
	}
	for _, ahead := range []bool{false, true} {
		was := format.SetReadAhead(ahead)
		if err := m.drive.Rewind(ctx); err != nil {
			t.Fatal(err)
		}
		d := &sizeLog{Drive: m.drive}
		var got bytes.Buffer
		n, blocks, err := format.CopyTapeFile(ctx, d, &got, 1024)
		format.SetReadAhead(was)
		if err != nil || n != int64(len(want)) || blocks != 5 || !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("read ahead %v: %d bytes in %d blocks, err %v", ahead, n, blocks, err)
		}
		wantLog := []string{
			"read 1024 → 100", "read 100 → 100",
			"read 100 → 100 too long", "space -1", "read 1024 → 300",
			"read 300 → 300", "read 300 → 50", "read 300 → 0 filemark",
		}
		if diff := cmp.Diff(wantLog, d.log); diff != "" {
			t.Errorf("read ahead %v: commands (-want +got):\n%s", ahead, diff)
		}
	}
}
