// Package tape defines the contract between tapekit and a tape drive: the
// Drive interface, logical positions, drive status, TapeAlert flags, and the
// errors every driver returns.
//
// # Drives
//
// A Drive moves whole blocks: Read and Write transfer one block each, in
// variable-block mode. Files on tape are separated by filemarks, written with
// WriteFilemarks; Space and Locate move between blocks and files in both
// directions, and Position reports where the drive is, as SCSI READ POSITION
// does (partition, logical object, file number).
//
// Drivers live elsewhere: package simulator provides simulated drives, and
// the SCSI (SSC) driver speaks to real drives through Linux SG_IO. The
// conformance suite in tape/tapetest checks that a driver honours every rule
// written on the Drive methods.
//
// # Errors
//
// Errors are values a program acts on. Sentinels such as ErrFilemark,
// ErrEndOfData, ErrEarlyWarning and ErrNoMedium are matched with errors.Is;
// the structured *Error adds the operation, the position and the residue and
// is matched with errors.As. Read the doc comment of each sentinel for
// whether the medium may have been written: a write must never be retried
// blindly (see MayHaveWritten).
//
// # Buffered writes and synchronisation
//
// Drives buffer writes. Data is safe on the medium only after a synchronising
// WriteFilemarks (sync true), a Rewind, a Locate, a Space or an Unload. A
// program that reports data as archived must synchronise first.
//
// # Optional abilities
//
// Abilities not every drive has are optional interfaces discovered with a
// type assertion: TapeAlertReader, FileLocator, Eraser, RAOer.
package tape
