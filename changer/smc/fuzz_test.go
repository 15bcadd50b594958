package smc_test

import (
	"errors"
	"testing"

	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/changer/smc"
)

func FuzzParseElementStatus(f *testing.F) {
	f.Add(sample())
	f.Add(sample()[:200])
	f.Add(report(1000, 2, page(0x02, 0x00, 12, make([]byte, 24))))
	f.Add(report(0, 0))
	f.Fuzz(func(t *testing.T, b []byte) {
		ds, err := smc.ParseElementStatus(b)
		if err != nil {
			var fe *smc.FormatError
			if !errors.As(err, &fe) || !(errors.Is(err, smc.ErrTruncated) || errors.Is(err, smc.ErrMalformed)) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			if fe.Need != 0 && fe.Need <= len(b) {
				t.Fatalf("truncated with Need %d but %d bytes given", fe.Need, len(b))
			}
			return
		}
		// What parses matches its header and never repeats an address.
		if n := int(b[2])<<8 | int(b[3]); n != len(ds) {
			t.Fatalf("header says %d elements, got %d", n, len(ds))
		}
		seen := map[changer.Address]bool{}
		for _, d := range ds {
			if seen[d.Address] {
				t.Fatalf("address %d twice", d.Address)
			}
			seen[d.Address] = true
			if d.Type < changer.Transport || d.Type > changer.DataTransfer {
				t.Fatalf("element type %d", d.Type)
			}
			if !d.SourceValid && d.Source != 0 {
				t.Fatalf("source %d without SVALID", d.Source)
			}
			for _, c := range d.Barcode + d.AltBarcode {
				if c < 0x20 || c > 0x7E {
					t.Fatalf("unprintable barcode %q", d.Barcode)
				}
			}
		}
	})
}

func FuzzParseAddressAssignment(f *testing.F) {
	f.Add([]byte{0x17, 0x00, 0x10, 0x00, 0x1d, 0x12, 0x00, 0x01, 0x00, 0x01, 0x03, 0xe8, 0x00, 0x28, 0x00, 0x0a, 0x00, 0x04, 0x01, 0xf4, 0x00, 0x04, 0x00, 0x00}, false)
	f.Add(append([]byte{0x00, 0x1E, 0, 0, 0, 0, 0, 0, 0x1C, 0x02, 0xAA, 0xBB}, page1D...), true)
	f.Fuzz(func(t *testing.T, resp []byte, ten bool) {
		pg, err := smc.ModePage(resp, ten, smc.PageElementAddressAssignment)
		if err != nil {
			var fe *smc.FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		if len(pg) < 2 || pg[0]&0x3F != smc.PageElementAddressAssignment || len(pg) != 2+int(pg[1]) {
			t.Fatalf("ModePage returned % x", pg)
		}
		a, err := smc.ParseAddressAssignment(pg)
		if err != nil {
			var fe *smc.FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		// Ranges fit in the address space and do not overlap.
		type span struct{ first, n int }
		spans := []span{
			{int(a.FirstTransport), a.NumTransport}, {int(a.FirstStorage), a.NumStorage},
			{int(a.FirstImportExport), a.NumImportExport}, {int(a.FirstDataTransfer), a.NumDataTransfer},
		}
		for i, s := range spans {
			if s.first+s.n > 0x10000 {
				t.Fatalf("range %d+%d past 0xFFFF", s.first, s.n)
			}
			for _, o := range spans[:i] {
				if s.n > 0 && o.n > 0 && s.first < o.first+o.n && o.first < s.first+s.n {
					t.Fatalf("ranges overlap: %+v", a)
				}
			}
		}
	})
}
