package main

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/tapekit/tapekit/simulator"
)

// bound is the lower bound of a workload's makespan (see "Lower bound" in
// the package documentation) and the terms it is the largest of.
type bound struct {
	total time.Duration
	// drives: all the drive work, shared evenly by the drives;
	// tape: the busiest single tape, or the cheapest tapes of the drive
	// that mounts the most; robot: the robot moves, shared by the
	// robots; arrival: the last request's arrival plus its read.
	drives, tape, robot, arrival time.Duration
}

// tapeWork is what one tape costs a drive at the least, in seconds.
type tapeWork struct {
	work   float64 // robot in, load, reads, locates, rewind, unload, robot out
	saving float64 // what the work saves if the tape is a drive's last: no rewind, unload, robot out
}

// hungarianMax is the most files on a tape for which the path bound
// solves the assignment problem (cubic); larger tapes take the sum of
// cheapest in- and out-moves.
const hungarianMax = 80

// lowerBound computes the lower bound of st's makespan from the
// simulator's cost model, the same for every policy.
func lowerBound(st *setup) (bound, error) {
	cfg := st.lib.Config()
	move := cmp.Or(cfg.RobotMove, robotMove).Seconds()
	robots := max(cfg.Robots, 1)
	drives := st.spec.drives
	byVol := map[string][]int{}
	var b bound
	var archive float64 // seconds of archive writes and one archive mount
	var g0 *simulator.CostModel
	for i, r := range st.reqs {
		if r.archive {
			if g0 == nil {
				g0 = simulator.NewCostModel(simulator.LTO9)
				archive += move + g0.Load().Seconds()
			}
			w := readLB(g0, r.size, (r.size+blockSize-1)/blockSize+1)
			archive += w.Seconds()
			b.arrival = max(b.arrival, r.at+w)
			continue
		}
		byVol[r.volume] = append(byVol[r.volume], i)
	}
	vols := make([]string, 0, len(byVol))
	for v := range byVol {
		vols = append(vols, v)
	}
	sort.Strings(vols)
	works := make([]tapeWork, 0, len(vols))
	for _, v := range vols {
		g, err := st.lib.CostModel(v)
		if err != nil {
			return bound{}, err
		}
		var fs []fileSpan
		var read float64
		for _, i := range byVol[v] {
			r := st.reqs[i]
			f := fileSpan{}
			var err error
			if f.start, err = st.lib.TapeOffset(v, r.block); err != nil {
				return bound{}, err
			}
			if f.end, err = st.lib.TapeOffset(v, r.block+r.blocks); err != nil {
				return bound{}, err
			}
			if f.mark, err = st.lib.TapeOffset(v, r.block+r.blocks+1); err != nil {
				return bound{}, err
			}
			fs = append(fs, f)
			rd := readLB(g, r.size, r.blocks)
			read += rd.Seconds()
			b.arrival = max(b.arrival, r.at+rd)
		}
		closed, open := pathBound(g, fs)
		fixed := 2*move + g.Load().Seconds() + g.Unload().Seconds()
		w := tapeWork{work: fixed + read + closed, saving: closed - open + g.Unload().Seconds() + move}
		works = append(works, w)
		b.tape = max(b.tape, secs(w.work-w.saving))
	}
	// The drives: every tape's work, the archives, and for the last tape
	// of each drive its saving, which only the drives' last tapes have.
	use := min(drives, len(works))
	if use > 0 {
		var total float64
		for _, w := range works {
			total += w.work
		}
		slices.SortFunc(works, func(a, b tapeWork) int { return cmp.Compare(b.saving, a.saving) })
		for _, w := range works[:use] {
			total -= w.saving
		}
		total += archive
		b.drives = secs(total / float64(use))
		// Some drive mounts at least ceil(tapes/drives) tapes: at least
		// the work of as many of the cheapest, one of them its last.
		k := (len(works) + use - 1) / use
		ws := make([]float64, len(works))
		var most float64
		for i, w := range works {
			ws[i] = w.work
			most = max(most, w.saving)
		}
		slices.Sort(ws)
		var least float64
		for _, w := range ws[:k] {
			least += w
		}
		b.tape = max(b.tape, secs(least-most))
		// Each tape comes in by robot, and all but the drives' last go
		// back.
		b.robot = secs(float64(2*len(works)-use) * move / float64(robots))
	}
	b.total = max(b.drives, b.tape, b.robot, b.arrival)
	return b, nil
}

// readLB is the least time of reading size bytes in n blocks: the cost
// model charges each block Read(len), truncated to the nanosecond.
func readLB(g *simulator.CostModel, size, n int64) time.Duration {
	return max(g.Read(size)-time.Duration(n+1), 0)
}

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// fileSpan is a requested file's place on tape, in the cost model's byte
// offsets: where its tape file starts, where its data blocks end, and
// after its filemark.
type fileSpan struct{ start, end, mark int64 }

