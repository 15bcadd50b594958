package format_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"pgregory.net/rapid"

	"github.com/tapekit/tapekit/checksum"
	"github.com/tapekit/tapekit/tape"
	"github.com/tapekit/tapekit/tape/format"
)

// TestMemberHeadTail: MemberHead ‖ data ‖ MemberTail, cut into blocks, is
// byte for byte the tape file a Writer writes.
func TestMemberHeadTail(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		ctx := context.Background()
		m := labelled(t, nil)
		block := 512 * rapid.IntRange(1, 20).Draw(rt, "blocks of 512")
		algs := rapid.SliceOfNDistinct(rapid.SampledFrom([]string{"adler32", "crc32c", "md5", "sha256"}), 1, 3, func(s string) string { return s }).Draw(rt, "algs")
		data := content(rapid.Uint64().Draw(rt, "seed"), rapid.IntRange(0, 30000).Draw(rt, "size"))
		meta := format.Meta{
			FileID:       fmt.Sprint(rapid.Int64Range(1, 1<<40).Draw(rt, "id")),
			Path:         rapid.SampledFrom([]string{"/a", "/exp/run1/f.dat", "/" + string(bytes.Repeat([]byte("long/"), 40)) + "é"}).Draw(rt, "path"),
			Size:         int64(len(data)),
			Copy:         rapid.IntRange(0, 3).Draw(rt, "copy"),
			StorageClass: rapid.SampledFrom([]string{"", "raw"}).Draw(rt, "class"),
		}
		if rapid.Bool().Draw(rt, "expected") {
			h := checksum.NewAdler32()
			h.Write(data)
			meta.Checksums = []checksum.Value{{Algorithm: "adler32", Bytes: h.Sum(nil)}}
		}
		w, err := format.NewWriter(m.drive, &format.WriterOptions{BlockSize: block, Checksums: algs, Now: fixedNow})
		if err != nil {
			rt.Fatal(err)
		}
		rec, err := w.WriteFile(ctx, meta, bytes.NewReader(data))
		if err != nil {
			rt.Fatal(err)
		}
		if _, err := w.Close(ctx); err != nil {
			rt.Fatal(err)
		}
		head, err := format.MemberHead(meta, 1, barcode, algs, fixedNow())
		if err != nil {
			rt.Fatal(err)
		}
		tail, err := format.MemberTail(meta.Size, rec.Checksums)
		if err != nil {
			rt.Fatal(err)
		}
		want := bytes.Join([][]byte{head, data, tail}, nil)

		if err := m.drive.Locate(ctx, tape.Position{Block: rec.Block}); err != nil {
			rt.Fatal(err)
		}
		var got []byte
		buf := make([]byte, block)
		for {
			n, err := m.drive.Read(ctx, buf)
			if errors.Is(err, tape.ErrFilemark) {
				break
			}
			if err != nil {
				rt.Fatal(err)
			}
			if n != block && len(got)+n != len(want) {
				rt.Fatalf("a block of %d bytes before the last, at %d", n, len(got))
			}
			got = append(got, buf[:n]...)
		}
		if !bytes.Equal(got, want) {
			rt.Fatalf("the Writer wrote %d bytes, MemberHead ‖ data ‖ MemberTail has %d; first difference at %d", len(got), len(want), firstDiff(got, want))
		}
	})
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestMemberErrors(t *testing.T) {
	if _, err := format.MemberHead(format.Meta{Path: "/a", Size: -1}, 1, barcode, nil, fixedNow()); !errors.Is(err, format.ErrBadMetadata) {
		t.Errorf("negative size: %v, want ErrBadMetadata", err)
	}
	if _, err := format.MemberHead(format.Meta{Path: "/a"}, 1, barcode, []string{"nosuch"}, fixedNow()); !errors.Is(err, checksum.ErrUnknownAlgorithm) {
		t.Errorf("unknown algorithm: %v, want ErrUnknownAlgorithm", err)
	}
	if _, err := format.MemberTail(-1, nil); !errors.Is(err, format.ErrBadMetadata) {
		t.Errorf("negative size: %v, want ErrBadMetadata", err)
	}
}
