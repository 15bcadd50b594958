// Package mtx drives a tape library through the mtx program
// (https://sourceforge.net/projects/mtx/), for hosts where mtx is the tool
// operators already trust, or where tapekit cannot send SCSI commands
// itself. A SCSI driver built on changer/smc talks to the library directly
// and reports more (exceptions, accessibility, drive serial numbers); this
// one reports what `mtx status` prints.
//
// # Numbering and addresses
//
// mtx hides the library's SCSI element addresses and numbers elements
// itself: drives ("Data Transfer Element") from 0, storage elements from 1,
// and it counts the import/export ports among the storage elements, marked
// IMPORT/EXPORT (usually the last ones). A library with 4 drives, 80 slots
// and 4 I/E ports prints drives 0–3 and storage elements 1–84, the header
// saying "4 Drives, 84 Slots ( 4 Import/Export )".
//
// This package maps those numbers to changer.Address values so that every
// element has its own address:
//
//	storage slot or I/E port n (1, 2, …)  →  Address n
//	drive n (0, 1, …)                     →  Address DriveBase+n (0xF000+n)
//
// Address 0 is never used. SlotAddress, DriveAddress, SlotNumber and
// DriveNumber convert. mtx reports no transport element, so an Inventory
// holds storage slots, then I/E ports, then drives. Addresses from this
// driver are not SCSI element addresses: do not hand them to changer/smc.
//
// # Commands
//
// Changer.Inventory runs `mtx -f DEV status`; Changer.Move runs
// `mtx -f DEV load SLOT DRIVE` (slot to drive), `unload SLOT DRIVE` (drive
// to slot) or `transfer SLOT SLOT` (slot to slot, I/E ports included);
// Changer.Exchange runs `mtx -f DEV exchange SLOT SLOT SLOT`;
// Changer.Reinventory runs `mtx -f DEV inventory`. mtx cannot move a
// cartridge from one drive to another, nor exchange with a drive. One mtx runs at a time; a run that
// fails with unit attention or not ready is run again a few times.
//
// # Output and errors
//
// Parse reads `mtx status` and checks the element lines against the counts
// in the header, so truncated output is an error, never a short inventory.
// It skips the noise mtx prints before the status (request-sense dumps,
// "Mode sense (0x1A) for Page 0x1D failed").
//
// mtx reports failures only as text on stderr: its own messages ("Source
// Element Address 1004 is Empty", "Storage Element 4 is Already Full") and
// request-sense dumps ("Sense Key=Hardware Error", "Additional Sense Code =
// 04"). ParseFailure turns them into an *Error that keeps the message and
// the sense key, ASC and ASCQ, and wraps the changer sentinel they stand
// for, so errors.Is(err, changer.ErrSourceEmpty) works as with any driver.
// Element addresses inside mtx's messages are the library's SCSI
// addresses, not mtx numbers.
package mtx
