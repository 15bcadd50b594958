package format_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tapekit/tapekit/checksum"
	"github.com/tapekit/tapekit/tape/format"
)

// Label records as CTA writes them (field by field from CTA's
// tapeserver/castor/tape/tapeserver/file/Structures.cpp): VOL1 of V01007
// without logical block protection; HDR1/EOF1 of archive file 31 (hex 1F)
// at fseq 1, written on day 326 of 2026; HDR2 of 256 KiB blocks with drive
// compression; UHL1 as a tape server at CERN writes it.
var (
	ctaVOL1      = "VOL1" + "V01007" + " " + sp(13) + sp(13) + "CASTOR" + sp(8) + sp(26) + "00" + "3"
	ctaHDR1      = "HDR1" + "1F" + sp(15) + "V01007" + "0001" + "0001" + "0001" + "00" + "026326" + "026326" + " " + "000000" + "CASTOR 2.1.15" + sp(7)
	ctaEOF1      = "EOF1" + "1F" + sp(15) + "V01007" + "0001" + "0001" + "0001" + "00" + "026326" + "026326" + " " + "000004" + "CASTOR 2.1.15" + sp(7)
	ctaHDR2      = "HDR2" + "F" + "00000" + "00000" + " " + sp(18) + "P " + sp(14) + "00" + sp(28)
	ctaHDR2Small = "HDR2" + "F" + "32760" + "32760" + " " + sp(18) + "  " + sp(14) + "00" + sp(28)
	ctaUHL1      = "UHL1" + "0000000001" + "0000262144" + "0000262144" + "CERN    " + "TPSRV001  " + "IBM     " + "ULT3580-" + "1013000123  "
	ctaPrelabel  = "HDR1" + "PRELABEL" + sp(9) + "V01007" + "0001" + "0001" + "0001" + "00" + "026326" + "026326" + " " + "000000" + "CASTOR 2.1.15" + sp(7)
)

func sp(n int) string { return strings.Repeat(" ", n) }

var day326 = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)

func TestANSILabelsAsCTAWritesThem(t *testing.T) {
	for _, s := range []string{ctaVOL1, ctaHDR1, ctaEOF1, ctaHDR2, ctaHDR2Small, ctaUHL1, ctaPrelabel} {
		if len(s) != 80 {
			t.Fatalf("test record of %d bytes: %q", len(s), s)
		}
	}
	v, err := format.ParseVOL1([]byte(ctaVOL1))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(format.VOL1{VSN: "V01007", OwnerID: "CASTOR", LBPMethod: "00", Standard: '3'}, v); diff != "" {
		t.Errorf("VOL1 (-want +got):\n%s", diff)
	}
	if got := string(v.Marshal()); got != ctaVOL1 {
		t.Errorf("VOL1 marshal:\n got %q\nwant %q", got, ctaVOL1)
	}

	h, err := format.ParseHDR1([]byte(ctaHDR1))
	if err != nil {
		t.Fatal(err)
	}
	wantH := format.HDR1{FileID: "1F", VSN: "V01007", FSeq: 1, Created: day326.Truncate(24 * time.Hour), Expires: day326.Truncate(24 * time.Hour), SystemCode: "CASTOR 2.1.15"}
	if diff := cmp.Diff(wantH, h); diff != "" {
		t.Errorf("HDR1 (-want +got):\n%s", diff)
	}
	if got := string(h.Marshal()); got != ctaHDR1 {
		t.Errorf("HDR1 marshal:\n got %q\nwant %q", got, ctaHDR1)
	}
	e, err := format.ParseHDR1([]byte(ctaEOF1))
	if err != nil || !e.EOF || e.BlockCount != 4 {
		t.Errorf("EOF1: %+v, %v", e, err)
	}
	if got := string(e.Marshal()); got != ctaEOF1 {
		t.Errorf("EOF1 marshal:\n got %q\nwant %q", got, ctaEOF1)
	}
	p, err := format.ParseHDR1([]byte(ctaPrelabel))
	if err != nil || p.FileID != "PRELABEL" {
		t.Errorf("PRELABEL: %+v, %v", p, err)
	}

	h2, err := format.ParseHDR2([]byte(ctaHDR2))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(format.HDR2{RecordFormat: 'F', Compression: true}, h2); diff != "" {
		t.Errorf("HDR2 (-want +got):\n%s", diff)
	}
	if got := string(format.HDR2{BlockLength: 262144, Compression: true}.Marshal()); got != ctaHDR2 {
		t.Errorf("HDR2 marshal:\n got %q\nwant %q", got, ctaHDR2)
	}
	if got := string(format.HDR2{BlockLength: 32760}.Marshal()); got != ctaHDR2Small {
		t.Errorf("HDR2 marshal, small blocks:\n got %q\nwant %q", got, ctaHDR2Small)
	}

	u, err := format.ParseUHL1([]byte(ctaUHL1))
	if err != nil {
		t.Fatal(err)
	}
	wantU := format.UHL1{FSeq: 1, BlockSize: 262144, Site: "CERN", Host: "TPSRV001", DriveVendor: "IBM", DriveModel: "ULT3580-", DriveSerial: "1013000123"}
	if diff := cmp.Diff(wantU, u); diff != "" {
		t.Errorf("UHL1 (-want +got):\n%s", diff)
	}
	if got := string(wantU.Marshal()); got != ctaUHL1 {
		t.Errorf("UHL1 marshal:\n got %q\nwant %q", got, ctaUHL1)
	}
}

