// Package changer defines the contract between tapekit and a robotic tape
// library (a SCSI medium changer): the Changer interface, elements and their
// inventory, and the errors every driver returns.
//
// # Elements
//
// A library is a set of elements, each with an address: transport elements
// (the robot), storage slots, import/export ports through which an operator
// adds and removes cartridges, and data transfer elements (the drives).
// Inventory reports them all, with barcodes (primary and alternate volume
// tags), the source element of each cartridge, exceptions, and the serial
// number of the drive at each drive element, so a program can match a
// tape.Drive to the element that feeds it.
//
// # Moves
//
// Move is the one required action; Load, Unload, Import and Export are
// conveniences built on it and on Inventory. A library moves one cartridge at
// a time and a failed move leaves the cartridge where it was: errors say why
// (ErrSourceEmpty, ErrDestinationFull, ErrIncompatibleMedium, …) and are
// matched with errors.Is.
//
// Drivers live elsewhere: package simulator provides a simulated library,
// and tapekit has drivers for SCSI media changers (SMC over Linux SG_IO) and
// for the mtx tool. The suite in changer/changertest checks any driver
// against this contract.
package changer
