package format

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tapekit/tapekit/checksum"
	"github.com/tapekit/tapekit/tape"
)

// The FormatANSI layout, per file, as CTA writes it: HDR1 HDR2 UHL1,
// filemark, the data in blocks, filemark, EOF1 EOF2 UTL1, filemark. So file
// sequence N (from 1) starts at tape file 3N-2 and its data is tape file
// 3N-1.

// ANSITapeFile is the tape file number of the header labels of file
// sequence fseq on a FormatANSI tape; its data is the next tape file.
func ANSITapeFile(fseq int64) int64 { return 3*fseq - 2 }

// startANSI positions at the end of the last complete file. A file cut
// short by a crash (its triple of tape files incomplete) was never
// reported written; the next file overwrites it, keeping the layout.
func (w *Writer) startANSI(ctx context.Context, l VolumeLabel, files, block int64, open bool) error {
	complete := max(files-1, 0) / 3
	if open || files < 1 || (files-1)%3 != 0 {
		if err := tape.LocateFile(ctx, w.d, 0, ANSITapeFile(complete+1)); err != nil {
			return err
		}
		pos, err := w.d.Position(ctx)
		if err != nil {
			return err
		}
		block = pos.Block
	}
	st, err := w.d.Status(ctx)
	if err != nil {
		return err
	}
	w.driveInfo = st
	w.volume, w.fseq, w.block, w.started = l.Barcode, complete+1, block, true
	return nil
}

// ansiFileID is CTA's HDR1 file identifier: the archive file id, a decimal
// number, in upper-case hex.
func ansiFileID(id string) (string, error) {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil || n == 0 {
		return "", fmt.Errorf("%w: FormatANSI needs a numeric file id (CTA's archive file id), not %q", ErrBadMetadata, truncate(id))
	}
	return strings.ToUpper(strconv.FormatUint(n, 16)), nil
}

// writeANSI writes the header labels, their filemark, the data and the
// data's filemark. hdr (the pax header) is unused: ANSI tapes carry no
// metadata but the labels.
func (w *Writer) writeANSI(_ *tar.Header, meta Meta, r io.Reader, set *checksum.Set) error {
	id, err := ansiFileID(meta.FileID)
	if err != nil {
		return err
	}
	ctx := w.bw.ctx
	labels := [][]byte{
		HDR1{FileID: id, VSN: w.volume, FSeq: w.fseq, Created: w.o.Now(), SystemCode: systemCode}.Marshal(),
		HDR2{BlockLength: w.o.BlockSize}.Marshal(),
		w.uhl1(false),
	}
	if err := w.writeLabels(ctx, labels); err != nil {
		return err
	}
	if err := w.streamData(meta, r, set); err != nil {
		return err
	}
	if err := w.bw.finish(); err != nil {
		return err
	}
	if err := verifyExpected(meta.Checksums, set.Sum()); err != nil {
		return err
	}
	if err := w.d.WriteFilemarks(ctx, 1, false); err != nil && !errors.Is(err, tape.ErrEarlyWarning) {
		return &driveError{err}
	} else if err != nil {
		w.bw.warned = true
	}
	return nil
}

func (w *Writer) uhl1(trailer bool) []byte {
	return UHL1{Trailer: trailer, FSeq: w.fseq, BlockSize: w.o.BlockSize, Site: w.o.Site, Host: w.o.Host,
		DriveVendor: w.driveInfo.Vendor, DriveModel: w.driveInfo.Product, DriveSerial: w.driveInfo.Serial}.Marshal()
}

// writeLabels writes 80-byte labels then a buffered filemark.
func (w *Writer) writeLabels(ctx context.Context, labels [][]byte) error {
	w.touched = true
	for _, b := range labels {
		if err := w.d.Write(ctx, b); err != nil {
			if !errors.Is(err, tape.ErrEarlyWarning) {
				return &driveError{err}
			}
			w.bw.warned = true
		}
	}
	if err := w.d.WriteFilemarks(ctx, 1, false); err != nil {
		if !errors.Is(err, tape.ErrEarlyWarning) {
			return &driveError{err}
		}
		w.bw.warned = true
	}
	return nil
}

// writeANSITrailer writes EOF1 EOF2 UTL1; the closing filemark is the
// caller's, synchronising or not.
func (w *Writer) writeANSITrailer(rec Record) error {
	id, _ := ansiFileID(rec.FileID)
	ctx := w.bw.ctx
	for _, b := range [][]byte{
		HDR1{EOF: true, FileID: id, VSN: w.volume, FSeq: rec.FSeq, Created: w.o.Now(), BlockCount: rec.Blocks, SystemCode: systemCode}.Marshal(),
		HDR2{EOF: true, BlockLength: w.o.BlockSize}.Marshal(),
		w.uhl1(true),
	} {
		if err := w.d.Write(ctx, b); err != nil {
			if !errors.Is(err, tape.ErrEarlyWarning) {
				return err
			}
			w.bw.warned = true
		}
	}
	return nil
}
