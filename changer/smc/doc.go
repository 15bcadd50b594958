// Package smc holds the byte-level half of a SCSI Media Changer (SMC-3)
// driver: the CDBs a changer driver sends and parsers for what a library
// answers. It has no transport: a caller sends the CDBs (over Linux SG_IO,
// to the simulator's SCSI target, or anything else) and hands the response
// bytes back here.
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
