package ssc

import (
	"errors"
	"fmt"

	"github.com/tapekit/tapekit/scsi"
	"github.com/tapekit/tapekit/tape"
)

// sentinel maps sense data to the tape sentinel a caller acts on, or nil
// when the sense reports success (RECOVERED ERROR, or NO SENSE without
// stream flags).
func sentinel(s *scsi.Sense) error {
	switch s.Key {
	case scsi.KeyNoSense, scsi.KeyRecoveredError:
		switch {
		case s.Filemark:
			return tape.ErrFilemark
		case s.EOM && s.ASC == 0 && s.ASCQ == 0x04:
			return tape.ErrBeginningOfMedium
		case s.EOM:
			return tape.ErrEarlyWarning
		case s.ASC == 0 && s.ASCQ == 0x05:
			return tape.ErrEndOfData
		}
		return nil
	case scsi.KeyNotReady:
		switch {
		case s.ASC == 0x3A:
			return tape.ErrNoMedium
		case s.ASC == 0x30 && s.ASCQ == 0x03:
			return tape.ErrCleaningCartridge
		}
		return tape.ErrNotReady
	case scsi.KeyMediumError:
		if s.ASC == 0x30 {
			if s.ASCQ == 0x03 {
				return tape.ErrCleaningCartridge
			}
			return tape.ErrIncompatibleMedium
		}
		return tape.ErrMediumError
	case scsi.KeyIllegalRequest:
		if s.ASC == 0x30 {
			return tape.ErrIncompatibleMedium
		}
		return tape.ErrIllegalRequest
	case scsi.KeyUnitAttention:
		return tape.ErrUnitAttention
	case scsi.KeyDataProtect:
		return tape.ErrWriteProtected
	case scsi.KeyBlankCheck:
		return tape.ErrEndOfData
	case scsi.KeyVolumeOverflow:
		return tape.ErrEndOfMedium
	case scsi.KeyHardwareError, scsi.KeyAbortedCommand:
		return tape.ErrHardwareError
	}
	return tape.ErrHardwareError
}

// wrap returns an error matching both sentinel and cause.
func wrap(sentinel, cause error) error {
	if sentinel == nil {
		return cause
	}
	return fmt.Errorf("%w: %w", sentinel, cause)
}

// fail builds the *tape.Error for err returned by a command of op. A sense
// error gets its sentinel; other errors (transport, context) are kept.
func fail(op string, err error) *tape.Error {
	var se *scsi.SenseError
	if errors.As(err, &se) {
		s := sentinel(&se.Sense)
		if s == nil {
			s = tape.ErrHardwareError
		}
		return &tape.Error{Op: op, Err: wrap(s, err)}
	}
	return &tape.Error{Op: op, Err: err}
}

func residue(s *scsi.Sense) int64 {
	if !s.InfoValid {
		return 0
	}
	r := s.Residue()
	if r < 0 {
		return -r
	}
	return r
}
