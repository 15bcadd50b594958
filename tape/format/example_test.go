package format_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"strings"
	"time"

	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/tape/format"
)

// exampleDrive loads TK0001L9 into drive 0 of a simulated library.
func exampleDrive() (*simulator.Library, *simulator.Drive) {
	ctx := context.Background()
	lib, err := simulator.New(nil, nil)
	if err != nil {
		log.Fatal(err)
	}
	if err := lib.Changer().Move(ctx, lib.SlotAddress(1), lib.DriveAddress(0)); err != nil {
		log.Fatal(err)
	}
	d, err := lib.Drive(0)
	if err != nil {
		log.Fatal(err)
	}
	return lib, d
}

// Label a cartridge, archive two files and learn where they are once a
// synchronisation made them durable.
func ExampleWriter() {
	ctx := context.Background()
	lib, d := exampleDrive()
	defer lib.Close()

	if _, err := format.Label(ctx, d, "TK0001L9", nil); err != nil {
		log.Fatal(err)
	}
	// Barcode: the writer checks the label against what the changer said.
	w, err := format.NewWriter(d, &format.WriterOptions{Barcode: "TK0001L9"})
	if err != nil {
		log.Fatal(err)
	}
	mtime := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i, text := range []string{"first file\n", "second file\n"} {
		meta := format.Meta{FileID: fmt.Sprint(1000 + i), Path: fmt.Sprintf("/exp/run%d.dat", i+1), Size: int64(len(text)), ModTime: mtime}
		rec, err := w.WriteFile(ctx, meta, strings.NewReader(text))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("wrote", rec.Path, rec.Status)
	}
	// Close synchronises: only now are the files reported written.
	recs, err := w.Close(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range recs {
		sum, _ := r.Checksum("adler32")
		fmt.Printf("fseq %d block %d %s size %d adler32 %s %s\n", r.FSeq, r.Block, r.Path, r.Size, sum.Hex(), r.Status)
	}
	// Output:
	// wrote /exp/run1.dat pending
	// wrote /exp/run2.dat pending
	// fseq 1 block 2 /exp/run1.dat size 11 adler32 19c703f3 ok
	// fseq 2 block 4 /exp/run2.dat size 12 adler32 1e320447 ok
}

// Read a file back; its checksums are verified when the reader reaches
// the end.
func ExampleOpen() {
	ctx := context.Background()
	lib, d := exampleDrive()
	defer lib.Close()
	if _, err := format.Label(ctx, d, "TK0001L9", nil); err != nil {
		log.Fatal(err)
	}
	w, _ := format.NewWriter(d, nil)
	w.WriteFile(ctx, format.Meta{FileID: "1", Path: "/hello.txt", Size: 6}, strings.NewReader("hello\n"))
	if _, err := w.Close(ctx); err != nil {
		log.Fatal(err)
	}

	f, err := format.Open(ctx, d, 1, nil)
	if err != nil {
		log.Fatal(err)
	}
	// Close gives the drive back when reading stops before the end (the
	// next block is read ahead); after the end it does nothing.
	defer f.Close()
	data, err := io.ReadAll(f) // a checksum mismatch would be an error here
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %q\n", f.Header.Path, data)
	// Output:
	// /hello.txt: "hello\n"
}

// Rebuild catalog records from a tape alone.
func ExampleScan() {
	ctx := context.Background()
	lib, d := exampleDrive()
	defer lib.Close()
	if _, err := format.Label(ctx, d, "TK0001L9", nil); err != nil {
		log.Fatal(err)
	}
	w, _ := format.NewWriter(d, nil)
	w.WriteFile(ctx, format.Meta{FileID: "a1", Path: "/a", Size: 1, Copy: 2, StorageClass: "raw"}, strings.NewReader("a"))
	w.WriteFile(ctx, format.Meta{FileID: "b2", Path: "/b", Size: 2, StorageClass: "raw"}, strings.NewReader("bb"))
	if _, err := w.Close(ctx); err != nil {
		log.Fatal(err)
	}

	for rec, err := range format.Scan(ctx, d, 1, nil) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(rec.Volume, rec.FSeq, rec.Block, rec.FileID, rec.Path, rec.Size, rec.Copy, rec.StorageClass, rec.Status)
	}
	// Output:
	// TK0001L9 1 2 a1 /a 1 2 raw ok
	// TK0001L9 2 4 b2 /b 2 1 raw ok
}
