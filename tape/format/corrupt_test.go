package format_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapekit/tapekit/checksum"
	"github.com/tapekit/tapekit/tape"
	"github.com/tapekit/tapekit/tape/format"
)

// appendRaw writes b as one tape file after end of data, as another tool
// (or bit rot) could leave it.
func appendRaw(t *testing.T, d tape.Drive, blocks ...[]byte) {
	t.Helper()
	ctx := context.Background()
	if err := d.Space(ctx, tape.SpaceEndOfData, 0); err != nil {
		t.Fatal(err)
	}
	for _, b := range blocks {
		if err := d.Write(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.WriteFilemarks(ctx, 1, true); err != nil {
		t.Fatal(err)
	}
}

// TestScanBadFiles: a file whose data changed on tape (its trailer
// checksum no longer matches), foreign data, an empty tape file and a tar
// member without tapekit records are each reported, and the scan goes on.
func TestScanBadFiles(t *testing.T) {
	ctx := context.Background()
	m := labelled(t, nil)
	recs, _ := archive(t, m.drive, nil, 3000)
	var raw bytes.Buffer
	if _, _, err := format.DumpTapeFile(ctx, m.drive, 1, &raw, 0); err != nil {
		t.Fatal(err)
	}
	rotten := bytes.Clone(raw.Bytes())
	rotten[1536+100] ^= 0x40 // a data byte, after the pax and ustar headers
	appendRaw(t, m.drive, rotten)
	appendRaw(t, m.drive, bytes.Repeat([]byte("not a tar archive "), 100))
	appendRaw(t, m.drive)
	appendRaw(t, m.drive, paxMember(map[string]string{"SCHILY.foo": "bar"}, 10))
	appendRaw(t, m.drive, raw.Bytes()) // a good copy after the bad ones

	var got []string
	for _, r := range scanAll(t, m.drive) {
		got = append(got, fmt.Sprintf("%d %s", r.FSeq, r.Status))
	}
	want := []string{"1 ok", "2 checksum-mismatch", "3 unknown-format", "4 unknown-format", "5 unknown-format", "6 ok"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("scan (-want +got):\n%s", diff)
	}
	_, _, err := readAll(t, m.drive, 2, nil)
	var me *checksum.MismatchError
	if !errors.As(err, &me) || me.Algorithm != "adler32" {
		t.Errorf("reading the rotten file: %v", err)
	}
	if _, _, err := readAll(t, m.drive, 6, &format.ReaderOptions{Expected: recs[0].Checksums}); err != nil {
		t.Errorf("good copy: %v", err)
	}
	if _, err := format.Open(ctx, m.drive, 7, nil); !errors.Is(err, tape.ErrEndOfData) {
		t.Errorf("file past end of data: %v", err)
	}
}
