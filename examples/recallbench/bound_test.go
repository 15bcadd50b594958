package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// tinySpec is a workload small enough to try every schedule: tapes full
// tapes with files of 1 GB at random positions, all requested at once.
func tinySpec(seed uint64, drives, tapes, files int) *spec {
	rng := rand.New(rand.NewPCG(seed, 7))
	s := &spec{name: "tiny", drives: drives, robots: 1}
	for i := range tapes {
		v, paths := scattered(rng, fmt.Sprintf("TY%04dL9", i), fmt.Sprintf("/tiny/t%d", i), repeat(gb, files), tapeRoom)
		s.vols = append(s.vols, v)
		for _, p := range paths {
			s.reqs = append(s.reqs, reqSpec{path: p, size: gb})
		}
	}
	return s
}

// permutations returns every order of xs.
func permutations(xs []int) [][]int {
	if len(xs) <= 1 {
		return [][]int{append([]int(nil), xs...)}
	}
	var out [][]int
	for i := range xs {
		rest := append(append([]int(nil), xs[:i]...), xs[i+1:]...)
		for _, p := range permutations(rest) {
			out = append(out, append([]int{xs[i]}, p...))
		}
	}
	return out
}

// TestBoundBruteForce runs every schedule of small workloads on the
// simulator (every split of the tapes between the drives, every order of
// tapes on a drive, every order of files within a mount, and one mount
// per file) and checks that none beats the lower bound.
func TestBoundBruteForce(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		seed                 uint64
		drives, tapes, files int
	}{
		{1, 1, 2, 3},
		{2, 2, 3, 2},
		{3, 2, 3, 3},
		{4, 1, 1, 4},
	} {
		t.Run(fmt.Sprintf("seed%d-%dd-%dt-%df", tc.seed, tc.drives, tc.tapes, tc.files), func(t *testing.T) {
			st, err := build(ctx, tinySpec(tc.seed, tc.drives, tc.tapes, tc.files))
			if err != nil {
				t.Fatal(err)
			}
			defer st.close()
			b, err := lowerBound(st)
			if err != nil {
				t.Fatal(err)
			}
			byVol := map[string][]int{}
			var vols []string
			for i, r := range st.reqs {
				if byVol[r.volume] == nil {
					vols = append(vols, r.volume)
				}
				byVol[r.volume] = append(byVol[r.volume], i)
			}
			// Every way to read each tape in one mount.
			orders := map[string][][]int{}
			for _, v := range vols {
				orders[v] = permutations(byVol[v])
			}
			best := time.Duration(-1)
			runs := 0
			try := func(plan planFixed) {
				if err := st.reset(ctx); err != nil {
					t.Fatal(err)
				}
				rs, err := runDirect(ctx, st, plan)
				if err != nil {
					t.Fatal(err)
				}
				runs++
				if best < 0 || rs.makespan < best {
					best = rs.makespan
				}
				if rs.makespan < b.total {
					t.Errorf("a schedule takes %v, below the bound %v: %v", rs.makespan, b, plan)
				}
			}
			// Tapes to drives: every assignment, every order per drive.
			var assign func(i int, per [][]int)
			assign = func(i int, per [][]int) {
				if i == len(vols) {
					var tapeOrders [][][]int
					for _, tp := range per {
						tapeOrders = append(tapeOrders, permutations(tp))
					}
					var pick func(d int, plan planFixed)
					pick = func(d int, plan planFixed) {
						if d == len(per) {
							// Every file order of every tape.
							var files func(k int, plan planFixed, flat []int)
							var flat []int
							for _, ms := range plan {
								for _, m := range ms {
									_ = m
									flat = append(flat, 0)
								}
							}
							files = func(k int, p planFixed, _ []int) {
								n := 0
								for d := range p {
									for j := range p[d] {
										if n == k {
											for _, o := range orders[p[d][j].volume] {
												q := clonePlan(p)
												q[d][j].reqs = o
												files(k+1, q, nil)
											}
											return
										}
										n++
									}
								}
								try(p)
							}
							files(0, plan, flat)
							return
						}
						for _, o := range tapeOrders[d] {
							q := clonePlan(plan)
							for _, v := range o {
								q[d] = append(q[d], mount{volume: vols[v], reqs: byVol[vols[v]]})
							}
							pick(d+1, q)
						}
					}
					pick(0, make(planFixed, len(per)))
					return
				}
				for d := range per {
					per[d] = append(per[d], i)
					assign(i+1, per)
					per[d] = per[d][:len(per[d])-1]
				}
			}
			assign(0, make([][]int, tc.drives))
			// One mount per file, in the order of requests, round robin.
			plan := make(planFixed, tc.drives)
			for i, r := range st.reqs {
				plan[i%tc.drives] = append(plan[i%tc.drives], mount{volume: r.volume, reqs: []int{i}})
			}
			try(plan)
			t.Logf("%d schedules, best %.1f s, bound %s, ratio %.3f", runs, best.Seconds(), b, best.Seconds()/b.total.Seconds())
		})
	}
}

func clonePlan(p planFixed) planFixed {
	q := make(planFixed, len(p))
	for d := range p {
		q[d] = append([]mount(nil), p[d]...)
	}
	return q
}

// TestBoundTight: one file right after the label of one tape on one
// drive: the bound is exactly what reading it costs.
func TestBoundTight(t *testing.T) {
	ctx := context.Background()
	s := tinySpec(9, 1, 1, 1)
	s.vols[0].Files = s.vols[0].Files[1:2] // the requested file only, first on tape
	st, err := build(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	defer st.close()
	b, err := lowerBound(st)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := runDirect(ctx, st, planFixed{{{volume: st.reqs[0].volume, reqs: []int{0}}}})
	if err != nil {
		t.Fatal(err)
	}
	if d := rs.makespan - b.total; d < 0 || d > time.Millisecond {
		t.Errorf("makespan %v, bound %v: want equal within a millisecond", rs.makespan, b)
	}
}
