package sqlite

import (
	"math"
	"testing"
)

func TestRec(t *testing.T) {
	var v [6]int64
	for _, tc := range []struct {
		in   string
		want [6]int64
		ok   bool
	}{
		{"7,1,2,3,4,5", [6]int64{7, 1, 2, 3, 4, 5}, true},
		{"1,999999999999999999,1,0,0,-1", [6]int64{1, 999999999999999999, 1, 0, 0, -1}, true},
		{"", [6]int64{}, false},
		{"1,2,3,4,5", [6]int64{}, false},
		{"1,2,3,4,5,6,7", [6]int64{}, false},
		{"1,,3,4,5,6", [6]int64{}, false},
		{"1,2,3,4,5,6x", [6]int64{}, false},
		{"9999999999999999999,2,3,4,5,6", [6]int64{}, false},
		{"9223372036854775808,2,3,4,5,6", [6]int64{}, false},
		{"99999999999999999999999,2,3,4,5,6", [6]int64{}, false},
		{"-9223372036854775809,2,3,4,5,6", [6]int64{}, false},
		{"9223372036854775807,1000000000000000000,3,4,5,-9223372036854775808",
			[6]int64{math.MaxInt64, 1e18, 3, 4, 5, math.MinInt64}, true},
		{"-,2,3,4,5,6", [6]int64{}, false},
	} {
		err := parseRec(tc.in, &v)
		if (err == nil) != tc.ok || (tc.ok && v != tc.want) {
			t.Errorf("parseRec(%q) = %v, %v; want %v ok %v", tc.in, v, err, tc.want, tc.ok)
		}
	}
}

// FuzzRec: what appendRec writes parseRec reads back, for every int64;
// anything else is an error or a value, never a panic.
func FuzzRec(f *testing.F) {
	f.Add(int64(3), int64(1), int64(1), int64(0), int64(3), int64(4096), "1,2,3,4,5,6")
	f.Fuzz(func(t *testing.T, a, b, c, d, e, g int64, raw string) {
		in := [6]int64{a, b, c, d, e, g}
		var v [6]int64
		if err := parseRec(string(appendRec(nil, a, b, c, d, e, g)), &v); err != nil || v != in {
			t.Fatalf("round trip of %v: %v %v", in, v, err)
		}
		parseRec(raw, &v)
	})
}
