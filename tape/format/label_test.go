package format_test

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapekit/tapekit/tape/format"
)

func TestLabel(t *testing.T) {
	ctx := context.Background()
	m := mount(t, nil)
	if _, err := format.ReadLabel(ctx, m.drive); !errors.Is(err, format.ErrNoLabel) {
		t.Errorf("blank tape: %v, want ErrNoLabel", err)
	}
	l, err := format.Label(ctx, m.drive, barcode, &format.LabelOptions{Creator: "tapectl on test", Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.ID) != 32 {
		t.Errorf("label id %q: want 128 bits in hex", l.ID)
	}
	want := format.VolumeLabel{Barcode: barcode, Format: format.FormatPAX, Version: 1, ID: l.ID, Created: fixedNow(), Creator: "tapectl on test"}
	if diff := cmp.Diff(want, l); diff != "" {
		t.Errorf("label (-want +got):\n%s", diff)
	}
	got, err := format.CheckLabel(ctx, m.drive, barcode)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("label read back (-want +got):\n%s", diff)
	}
	if pos, _ := m.drive.Position(ctx); pos.File != 1 {
		t.Errorf("after ReadLabel the drive is at %v, want file 1", pos)
	}
	_, err = format.CheckLabel(ctx, m.drive, "TK0002L9")
	var lm *format.LabelMismatchError
	if !errors.As(err, &lm) || !errors.Is(err, format.ErrLabelMismatch) || lm.Label.Barcode != barcode {
		t.Errorf("wrong barcode: %v", err)
	}

	// An empty labelled tape may be relabelled; one with data may not.
	l2, err := format.Label(ctx, m.drive, barcode, nil)
	if err != nil {
		t.Fatalf("relabelling an empty tape: %v", err)
	}
	if l2.ID == l.ID {
		t.Error("relabelling kept the unique id")
	}
	archive(t, m.drive, nil, 10)
	if _, err := format.Label(ctx, m.drive, barcode, nil); !errors.Is(err, format.ErrNotEmpty) {
		t.Errorf("relabelling a tape with a file: %v, want ErrNotEmpty", err)
	}
	if _, err := format.Label(ctx, m.drive, barcode, &format.LabelOptions{Force: true}); err != nil {
		t.Errorf("forced relabel: %v", err)
	}
	n := 0
	for _, err := range format.Scan(ctx, m.drive, 1, nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 0 {
		t.Errorf("after a forced relabel the scan finds %d files", n)
	}

	// Foreign data at BOT is not a label, and is not overwritten without
	// Force.
	if err := m.drive.Rewind(ctx); err != nil {
		t.Fatal(err)
	}
	if err := m.drive.Write(ctx, bytes.Repeat([]byte("x"), 1024)); err != nil {
		t.Fatal(err)
	}
	if err := m.drive.WriteFilemarks(ctx, 1, true); err != nil {
		t.Fatal(err)
	}
	if _, err := format.ReadLabel(ctx, m.drive); !errors.Is(err, format.ErrWrongFormat) {
		t.Errorf("foreign tape: %v, want ErrWrongFormat", err)
	}
	if _, err := format.Label(ctx, m.drive, barcode, nil); !errors.Is(err, format.ErrNotEmpty) {
		t.Errorf("labelling a foreign tape: %v, want ErrNotEmpty", err)
	}
	if _, err := format.Label(ctx, m.drive, "bad barcode", &format.LabelOptions{Force: true}); !errors.Is(err, format.ErrBadMetadata) {
		t.Errorf("barcode with a space: %v", err)
	}
}

func TestParseLabelRejects(t *testing.T) {
	good, err := format.MarshalLabel(format.VolumeLabel{Barcode: barcode, Format: format.FormatPAX, Version: 1, ID: "00", Created: fixedNow()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := format.ParseLabel(good); err != nil {
		t.Fatalf("good label: %v", err)
	}
	mk := func(name, body string) []byte {
		var b bytes.Buffer
		tw := tar.NewWriter(&b)
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg})
		tw.Write([]byte(body))
		tw.Close()
		return b.Bytes()
	}
	cases := map[string]struct {
		block []byte
		want  error
	}{
		"garbage":       {bytes.Repeat([]byte{0xAB}, 2048), format.ErrWrongFormat},
		"empty":         {nil, format.ErrWrongFormat},
		"other member":  {mk("etc/passwd", "root"), format.ErrWrongFormat},
		"not json":      {mk(format.LabelMember, "hello"), format.ErrBadMetadata},
		"other format":  {mk(format.LabelMember, `{"format":"ltfs","version":1,"barcode":"A"}`), format.ErrWrongFormat},
		"future":        {mk(format.LabelMember, `{"format":"tapekit-pax","version":99,"barcode":"A"}`), format.ErrWrongFormat},
		"no barcode":    {mk(format.LabelMember, `{"format":"tapekit-pax","version":1}`), format.ErrBadMetadata},
		"truncated tar": {good[:700], format.ErrWrongFormat},
	}
	for name, c := range cases {
		if _, err := format.ParseLabel(c.block); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
}
