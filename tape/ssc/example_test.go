package ssc_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/tapekit/tapekit/scsi"
	"github.com/tapekit/tapekit/tape"
	"github.com/tapekit/tapekit/tape/ssc"
)

// oneFileTape is a transport for a tape holding one 4-byte block followed
// by a filemark: the first READ returns the block, the second reports the
// filemark (NO SENSE, FILEMARK set).
type oneFileTape struct{ reads int }

func (t *oneFileTape) Do(ctx context.Context, cmd *scsi.Command) (scsi.Result, error) {
	if cmd.CDB[0] != scsi.OpRead6 {
		return scsi.Result{Status: scsi.StatusGood}, nil
	}
	t.reads++
	if t.reads == 1 {
		n := copy(cmd.Data, "DATA")
		// A shorter block than asked for: ILI with a positive residue.
		return scsi.Result{Status: scsi.StatusCheckCondition, Residual: len(cmd.Data) - n,
			Sense: []byte{0xf0, 0, 0x20, 0, 0, 0, byte(len(cmd.Data) - n), 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}}, nil
	}
	return scsi.Result{Status: scsi.StatusCheckCondition, Residual: len(cmd.Data),
		Sense: []byte{0xf0, 0, 0x80, 0, 0, 0, byte(len(cmd.Data)), 0x0a, 0, 0, 0, 0, 0, 0x01, 0, 0, 0, 0}}, nil
}

func Example() {
	ctx := context.Background()
	d := ssc.New(&oneFileTape{}, nil)
	defer d.Close()

	if err := d.Rewind(ctx); err != nil {
		fmt.Println(err)
		return
	}
	buf := make([]byte, 64)
	for {
		n, err := d.Read(ctx, buf)
		if errors.Is(err, tape.ErrFilemark) {
			fmt.Println("end of file:", err)
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("block of %d bytes: %q\n", n, buf[:n])
	}
	// Output:
	// block of 4 bytes: "DATA"
	// end of file: tape: read: filemark: scsi: NO SENSE: Filemark detected (00/01) [filemark] information 64
}
