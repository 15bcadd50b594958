package format_test

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/tape/format"
)

// mounted is a simulated library with TK0001L9 loaded in drive 0.
type mounted struct {
	lib   *simulator.Library
	drive *simulator.Drive
}

const barcode = "TK0001L9"

func mount(t testing.TB, cfg *simulator.Config) *mounted {
	t.Helper()
	ctx := context.Background()
	lib, err := simulator.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lib.Close() })
	if err := lib.Changer().Move(ctx, lib.SlotAddress(1), lib.DriveAddress(0)); err != nil {
		t.Fatal(err)
	}
	d, err := lib.Drive(0)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Load(ctx); err != nil {
		t.Fatal(err)
	}
	return &mounted{lib: lib, drive: d}
}

// labelled mounts and labels TK0001L9.
func labelled(t testing.TB, cfg *simulator.Config) *mounted {
	t.Helper()
	m := mount(t, cfg)
	if _, err := format.Label(context.Background(), m.drive, barcode, &format.LabelOptions{Creator: "test", Now: fixedNow}); err != nil {
		t.Fatal(err)
	}
	return m
}

func fixedNow() time.Time { return time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC) }

// content is reproducible pseudo-random data of n bytes.
func content(seed uint64, n int) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)})
	r.Read(b)
	return b
}

// readAll opens fseq and reads it through, returning the data and the
// final error (nil when verified).
func readAll(t interface{ Helper() }, d *simulator.Drive, fseq int64, opts *format.ReaderOptions) ([]byte, format.Record, error) {
	t.Helper()
	f, err := format.Open(context.Background(), d, fseq, opts)
	if err != nil {
		return nil, format.Record{}, err
	}
	var b bytes.Buffer
	_, err = io.Copy(&b, f)
	return b.Bytes(), f.Record(), err
}
