package mtx

import "github.com/tapekit/tapekit/changer"

// mtx names elements by its own numbers, not by SCSI element addresses:
// drives count from 0 and storage slots from 1, with the I/E ports counted
// among the storage slots. The Changer maps those numbers into one
// changer.Address space so that every element has a distinct address:
// a storage or I/E slot keeps its mtx number, and a drive sits at
// DriveBase plus its mtx number.
const (
	// DriveBase is the address of mtx drive 0. It is far above any slot
	// number a library reports, so slot and drive addresses never collide.
	DriveBase changer.Address = 0xF000
	// MaxDrives and MaxSlots bound what fits in the address space.
	MaxDrives = 0x10000 - int(DriveBase)
	MaxSlots  = int(DriveBase) - 1
)

// DriveAddress returns the address of mtx drive n (0-based).
func DriveAddress(n int) changer.Address { return DriveBase + changer.Address(n) }

// SlotAddress returns the address of mtx storage element n (1-based), an
// ordinary slot or an I/E port.
func SlotAddress(n int) changer.Address { return changer.Address(n) }

// DriveNumber returns the mtx drive number of addr, and false when addr is
// not a drive address.
func DriveNumber(addr changer.Address) (int, bool) {
	if addr < DriveBase {
		return 0, false
	}
	return int(addr - DriveBase), true
}

// SlotNumber returns the mtx storage element number of addr, and false when
// addr is not a slot address.
func SlotNumber(addr changer.Address) (int, bool) {
	if addr == 0 || addr >= DriveBase {
		return 0, false
	}
	return int(addr), true
}
