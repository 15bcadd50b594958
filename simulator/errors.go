package simulator

import "errors"

// Errors of the simulator itself. Drive and changer operations return the
// sentinels of packages tape and changer.
var (
	// ErrConfig: the library configuration, or its Options, are invalid.
	ErrConfig = errors.New("simulator: invalid configuration")
	// ErrCorruptState: the state directory cannot be read back; nothing was
	// changed in it.
	ErrCorruptState = errors.New("simulator: corrupt state directory")
	// ErrLocked: another process has the state directory open.
	ErrLocked = errors.New("simulator: state directory in use by another process")
	// ErrNoCartridge: no cartridge has that barcode.
	ErrNoCartridge = errors.New("simulator: no such cartridge")
	// ErrNoDrive: no drive has that index.
	ErrNoDrive = errors.New("simulator: no such drive")
	// ErrClosed: the library was closed.
	ErrClosed = errors.New("simulator: library closed")
)
