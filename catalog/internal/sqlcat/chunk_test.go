package sqlcat

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapekit/tapekit/catalog"
)

// A backend's chunk may come in any order: finishChunk restores tape order
// and keeps each copy with its own format, and refuses a copy twice or one
// outside the chunk's range.
func TestFinishChunk(t *testing.T) {
	e := &Engine{fmts: formatCache{names: map[int64]string{1: "a", 2: "b"}}}
	ctx := context.Background()
	chunk := []catalog.Copy{{FileID: 30, FileSeq: 13}, {FileID: 10, FileSeq: 11}, {FileID: 20, FileSeq: 12}}
	fmtIDs := []int64{2, 1, 1}
	if err := e.finishChunk(ctx, nil, "V1", 10, 20, chunk, fmtIDs); err != nil {
		t.Fatal(err)
	}
	want := []catalog.Copy{{FileID: 10, FileSeq: 11, Format: "a"}, {FileID: 20, FileSeq: 12, Format: "a"}, {FileID: 30, FileSeq: 13, Format: "b"}}
	if d := cmp.Diff(want, chunk); d != "" {
		t.Errorf("chunk (-want +got):\n%s", d)
	}
	for name, c := range map[string][]catalog.Copy{
		"twice":       {{FileSeq: 12}, {FileSeq: 11}, {FileSeq: 12}},
		"before last": {{FileSeq: 12}, {FileSeq: 10}},
		"after upto":  {{FileSeq: 12}, {FileSeq: 21}},
	} {
		if err := e.finishChunk(ctx, nil, "V1", 10, 20, c, make([]int64, len(c))); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
