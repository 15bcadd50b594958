// Package smc drives SCSI media changers (SMC-3): Changer is a
// changer.Changer over any scsi.Transport (Linux SG_IO in package
// scsi/sgio, the simulator's ChangerTarget, or a test script), built on the
// CDB builders and response parsers below.
//
// # The driver
//
// New returns a Changer that sends nothing until it is used. Its first
// call asks the device what it is (INQUIRY) and refuses a device that is
// not a medium changer with a *scsi.DeviceTypeError naming what it is
// instead: a tape drive named as the library answers changer commands with
// ILLEGAL REQUEST, which would otherwise read as a bad element address.
// CheckDevice makes the same check on a bare transport. Inventory reads the Element Address Assignment page once, then READ ELEMENT STATUS
// one element type at a time, in pages of Options.PageSize elements, with
// volume tags and (for drives) device identifiers, so each drive element
// carries its drive's serial number. It cross-checks every page against the
// address ranges, grows the allocation when a library has more to say, and
// falls back when a library rejects the DVCID or VOLTAG bit. Move sends
// MOVE MEDIUM through the first transport element; Reinventory sends
// INITIALIZE ELEMENT STATUS with a long timeout. Commands run one at a
// time, and UNIT ATTENTION and "becoming ready" are retried a bounded
// number of times. Failures match the changer sentinels (05/3B/0E source
// empty, 05/3B/0D destination full, 05/30/xx incompatible medium, 04/xx
// robot failure, …) and the *scsi.SenseError behind them.
//
// # Commands
//
// ReadElementStatus builds READ ELEMENT STATUS with VOLTAG (barcodes) and
// DVCID (drive serial numbers); MoveMediumCDB, ExchangeMediumCDB,
// PositionToElementCDB, InitializeElementStatusCDB and
// InitializeElementStatusWithRangeCDB build the others; ModeSense6CDB and
// ModeSense10CDB ask for the Element Address Assignment page (0x1D), which
// says where each element type's addresses start.
//
// # Responses
//
// ParseElementStatus turns a READ ELEMENT STATUS response into element
// descriptors (Elements gives the changer.Inventory). ModePage finds a page
// in a MODE SENSE response and ParseAddressAssignment decodes page 0x1D.
//
// The parsers treat the response as untrusted: every length is checked
// against the bytes present and against the other lengths. A response the
// allocation length cut short is ErrTruncated, and FormatError.Need tells
// the size to ask for again (libraries report the full byte count even when
// they send less); anything inconsistent is ErrMalformed. A wrong inventory
// could send the robot to the wrong slot, so the parsers refuse rather than
// guess.
//
// Addresses here are the library's SCSI element addresses, unlike the mtx
// driver's numbering.
package smc
