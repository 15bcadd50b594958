package simulator

import (
	"errors"
	"fmt"
)

// Errors of the simulator itself. Drive and changer operations return the
// sentinels of packages tape and changer.
var (
	// ErrConfig: the library configuration, or its Options, are invalid.
	ErrConfig = errors.New("simulator: invalid configuration")
	// ErrCorruptState: the state directory cannot be read back; nothing was
	// changed in it. Open returns it as a *CorruptStateError, which names
	// the file at fault and what to do.
	ErrCorruptState = errors.New("simulator: corrupt state directory")
	// ErrLocked: another process has the state directory open.
	ErrLocked = errors.New("simulator: state directory in use by another process")
	// ErrNoCartridge: no cartridge has that barcode.
	ErrNoCartridge = errors.New("simulator: no such cartridge")
	// ErrNoDrive: no drive has that index.
	ErrNoDrive = errors.New("simulator: no such drive")
	// ErrClosed: the library was closed.
	ErrClosed = errors.New("simulator: library closed")
	// ErrPowerLoss: the drive lost power with its cartridge loaded, by
	// Library.PowerLoss or because the last process to have a directory
	// library open died without Close, and it has not loaded a cartridge
	// since. The cartridge kept what was synchronised; it is still in the
	// drive and needs a Load. Drive operations return it wrapped with
	// tape.ErrNotReady.
	ErrPowerLoss = errors.New("simulator: the drive lost power")
)

// CorruptStateError is a state directory that Open refused: it names the
// file at fault, what is wrong with it and what an operator can do. Open
// changed nothing in the directory. It matches ErrCorruptState.
type CorruptStateError struct {
	// Path is the file at fault. When two files disagree, it is the one
	// whose word Open would have had to take.
	Path string
	// Err says what is wrong with the file.
	Err error
	// Remedy says what to do about it, in an operator's terms.
	Remedy string
}

func (e *CorruptStateError) Error() string {
	return fmt.Sprintf("%v: %s: %v; to repair it, %s", ErrCorruptState, e.Path, e.Err, e.Remedy)
}

// Unwrap returns what is wrong with the file.
func (e *CorruptStateError) Unwrap() error { return e.Err }

// Is makes a CorruptStateError match ErrCorruptState.
func (e *CorruptStateError) Is(target error) bool { return target == ErrCorruptState }
