// Package tapekit is a Go SDK for building tape storage systems:
// hierarchical storage managers that keep petabytes on robotic tape
// libraries behind a disk cache, as Fermilab's Enstore, CERN's CTA and
// dCache do. This package holds only this overview; the work is done by the
// packages below it.
//
// # The packages
//
//   - tape: the Drive interface every tape driver implements, positions,
//     drive status, TapeAlert flags and the errors drivers return.
//     tape/tapetest is its conformance suite: a driver proves itself with
//     one call to tapetest.TestDrive.
//   - changer: the Changer interface of robotic libraries, elements and
//     inventories, and the Load/Unload/Import/Export conveniences.
//     changer/changertest is its conformance suite.
//   - scsi: SCSI commands and responses (CDBs, sense data, ASC/ASCQ texts,
//     TapeAlert, log pages, recommended access order); scsi/sgio is the
//     Linux SG_IO transport and sysfs device discovery.
//   - tape/ssc: a tape.Drive over any SCSI transport; changer/smc: a
//     changer.Changer over SCSI; changer/mtx: a changer.Changer that runs
//     the mtx tool.
//   - tape/format: the on-tape format. Each file is one tape file holding a
//     POSIX pax tar archive with its metadata, after a volume label, so a
//     tape is readable with mt and tar alone; the CTA/CASTOR ANSI layout
//     too; verifying readers and a Scan that rebuilds catalog records.
//   - catalog: every file, its copies on tape and the volumes that hold
//     them; catalog/sqlite is the embedded default and catalog/postgres
//     serves several hosts sharing one catalog.
//   - checksum: streaming multi-algorithm checksums (adler32 many times
//     faster than hash/adler32, parallel sets, a verifying reader, HTTP
//     digest fields).
//   - simulator: a virtual tape library with LTO and 3592 timings charged
//     to a clock, serpentine geometry, faults and power loss, in memory or
//     in a directory. Develop, test and benchmark without hardware, in
//     virtual time. Its drives and robot answer SCSI commands in process,
//     so the SCSI drivers run end to end without a kernel module;
//     simulator/mtxsim is an mtx-compatible command over it.
//   - examples/tapectl: the operator's command-line tool, in the style of
//     mt and mtx.
//
// # How they fit
//
// Programs are written against the small interfaces, tape.Drive and
// changer.Changer, and get concrete drivers from a constructor: the
// simulator, or real hardware through the same interfaces
// (ssc.New over an sgio.Open transport, smc.New, mtx.New). Optional
// abilities (TapeAlert, file locate, erase, recommended access order,
// re-inventory) are separate interfaces found with a type assertion, so the
// required ones stay small. Errors are values: sentinels such as
// tape.ErrEndOfData or changer.ErrDestinationFull matched with errors.Is,
// and structured errors (*tape.Error with position and residue,
// *changer.MoveError) matched with errors.As.
//
// # A first program
//
//	lib, _ := simulator.New(nil, nil)              // 4 LTO-9 drives, 20 slots
//	robot := lib.Changer()
//	robot.Move(ctx, lib.SlotAddress(1), lib.DriveAddress(0))
//	drive, _ := lib.Drive(0)
//	drive.Write(ctx, []byte("hello, tape"))        // one block
//	drive.WriteFilemarks(ctx, 1, true)             // end the file, synchronise
//	drive.Rewind(ctx)
//	n, _ := drive.Read(ctx, buf)                   // the block again
//
// Data a drive has buffered is safe only after a synchronising
// WriteFilemarks, a repositioning or an unload: a program that reports data
// as archived must synchronise first.
package tapekit
