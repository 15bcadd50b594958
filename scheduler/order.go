package scheduler

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/tapekit/tapekit/tape"
)

// Orderer decides the order of reads on a mounted tape.
type Orderer interface {
	// Order returns segs in the order to read them, starting with the drive at logical block from of the mounted volume.
	Order(ctx context.Context, d tape.Drive, volume string, from int64, segs []tape.Segment) ([]tape.Segment, error)
}

// CostModel prices a locate between logical blocks of a volume.
type CostModel interface {
	Locate(volume string, from, to int64) time.Duration
}

// OrderCost is the locate time of reading segs in the given order with the
// drive at logical block from: a locate to the first segment's FirstBlock,
// then from each segment's end (LastBlock+1) to the next one's FirstBlock.
// The reads themselves cost the same in any order and are not counted.
func OrderCost(c CostModel, volume string, from int64, segs []tape.Segment) time.Duration {
	var t time.Duration
	at := from
	for _, s := range segs {
		t += c.Locate(volume, at, s.FirstBlock)
		at = s.LastBlock + 1
	}
	return t
}

// RAOOrder asks the drive for its Recommended Access Order (tape.RAOer),
// which knows the medium's real geometry, and uses Fallback when the drive
// has none, fails, or returns something that is not a permutation of the
// request (a firmware bug must not drop or duplicate a read). A nil
// Fallback means BlockOrder.
//
// The drive orders from where its head is, so from is only passed on to
// Fallback.
type RAOOrder struct {
	Fallback Orderer
}

