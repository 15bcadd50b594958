package checksum

import (
	"fmt"
	"hash"
	"runtime"
	"slices"
	"sync"
)

// DefaultMinParallel is the write size below which a Set hashes on the
// caller's goroutine: waking a worker costs a few microseconds, which only
// pays off once every worker has tens of microseconds of hashing to do.
const DefaultMinParallel = 64 << 10

// SetOptions tunes a Set. A nil *SetOptions means the defaults.
type SetOptions struct {
	// Workers is the most goroutines (the caller's included) a write is
	// spread over; 0 means runtime.GOMAXPROCS(0). The algorithms are packed
	// onto the workers by cost, so a set costs about its slowest member.
	Workers int
	// MinParallel is the write size below which all hashing happens on the
	// caller's goroutine; 0 means DefaultMinParallel, 1 forces every
	// non-empty write onto the workers.
	MinParallel int
}

// Set computes several checksums of one stream in one pass. It is an
// io.Writer; Write returns once every algorithm has consumed p, so p is never
// copied nor kept. With more than one worker, each write is handed to worker
// goroutines (one per group of algorithms) while the caller hashes its own
// group; memory is bounded by the hash states, whatever the stream length,
// and a write in steady state allocates nothing.
//
// A Set is not safe for concurrent use. Close stops its workers; a Set that
// becomes unreachable without Close stops them too, later.
type Set struct {
	*setState
}

type setState struct {
	names       []string
	hashes      []hash.Hash // in the order of names
	local       []hash.Hash // the caller's group
	workers     []*setWorker
	done        chan struct{}
	minParallel int
	n           int64
	closed      bool
	stopOnce    sync.Once
}

type setWorker struct {
	hashes []hash.Hash
	in     chan []byte
}

// NewSet returns a Set computing the named algorithms (duplicates are
// ignored).
func NewSet(names []string, opts *SetOptions) (*Set, error) {
	var o SetOptions
	if opts != nil {
		o = *opts
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.MinParallel <= 0 {
		o.MinParallel = DefaultMinParallel
	}
	st := &setState{minParallel: o.MinParallel}
	var costs []int
	for _, name := range names {
		canon, a, err := lookup(name)
		if err != nil {
			return nil, err
		}
		if slices.Contains(st.names, canon) {
			continue
		}
		st.names = append(st.names, canon)
		st.hashes = append(st.hashes, a.new())
		costs = append(costs, a.cost)
	}
	if len(st.names) == 0 {
		return nil, fmt.Errorf("%w: empty set of algorithms", ErrUnknownAlgorithm)
	}
	groups := pack(costs, min(o.Workers, len(costs)))
	for _, g := range groups[0] {
		st.local = append(st.local, st.hashes[g])
	}
	if len(groups) > 1 {
		st.done = make(chan struct{}, len(groups)-1)
		for _, grp := range groups[1:] {
			w := &setWorker{in: make(chan []byte)}
			for _, g := range grp {
				w.hashes = append(w.hashes, st.hashes[g])
			}
			st.workers = append(st.workers, w)
			go w.run(st.done)
		}
	}
	s := &Set{st}
	// The workers reference only setState, so an abandoned Set can be
	// collected and its cleanup can stop them.
	runtime.AddCleanup(s, func(st *setState) { st.stop() }, st)
	return s, nil
}

// pack spreads items with the given costs over k groups, greedily placing
// the most expensive item on the least loaded group. Group 0 is the
// caller's. Empty groups are dropped.
func pack(costs []int, k int) [][]int {
	order := make([]int, len(costs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return costs[b] - costs[a] })
	groups := make([][]int, k)
	load := make([]int, k)
	for _, i := range order {
		best := 0
		for g := 1; g < k; g++ {
			if load[g] < load[best] {
				best = g
			}
		}
		groups[best] = append(groups[best], i)
		load[best] += costs[i]
	}
	out := groups[:0]
	for _, g := range groups {
		if len(g) > 0 {
			slices.Sort(g)
			out = append(out, g)
		}
	}
	return out
}

func (w *setWorker) run(done chan<- struct{}) {
	for p := range w.in {
		for _, h := range w.hashes {
			h.Write(p)
		}
		done <- struct{}{}
	}
}

// Write hashes p with every algorithm of the set. It fails only after
// Close.
func (s *Set) Write(p []byte) (int, error) {
	if s.closed {
		return 0, ErrClosed
	}
	if len(s.workers) == 0 || len(p) < s.minParallel {
		for _, h := range s.hashes {
			h.Write(p)
		}
	} else {
		for _, w := range s.workers {
			w.in <- p
		}
		for _, h := range s.local {
			h.Write(p)
		}
		// A barrier: p belongs to the caller again once every worker is done.
		for range s.workers {
			<-s.done
		}
	}
	s.n += int64(len(p))
	return len(p), nil
}

// Sum returns the checksums of the bytes written since the last Reset, in
// the order the algorithms were given to NewSet.
func (s *Set) Sum() []Value {
	out := make([]Value, len(s.names))
	for i, h := range s.hashes {
		out[i] = Value{Algorithm: s.names[i], Bytes: h.Sum(nil)}
	}
	return out
}

// Reset forgets the bytes written, to hash another stream.
func (s *Set) Reset() {
	for _, h := range s.hashes {
		h.Reset()
	}
	s.n = 0
}

// Len returns the number of bytes written since the last Reset.
func (s *Set) Len() int64 { return s.n }

// Algorithms returns the canonical names of the set's algorithms, in order.
func (s *Set) Algorithms() []string { return slices.Clone(s.names) }

// Close stops the worker goroutines. Sum still works afterwards; Write
// returns ErrClosed.
func (s *Set) Close() error {
	s.closed = true
	s.stop()
	return nil
}

func (st *setState) stop() {
	st.stopOnce.Do(func() {
		for _, w := range st.workers {
			close(w.in)
		}
	})
}