func TestANSILabelErrors(t *testing.T) {
	bad := map[string]struct {
		rec  string
		want error
	}{
		"short":              {"VOL1V01007", format.ErrWrongFormat},
		"not VOL1":           {"HDR1" + ctaVOL1[4:], format.ErrWrongFormat},
		"binary":             {"VOL1V01007\x00" + ctaVOL1[11:], format.ErrBadMetadata},
		"no VSN":             {"VOL1" + sp(6) + ctaVOL1[10:], format.ErrBadMetadata},
		"bad standard":       {ctaVOL1[:79] + "9", format.ErrBadMetadata},
		"HDR1 fseq":          {ctaHDR1[:31] + "00x1" + ctaHDR1[35:], format.ErrBadMetadata},
		"HDR1 section":       {ctaHDR1[:27] + "0002" + ctaHDR1[31:], format.ErrBadMetadata},
		"HDR1 date":          {ctaHDR1[:41] + "0264x6" + ctaHDR1[47:], format.ErrBadMetadata},
		"HDR1 negative":      {ctaHDR1[:54] + "-00001" + ctaHDR1[60:], format.ErrBadMetadata},
		"HDR2 record format": {"HDR2V" + ctaHDR2[5:], format.ErrBadMetadata},
		"UHL1 block size":    {ctaUHL1[:14] + "0000000000" + ctaUHL1[24:], format.ErrBadMetadata},
	}
	for name, c := range bad {
		var err error
		switch c.rec[:4] {
		case "VOL1":
			_, err = format.ParseVOL1([]byte(c.rec))
		case "HDR1", "EOF1":
			if name == "not VOL1" {
				_, err = format.ParseVOL1([]byte(c.rec))
			} else {
				_, err = format.ParseHDR1([]byte(c.rec))
			}
		case "HDR2":
			_, err = format.ParseHDR2([]byte(c.rec))
		case "UHL1":
			_, err = format.ParseUHL1([]byte(c.rec))
		}
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
}

// TestANSIRoundTrip writes CTA-style files and reads them back: labels as
// CTA lays them out, checksums verified against the catalog's adler32, and
// the scan rebuilding the records.
func TestANSIRoundTrip(t *testing.T) {
	ctx := context.Background()
	m := mount(t, nil)
	l, err := format.Label(ctx, m.drive, barcode, &format.LabelOptions{Format: format.FormatANSI, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if l.Barcode != "TK0001" || l.Format != format.FormatANSI {
		t.Errorf("ANSI label: %+v", l)
	}
	if _, err := format.CheckLabel(ctx, m.drive, barcode); err != nil {
		t.Errorf("CheckLabel of the ANSI tape against its barcode: %v", err)
	}
	w, err := format.NewWriter(m.drive, &format.WriterOptions{Format: format.FormatANSI, BlockSize: 32 << 10, Site: "CERN", Host: "tpsrv001", Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	sizes := []int{1, 32 << 10, 100_000, 5}
	var data [][]byte
	for i, n := range sizes {
		b := content(uint64(i), n)
		data = append(data, b)
		if _, err := w.WriteFile(ctx, format.Meta{FileID: fmt.Sprint(4242 + i), Size: int64(n)}, bytes.NewReader(b)); err != nil {
			t.Fatal(err)
		}
	}
	recs, err := w.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// The raw layout: VOL1 + PRELABEL, then per file three labels.
	var raw bytes.Buffer
	if _, blocks, err := format.DumpTapeFile(ctx, m.drive, 0, &raw, 0); err != nil || blocks != 2 {
		t.Fatalf("label file: %d blocks, %v", blocks, err)
	}
	if !strings.HasPrefix(raw.String(), "VOL1TK0001 ") || !strings.Contains(raw.String(), "HDR1PRELABEL") {
		t.Errorf("label file: %q", raw.String())
	}
	raw.Reset()
	if _, _, err := format.DumpTapeFile(ctx, m.drive, format.ANSITapeFile(3), &raw, 0); err != nil {
		t.Fatal(err)
	}
	want := "HDR1" + "1094" + sp(13) + "TK0001" + "0001" + "0003"
	if !strings.HasPrefix(raw.String(), want) || raw.Len() != 240 {
		t.Errorf("headers of fseq 3: %q", raw.String())
	}
	raw.Reset()
	if _, _, err := format.DumpTapeFile(ctx, m.drive, format.ANSITapeFile(3)+2, &raw, 0); err != nil {
		t.Fatal(err)
	}
	if got := raw.String()[54:60]; got != "000004" {
		t.Errorf("EOF1 block count of fseq 3: %q, want 000004 (100000 bytes in 32 KiB blocks)", got)
	}

	for i := range sizes {
		f, err := format.OpenANSI(ctx, m.drive, int64(i+1), &format.ReaderOptions{Expected: recs[i].Checksums[:1]})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if _, err := b.ReadFrom(f); err != nil {
			t.Fatalf("fseq %d: %v", i+1, err)
		}
		if !bytes.Equal(b.Bytes(), data[i]) {
			t.Errorf("fseq %d: data differs", i+1)
		}
	}
	wrong := checksum.Value{Algorithm: "adler32", Bytes: []byte{9, 9, 9, 9}}
	f, err := format.OpenANSI(ctx, m.drive, 2, &format.ReaderOptions{Expected: []checksum.Value{wrong}})
	if err != nil {
		t.Fatal(err)
	}
	var sink bytes.Buffer
	if _, err := sink.ReadFrom(f); !errors.Is(err, checksum.ErrMismatch) {
		t.Errorf("wrong expected adler32: %v", err)
	}

	var scanned []format.Record
	for rec, err := range format.Scan(ctx, m.drive, 1, nil) {
		if err != nil {
			t.Fatal(err)
		}
		scanned = append(scanned, rec)
	}
	// The copy number is the catalog's: an ANSI tape does not record it.
	for i := range recs {
		recs[i].Copy = 0
	}
	if diff := cmp.Diff(recs, scanned, cmpRecord); diff != "" {
		t.Errorf("scan (-written +scanned):\n%s", diff)
	}

	// Appending after a reopen continues the sequence.
	w2, _ := format.NewWriter(m.drive, &format.WriterOptions{Format: format.FormatANSI})
	rec, err := w2.WriteFile(ctx, format.Meta{FileID: "7", Size: 1}, bytes.NewReader([]byte{1}))
	if err != nil || rec.FSeq != 5 {
		t.Errorf("append: fseq %d, %v", rec.FSeq, err)
	}
	w2.Close(ctx)
	if _, err := format.NewWriter(m.drive, nil); err != nil {
		t.Fatal(err)
	}
	w3, _ := format.NewWriter(m.drive, nil)
	if _, err := w3.WriteFile(ctx, format.Meta{FileID: "8", Size: 0}, bytes.NewReader(nil)); !errors.Is(err, format.ErrWrongFormat) {
		t.Errorf("pax writer on an ANSI tape: %v", err)
	}
}

// TestANSIResumeAfterCrash: a file cut short among its three tape files
// (here: header labels and data, no trailer) was never reported; the next
// writer overwrites it and the layout stays CTA's.
func TestANSIResumeAfterCrash(t *testing.T) {
	ctx := context.Background()
	m := mount(t, nil)
	if _, err := format.Label(ctx, m.drive, barcode, &format.LabelOptions{Format: format.FormatANSI}); err != nil {
		t.Fatal(err)
	}
	w, _ := format.NewWriter(m.drive, &format.WriterOptions{Format: format.FormatANSI})
	for i := range 2 {
		if _, err := w.WriteFile(ctx, format.Meta{FileID: fmt.Sprint(i + 1), Size: 3}, strings.NewReader("abc")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	// The remains of file 3: labels, filemark, a data block, filemark.
	appendRaw(t, m.drive, []byte(ctaHDR1), []byte(ctaHDR2), []byte(ctaUHL1))
	appendRaw(t, m.drive, []byte("partial"))

	w, _ = format.NewWriter(m.drive, &format.WriterOptions{Format: format.FormatANSI})
	rec, err := w.WriteFile(ctx, format.Meta{FileID: "3", Size: 4}, strings.NewReader("abcd"))
	if err != nil || rec.FSeq != 3 {
		t.Fatalf("after the crash: fseq %d, %v", rec.FSeq, err)
	}
	if _, err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	var got []string
	for r, err := range format.Scan(ctx, m.drive, 1, nil) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%d %s %d %s", r.FSeq, r.FileID, r.Size, r.Status))
	}
	if diff := cmp.Diff([]string{"1 1 3 ok", "2 2 3 ok", "3 3 4 ok"}, got); diff != "" {
		t.Errorf("scan (-want +got):\n%s", diff)
	}
}
