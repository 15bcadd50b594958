package scsi

import (
	"context"
	"fmt"
	"time"
)

// Direction says which way a command's data moves.
type Direction int

const (
	// DirNone: the command moves no data (TEST UNIT READY, REWIND, …).
	DirNone Direction = iota
	// DirIn: the device sends data to the host (READ, INQUIRY, LOG SENSE).
	DirIn
	// DirOut: the host sends data to the device (WRITE, MODE SELECT).
	DirOut
)

func (d Direction) String() string {
	switch d {
	case DirNone:
		return "none"
	case DirIn:
		return "in"
	case DirOut:
		return "out"
	}
	return fmt.Sprintf("Direction(%d)", int(d))
}

// Command is one SCSI command as an initiator sends it.
type Command struct {
	// CDB is the command descriptor block: 6, 10, 12 or 16 bytes.
	CDB []byte
	// Direction says whether Data is read from (DirIn) or written to
	// (DirOut) the device; DirNone requires an empty Data.
	Direction Direction
	// Data is the data-in buffer the device fills (DirIn) or the data-out
	// bytes it receives (DirOut). Its length is the transfer length given to
	// the transport; the CDB's own allocation or transfer length should agree.
	Data []byte
	// Timeout bounds the command in the device path. Zero means the
	// transport's default. Tape commands that move the medium (LOCATE,
	// REWIND, ERASE, LOAD UNLOAD, SPACE) need hours on long tapes, so callers
	// set it per command; the context may cancel earlier.
	Timeout time.Duration
}

// Result is what a transport reports for a command that reached the device.
type Result struct {
	// Status is the SCSI status byte returned by the device server.
	Status Status
	// Sense holds the sense data returned with CHECK CONDITION (autosense),
	// exactly the bytes the device wrote and no padding; nil otherwise.
	Sense []byte
	// Residual is the number of bytes of Data NOT transferred: len(Data)
	// minus the bytes actually moved. For a READ of a short tape block into
	// a larger buffer it is the unused tail.
	Residual int
}

// Transferred returns the number of data bytes actually moved for cmd.
func (r Result) Transferred(cmd *Command) int {
	n := len(cmd.Data) - r.Residual
	if n < 0 {
		return 0
	}
	if n > len(cmd.Data) {
		return len(cmd.Data)
	}
	return n
}

// Transport delivers SCSI commands to one logical unit: Linux SG_IO (package
// scsi/sgio), an in-process simulated target, or a test script.
//
// An implementation of Do must:
//
//   - send cmd.CDB with cmd.Data in cmd.Direction, honouring cmd.Timeout
//     (zero: its own default) and ctx;
//   - when the device completed the command with a SCSI status, return a
//     nil error and a Result with Status set; with CHECK CONDITION, Sense
//     set to the sense bytes the device returned (fixed or descriptor
//     format, at most 252 bytes, not padded); and Residual set to the data
//     bytes not transferred (0 when all were);
//   - return a non-nil error only when the command did not complete with a
//     SCSI status: the host adapter or driver failed (*TransportError), the
//     device could not be reached, or ctx ended. After such an error the
//     command may or may not have been executed by the device.
//
// Do does not interpret the status: Check turns a Result into a
// *SenseError or *StatusError, and Exec does both steps. Transports are used
// by one goroutine at a time unless they say otherwise.
type Transport interface {
	Do(ctx context.Context, cmd *Command) (Result, error)
}

// Check returns nil when res reports GOOD (or CONDITION MET), a *SenseError
// for CHECK CONDITION with decodable sense, and a *StatusError otherwise
// (including CHECK CONDITION whose sense is missing or malformed).
func Check(res Result) error {
	switch res.Status {
	case StatusGood, StatusConditionMet:
		return nil
	case StatusCheckCondition:
		s, err := DecodeSense(res.Sense)
		if err != nil {
			return &StatusError{Status: res.Status, Sense: res.Sense, Err: err}
		}
		return &SenseError{Sense: *s}
	}
	return &StatusError{Status: res.Status, Sense: res.Sense}
}

// Exec runs cmd on t and checks the result: the error is the transport's
// error, or Check's. The Result is returned in both cases so that a caller
// can read the residual of a command that ended with sense (a short READ).
func Exec(ctx context.Context, t Transport, cmd *Command) (Result, error) {
	if cmd.Direction == DirNone && len(cmd.Data) != 0 {
		return Result{}, fmt.Errorf("scsi: command %#02x: data given with direction none", opcode(cmd.CDB))
	}
	res, err := t.Do(ctx, cmd)
	if err != nil {
		return res, err
	}
	return res, Check(res)
}

func opcode(cdb []byte) byte {
	if len(cdb) == 0 {
		return 0
	}
	return cdb[0]
}
