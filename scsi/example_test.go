package scsi_test

import (
	"errors"
	"fmt"

	"github.com/tapekit/tapekit/scsi"
)

func ExampleDecodeSense() {
	// Fixed-format sense returned by a drive that could not read a block.
	b := []byte{0x70, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00}
	s, err := scsi.DecodeSense(b)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Key, scsi.ASCText(s.ASC, s.ASCQ))

	var err2 error = &scsi.SenseError{Sense: *s}
	var se *scsi.SenseError
	if errors.As(err2, &se) && se.Sense.Key == scsi.KeyMediumError {
		fmt.Println(err2)
	}
	// Output:
	// MEDIUM ERROR Unrecovered read error
	// scsi: MEDIUM ERROR: Unrecovered read error (11/00)
}
