package scsi

import (
	"errors"
	"fmt"
)

// Sentinel errors, matched with errors.Is. Parsers of device responses wrap
// ErrTruncated or ErrMalformed in a *ParseError that says what was parsed.
var (
	// ErrTruncated: the bytes end before a field the format (or the
	// device's own length field) says is there.
	ErrTruncated = errors.New("scsi: data truncated")
	// ErrMalformed: the bytes are not of the expected format (wrong page
	// code, unknown response code, inconsistent lengths).
	ErrMalformed = errors.New("scsi: malformed data")
	// ErrRange: a CDB builder was given a value its field cannot hold.
	ErrRange = errors.New("scsi: value out of range for CDB field")
	// ErrDeviceType: the device is not of the peripheral device type asked
	// for (a tape drive given as a medium changer, …). A *DeviceTypeError
	// wraps it and says what the device is.
	ErrDeviceType = errors.New("scsi: wrong type of device")
)

// ParseError reports bytes from a device that could not be parsed.
type ParseError struct {
	What   string // "sense data", "READ POSITION long form", …
	Offset int    // byte offset of the problem
	Err    error  // ErrTruncated or ErrMalformed, possibly wrapped
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("scsi: %s: at byte %d: %v", e.What, e.Offset, trim(e.Err.Error()))
}

func (e *ParseError) Unwrap() error { return e.Err }

func truncated(what string, off int) error {
	return &ParseError{What: what, Offset: off, Err: ErrTruncated}
}

func malformed(what string, off int, format string, args ...any) error {
	return &ParseError{What: what, Offset: off, Err: fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)}
}

func trim(s string) string {
	const p = "scsi: "
	if len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}

// SenseError is a command that ended in CHECK CONDITION: the device's
// sense data, decoded. Match it with errors.As; drivers (tape/ssc,
// changer/smc) wrap it together with their own sentinels.
type SenseError struct {
	Sense Sense
}

// Error returns text like "MEDIUM ERROR: Unrecovered read error (11/00)",
// with the stream flags and the INFORMATION field when they are set.
func (e *SenseError) Error() string {
	s := &e.Sense
	msg := fmt.Sprintf("%s: %s (%02x/%02x)", s.Key, ASCText(s.ASC, s.ASCQ), s.ASC, s.ASCQ)
	if s.Deferred {
		msg = "deferred " + msg
	}
	if s.Filemark {
		msg += " [filemark]"
	}
	if s.EOM {
		msg += " [EOM]"
	}
	if s.ILI {
		msg += " [ILI]"
	}
	if s.InfoValid {
		msg += fmt.Sprintf(" information %d", s.Residue())
	}
	return "scsi: " + msg
}

// StatusError is a command that ended with a status other than GOOD and
// without usable sense data: BUSY, RESERVATION CONFLICT, TASK SET FULL, or a
// CHECK CONDITION whose sense could not be decoded (Err says why).
type StatusError struct {
	Status Status
	Sense  []byte // raw sense, if any was returned
	Err    error  // decoding error of Sense, or nil
}

func (e *StatusError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("scsi: status %s with undecodable sense: %v", e.Status, trim(e.Err.Error()))
	}
	return "scsi: status " + e.Status.String()
}

func (e *StatusError) Unwrap() error { return e.Err }

// TransportError is a command that did not complete with a SCSI status
// because the host adapter or the host's driver reported a failure (Linux
// SG_IO host_status and driver_status). The command may or may not have
// been executed by the device: after a write, the medium may have been
// written.
type TransportError struct {
	Op           string // what was attempted, e.g. "SG_IO"
	HostStatus   uint16 // Linux DID_* code, 0 = DID_OK
	DriverStatus uint16 // Linux DRIVER_* code, 0 = DRIVER_OK
	Status       Status // SCSI status, if the device returned one
	Sense        []byte // sense bytes, if any
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("scsi: %s: transport failure: host status %#x (%s), driver status %#x",
		e.Op, e.HostStatus, hostStatusText(e.HostStatus), e.DriverStatus)
}

// hostStatusText names the Linux DID_* host byte values (include/scsi/scsi.h
// in the kernel's user API), so an operator can tell a cable from a timeout.
func hostStatusText(h uint16) string {
	names := [...]string{
		0x00: "ok", 0x01: "no connect", 0x02: "bus busy", 0x03: "timed out",
		0x04: "bad target", 0x05: "aborted", 0x06: "parity error", 0x07: "internal error",
		0x08: "reset", 0x09: "bad interrupt", 0x0a: "passthrough", 0x0b: "soft error",
		0x0c: "imm retry", 0x0d: "requeue", 0x0e: "transport disrupted", 0x0f: "transport failfast",
		0x10: "target failure", 0x11: "nexus failure", 0x12: "allocation failure", 0x13: "medium error",
		0x14: "transport marginal",
	}
	if int(h) < len(names) && names[h] != "" {
		return names[h]
	}
	return "unknown"
}
