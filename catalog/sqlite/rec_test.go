package sqlite

import (
	"math"
	"testing"
)

func TestRec(t *testing.T) {
	var v [5]int64
	for _, tc := range []struct {
		in   string
		want [5]int64
		ok   bool
	}{
		{"1,2,3,4,5", [5]int64{1, 2, 3, 4, 5}, true},
		{"9223372036854775807,1,0,0,-1", [5]int64{math.MaxInt64, 1, 0, 0, -1}, true},
		{"", [5]int64{}, false},
		{"1,2,3,4", [5]int64{}, false},
		{"1,2,3,4,5,6", [5]int64{}, false},
		{"1,,3,4,5", [5]int64{}, false},
		{"1,2,3,4,5x", [5]int64{}, false},
		{"99999999999999999999,2,3,4,5", [5]int64{}, false},
	} {
		err := parseRec(tc.in, &v)
		if (err == nil) != tc.ok || (tc.ok && v != tc.want) {
			t.Errorf("parseRec(%q) = %v, %v; want %v ok %v", tc.in, v, err, tc.want, tc.ok)
		}
	}
	if err := parseRec(int64(5), &v); err == nil {
		t.Error("a non-text rec was accepted")
	}
}

// FuzzRec: what appendRec writes parseRec reads back; anything else is an
// error or a value, never a panic.
func FuzzRec(f *testing.F) {
	f.Add(int64(1), int64(1), int64(0), int64(3), int64(4096), "1,2,3,4,5")
	f.Fuzz(func(t *testing.T, a, b, c, d, e int64, raw string) {
		var v [5]int64
		if err := parseRec(string(appendRec(nil, a, b, c, d, e)), &v); err != nil || v != [5]int64{a, b, c, d, e} {
			if a != math.MinInt64 && b != math.MinInt64 && c != math.MinInt64 && d != math.MinInt64 && e != math.MinInt64 {
				t.Fatalf("round trip of %v: %v %v", [5]int64{a, b, c, d, e}, v, err)
			}
		}
		parseRec(raw, &v)
		parseRec([]byte(raw), &v)
	})
}
