// Package devices finds and opens the SCSI devices of a tape library for
// tapekit's programs: tape drives and medium changers named the way an
// operator names them, on this host or in a simulated library.
//
// # Device names
//
// A tape drive is named by a SCSI generic node (/dev/sgN), by its st node
// (/dev/nstN, /dev/stN and their mode variants), or by a symbolic link to
// either (/dev/tape/by-id/…). SG_IO needs the sg node, and an st node would
// block for minutes on an empty drive, so st and ch (/dev/schN) nodes are
// mapped to their sg node through sysfs (sgio.Discover) before anything is
// opened.
//
// A changer is named by a spec, DRIVER:DEVICE:
//
//	sg:/dev/sgN      SCSI media changer commands (SMC) through SG_IO
//	mtx:/dev/sgN     the mtx program
//	sim-sg:DIR       the changer of the simulated library kept in DIR
//
// and "sim-sg:DIR:N" names drive N (from 0) of that library. A simulated
// library is reached through its in-process SCSI targets: only the
// transport differs from /dev/sgN, so the SSC and SMC drivers, the matching
// of drive elements to drives and every command run as they do on real
// devices.
//
// # Hosts
//
// A Host opens the devices of one program run. It opens a simulated
// library once, however many of its devices are named, and shares it
// between the changer and the drives as the devices of a real library
// share its hardware (a second simulator.Open of the directory would find
// it locked); Host.Close closes it, which saves its directory.
//
// Every device is asked what it is when it is opened (CheckDrive,
// CheckChanger), so that a changer named as a drive, or the other way
// round, is refused at once, saying so, rather than failing its first
// command with ILLEGAL REQUEST.
//
// # Errors
//
// Errors say what happened in an operator's terms without naming any
// program's flags: *OpenError (a node did not open), *NoNodeError (no sg
// node for an st or ch node), *TypeError (a device of the wrong kind) and
// *SpecError (a malformed name) carry the facts, so that a command can put
// them in its own words, naming its own flags. Each keeps its cause for
// errors.Is and errors.As.
//
// This package is internal: it serves the examples of this module
// (tapectl, the HSM) and is no promise to anyone else.
package devices
