package tapetest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/tape"
	"github.com/tapekit/tapekit/tape/tapetest"
)

// A driver proves itself with one call. Here the driver is the simulator's:
// each check gets a new library with a scratch cartridge in drive 0.
func ExampleTestDrive() {
	ctx := context.Background()
	newDrive := func(ctx context.Context) (tape.Drive, error) {
		lib, err := simulator.New(nil, nil)
		if err != nil {
			return nil, err
		}
		if err := lib.Changer().Move(ctx, lib.SlotAddress(1), lib.DriveAddress(0)); err != nil {
			return nil, err
		}
		return lib.Drive(0)
	}
	passed, skipped := 0, 0
	err := tapetest.TestDrive(ctx, tapetest.Config{
		New: newDrive,
		Report: func(check string, err error) {
			switch {
			case err == nil:
				passed++
			case errors.Is(err, tapetest.ErrSkipped):
				skipped++
			}
		},
	})
	fmt.Println(err, passed, "passed,", skipped, "skipped (no write-protected or small cartridge given)")
	// Output: <nil> 17 passed, 2 skipped (no write-protected or small cartridge given)
}
