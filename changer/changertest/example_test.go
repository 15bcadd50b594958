package changertest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/tapekit/tapekit/changer/changertest"
	"github.com/tapekit/tapekit/simulator"
)

// A changer driver proves itself with one call; here, the simulator's
// robot in its default library.
func ExampleTestChanger() {
	ctx := context.Background()
	passed, skipped := 0, 0
	err := changertest.TestChanger(ctx, changertest.Config{
		New: func(ctx context.Context) (changertest.Library, error) {
			lib, err := simulator.New(nil, nil)
			if err != nil {
				return changertest.Library{}, err
			}
			return changertest.Library{Changer: lib.Changer()}, nil
		},
		Report: func(check string, err error) {
			switch {
			case err == nil:
				passed++
			case errors.Is(err, changertest.ErrSkipped):
				skipped++
			}
		},
	})
	fmt.Println(err, passed, "passed,", skipped, "skipped (no incompatible cartridge named)")
	// Output: <nil> 10 passed, 1 skipped (no incompatible cartridge named)
}
