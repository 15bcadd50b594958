package scsi_test

import (
	"encoding/binary"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/tapekit/tapekit/scsi"
	"pgregory.net/rapid"
)

// encodeFixed lays s out in fixed format (SPC-5 "Fixed format sense
// data"), padded with pad junk bytes the decoder must ignore.
func encodeFixed(s scsi.Sense, pad []byte) []byte {
	b := make([]byte, 18)
	b[0] = s.ResponseCode
	if s.InfoValid {
		b[0] |= 0x80
	}
	b[2] = byte(s.Key)
	if s.Filemark {
		b[2] |= 0x80
	}
	if s.EOM {
		b[2] |= 0x40
	}
	if s.ILI {
		b[2] |= 0x20
	}
	binary.BigEndian.PutUint32(b[3:], uint32(s.Information))
	b[7] = 10
	binary.BigEndian.PutUint32(b[8:], uint32(s.CommandSpecific))
	b[12], b[13], b[14] = s.ASC, s.ASCQ, s.FRU
	copy(b[15:], s.SenseKeySpecific[:])
	return append(b, pad...)
}

// encodeDescriptor lays s out in descriptor format with information,
// command-specific, sense-key-specific, FRU and stream descriptors.
func encodeDescriptor(s scsi.Sense) []byte {
	b := []byte{s.ResponseCode, byte(s.Key), s.ASC, s.ASCQ, 0, 0, 0, 0}
	info := make([]byte, 12)
	info[1] = 0x0a
	if s.InfoValid {
		info[2] = 0x80
	}
	binary.BigEndian.PutUint64(info[4:], s.Information)
	cs := make([]byte, 12)
	cs[0], cs[1] = 1, 0x0a
	binary.BigEndian.PutUint64(cs[4:], s.CommandSpecific)
	sks := []byte{2, 6, 0, 0, s.SenseKeySpecific[0], s.SenseKeySpecific[1], s.SenseKeySpecific[2], 0}
	fru := []byte{3, 2, 0, s.FRU}
	var f byte
	if s.Filemark {
		f |= 0x80
	}
	if s.EOM {
		f |= 0x40
	}
	if s.ILI {
		f |= 0x20
	}
	stream := []byte{4, 2, 0, f}
	for _, d := range [][]byte{info, cs, sks, fru, stream} {
		b = append(b, d...)
	}
	b[7] = byte(len(b) - 8)
	return b
}

func TestDecodeSenseRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		desc := rapid.Bool().Draw(t, "descriptor")
		s := scsi.Sense{
			Deferred:             rapid.Bool().Draw(t, "deferred"),
			Key:                  scsi.SenseKey(rapid.IntRange(0, 15).Draw(t, "key")),
			ASC:                  rapid.Byte().Draw(t, "asc"),
			ASCQ:                 rapid.Byte().Draw(t, "ascq"),
			Filemark:             rapid.Bool().Draw(t, "filemark"),
			EOM:                  rapid.Bool().Draw(t, "eom"),
			ILI:                  rapid.Bool().Draw(t, "ili"),
			InfoValid:            rapid.Bool().Draw(t, "valid"),
			FRU:                  rapid.Byte().Draw(t, "fru"),
			CommandSpecificValid: true,
		}
		sks := rapid.SliceOfN(rapid.Byte(), 3, 3).Draw(t, "sks")
		copy(s.SenseKeySpecific[:], sks)
		s.SKSV = sks[0]&0x80 != 0
		var b []byte
		if desc {
			s.Descriptor = true
			s.ResponseCode = 0x72
			s.Information = rapid.Uint64().Draw(t, "info")
			s.CommandSpecific = rapid.Uint64().Draw(t, "cs")
			if s.Deferred {
				s.ResponseCode = 0x73
			}
			b = encodeDescriptor(s)
		} else {
			s.ResponseCode = 0x70
			s.Information = uint64(rapid.Uint32().Draw(t, "info"))
			s.CommandSpecific = uint64(rapid.Uint32().Draw(t, "cs"))
			if s.Deferred {
				s.ResponseCode = 0x71
			}
			b = encodeFixed(s, rapid.SliceOf(rapid.Byte()).Draw(t, "pad"))
		}
		got, err := scsi.DecodeSense(b)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(s, *got, cmpopts.IgnoreFields(scsi.Sense{}, "Descriptors"), cmpopts.EquateEmpty()); d != "" {
			t.Fatalf("round trip of % x (-want +got):\n%s", b, d)
		}
		// The residue is the INFORMATION field read as a signed number of
		// the format's width.
		want := int64(s.Information)
		if !desc {
			want = int64(int32(uint32(s.Information)))
		}
		if got.Residue() != want {
			t.Fatalf("Residue() = %d, want %d", got.Residue(), want)
		}
	})
}

// SPACE(6) carries a 24-bit two's complement count: decoding the CDB's
// bytes 2-4 gives back the count for the whole range.
func TestSpace6Count(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.Int64Range(-(1<<23), 1<<23-1).Draw(t, "count")
		cdb, err := scsi.Space6(scsi.SpaceBlocks, n)
		if err != nil {
			t.Fatal(err)
		}
		v := int64(cdb[2])<<16 | int64(cdb[3])<<8 | int64(cdb[4])
		if v&(1<<23) != 0 {
			v -= 1 << 24
		}
		if v != n {
			t.Fatalf("count %d encoded as % x", n, cdb)
		}
	})
}
