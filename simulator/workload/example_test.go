package workload_test

import (
	"context"
	"fmt"
	"io"
	"log"

	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/simulator/workload"
	"github.com/tapekit/tapekit/tape/format"
)

// Lay out a cartridge with a 200 GiB file and a small one in the default
// format, then recall the small one as an HSM would: locate to the block
// its record gives and read it through format.OpenAt, which verifies it.
func Example() {
	ctx := context.Background()
	lib, err := simulator.New(&simulator.Config{
		Slots:      1,
		Drives:     []simulator.DriveConfig{{Product: simulator.LTO9Drive.Product}},
		Cartridges: []simulator.CartridgeConfig{{Barcode: "EX0001L9", Slot: 1}},
	}, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer lib.Close()

	recs, err := workload.Fill(lib, "EX0001L9", []workload.File{
		{Meta: format.Meta{FileID: "1", Path: "/exp/run1/big.dat", Size: 200 << 30}, Seed: 1},
		{Meta: format.Meta{FileID: "2", Path: "/exp/run1/small.dat", Size: 5000}, Seed: 2},
	}, nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range recs {
		sum, _ := r.Checksum("adler32")
		fmt.Printf("fseq %d at block %d: %s, %d bytes, adler32 %s\n", r.FSeq, r.Block, r.Path, r.Size, sum.Hex())
	}

	if err := lib.Changer().Move(ctx, lib.SlotAddress(1), lib.DriveAddress(0)); err != nil {
		log.Fatal(err)
	}
	d, _ := lib.Drive(0)
	f, err := format.OpenAt(ctx, d, recs[1].Block, recs[1].FSeq, nil)
	if err != nil {
		log.Fatal(err)
	}
	n, err := io.Copy(io.Discard, f)
	fmt.Printf("read %s: %d bytes, verified: %v\n", f.Header.Path, n, err == nil)
	// Output:
	// fseq 1 at block 2: /exp/run1/big.dat, 214748364800 bytes, adler32 7f789c23
	// fseq 2 at block 819204: /exp/run1/small.dat, 5000 bytes, adler32 a73ebdb7
	// read /exp/run1/small.dat: 5000 bytes, verified: true
}
