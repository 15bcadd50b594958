package sqlcat

import (
	"math"
	"testing"
	"time"

	"github.com/tapekit/tapekit/catalog"
)

func TestNanosRoundTrip(t *testing.T) {
	for _, tm := range []time.Time{
		{}, time.Unix(0, 0), time.Unix(0, -1), time.Unix(0, 1), catalog.MinTime, catalog.MaxTime,
		time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("X", 3600)),
	} {
		n := toNanos(tm)
		got := fromNanos(n)
		if !got.Equal(tm) || got.Location() != time.UTC || got.IsZero() != tm.IsZero() {
			t.Errorf("fromNanos(toNanos(%v)) = %v (stored %d)", tm, got, n)
		}
		if tm.IsZero() != (n == unsetNanos) {
			t.Errorf("toNanos(%v) = %d; unset is %d", tm, n, int64(unsetNanos))
		}
		if err := catalog.ValidateTime("t", tm); err != nil {
			t.Errorf("ValidateTime(%v) = %v", tm, err)
		}
	}
}

func TestClockNanos(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		clock time.Time
		want  int64
	}{
		{now, now.UnixNano()},
		{time.Unix(0, 0), 0},
		{time.Time{}, math.MinInt64 + 1},
		{catalog.MinTime.Add(-time.Nanosecond), math.MinInt64 + 1},
		{time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC), math.MaxInt64},
	} {
		if got := clockNanos(tc.clock); got != tc.want {
			t.Errorf("clockNanos(%v) = %d, want %d", tc.clock, got, tc.want)
		}
	}
}

func TestOrNanos(t *testing.T) {
	if got := orNanos(time.Time{}, 42); got != 42 {
		t.Errorf("orNanos(zero, 42) = %d", got)
	}
	if got := orNanos(time.Unix(0, 0), 42); got != 0 {
		t.Errorf("orNanos(epoch, 42) = %d, want 0", got)
	}
}
