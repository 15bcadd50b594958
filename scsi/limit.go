package scsi

import (
	"errors"
	"fmt"
)

// ErrTransferTooLong is matched (errors.Is) by a *TransferLimitError: a
// command asked to move more data than the host takes in one command.
var ErrTransferTooLong = errors.New("scsi: transfer longer than the host takes in one command")

// TransferLimiter is implemented by transports whose host adapter takes at
// most MaxTransfer bytes of data in one command. A host adapter's limit is
// often far below what a tape drive accepts: Linux refuses a larger SG_IO
// (EINVAL) whatever READ BLOCK LIMITS says, so a block written larger than
// the limit cannot be read back through that host. Drivers size blocks and
// read buffers by the smaller of the two. A Transport that wraps another
// (for logging, fault injection, statistics) must pass the limit on with
// MaxTransfer(inner), or the driver above it sizes buffers the host
// refuses.
type TransferLimiter interface {
	// MaxTransfer returns the most data bytes one command may move, or 0
	// when the transport does not know.
	MaxTransfer() int
}

// MaxTransfer returns t's limit when t is a TransferLimiter, else 0.
func MaxTransfer(t Transport) int {
	if l, ok := t.(TransferLimiter); ok {
		return max(l.MaxTransfer(), 0)
	}
	return 0
}

// TransferLimitError is a command refused before it was sent because its
// data is longer than the host takes in one command. Nothing reached the
// device.
type TransferLimitError struct {
	Opcode byte // the command's operation code
	Length int  // data bytes asked for
	Limit  int  // the most the host takes
}

func (e *TransferLimitError) Error() string {
	return fmt.Sprintf("scsi: command %#02x with %d data bytes: the host takes at most %d bytes in one command", e.Opcode, e.Length, e.Limit)
}

// Is makes errors.Is(err, ErrTransferTooLong) true.
func (e *TransferLimitError) Is(target error) bool { return target == ErrTransferTooLong }

// CheckTransfer returns a *TransferLimitError when cmd moves more than
// limit bytes; limit 0 means no known limit. Transports call it before
// sending.
func CheckTransfer(cmd *Command, limit int) error {
	if limit > 0 && len(cmd.Data) > limit {
		return &TransferLimitError{Opcode: opcode(cmd.CDB), Length: len(cmd.Data), Limit: limit}
	}
	return nil
}
