package sqlite_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/sqlite"
)

// A writer's round: reserve a volume, write files to tape, commit the
// copies with the volume's new fill level, then list the tape in order.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "catalog-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := sqlite.Open(ctx, filepath.Join(dir, "catalog.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	must := func(err error) {
		if err != nil {
			log.Fatal(err)
		}
	}
	must(db.PutPool(ctx, catalog.Pool{Name: "raw-1"}))
	must(db.PutStorageClass(ctx, catalog.StorageClass{Name: "raw", Pools: []string{"raw-1"}}))
	must(db.AddVolume(ctx, catalog.Volume{Barcode: "ABC123L9", MediaType: "LTO-9", Pool: "raw-1",
		State: catalog.StateActive, Capacity: 18e12}))

	files, err := db.CreateFiles(ctx, []catalog.File{
		{Path: "/exp/run1/a.dat", Size: 1 << 30, StorageClass: "raw", Checksums: map[string]string{"adler32": "1a2b3c4d"}},
		{Path: "/exp/run1/b.dat", Size: 2 << 30, StorageClass: "raw", Checksums: map[string]string{"adler32": "5e6f7a8b"}},
	})
	must(err)

	vol, err := db.ReserveVolume(ctx, "raw-1", 3<<30, "mover-1")
	must(err)
	// … write both files to tape as tape files 1 and 2 and flush …
	copies := []catalog.Copy{
		{FileID: files[0].ID, CopyNo: 1, FileSeq: 1, BlockID: 1, Format: "tapekit-pax-1"},
		{FileID: files[1].ID, CopyNo: 1, FileSeq: 2, BlockID: 4097, Format: "tapekit-pax-1"},
	}
	must(db.CommitCopies(ctx, vol.Barcode, copies, vol.BytesUsed+3<<30, 2))
	must(db.ReleaseVolume(ctx, vol.Barcode, "mover-1"))

	for c, err := range db.VolumeCopies(ctx, vol.Barcode) {
		must(err)
		f, err := db.File(ctx, c.FileID)
		must(err)
		fmt.Printf("%s file %d block %d: %s\n", c.Volume, c.FileSeq, c.BlockID, f.Path)
	}
	_, err = db.CreateFiles(ctx, []catalog.File{{Path: "/exp/run1/a.dat", StorageClass: "raw"}})
	fmt.Println(err)
	// Output:
	// ABC123L9 file 1 block 1: /exp/run1/a.dat
	// ABC123L9 file 2 block 4097: /exp/run1/b.dat
	// catalog: already exists: files[0].path "/exp/run1/a.dat"
}
