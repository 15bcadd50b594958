package catalog

import (
	"math"
	"time"
)

// The range of times a catalog stores. The SQL catalogs keep a time as
// Unix nanoseconds in a 64-bit integer, so a time must have a UnixNano
// that fits in an int64; the smallest such value, math.MinInt64, is
// reserved for the zero time ("unset"), so MinTime is one nanosecond
// later. The Unix epoch is a time like any other: a file whose mtime is 0
// keeps it.
//
// A non-zero time outside [MinTime, MaxTime] is refused with a
// *ValidationError wrapping ErrInvalid, naming the field; a time inside
// comes back from the catalog as the same instant, to the nanosecond, in
// UTC.
var (
	MinTime = time.Unix(0, math.MinInt64+1).UTC() // 1677-09-21T00:12:43.145224193Z
	MaxTime = time.Unix(0, math.MaxInt64).UTC()   // 2262-04-11T23:47:16.854775807Z
)

// ValidateTime checks that t is the zero time or lies within [MinTime,
// MaxTime]; field names it in the error.
func ValidateTime(field string, t time.Time) error {
	if !t.IsZero() && (t.Before(MinTime) || t.After(MaxTime)) {
		return invalid(field, t.UTC().Format(time.RFC3339Nano), ErrInvalid)
	}
	return nil
}
