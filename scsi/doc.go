// Package scsi speaks SCSI to tape drives and libraries without knowing
// how the bytes travel: it builds command descriptor blocks (CDBs) for the
// SPC and SSC commands a tape system needs, parses their responses, decodes
// sense data, names additional sense codes and TapeAlert flags, and defines
// the Transport a command is sent through.
//
// Package scsi imports neither tape nor changer: the drivers in tape/ssc
// and changer/smc use it and map its errors to their own sentinels.
//
// # Transports
//
// A Transport executes one Command (CDB, data direction, data buffer,
// timeout) and returns a Result (SCSI status, sense bytes, residual). The
// Linux implementation is in package scsi/sgio (SG_IO on /dev/sgN); the
// simulator provides an in-process target; tests script one. Exec sends a
// command and turns a non-GOOD status into an error with Check.
//
// # Errors
//
// A command that ends in CHECK CONDITION gives a *SenseError carrying the
// decoded Sense (key, ASC/ASCQ, FILEMARK/EOM/ILI, INFORMATION); its text
// reads like "MEDIUM ERROR: Unrecovered read error (11/00)". Other statuses
// (BUSY, RESERVATION CONFLICT, …) give a *StatusError, and failures below
// SCSI (host adapter, driver) a *TransportError. Match them with errors.As.
//
// Parsers of device responses never panic on bad input: they return a
// *ParseError wrapping ErrTruncated or ErrMalformed.
//
// # Sense data
//
// DecodeSense reads fixed (70h/71h) and descriptor (72h/73h) sense, using
// only the bytes the device's additional sense length announces. ASCText
// gives T10's text for an ASC/ASCQ pair. For tape commands the INFORMATION
// field is a signed residue: Sense.Residue.
//
// # Commands
//
// CDB builders (Inquiry, ModeSense10, Read6, Space16, Locate16, ReadPosition,
// …) return the exact bytes of the command; response parsers (ParseInquiry,
// ParseModeParameters10, ParseReadPositionLong, ParseLogPage,
// ParseAttributes, …) decode what the device returns.
//
// # TapeAlert and log pages
//
// ParseLogPage decodes any LOG SENSE page into parameters; TapeAlertsFromLog
// turns page 2Eh into a bit set in the layout of tape.TapeAlertFlags (flag n
// is bit n-1), and TapeAlertFlag names each flag and gives its severity.
// Reading page 2Eh clears the flags on real drives: read it in one place.
package scsi
