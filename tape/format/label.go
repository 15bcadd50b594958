package format

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tapekit/tapekit/tape"
)

// Format names, as labels, records and tapectl print them.
const (
	// FormatPAX is tapekit's default format: a pax tar volume label, then
	// one pax tar archive per tape file.
	FormatPAX = "tapekit-pax"
	// FormatANSI is the ANSI-labelled layout of CERN's CASTOR and CTA.
	FormatANSI = "ansi-castor"
	// Version is the version of FormatPAX this package writes.
	Version = 1
)

// LabelMember is the name of the one tar member of a FormatPAX volume
// label: `mt rewind; tar -xO -f /dev/nst0` prints the label.
const LabelMember = "TAPEKIT-VOLUME-LABEL"

// VolumeLabel is what the label at the beginning of a tape says.
type VolumeLabel struct {
	Barcode string `json:"barcode"` // the volume serial (the cartridge's barcode)
	Format  string `json:"format"`  // FormatPAX or FormatANSI
	Version int    `json:"version"` // of the format
	// ID is a random 128-bit identifier in hex, unique to this labelling:
	// two tapes with the same barcode (a relabelled or duplicated one) are
	// told apart by it. Empty for ANSI labels.
	ID      string    `json:"id,omitempty"`
	Created time.Time `json:"created,omitzero"`
	// Creator is the program and host that wrote the label.
	Creator string `json:"creator,omitempty"`
}

// LabelOptions tunes Label. A nil *LabelOptions means the defaults.
type LabelOptions struct {
	// Force relabels a tape that holds data beyond its label, destroying
	// the data. Without it Label refuses with ErrNotEmpty.
	Force bool
	// Format is FormatPAX (the default) or FormatANSI.
	Format string
	// Creator names the program writing the label; the default is
	// "tapekit on HOST".
	Creator string
	// Now gives the creation time; nil means time.Now.
	Now func() time.Time
}

// maxBarcode bounds a barcode: LTO labels have 8 characters, some libraries
// report up to 16 (SMC volume tags have 32 bytes).
const maxBarcode = 32

