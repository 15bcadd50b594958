package scsi_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/tapekit/tapekit/scsi"
)

func TestRAOCDBs(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  []byte
		want []byte
	}{
		{"generate", scsi.GenerateRAO(scsi.RAOProcessGenerate, 0, 8+2*32),
			[]byte{0xA4, 0x1D, 0x02, 0x00, 0, 0, 0x00, 0x00, 0x00, 0x48, 0, 0}},
		{"receive list", scsi.ReceiveRAO(false, 0, 0x1000, 0),
			[]byte{0xA3, 0x1D, 0, 0, 0, 0, 0x00, 0x00, 0x10, 0x00, 0, 0}},
		{"receive limits", scsi.ReceiveRAO(true, 0, 4, 0),
			[]byte{0xA3, 0x9D, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0}},
	} {
		if d := cmp.Diff(tc.want, tc.got); d != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, d)
		}
	}
}

func TestRAOParams(t *testing.T) {
	seg := scsi.UDS{Partition: 0, Begin: 0x0102, End: 0x0203}
	copy(seg.Name[:], "FSEQ000042")
	b, err := scsi.AppendRAOParams(nil, []scsi.UDS{seg})
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{
		0, 0, 0, 0, // reserved
		0, 0, 0, 32, // UDS list length
		0x00, 0x1E, 0, 0, 0, // descriptor length, reserved
		'F', 'S', 'E', 'Q', '0', '0', '0', '0', '4', '2', // name
		0,                      // partition
		0, 0, 0, 0, 0, 0, 1, 2, // begin
		0, 0, 0, 0, 0, 0, 2, 3, // end
	}
	if d := cmp.Diff(want, b); d != "" {
		t.Fatalf("(-want +got):\n%s", d)
	}
	got, err := scsi.ParseRAOParams(b)
	if err != nil || len(got) != 1 || got[0] != seg {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	// A RECEIVE RAO list is the same descriptors after its own header.
	list := append([]byte{0x02, 0x00, 0, 0, 0, 0, 0, 32}, b[8:]...)
	l, err := scsi.ParseRAOList(list)
	if err != nil || l.Process != 2 || len(l.Segments) != 1 || l.Segments[0] != seg {
		t.Fatalf("list: %+v %v", l, err)
	}
	for name, bad := range map[string][]byte{
		"short header":    {0, 0, 0},
		"length overruns": {0, 0, 0, 0, 0, 0, 0, 64},
		"partial":         append([]byte{0, 0, 0, 0, 0, 0, 0, 10}, make([]byte, 10)...),
		"bad desc length": append([]byte{0, 0, 0, 0, 0, 0, 0, 32}, append([]byte{0, 0x1F}, make([]byte, 30)...)...),
	} {
		if _, err := scsi.ParseRAOList(bad); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
	lim, err := scsi.ParseUDSLimits([]byte{0x07, 0xD0, 0, 0})
	if err != nil || lim.MaxSegments != 2000 {
		t.Fatalf("limits: %+v %v", lim, err)
	}
}

func TestRAOParamsRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 50).Draw(t, "n")
		segs := make([]scsi.UDS, n)
		for i := range segs {
			b := rapid.Uint64().Draw(t, "begin")
			segs[i] = scsi.UDS{Partition: rapid.Byte().Draw(t, "part"), Begin: b, End: b + rapid.Uint64Range(0, 1<<20).Draw(t, "len")}
			if segs[i].End < b {
				segs[i].End = b
			}
			copy(segs[i].Name[:], rapid.StringN(0, 10, 10).Draw(t, "name"))
		}
		b, err := scsi.AppendRAOParams(nil, segs)
		if err != nil {
			t.Fatal(err)
		}
		got, err := scsi.ParseRAOParams(b)
		if err != nil {
			t.Fatal(err)
		}
		if len(segs) == 0 {
			segs = nil
		}
		if d := cmp.Diff(segs, got); d != "" {
			t.Fatalf("(-want +got):\n%s", d)
		}
	})
}

func FuzzParseRAOList(f *testing.F) {
	seg, _ := scsi.AppendRAOParams(nil, []scsi.UDS{{Begin: 1, End: 9}})
	f.Add(append([]byte{2, 0, 0, 0}, seg[4:]...))
	f.Add([]byte{0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF})
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := scsi.ParseRAOList(b)
		if err == nil {
			for _, s := range l.Segments {
				if s.End < s.Begin {
					t.Fatalf("segment %+v accepted", s)
				}
			}
		}
		scsi.ParseRAOParams(b)
	})
}
