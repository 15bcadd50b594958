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
	chunk := []listed{{catalog.Copy{FileID: 30, FileSeq: 13}, 2}, {catalog.Copy{FileID: 10, FileSeq: 11}, 1}, {catalog.Copy{FileID: 20, FileSeq: 12}, 1}}
	if err := e.finishChunk(ctx, nil, "V1", 10, 20, chunk); err != nil {
		t.Fatal(err)
	}
	want := []catalog.Copy{{FileID: 10, FileSeq: 11, Format: "a"}, {FileID: 20, FileSeq: 12, Format: "a"}, {FileID: 30, FileSeq: 13, Format: "b"}}
	var got []catalog.Copy
	for _, l := range chunk {
		got = append(got, l.c)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("chunk (-want +got):\n%s", d)
	}
	for name, seqs := range map[string][]int64{
		"twice":       {12, 11, 12},
		"before last": {12, 10},
		"after upto":  {12, 21},
	} {
		var c []listed
		for _, s := range seqs {
			c = append(c, listed{catalog.Copy{FileSeq: s}, 1})
		}
		if err := e.finishChunk(ctx, nil, "V1", 10, 20, c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