// Label writes a volume label at the beginning of the tape in d: the label
// as tape file 0, then a synchronising filemark, so the label is on the
// medium when Label returns. It refuses (ErrNotEmpty) a tape that holds
// anything but a label unless opts.Force; relabelling an empty labelled
// tape is allowed. Everything after the label is gone afterwards.
func Label(ctx context.Context, d tape.Drive, barcode string, opts *LabelOptions) (VolumeLabel, error) {
	var o LabelOptions
	if opts != nil {
		o = *opts
	}
	if o.Format == "" {
		o.Format = FormatPAX
	}
	if err := checkBarcode(barcode); err != nil {
		return VolumeLabel{}, err
	}
	if o.Format != FormatPAX && o.Format != FormatANSI {
		return VolumeLabel{}, fmt.Errorf("%w: unknown format %q (want %s or %s)", ErrWrongFormat, o.Format, FormatPAX, FormatANSI)
	}
	if o.Format == FormatANSI && len(barcode) < 6 {
		return VolumeLabel{}, fmt.Errorf("%w: an ANSI volume serial needs 6 characters, %q has %d", ErrBadMetadata, barcode, len(barcode))
	}
	if !o.Force {
		if err := checkEmpty(ctx, d); err != nil {
			return VolumeLabel{}, err
		}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Creator == "" {
		host, _ := os.Hostname()
		o.Creator = "tapekit on " + host
	}
	l := VolumeLabel{Barcode: barcode, Format: o.Format, Version: Version, Created: o.Now().UTC().Truncate(time.Second), Creator: o.Creator}
	var blocks [][]byte
	if o.Format == FormatANSI {
		l.Version = 3 // the ANSI label standard level CASTOR writes
		vsn := VSN(barcode)
		l.Barcode = vsn
		blocks = [][]byte{VOL1{VSN: vsn, OwnerID: "CASTOR"}.Marshal(), HDR1{FileID: "PRELABEL", VSN: vsn, FSeq: 1, Created: l.Created, SystemCode: systemCode}.Marshal()}
		l.Created, l.Creator = time.Time{}, ""
	} else {
		var id [16]byte
		if _, err := rand.Read(id[:]); err != nil {
			return VolumeLabel{}, err
		}
		l.ID = hex.EncodeToString(id[:])
		b, err := MarshalLabel(l)
		if err != nil {
			return VolumeLabel{}, err
		}
		blocks = [][]byte{b}
	}
	if err := d.Rewind(ctx); err != nil {
		return VolumeLabel{}, err
	}
	for _, b := range blocks {
		if err := d.Write(ctx, b); err != nil {
			return VolumeLabel{}, err
		}
	}
	if err := d.WriteFilemarks(ctx, 1, true); err != nil && !errors.Is(err, tape.ErrEarlyWarning) {
		return VolumeLabel{}, err
	}
	return l, nil
}

func checkBarcode(barcode string) error {
	if barcode == "" || len(barcode) > maxBarcode {
		return fmt.Errorf("%w: barcode %q: want 1 to %d characters", ErrBadMetadata, barcode, maxBarcode)
	}
	for _, r := range barcode {
		if r <= ' ' || r > '~' {
			return fmt.Errorf("%w: barcode %q: want printable ASCII without spaces", ErrBadMetadata, barcode)
		}
	}
	return nil
}

// VSN is the 6-character ANSI volume serial of a barcode: LTO barcodes
// ("TK0001L9") carry the media suffix after it, as CTA's VIDs do.
func VSN(barcode string) string {
	if len(barcode) > 6 {
		return barcode[:6]
	}
	return barcode
}

// checkEmpty fails unless the tape is blank or holds only a label.
func checkEmpty(ctx context.Context, d tape.Drive) error {
	if err := d.Space(ctx, tape.SpaceEndOfData, 0); err != nil {
		return err
	}
	eod, err := d.Position(ctx)
	if err != nil {
		return err
	}
	if eod.Block == 0 {
		return nil
	}
	if _, err := ReadLabel(ctx, d); err != nil {
		if errors.Is(err, ErrNoLabel) || errors.Is(err, ErrWrongFormat) {
			return fmt.Errorf("%w: %d blocks and filemarks of data that is not a volume label", ErrNotEmpty, eod.Block)
		}
		return err
	}
	after, err := d.Position(ctx)
	if err != nil {
		return err
	}
	if after.Block < eod.Block {
		return fmt.Errorf("%w: %d blocks and filemarks after the volume label", ErrNotEmpty, eod.Block-after.Block)
	}
	return nil
}

// maxLabelBlock bounds the first block ReadLabel accepts: a label is a few
// KiB; a larger first block is data, not a label.
const maxLabelBlock = 64 << 10

// ReadLabel rewinds d and reads the volume label, of either format. It
// leaves the drive at the start of tape file 1, where the first archived
// file begins. A blank tape, or one starting with a filemark, gives
// ErrNoLabel; a first file that is no label gives ErrWrongFormat.
func ReadLabel(ctx context.Context, d tape.Drive) (VolumeLabel, error) {
	if err := d.Rewind(ctx); err != nil {
		return VolumeLabel{}, err
	}
	buf := make([]byte, maxLabelBlock)
	n, err := d.Read(ctx, buf)
	switch {
	case errors.Is(err, tape.ErrEndOfData):
		return VolumeLabel{}, fmt.Errorf("%w: the tape is blank", ErrNoLabel)
	case errors.Is(err, tape.ErrFilemark):
		return VolumeLabel{}, fmt.Errorf("%w: the tape starts with a filemark", ErrNoLabel)
	case errors.Is(err, tape.ErrBlockTooLong):
		return VolumeLabel{}, fmt.Errorf("%w: the first block is larger than %d bytes: data, not a label", ErrWrongFormat, maxLabelBlock)
	case err != nil:
		return VolumeLabel{}, err
	}
	var l VolumeLabel
	if n == ansiLabelSize && bytes.HasPrefix(buf, []byte("VOL1")) {
		v, err := ParseVOL1(buf[:n])
		if err != nil {
			return VolumeLabel{}, err
		}
		l = VolumeLabel{Barcode: v.VSN, Format: FormatANSI, Version: int(v.Standard - '0')}
	} else if l, err = ParseLabel(buf[:n]); err != nil {
		return VolumeLabel{}, err
	}
	// The rest of the label file: the ANSI PRELABEL HDR1, nothing for pax.
	for range 16 {
		_, err := d.Read(ctx, buf)
		switch {
		case err == nil, errors.Is(err, tape.ErrBlockTooLong):
			continue
		case errors.Is(err, tape.ErrFilemark):
			return l, nil
		case errors.Is(err, tape.ErrEndOfData):
			// A label without its filemark: the labelling was cut short.
			return l, fmt.Errorf("%w: the volume label has no closing filemark", ErrTruncated)
		default:
			return l, err
		}
	}
	return l, fmt.Errorf("%w: the label file goes on for more than 16 blocks", ErrWrongFormat)
}

// CheckLabel reads the label (as ReadLabel) and checks it names barcode, the
// volume the changer reported, so a misplaced cartridge is never written
// to. An ANSI label matches when its 6-character volume serial is the
// barcode's VSN. A mismatch is a *LabelMismatchError.
func CheckLabel(ctx context.Context, d tape.Drive, barcode string) (VolumeLabel, error) {
	l, err := ReadLabel(ctx, d)
	if err != nil {
		return l, err
	}
	if !l.Matches(barcode) {
		return l, &LabelMismatchError{Want: barcode, Label: l}
	}
	return l, nil
}

// Matches reports whether the label names the volume with this barcode.
func (l VolumeLabel) Matches(barcode string) bool {
	if l.Format == FormatANSI {
		return l.Barcode == VSN(barcode)
	}
	return l.Barcode == barcode
}

// MarshalLabel encodes a FormatPAX label: a complete pax tar archive of one
// member, LabelMember, holding the label as JSON, padded by tar to a
// multiple of 512 bytes. It is written as one block.
func MarshalLabel(l VolumeLabel) ([]byte, error) {
	body, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return nil, err
	}
	body = append(body, '\n')
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	hdr := &tar.Header{
		Typeflag: tar.TypeReg, Name: LabelMember, Mode: 0o444, Size: int64(len(body)),
		ModTime: l.Created, Format: tar.FormatPAX,
		PAXRecords: map[string]string{
			paxPrefix + "format":  l.Format,
			paxPrefix + "version": fmt.Sprint(l.Version),
			paxPrefix + "barcode": l.Barcode,
		},
	}
	if l.Created.IsZero() {
		hdr.ModTime = time.Unix(0, 0)
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadMetadata, err)
	}
	if _, err := tw.Write(body); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// ParseLabel decodes the first block of a FormatPAX tape. Anything else
