package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/tapekit/tapekit/tape"
	"github.com/tapekit/tapekit/tape/format"
)

// mountedTape is a drive holding a cartridge, for the commands that read
// or write the on-tape format; barcode is what the drive or the changer
// says the cartridge is.
type mountedTape struct {
	lib     *library
	d       tape.Drive
	drive   int
	barcode string
	status  tape.Status
	// writes: the command writes to the tape, so a refusal before it
	// started tells the operator that nothing was written.
	writes bool
}

// openTape opens the library and drive arg, and checks the drive holds a
// cartridge. The caller closes the library (closeLibrary) even on error.
func openTape(ctx context.Context, e *env, arg string) (*mountedTape, error) {
	drive, err := number("drive", arg)
	if err != nil {
		return nil, err
	}
	lib, err := openLibrary(ctx, e)
	if err != nil {
		return nil, err
	}
	m := &mountedTape{lib: lib, drive: drive}
	d, el, err := lib.openDrive(ctx, drive)
	if err != nil {
		return m, err
	}
	m.d = d
	st, err := d.Status(ctx)
	if err != nil {
		return m, explainDrive(drive, el.Barcode, err)
	}
	m.status, m.barcode = st, st.Barcode
	if m.barcode == "" {
		m.barcode = el.Barcode
	}
	if !st.Loaded && !el.Full {
		return m, explainDrive(drive, m.barcode, tape.ErrNoMedium)
	}
	return m, nil
}

// explainFormat explains the on-tape format's errors in an operator's
// terms, and the drive's as explainDrive does.
func (m *mountedTape) explain(err error) error {
	var lm *format.LabelMismatchError
	switch {
	case errors.As(err, &lm):
		msg := fmt.Sprintf("the cartridge in drive %d is labelled %s but the library says it is %s: it may be in the wrong slot or mislabelled", m.drive, lm.Label.Barcode, lm.Want)
		if m.writes {
			msg += "; nothing was written"
		}
		return advise(err, "%s", msg)
	case errors.Is(err, format.ErrNoLabel):
		return advise(err, "%s in drive %d has no volume label: label it first (tapectl label %d %s)", orUnknown(m.barcode), m.drive, m.drive, orBarcode(m.barcode))
	case errors.Is(err, format.ErrWrongFormat):
		return advise(err, "%s in drive %d is not a tapekit tape of this format (%v)", orUnknown(m.barcode), m.drive, err)
	case errors.Is(err, format.ErrVolumeFull):
		return advise(err, "%s is full: continue on another cartridge (%v)", orUnknown(m.barcode), err)
	}
	return explainDrive(m.drive, m.barcode, err)
}

func orBarcode(b string) string {
	if b == "" {
		return "BARCODE"
	}
	return b
}

// tapeFileOf maps a file sequence number to the tape file holding its data
// on a tape of the label's format.
func tapeFileOf(l format.VolumeLabel, fseq int64) int64 {
	if l.Format == format.FormatANSI {
		return format.ANSITapeFile(fseq) + 1
	}
	return fseq
}

// label reads the tape's label, checking it against the barcode the library
// reported when there is one.
func (m *mountedTape) label(ctx context.Context) (format.VolumeLabel, error) {
	if m.barcode == "" {
		return format.ReadLabel(ctx, m.d)
	}
	return format.CheckLabel(ctx, m.d, m.barcode)
}

var errFseq = fmt.Errorf("file sequence numbers start at 1 (the first archived file); 0 is the volume label")
