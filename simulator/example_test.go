package simulator_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/tape"
)

// A library with the default shape: load a cartridge, write a file, read it
// back, and see how much library time it took.
func Example() {
	ctx := context.Background()
	lib, err := simulator.New(nil, nil) // 4 LTO-9 drives, 20 slots, 2 I/E ports
	if err != nil {
		panic(err)
	}
	defer lib.Close()

	if err := lib.Changer().Move(ctx, lib.SlotAddress(1), lib.DriveAddress(0)); err != nil {
		panic(err)
	}
	drive, _ := lib.Drive(0)
	drive.Write(ctx, []byte("hello, tape"))
	drive.WriteFilemarks(ctx, 1, true) // synchronise: now it survives a power loss
	drive.Rewind(ctx)

	buf := make([]byte, 64)
	n, _ := drive.Read(ctx, buf)
	_, err = drive.Read(ctx, buf)
	fmt.Printf("%s, then %v\n", buf[:n], errors.Is(err, tape.ErrFilemark))

	st, _ := drive.Status(ctx)
	fmt.Println(st.Barcode, st.MediaType, st.Position)
	fmt.Println("library time:", lib.Clock().Since(simulator.Epoch).Round(time.Second))
	// Output:
	// hello, tape, then true
	// TK0001L9 LTO-9 partition 0 file 1 block 2
	// library time: 31s
}

// Data a drive holds in its buffer is lost in a power cut; what a
// synchronising filemark covered is not.
func ExampleLibrary_PowerLoss() {
	ctx := context.Background()
	lib, _ := simulator.New(nil, nil)
	defer lib.Close()
	lib.Changer().Move(ctx, lib.SlotAddress(1), lib.DriveAddress(0))
	drive, _ := lib.Drive(0)

	drive.Write(ctx, []byte("safe"))
	drive.WriteFilemarks(ctx, 1, true)
	drive.Write(ctx, []byte("buffered"))
	lib.PowerLoss()

	drive.Load(ctx)
	drive.Space(ctx, tape.SpaceEndOfData, 0)
	pos, _ := drive.Position(ctx)
	fmt.Println("end of data at block", pos.Block)
	// Output: end of data at block 2
}

// Read order matters on serpentine tape: locating to the far end of a full
// cartridge costs more than the next file.
func ExampleLibrary_FillSynthetic() {
	ctx := context.Background()
	lib, _ := simulator.New(nil, nil)
	defer lib.Close()
	// 1,000 files of 10 GB: more than half of an LTO-9 cartridge.
	if err := lib.FillSynthetic("TK0001L9", 1000, 10e9, 8<<20); err != nil {
		panic(err)
	}
	lib.Changer().Move(ctx, lib.SlotAddress(1), lib.DriveAddress(0))
	drive, _ := lib.Drive(0)
	drive.Rewind(ctx) // pays for the load

	cost := func(file int64) time.Duration {
		start := lib.Clock().Now()
		tape.LocateFile(ctx, drive, 0, file)
		return lib.Clock().Since(start).Round(time.Second)
	}
	fmt.Println("to file 1:", cost(1))
	fmt.Println("to file 999:", cost(999))
	fmt.Println("back to file 0:", cost(0))
	// Output:
	// to file 1: 17s
	// to file 999: 54s
	// back to file 0: 1m7s
}
