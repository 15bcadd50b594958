package format_test

import (
	"archive/tar"
	"bytes"
	"testing"

	"github.com/tapekit/tapekit/checksum"
	"github.com/tapekit/tapekit/tape/format"
)

func FuzzParseLabel(f *testing.F) {
	good, _ := format.MarshalLabel(format.VolumeLabel{Barcode: barcode, Format: format.FormatPAX, Version: 1, ID: "0123", Created: fixedNow(), Creator: "fuzz"})
	f.Add(good)
	f.Add(good[:600])
	f.Add([]byte(ctaVOL1))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := format.ParseLabel(b)
		if err != nil {
			return
		}
		// A label that parses survives a round trip.
		again, err := format.MarshalLabel(l)
		if err != nil {
			t.Fatalf("marshal of a parsed label: %v", err)
		}
		l2, err := format.ParseLabel(again)
		if err != nil || l2.Barcode != l.Barcode || l2.ID != l.ID {
			t.Fatalf("round trip: %+v → %+v, %v", l, l2, err)
		}
	})
}

// paxMember is a tar stream of one member with the given pax records.
func paxMember(rec map[string]string, size int64) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	tw.WriteHeader(&tar.Header{Name: "f", Mode: 0o644, Size: size, Typeflag: tar.TypeReg, Format: tar.FormatPAX, PAXRecords: rec})
	tw.Write(make([]byte, size))
	tw.Close()
	return b.Bytes()
}

func FuzzParseHeader(f *testing.F) {
	f.Add(paxMember(map[string]string{
		format.RecordFormat: "tapekit-pax/1", format.RecordFileID: "42", format.RecordPath: "/a/b", format.RecordSize: "3",
		format.RecordCopy: "1", format.RecordFSeq: "7", format.RecordChecksumPrefix + "adler32": "024d0127",
		format.RecordTrailerChecksums: "adler32,crc32c",
	}, 3))
	f.Add(paxMember(map[string]string{format.RecordFormat: "tapekit-pax/1", format.RecordSize: "x"}, 0))
	f.Add(paxMember(map[string]string{format.RecordFormat: "tapekit-pax/1", format.RecordSize: "0", format.RecordChecksumPrefix + "nope": "zz"}, 0))
	f.Add(paxMember(nil, 5))
	f.Fuzz(func(t *testing.T, b []byte) {
		tr := tar.NewReader(bytes.NewReader(b))
		// Next skips data without reading it: a sparse member may claim
		// terabytes of holes.
		for range 4 {
			h, err := tr.Next()
			if err != nil {
				return
			}
			if h.Typeflag == tar.TypeXGlobalHeader {
				format.ParseTrailer(h)
				continue
			}
			fh, err := format.ParseHeader(h)
			if err != nil {
				continue
			}
			if fh.Size != h.Size || fh.Size < 0 || fh.FSeq < 1 || fh.Copy < 1 {
				t.Fatalf("accepted header with size %d (tar %d), fseq %d, copy %d", fh.Size, h.Size, fh.FSeq, fh.Copy)
			}
			for _, v := range fh.Checksums {
				if _, err := checksum.ParseHex(v.Algorithm, v.Hex()); err != nil {
					t.Fatalf("accepted checksum %v: %v", v, err)
				}
			}
		}
	})
}

func FuzzANSILabels(f *testing.F) {
	for _, s := range []string{ctaVOL1, ctaHDR1, ctaEOF1, ctaHDR2, ctaHDR2Small, ctaUHL1, ctaPrelabel} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if v, err := format.ParseVOL1(b); err == nil {
			if w, err := format.ParseVOL1(v.Marshal()); err != nil || w.VSN != v.VSN {
				t.Fatalf("VOL1 round trip: %+v → %+v, %v", v, w, err)
			}
		}
		if h, err := format.ParseHDR1(b); err == nil {
			if g, err := format.ParseHDR1(h.Marshal()); err != nil || g.FSeq != h.FSeq || g.BlockCount != h.BlockCount || g.EOF != h.EOF {
				t.Fatalf("HDR1 round trip: %+v → %+v, %v", h, g, err)
			}
		}
		if h, err := format.ParseHDR2(b); err == nil {
			if _, err := format.ParseHDR2(h.Marshal()); err != nil {
				t.Fatalf("HDR2 round trip: %+v: %v", h, err)
			}
		}
		if u, err := format.ParseUHL1(b); err == nil {
			if g, err := format.ParseUHL1(u.Marshal()); err != nil || g.FSeq != u.FSeq || g.BlockSize != u.BlockSize {
				t.Fatalf("UHL1 round trip: %+v → %+v, %v", u, g, err)
			}
		}
	})
}
