package sqlcat

import (
	"math"
	"time"

	"github.com/tapekit/tapekit/catalog"
)

// unsetNanos is the stored zero time ("unset"). Until schema version 3 of
// SQLite and 5 of PostgreSQL it was 0, which is the Unix epoch; those
// versions rewrite the 0s that meant unset.
const unsetNanos = math.MinInt64

// clockNanos converts a reading of the catalog's clock to stored
// nanoseconds. A clock outside what the catalog stores (a test clock at the
// zero time, say) is clamped to catalog.MinTime or catalog.MaxTime rather
// than wrapped around or taken for "unset".
func clockNanos(t time.Time) int64 {
	switch {
	case t.Before(catalog.MinTime):
		return catalog.MinTime.UnixNano()
	case t.After(catalog.MaxTime):
		return catalog.MaxTime.UnixNano()
	}
	return t.UnixNano()
}

// orNanos is t in stored nanoseconds, or def when t is the zero time: the
// default of a time the caller may leave unset. It decides on t, not on
// its nanoseconds, so the epoch is kept like any other time.
func orNanos(t time.Time, def int64) int64 {
	if t.IsZero() {
		return def
	}
	return toNanos(t)
}
