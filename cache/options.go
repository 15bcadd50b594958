package cache

import (
	"log/slog"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/tapekit/tapekit/checksum"
)

// Defaults for a nil Options or its zero fields.
const (
	DefaultHighWater      = 0.90
	DefaultLowWater       = 0.80
	DefaultMaxPinLifetime = 365 * 24 * time.Hour
	// DefaultCompactAfter is the number of journal records after which the
	// index is rewritten as a snapshot, so that an open replays little.
	DefaultCompactAfter = 100_000
)

// DefaultAlgorithms are computed on ingest when neither the storage class
// nor Options name any: Adler-32, what dCache, CTA and XRootD record.
var DefaultAlgorithms = []string{checksum.Adler32}

// Options configures a Cache. A nil *Options means all defaults; a zero
// field means its default.
type Options struct {
	// Quota is the most bytes the cache holds, files and reservations
	// together. 0 means nine tenths of the filesystem's size.
	Quota int64
	// HighWater and LowWater are fractions of Quota: once usage would pass
	// HighWater, least recently used clean files are evicted until it is
	// at LowWater. Defaults DefaultHighWater and DefaultLowWater.
	HighWater, LowWater float64
	// Algorithms are the checksums computed on ingest for a storage class
	// not listed in Classes. Default DefaultAlgorithms.
	Algorithms []string
	// Classes configures storage classes by name.
	Classes map[string]Class
	// Flush is the flush policy of storage classes without their own.
	Flush FlushPolicy
	// MaxPinLifetime bounds a pin's lifetime. Default DefaultMaxPinLifetime.
	MaxPinLifetime time.Duration
	// CompactAfter is how many journal records trigger a snapshot.
	// Default DefaultCompactAfter.
	CompactAfter int
	// Clock measures pin lifetimes, file ages and waits. Default the real
	// clock.
	Clock clock.Clock
	// Logger receives recovery and eviction messages. Default
	// slog.Default().
	Logger *slog.Logger
	// Events receives metrics hooks. Nil means none.
	Events *Events
}

// Class is what the cache needs to know of a storage class.
type Class struct {
	// Algorithms are the checksums computed while its files come in.
	Algorithms []string
	// Flush says when its precious files should go to tape.
	Flush FlushPolicy
}

// FlushPolicy says when the precious files of a storage class are worth a
// tape mount. A zero field is a trigger that never fires; a zero policy
// makes every class with precious files due.
type FlushPolicy struct {
	Bytes int64         // precious bytes waiting
	Files int           // precious files waiting
	Age   time.Duration // age of the oldest precious file
}

// Events are metrics hooks, the way an HSM feeds Prometheus without this
// package importing it. Any field may be nil. The hooks are called with the
// cache's lock held: they must be quick and must not call the Cache.
type Events struct {
	// StateChanged reports a file moving between states (0 is "absent")
	// with its size: the sum over these gives bytes by state.
	StateChanged func(name string, from, to State, size int64)
	// Hit and Miss report reads: a hit is a readable file, a miss a name
	// that is absent or not complete.
	Hit, Miss func(name string)
	// Evicted reports a clean file removed to make room.
	Evicted func(name string, size int64)
	// WaitBegan and WaitEnded frame a caller waiting for space
	// (back-pressure); err is nil when the space was granted.
	WaitBegan func(bytes int64)
	WaitEnded func(bytes int64, waited time.Duration, err error)
	// Lost reports an indexed file whose data was not found on disk.
	Lost func(name string)
}

func (o *Options) withDefaults() Options {
	var r Options
	if o != nil {
		r = *o
	}
	if r.HighWater <= 0 || r.HighWater > 1 {
		r.HighWater = DefaultHighWater
	}
	if r.LowWater <= 0 || r.LowWater > r.HighWater {
		r.LowWater = min(DefaultLowWater, r.HighWater)
	}
	if len(r.Algorithms) == 0 {
		r.Algorithms = DefaultAlgorithms
	}
	if r.MaxPinLifetime <= 0 {
		r.MaxPinLifetime = DefaultMaxPinLifetime
	}
	if r.CompactAfter <= 0 {
		r.CompactAfter = DefaultCompactAfter
	}
	if r.Clock == nil {
		r.Clock = clock.New()
	}
	if r.Logger == nil {
		r.Logger = slog.Default()
	}
	if r.Events == nil {
		r.Events = &Events{}
	}
	return r
}

func (o *Options) class(name string) Class {
	c, ok := o.Classes[name]
	if !ok {
		c.Flush = o.Flush
	}
	if len(c.Algorithms) == 0 {
		c.Algorithms = o.Algorithms
	}
	return c
}
