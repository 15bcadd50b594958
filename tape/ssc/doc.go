// Package ssc is the SCSI driver of package tape: a tape.Drive that speaks
// SCSI Stream Commands (SSC) through any scsi.Transport — Linux SG_IO
// (scsi/sgio), the simulator's SCSI target, or a test script.
//
// # Commands and timeouts
//
// The driver works in variable-block mode: Read and Write are one READ(6)
// or WRITE(6) each, of the caller's buffer length. Every command gets a
// timeout of its class (Options): short for queries, an I/O timeout for
// READ, WRITE and WRITE FILEMARKS, and a long one for commands that move
// the tape end to end (LOCATE, SPACE, REWIND, ERASE, LOAD UNLOAD).
//
// # Retries
//
// UNIT ATTENTION (power on, reset, medium changed) means the command was
// not executed, so the driver sends it again, a bounded number of times; it
// also waits and retries while the drive reports NOT READY 04/01 ("becoming
// ready"). Any other error is returned: a tape command is never retried
// blindly, since it may have moved the tape or written the medium.
//
// # Errors
//
// Errors are *tape.Error values wrapping a tape sentinel and, for a CHECK
// CONDITION, the *scsi.SenseError: both errors.Is(err, tape.ErrNoMedium)
// and errors.As(err, &senseErr) work. Early warning during a write is
// reported as tape.ErrEarlyWarning with the data written. When a write
// ends without a SCSI status (a transport failure, an aborted task), the
// driver reads the position: if the block or filemarks landed, the write
// succeeded; if not, the error carries the position so the caller can
// decide.
//
// # Block size and the host
//
// When the transport is a scsi.TransferLimiter (scsi/sgio's Device, the
// simulator's DriveTarget), a block is limited to what the host adapter
// transfers in one command: Status.MaxBlockSize is the smaller of the
// drive's READ BLOCK LIMITS and the host's limit, Write refuses a longer
// block before sending it, and Read never asks for more than the host
// takes; a longer block on tape is a *tape.HostLimitError naming both
// sizes. So a writer that sizes its blocks by MaxBlockSize never writes a
// block this host could not read back.
//
// # Device type
//
// New sends nothing. CheckDevice asks the device what it is (INQUIRY) and
// refuses a medium changer, or anything else that is not a tape drive,
// with a *scsi.DeviceTypeError that names it; call it when an operator
// names the device, as tapectl does.
//
// # Optional abilities
//
// Drive implements tape.TapeAlertReader (LOG SENSE page 2Eh), tape.Eraser
// and tape.FileLocator (LOCATE(16) to a file, falling back to locating the
// partition and spacing over filemarks on drives that reject it) and
// tape.RAOer (GENERATE and RECEIVE RECOMMENDED ACCESS ORDER; a drive
// without it gives an error wrapping errors.ErrUnsupported).
package ssc