// Order implements Orderer.
func (o RAOOrder) Order(ctx context.Context, d tape.Drive, volume string, from int64, segs []tape.Segment) ([]tape.Segment, error) {
	if r, ok := d.(tape.RAOer); ok && len(segs) > 1 {
		got, err := r.RecommendedAccessOrder(ctx, slices.Clone(segs))
		if err == nil && isPermutation(segs, got) {
			return got, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	fb := o.Fallback
	if fb == nil {
		fb = BlockOrder{}
	}
	return fb.Order(ctx, d, volume, from, segs)
}

// isPermutation reports whether got holds exactly the segments of want,
// each as many times.
func isPermutation(want, got []tape.Segment) bool {
	if len(want) != len(got) {
		return false
	}
	n := make(map[tape.Segment]int, len(want))
	for _, s := range want {
		n[s]++
	}
	for _, s := range got {
		if n[s] == 0 {
			return false
		}
		n[s]--
	}
	return true
}

// GreedyOrder reads next, each time, the segment that is cheapest to locate
// to from where the last read ended (nearest neighbour under Cost). It is
// what drive firmware approximates; on serpentine tape it beats block order
// but strands far segments, which then cost long locates at the end.
// It makes n²/2 calls to Cost for n segments.
type GreedyOrder struct {
	// Cost prices the locates; GreedyOrder fails without one.
	Cost CostModel
}

// Order implements Orderer.
func (o GreedyOrder) Order(ctx context.Context, _ tape.Drive, volume string, from int64, segs []tape.Segment) ([]tape.Segment, error) {
	if o.Cost == nil {
		return nil, fmt.Errorf("scheduler: GreedyOrder without a cost model")
	}
	left := slices.Clone(segs)
	out := make([]tape.Segment, 0, len(segs))
	at := from
	for len(left) > 0 {
		if len(left)%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		best, bestCost := 0, time.Duration(math.MaxInt64)
		for i, s := range left {
			if c := o.Cost.Locate(volume, at, s.FirstBlock); c < bestCost {
				best, bestCost = i, c
			}
		}
		s := left[best]
		out = append(out, s)
		at = s.LastBlock + 1
		left = slices.Delete(left, best, best+1)
	}
	return out, nil
}

// BestOrder searches for the order of least total locate time under Cost,
// and is never worse than GreedyOrder.
//
// Up to 12 segments it is exact: Held–Karp dynamic programming over subsets
// (n²·2ⁿ steps) on the asymmetric costs. Beyond, it starts from the greedy
// order and improves it by local search, each move priced exactly on the
// asymmetric costs of the tape (a locate from a to b is not one from b to
// a, so no move reverses a run): or-opt (move a run of 1 to 3 segments
// elsewhere) and swap (exchange two segments), restricted to each
// segment's nearest neighbours; then iterated local search, which
// exchanges two short adjacent runs at random (a reversal-free
// double-bridge kick), re-optimises around them and keeps the result when
// it is cheaper.
//
// The search is deterministic: the same input and Seed give the same order.
// The work is bounded by a count of kicks derived from n (at most 1,000),
// not by the clock: for 1,000 segments the search takes some 60 ms on a
// busy core. Budget is only a safety cap on its wall time, which a normal
// machine does not reach, so it does not change results there.
//
// Up to 3,000 segments the costs are computed once into an n×n matrix
// (n² calls to Cost, 8·n² bytes); beyond that they are computed when needed
// and the neighbours come from the greedy order.
type BestOrder struct {
	// Cost prices the locates; BestOrder fails without one.
	Cost CostModel
	// Budget caps the wall time of the search after the costs are
	// computed; 0 means 1 s. The greedy start is always complete, and
	// the search only ever keeps improvements of it, so a search cut short
	// still returns an order no worse than GreedyOrder.
	Budget time.Duration
	// Seed seeds the random kicks of the local search.
	Seed uint64
}

const (
	exactMax  = 12   // Held–Karp up to this many segments
	matrixMax = 3000 // an n×n cost matrix up to this many
	neighbors = 10   // candidates per segment in the local search
	runMax    = 3    // longest run or-opt moves
)

// Order implements Orderer.
func (o BestOrder) Order(ctx context.Context, _ tape.Drive, volume string, from int64, segs []tape.Segment) ([]tape.Segment, error) {
	if o.Cost == nil {
		return nil, fmt.Errorf("scheduler: BestOrder without a cost model")
	}
	n := len(segs)
	if n <= 1 {
		return slices.Clone(segs), nil
	}
	p, err := newProblem(ctx, o.Cost, volume, from, segs)
	if err != nil {
		return nil, err
	}
	var order []int
	if n <= exactMax {
		order = p.heldKarp()
	} else {
		budget := o.Budget
		if budget <= 0 {
			budget = time.Second
		}
		order, err = p.search(ctx, o.Seed, time.Now().Add(budget))
		if err != nil {
			return nil, err
		}
	}
	out := make([]tape.Segment, n)
	for i, j := range order {
		out[i] = segs[j]
	}
	return out, nil
}

// problem is an open asymmetric travelling-salesman path: from the drive's
// position through every segment, ending anywhere.
type problem struct {
	n      int
	start  []int64 // start[j]: locate from the drive to segment j
	matrix []int64 // matrix[i*n+j]: from segment i's end to segment j; nil when n > matrixMax
	cost   CostModel
	volume string
	segs   []tape.Segment
}

func newProblem(ctx context.Context, c CostModel, volume string, from int64, segs []tape.Segment) (*problem, error) {
	n := len(segs)
	p := &problem{n: n, start: make([]int64, n), cost: c, volume: volume, segs: segs}
	for j, s := range segs {
		p.start[j] = int64(c.Locate(volume, from, s.FirstBlock))
	}
	if n <= matrixMax {
		p.matrix = make([]int64, n*n)
		for i, a := range segs {
			if i%64 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			row := p.matrix[i*n : (i+1)*n]
			for j, b := range segs {
				if i != j {
					row[j] = int64(c.Locate(volume, a.LastBlock+1, b.FirstBlock))
				}
			}
		}
	}
	return p, nil
}

// c is the locate from the end of segment i to the start of segment j.
func (p *problem) c(i, j int) int64 {
	if p.matrix != nil {
		return p.matrix[i*p.n+j]
	}
	return int64(p.cost.Locate(p.volume, p.segs[i].LastBlock+1, p.segs[j].FirstBlock))
}

// heldKarp returns an optimal order by dynamic programming over subsets:
// best[set][j] is the least cost of reading exactly set, ending with j.
func (p *problem) heldKarp() []int {
	n := p.n
	full := 1<<n - 1
	best := make([]int64, (full+1)*n)
	prev := make([]int8, (full+1)*n)
	for i := range best {
		best[i] = math.MaxInt64
	}
	for j := range n {
		best[(1<<j)*n+j] = p.start[j]
		prev[(1<<j)*n+j] = -1
	}
	for set := 1; set <= full; set++ {
		for j := range n {
			cur := best[set*n+j]
			if set&(1<<j) == 0 || cur == math.MaxInt64 {
				continue
			}
			for k := range n {
				if set&(1<<k) != 0 {
					continue
				}
				next := set | 1<<k
				if v := cur + p.c(j, k); v < best[next*n+k] {
					best[next*n+k] = v
					prev[next*n+k] = int8(j)
				}
			}
		}
	}
	last := 0
	for j := 1; j < n; j++ {
		if best[full*n+j] < best[full*n+last] {
			last = j
		}
	}
	order := make([]int, n)
	set := full
	for i := n - 1; i >= 0; i-- {
		order[i] = last
		pj := int(prev[set*n+last])
		set &^= 1 << last
		last = pj
	}
	return order
}

// greedy is the nearest-neighbour order, as GreedyOrder computes it.
func (p *problem) greedy() []int {
	n := p.n
	used := make([]bool, n)
	order := make([]int, 0, n)
	for len(order) < n {
		best, bestCost := -1, int64(math.MaxInt64)
		for j := range n {
			if used[j] {
				continue
			}
			var c int64
			if len(order) == 0 {
				c = p.start[j]
			} else {
				c = p.c(order[len(order)-1], j)
			}
			if c < bestCost {
				best, bestCost = j, c
			}
		}
		used[best] = true
		order = append(order, best)
	}
	return order
}

// tour is a path through the segments for the local search. Nodes 0..n-1
// are the segments; node n is the drive's starting position (always first)
// and node n+1 the end (always last, reached from anywhere at no cost).
type tour struct {
	p       *problem
	s, e    int
	path    []int // path[0] == s, path[n+1] == e
	pos     []int // pos[path[i]] == i
	in, out [][]int
	cost    int64
	queue   []int
	queued  []bool
}

func (t *tour) w(a, b int) int64 {
	switch {
	case b == t.e:
		return 0
	case a == t.s:
		return t.p.start[b]
	}
	return t.p.c(a, b)
}

func (t *tour) edge(i int) int64 { return t.w(t.path[i], t.path[i+1]) }

func (t *tour) push(a int) {
	if a < t.p.n && !t.queued[a] {
		t.queued[a] = true
		t.queue = append(t.queue, a)
	}
}

// search is the local search from the greedy order, then iterated local
// search until a count of kicks derived from n or the deadline.
func (p *problem) search(ctx context.Context, seed uint64, deadline time.Time) ([]int, error) {
	n := p.n
	t := &tour{p: p, s: n, e: n + 1, path: make([]int, 0, n+2), pos: make([]int, n+2), queued: make([]bool, n)}
	t.path = append(t.path, t.s)
	t.path = append(t.path, p.greedy()...)
	t.path = append(t.path, t.e)
	for i, a := range t.path {
		t.pos[a] = i
	}
	for i := 0; i <= n; i++ {
		t.cost += t.edge(i)
	}
	t.neighbours()
	for _, a := range t.path[1 : n+1] {
		t.push(a)
	}
	if !t.descend(deadline) {
		return t.path[1 : n+1], ctx.Err()
	}
	best := slices.Clone(t.path)
	bestCost := t.cost
	rng := rand.New(rand.NewPCG(seed, uint64(n)))
	maxRun := min(n/3, 8)
	kicks := min(n, 1000)
	for k := 0; k < kicks; k++ {
		if k%16 == 0 && (ctx.Err() != nil || time.Now().After(deadline)) {
			break
		}
		// A reversal-free double bridge: runs B and C at i exchange places,
		// A B C D becoming A C B D.
		l1, l2 := 1+rng.IntN(maxRun), 1+rng.IntN(maxRun)
		i := 1 + rng.IntN(n-l1-l2+1)
		j, m := i+l1, i+l1+l2
		t.cost += t.w(t.path[i-1], t.path[j]) + t.w(t.path[m-1], t.path[i]) + t.w(t.path[j-1], t.path[m]) -
			t.edge(i-1) - t.edge(j-1) - t.edge(m-1)
		for _, x := range []int{i - 1, i, j - 1, j, m - 1, m} {
			t.push(t.path[x])
		}
		slices.Reverse(t.path[i:j])
		slices.Reverse(t.path[j:m])
		slices.Reverse(t.path[i:m])
		for x := i; x < m; x++ {
			t.pos[t.path[x]] = x
		}
		t.descend(deadline)
		if t.cost <= bestCost {
			copy(best, t.path)
			bestCost = t.cost
		} else {
			copy(t.path, best)
			for x, a := range t.path {
				t.pos[a] = x
			}
			t.cost = bestCost
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return best[1 : n+1], nil
}

// neighbours fills the candidate lists: out[a] the segments cheapest to
// go to from a, in[a] those cheapest to come from (and the start). With a
// matrix they are the nearest of all; without, the nearest among those
// close to a in the greedy order.
func (t *tour) neighbours() {
	n := t.p.n
	k := min(neighbors, n-1)
	t.in, t.out = make([][]int, n), make([][]int, n)
	pick := func(a int, cands func(yield func(int) bool), cost func(b int) int64) []int {
		var top []int
		var tc []int64
		for b := range cands {
			if b == a {
				continue
			}
			c := cost(b)
			if len(top) == k && c >= tc[k-1] {
				continue
			}
			x := len(top)
			if x == k {
				x--
			} else {
				top, tc = append(top, 0), append(tc, 0)
			}
			for x > 0 && tc[x-1] > c {
				top[x], tc[x] = top[x-1], tc[x-1]
				x--
			}
			top[x], tc[x] = b, c
		}
		return top
	}
	all := func(yield func(int) bool) {
		for b := range n {
			if !yield(b) {
				return
			}
		}
	}
	for a := range n {
		cands := all
		if t.p.matrix == nil {
			i := t.pos[a]
			cands = func(yield func(int) bool) {
				for x := max(1, i-2*neighbors); x <= min(n, i+2*neighbors); x++ {
					if !yield(t.path[x]) {
						return
					}
				}
			}
		}
		t.out[a] = pick(a, cands, func(b int) int64 { return t.p.c(a, b) })
		t.in[a] = append(pick(a, cands, func(b int) int64 { return t.p.c(b, a) }), t.s)
	}
}

// descend applies the best improving move around each queued segment until
// none improves; false if it stopped at the deadline.
func (t *tour) descend(deadline time.Time) bool {
	for steps := 0; len(t.queue) > 0; steps++ {
		if steps%1024 == 1023 && time.Now().After(deadline) {
			for _, a := range t.queue {
				t.queued[a] = false
			}
			t.queue = t.queue[:0]
			return false
		}
		a := t.queue[0]
		t.queue = t.queue[1:]
		t.queued[a] = false
		if t.improve(a) {
			t.push(a)
		}
	}
	t.queue = t.queue[:0]
	return true
}

// improve makes the best improving or-opt or swap move that starts at
// segment a, if any.
func (t *tour) improve(a int) bool {
	n := t.p.n
	P := t.path
	i := t.pos[a]
	var bestDelta int64
	var bestKind, bestK, bestQ int // kind 1: or-opt run i..i+k-1 after q; 2: swap i and q
	for k := 1; k <= runMax && i+k-1 <= n; k++ {
		b := P[i+k-1]
		remove := t.w(P[i-1], P[i+k]) - t.edge(i-1) - t.edge(i+k-1)
		try := func(q int) {
			if q < 0 || q > n || (q >= i-1 && q <= i+k-1) {
				return
			}
			d := remove - t.edge(q) + t.w(P[q], a) + t.w(b, P[q+1])
			if d < bestDelta {
				bestDelta, bestKind, bestK, bestQ = d, 1, k, q
			}
		}
		for _, x := range t.in[a] {
			try(t.pos[x])
		}
		for _, y := range t.out[b] {
			try(t.pos[y] - 1)
		}
		try(n)
	}
	swap := func(j int) {
		if j < 1 || j > n || j == i {
			return
		}
		if d := t.swapDelta(i, j); d < bestDelta {
			bestDelta, bestKind, bestQ = d, 2, j
		}
	}
	for _, x := range t.in[a] {
		swap(t.pos[x] + 1)
	}
	for _, y := range t.out[a] {
		swap(t.pos[y] - 1)
	}
	switch bestKind {
	case 1:
		t.move(i, bestK, bestQ)
	case 2:
		t.swap(i, bestQ)
	default:
		return false
	}
	t.cost += bestDelta
	return true
}

// move moves the run at positions i..i+k-1 to after position q.
func (t *tour) move(i, k, q int) {
	P := t.path
	for _, x := range []int{i - 1, i, i + k - 1, i + k, q, q + 1} {
		t.push(P[x])
	}
	lo, hi := i, q+1
	if q < i {
		lo, hi = q+1, i+k
		slices.Reverse(P[lo:i])
		slices.Reverse(P[i:hi])
	} else {
		slices.Reverse(P[lo : i+k])
		slices.Reverse(P[i+k : hi])
	}
	slices.Reverse(P[lo:hi])
	for x := lo; x < hi; x++ {
		t.pos[P[x]] = x
	}
}

// swapEdges lists the edges (by their first position) that a swap of
// positions i and j changes, without repeats.
func swapEdges(i, j int) []int {
	if i > j {
		i, j = j, i
	}
	if j == i+1 {
		return []int{i - 1, i, j}
	}
	return []int{i - 1, i, j - 1, j}
}

func (t *tour) swapDelta(i, j int) int64 {
	var d int64
	es := swapEdges(i, j)
	for _, e := range es {
		d -= t.edge(e)
	}
	P := t.path
	P[i], P[j] = P[j], P[i]
	for _, e := range es {
		d += t.edge(e)
	}
	P[i], P[j] = P[j], P[i]
	return d
}

func (t *tour) swap(i, j int) {
	P := t.path
	for _, x := range []int{i - 1, i, i + 1, j - 1, j, j + 1} {
		t.push(P[x])
	}
	P[i], P[j] = P[j], P[i]
	t.pos[P[i]], t.pos[P[j]] = i, j
}