// pathBound bounds the positioning of one tape's mount: locates from the
// beginning of tape to a first file, between files, and from the last
// file back to the beginning of tape for the unload (closed), and the
// same without the way back (open), in seconds. The files may be read in
// any order: it is the assignment relaxation of the shortest path through
// them (each file entered once and left once), exact for a few files and
// otherwise the larger of the sums of cheapest entries and cheapest exits.
func pathBound(g *simulator.CostModel, fs []fileSpan) (closed, open float64) {
	n := len(fs)
	if n == 0 {
		return 0, 0
	}
	// Rows: the beginning of tape, then the files (leaving from their
	// end); columns: the files (entered at their start), then the way
	// back.
	inf := math.Inf(1)
	from := func(i int, to int64) float64 {
		if i == 0 {
			return g.Locate(0, to).Seconds()
		}
		f := fs[i-1]
		return min(g.Locate(f.end, to), g.Locate(f.mark, to)).Seconds()
	}
	back := make([]float64, n+1)
	back[0] = inf
	for i := 1; i <= n; i++ {
		back[i] = min(finish(g, fs[i-1].end), finish(g, fs[i-1].mark)).Seconds()
	}
	cost := func(i, j int, withBack bool) float64 {
		switch {
		case j == n:
			if !withBack && i > 0 {
				return 0
			}
			return back[i]
		case i == j+1:
			return inf
		}
		return from(i, fs[j].start)
	}
	if n <= hungarianMax {
		m := make([][]float64, n+1)
		mo := make([][]float64, n+1)
		for i := range m {
			m[i] = make([]float64, n+1)
			mo[i] = make([]float64, n+1)
			for j := range m[i] {
				m[i][j] = cost(i, j, true)
				mo[i][j] = cost(i, j, false)
			}
		}
		return assignment(m), assignment(mo)
	}
	// Cheapest entry of every file and of the way back; cheapest exit of
	// the beginning of tape and of every file.
	in := make([]float64, n+1)
	out := make([]float64, n+1)
	outOpen := make([]float64, n+1)
	for j := range in {
		in[j], out[j], outOpen[j] = inf, inf, inf
	}
	for i := 0; i <= n; i++ {
		for j := 0; j <= n; j++ {
			c := cost(i, j, true)
			in[j] = min(in[j], c)
			out[i] = min(out[i], c)
			if j < n {
				outOpen[i] = min(outOpen[i], c)
			}
		}
	}
	var sumIn, sumOut, sumOutOpen, maxOutOpen float64
	for j := 0; j < n; j++ {
		sumIn += in[j]
	}
	for i := 0; i <= n; i++ {
		sumOut += out[i]
		sumOutOpen += outOpen[i]
		if i > 0 {
			maxOutOpen = max(maxOutOpen, outOpen[i])
		}
	}
	closed = max(sumIn+in[n], sumOut)
	// Open: the last file read has no exit.
	open = max(sumIn, sumOutOpen-maxOutOpen)
	return closed, open
}

// finish is the least time from offset off to the beginning of tape, for
// the unload: a rewind, or a locate to the beginning-of-tape end of some
// wrap and a rewind from there (a locate can be faster than a rewind).
func finish(g *simulator.CostModel, off int64) time.Duration {
	best := g.Rewind(off)
	for _, x := range botEnds(g) {
		best = min(best, g.Locate(off, x)+g.Rewind(x))
	}
	return best
}

// botEnds returns an offset at the beginning-of-tape end of every wrap.
func botEnds(g *simulator.CostModel) []int64 {
	if e, ok := botEndsCache[g]; ok {
		return e
	}
	m := g.Media()
	per := m.Capacity / int64(m.Wraps)
	var e []int64
	for w := range int64(m.Wraps) {
		off := w * per // start of an even wrap
		if w%2 == 1 {
			off = (w+1)*per - 1 // end of an odd wrap
		}
		// Nudge onto the wrap if rounding put it on the next one.
		for off > 0 && int64(g.Place(off).Wrap) > w {
			off--
		}
		for int64(g.Place(off).Wrap) < w {
			off++
		}
		e = append(e, off)
	}
	botEndsCache[g] = e
	return e
}

var botEndsCache = map[*simulator.CostModel][]int64{}

// assignment solves the square assignment problem of cost matrix a
// (minimum total cost of choosing one cell in every row and column) by
// the Hungarian method with potentials, O(n³).
func assignment(a [][]float64) float64 {
	n := len(a)
	const big = 1e18
	u := make([]float64, n+1)
	v := make([]float64, n+1)
	p := make([]int, n+1)
	way := make([]int, n+1)
	c := func(i, j int) float64 {
		x := a[i-1][j-1]
		if math.IsInf(x, 1) {
			return big
		}
		return x
	}
	for i := 1; i <= n; i++ {
		p[0] = i
		j0 := 0
		minv := make([]float64, n+1)
		used := make([]bool, n+1)
		for j := range minv {
			minv[j] = math.Inf(1)
		}
		for {
			used[j0] = true
			i0, delta, j1 := p[j0], math.Inf(1), 0
			for j := 1; j <= n; j++ {
				if used[j] {
					continue
				}
				cur := c(i0, j) - u[i0] - v[j]
				if cur < minv[j] {
					minv[j], way[j] = cur, j0
				}
				if minv[j] < delta {
					delta, j1 = minv[j], j
				}
			}
			for j := 0; j <= n; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
			if j0 == 0 {
				break
			}
		}
	}
	var total float64
	for j := 1; j <= n; j++ {
		total += c(p[j], j)
	}
	return total
}

func (b bound) String() string {
	return fmt.Sprintf("%.0f s (drives %.0f, tape %.0f, robot %.0f, arrival %.0f)",
		b.total.Seconds(), b.drives.Seconds(), b.tape.Seconds(), b.robot.Seconds(), b.arrival.Seconds())
}
