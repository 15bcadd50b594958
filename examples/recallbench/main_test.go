package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"strings"
	"testing"
)

// runJSON runs the program with -json and args and returns its rows by
// workload and policy.
func runJSON(t *testing.T, args ...string) map[[2]string]map[string]any {
	t.Helper()
	var out, errs bytes.Buffer
	if err := run(context.Background(), append([]string{"-json"}, args...), &out, &errs); err != nil {
		t.Fatalf("recallbench %v: %v\n%s", args, err, errs.Bytes())
	}
	rows := map[[2]string]map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		rows[[2]string{m["workload"].(string), m["policy"].(string)}] = m
	}
	return rows
}

func num(t *testing.T, m map[string]any, k string) float64 {
	t.Helper()
	v, ok := m[k].(float64)
	if !ok {
		t.Fatalf("%v %v: key %s missing or not a number: %v", m["workload"], m["policy"], k, m[k])
	}
	return v
}

// Every policy on every scaled-down workload: the keys scripts use are
// there, nothing fails, no run beats the lower bound (which would make
// the bound wrong), and on the batch workloads the full scheduler never
// loses to arrival order.
func TestSmallEveryPolicy(t *testing.T) {
	rows := runJSON(t, "-small", "-policy", strings.Join(append(append([]string(nil), defaultPolicies...), extraPolicies...), ","))
	keys := []string{"makespan_s", "lower_bound_s", "ratio", "mounts", "streaming_fraction", "ttfb_p50_s", "ttfb_p99_s", "failed"}
	for _, w := range workloadNames() {
		for _, p := range append(append([]string(nil), defaultPolicies...), extraPolicies...) {
			m, ok := rows[[2]string{w, p}]
			if !ok {
				if def, _ := lookupPolicy(p); def.preset == nil && w == "W6" {
					continue // the direct executors do not write
				}
				t.Errorf("%s %s: no row", w, p)
				continue
			}
			for _, k := range keys {
				num(t, m, k)
			}
			if f := num(t, m, "failed"); f != 0 {
				t.Errorf("%s %s: %v requests failed", w, p, f)
			}
			if r := num(t, m, "makespan_s") / num(t, m, "lower_bound_s"); r < 0.999 {
				t.Errorf("%s %s: makespan %v below the lower bound %v", w, p, m["makespan_s"], m["lower_bound_s"])
			}
		}
		if strings.HasPrefix(w, "W4") || w == "W6" {
			continue // online: the makespan is the arrivals'
		}
		best, fifo := rows[[2]string{w, "best"}], rows[[2]string{w, "fifo"}]
		if best != nil && fifo != nil && num(t, best, "makespan_s") > num(t, fifo, "makespan_s")*1.001 {
			t.Errorf("%s: best %v s, slower than fifo %v s", w, best["makespan_s"], fifo["makespan_s"])
		}
	}
}

// The targets at full size: best within 1.15 of the bound on W1,
// W2 and W5; on W3 best at least twice as fast as block order and faster
// than greedy; W4's p99 time to first byte at 70 % load bounded; W6's
// drive shares within 10 % of the weights 3:1.
func TestTargets(t *testing.T) {
	if testing.Short() {
		t.Skip("full-size workloads")
	}
	rows := runJSON(t, "-workload", "W1,W2,W3,W4-70,W5,W6", "-policy", "best,best-block,greedy")
	get := func(w, p string) map[string]any {
		m := rows[[2]string{w, p}]
		if m == nil {
			t.Fatalf("%s %s: no row", w, p)
		}
		return m
	}
	for _, w := range []string{"W1", "W2", "W5"} {
		if r := num(t, get(w, "best"), "ratio"); r > 1.15 {
			t.Errorf("%s best: %.3f × the lower bound, want ≤ 1.15", w, r)
		}
	}
	best, block, greedy := num(t, get("W3", "best"), "makespan_s"), num(t, get("W3", "best-block"), "makespan_s"), num(t, get("W3", "greedy"), "makespan_s")
	if 2*best > block || best >= greedy {
		t.Errorf("W3: best %v s, block order %v s, greedy %v s: want best ≤ block/2 and < greedy", best, block, greedy)
	}
	// Bounded: within ten mean service times of one recall.
	if p99, svc := num(t, get("W4-70", "best"), "ttfb_p99_s"), w4Service(4*gb).Seconds(); p99 <= 0 || p99 > 10*svc {
		t.Errorf("W4-70 best: p99 time to first byte %v s, want in (0, %v]", p99, 10*svc)
	}
	w6 := get("W6", "best")
	for tenant, weight := range map[string]float64{tenantA: weightA, tenantB: weightB} {
		want := weight / (weightA + weightB)
		if got := num(t, w6, "share_"+tenant); math.Abs(got-want) > 0.1*want {
			t.Errorf("W6 best: %s has %.3f of the drives, want %.3f ± 10 %%", tenant, got, want)
		}
	}
}

// Bad flags are errors, not a run.
func TestFlags(t *testing.T) {
	for _, args := range [][]string{{"-workload", "W9"}, {"-policy", "lifo"}, {"extra"}} {
		if err := run(context.Background(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
