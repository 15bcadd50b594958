// Package tapetest checks that a tape.Drive honours the contract written on
// the tape package: block and filemark semantics, positions, spacing in both
// directions, locate, append and overwrite, write protect, early warning and
// end of medium, and unload/load cycles.
//
// Like testing/fstest.TestFS, TestDrive returns an error instead of needing
// a *testing.T, so the same suite runs under go test against the simulator
// and from tapectl against a real drive:
//
//	err := tapetest.TestDrive(ctx, tapetest.Config{
//		New: func(ctx context.Context) (tape.Drive, error) { … a drive with a scratch cartridge loaded … },
//	})
//
// The suite OVERWRITES the cartridges it is given.
package tapetest
