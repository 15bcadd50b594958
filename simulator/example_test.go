package simulator_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/simulator/vclock"
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

// Several drives at once in virtual time: each drive is a participant of
// a vclock.Clock, started with Go, and passes its context to every call.
// The mounts queue for the one robot (12 s each, then a 17 s load); the
// hour-long reads overlap, so all four end about an hour after the start.
func Example_concurrentDrives() {
	vc := vclock.New(simulator.Epoch, nil)
	lib, _ := simulator.New(nil, &simulator.Options{Clock: vc})
	defer lib.Close()
	for slot := 1; slot <= 4; slot++ {
		// One file of an hour at 400 MB/s.
		lib.FillSynthetic(fmt.Sprintf("TK%04dL9", slot), 1, 1_440_000_000_000, 4_000_000)
	}

	ctx, leave := vc.Join(context.Background(), "main")
	done := make([]time.Duration, lib.NumDrives())
	for i := range lib.NumDrives() {
		vc.Go(ctx, fmt.Sprintf("drive %d", i), func(ctx context.Context) {
			lib.Changer().Move(ctx, lib.SlotAddress(i+1), lib.DriveAddress(i))
			drive, _ := lib.Drive(i)
			for { // read the file through the fast path
				if _, err := drive.ReadBlocks(ctx, 1<<20); err != nil {
					break // the filemark
				}
			}
			done[i] = vc.Since(simulator.Epoch)
		})
	}
	leave()
	vc.Wait() // every participant has left
	for i, d := range done {
		fmt.Printf("drive %d done at +%v\n", i, d)
	}
	// Output:
	// drive 0 done at +1h0m29s
	// drive 1 done at +1h0m41s
	// drive 2 done at +1h0m53s
	// drive 3 done at +1h1m5s
}