// gives ErrWrongFormat or ErrBadMetadata, never a panic.
func ParseLabel(block []byte) (VolumeLabel, error) {
	tr := tar.NewReader(bytes.NewReader(block))
	hdr, err := tr.Next()
	if err != nil {
		return VolumeLabel{}, fmt.Errorf("%w: the first block is not a tar archive: %v", ErrWrongFormat, err)
	}
	if hdr.Name != LabelMember {
		return VolumeLabel{}, fmt.Errorf("%w: the first tar member is %q, not %s", ErrWrongFormat, truncate(hdr.Name), LabelMember)
	}
	if hdr.Size > maxLabelBlock {
		return VolumeLabel{}, fmt.Errorf("%w: label of %d bytes", ErrBadMetadata, hdr.Size)
	}
	body, err := io.ReadAll(tr)
	if err != nil {
		return VolumeLabel{}, fmt.Errorf("%w: label: %v", ErrBadMetadata, err)
	}
	var l VolumeLabel
	if err := json.Unmarshal(body, &l); err != nil {
		return VolumeLabel{}, fmt.Errorf("%w: label: %v", ErrBadMetadata, err)
	}
	switch {
	case l.Format != FormatPAX:
		return l, fmt.Errorf("%w: label format %q", ErrWrongFormat, truncate(l.Format))
	case l.Version < 1:
		return l, fmt.Errorf("%w: label version %d", ErrBadMetadata, l.Version)
	case l.Version > Version:
		return l, fmt.Errorf("%w: label version %d is newer than this reader's %d", ErrWrongFormat, l.Version, Version)
	}
	if err := checkBarcode(l.Barcode); err != nil {
		return l, err
	}
	return l, nil
}

// truncate shortens a string from tape for an error message.
func truncate(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "?")
	}
	return s
}
