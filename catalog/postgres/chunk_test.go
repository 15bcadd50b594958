package postgres

import (
	"encoding/binary"
	"testing"
)

// rec builds a rec value as the schema's generated column does.
func rec(v ...int64) []byte {
	var b []byte
	for _, x := range v {
		b = binary.BigEndian.AppendUint64(b, uint64(x))
	}
	return b
}

func TestDecodeRec(t *testing.T) {
	for _, tc := range []struct {
		name string
		row  [][]byte
		want [6]int64
		ok   bool
	}{
		{"plain", [][]byte{rec(7, 1, 2, 3, 4, 5)}, [6]int64{7, 1, 2, 3, 4, 5}, true},
		{"extremes", [][]byte{rec(1<<63-1, -1, 0, 1, -1<<63, 42)}, [6]int64{1<<63 - 1, -1, 0, 1, -1 << 63, 42}, true},
		{"short", [][]byte{rec(1, 2, 3, 4, 5)}, [6]int64{}, false},
		{"long", [][]byte{rec(1, 2, 3, 4, 5, 6, 7)}, [6]int64{}, false},
		{"null", [][]byte{nil}, [6]int64{}, false},
		{"no columns", nil, [6]int64{}, false},
		{"two columns", [][]byte{rec(1, 2, 3, 4, 5, 6), rec(1, 2, 3, 4, 5, 6)}, [6]int64{}, false},
	} {
		var v [6]int64
		err := decodeRec(tc.row, &v)
		if (err == nil) != tc.ok || (tc.ok && v != tc.want) {
			t.Errorf("%s: decodeRec = %v, %v; want %v ok %v", tc.name, v, err, tc.want, tc.ok)
		}
	}
}

// FuzzDecodeRec: any 48 bytes decode and re-encode to themselves; any other
// input is an error, never a panic.
func FuzzDecodeRec(f *testing.F) {
	f.Add(rec(7, 1, 2, 3, 4, 5))
	f.Add([]byte("short"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var v [6]int64
		err := decodeRec([][]byte{b}, &v)
		if (err == nil) != (len(b) == 48) {
			t.Fatalf("decodeRec of %d bytes: %v", len(b), err)
		}
		if err == nil && string(rec(v[:]...)) != string(b) {
			t.Fatalf("round trip of %x gave %v", b, v)
		}
	})
}
