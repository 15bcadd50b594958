package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"os/signal"
	"runtime/pprof"
	"slices"
	"strings"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "recallbench:", err)
		os.Exit(1)
	}
}

// options are the command line.
type options struct {
	workloads []string
	policies  []string
	json      bool
	small     bool
	verbose   bool
}

// run is the program: it parses args, builds each workload once, runs
// every policy on it and prints a line per run.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("recallbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	var wl, pl string
	fs.StringVar(&wl, "workload", "", "comma-separated `workloads` to run (default all: "+strings.Join(workloadNames(), ",")+"; W4 runs W4-50 and W4-70)")
	fs.StringVar(&pl, "policy", "", "comma-separated `policies` to run (default: "+strings.Join(defaultPolicies, ",")+"; also "+strings.Join(extraPolicies, ",")+")")
	fs.BoolVar(&o.json, "json", false, "print one JSON object per line instead of a table")
	fs.BoolVar(&o.small, "small", false, "run scaled-down workloads (seconds of wall time in all)")
	fs.BoolVar(&o.verbose, "v", false, "print each workload's description, build time and bound terms to standard error")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile to `file`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var err error
	if o.workloads, err = selectWorkloads(wl); err != nil {
		return err
	}
	if o.policies, err = selectPolicies(pl); err != nil {
		return err
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	out := newPrinter(stdout, o.json)
	t0 := time.Now()
	var b bench
	defer b.close()
	for _, name := range o.workloads {
		if err := b.runWorkload(ctx, name, o, out, stderr); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	if !o.json {
		fmt.Fprintf(stdout, "\nwall time %.1f s\n", time.Since(t0).Seconds())
	}
	return nil
}

func workloadNames() []string {
	var n []string
	for _, w := range workloads {
		n = append(n, w.name)
	}
	return n
}

// selectWorkloads resolves -workload: names as listed, "W4" meaning both
// loads, case-insensitive.
func selectWorkloads(s string) ([]string, error) {
	if s == "" {
		return workloadNames(), nil
	}
	var out []string
	for _, w := range strings.Split(s, ",") {
		w = strings.ToUpper(strings.TrimSpace(w))
		found := false
		for _, n := range workloadNames() {
			if n == w || strings.HasPrefix(n, w+"-") {
				if !slices.Contains(out, n) {
					out = append(out, n)
				}
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown workload %q (have %s)", w, strings.Join(workloadNames(), ", "))
		}
	}
	return out, nil
}

func selectPolicies(s string) ([]string, error) {
	if s == "" {
		return defaultPolicies, nil
	}
	var out []string
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if !slices.Contains(defaultPolicies, p) && !slices.Contains(extraPolicies, p) {
			return nil, fmt.Errorf("unknown policy %q (have %s)", p, strings.Join(append(slices.Clone(defaultPolicies), extraPolicies...), ", "))
		}
		out = append(out, p)
	}
	return out, nil
}

// bench keeps the setup of the last workload, for the next one of the
// same layout.
type bench struct {
	st *setup
}

func (b *bench) close() {
	if b.st != nil {
		b.st.close()
		b.st = nil
	}
}

// get returns a setup for sp: the last one bound to sp when it has the
// same layout, else a new build.
func (b *bench) get(ctx context.Context, sp *spec) (*setup, error) {
	if b.st != nil && !sp.rebuild && sp.layout != "" && b.st.spec.layout == sp.layout {
		t0 := time.Now()
		if err := b.st.bind(sp); err != nil {
			return nil, err
		}
		b.st.build = time.Since(t0)
		return b.st, nil
	}
	b.close()
	st, err := build(ctx, sp)
	if err != nil {
		return nil, err
	}
	b.st = st
	return st, nil
}

// runWorkload builds one workload and runs the policies on it.
func (b *bench) runWorkload(ctx context.Context, name string, o options, out *printer, stderr io.Writer) error {
	var sp *spec
	for _, w := range workloads {
		if w.name == name {
			sp = w.build(o.small)
		}
	}
	st, err := b.get(ctx, sp)
	if err != nil {
		return err
	}
	lb, err := lowerBound(st)
	if err != nil {
		return err
	}
	if o.verbose {
		fmt.Fprintf(stderr, "%s: %s; built in %.2f s; lower bound %s\n", name, sp.desc, st.build.Seconds(), lb)
	}
	for i, p := range o.policies {
		if i > 0 && sp.rebuild {
			if st, err = b.get(ctx, sp); err != nil {
				return err
			}
		} else if err := st.reset(ctx); err != nil {
			return err
		}
		if def, _ := lookupPolicy(p); def.preset == nil && sp.archives() {
			// The reference executors only read.
			fmt.Fprintf(stderr, "%s: %s skipped: the direct executors do not write archives\n", name, p)
			continue
		}
		t0 := time.Now()
		rs, err := runPolicy(ctx, st, p)
		if err != nil {
			return fmt.Errorf("policy %s: %w", p, err)
		}
		out.add(result(name, p, lb, rs, time.Since(t0)))
		if o.verbose {
			fmt.Fprintf(stderr, "%s %s: %.2f s wall", name, p, time.Since(t0).Seconds())
			if rs.failed > 0 {
				fmt.Fprintf(stderr, "; %d failed, first: %s", rs.failed, rs.reason)
			}
			fmt.Fprintln(stderr)
		}
	}
	return nil
}

// row is one line of output; its JSON keys are the interface scripts use.
type row struct {
	Workload          string             `json:"workload"`
	Policy            string             `json:"policy"`
	Makespan          float64            `json:"makespan_s"`
	LowerBound        float64            `json:"lower_bound_s"`
	Ratio             float64            `json:"ratio"`
	Mounts            int                `json:"mounts"`
	StreamingFraction float64            `json:"streaming_fraction"`
	TTFBp50           float64            `json:"ttfb_p50_s"`
	TTFBp99           float64            `json:"ttfb_p99_s"`
	Failed            int                `json:"failed"`
	Shares            map[string]float64 `json:"-"`
	Wall              float64            `json:"wall_s"`
}

// MarshalJSON adds the tenant shares as share_<tenant> keys (W6), after
// the others, in tenant order.
func (r row) MarshalJSON() ([]byte, error) {
	type plain row
	b, err := json.Marshal(plain(r))
	if err != nil || len(r.Shares) == 0 {
		return b, err
	}
	b = b[:len(b)-1] // the closing brace
	for _, t := range slices.Sorted(maps.Keys(r.Shares)) {
		k, _ := json.Marshal("share_" + t)
		b = fmt.Appendf(append(append(b, ','), k...), ":%v", round(r.Shares[t], 3))
	}
	return append(b, '}'), nil
}

func round(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}

func result(w, p string, b bound, rs runStats, wall time.Duration) row {
	r := row{
		Workload: w, Policy: p,
		Makespan:   round(rs.makespan.Seconds(), 1),
		LowerBound: round(b.total.Seconds(), 1),
		Mounts:     rs.mounts,
		TTFBp50:    round(pctl(rs.ttfb, 0.50).Seconds(), 1),
		TTFBp99:    round(pctl(rs.ttfb, 0.99).Seconds(), 1),
		Failed:     rs.failed,
		Shares:     rs.shares,
		Wall:       round(wall.Seconds(), 2),
	}
	if b.total > 0 {
		r.Ratio = round(rs.makespan.Seconds()/b.total.Seconds(), 3)
	}
	if rs.busy > 0 {
		r.StreamingFraction = round(rs.streaming.Seconds()/rs.busy.Seconds(), 3)
	}
	return r
}

// printer writes rows as a table or as JSON lines.
type printer struct {
	w    io.Writer
	json bool
}

func newPrinter(w io.Writer, asJSON bool) *printer {
	p := &printer{w: w, json: asJSON}
	if !asJSON {
		fmt.Fprintf(w, tableFormat, "workload", "policy", "makespan s", "bound s", "ratio", "mounts", "streaming", "ttfb p50 s", "ttfb p99 s", "failed", "wall s", "shares")
	}
	return p
}

// tableFormat is one line of the table: fixed widths, so that rows print
// as their runs end.
const tableFormat = "%-6s %-17s %11s %10s %6s %6s %9s %10s %10s %6s %6s  %s\n"

func (p *printer) add(r row) {
	if p.json {
		b, err := json.Marshal(r)
		if err != nil {
			panic(err) // a row always marshals
		}
		fmt.Fprintf(p.w, "%s\n", b)
		return
	}
	var sh []string
	for _, t := range []string{tenantA, tenantB} {
		if s, ok := r.Shares[t]; ok {
			sh = append(sh, fmt.Sprintf("%s %.2f", t, s))
		}
	}
	f := func(format string, a any) string { return fmt.Sprintf(format, a) }
	fmt.Fprintf(p.w, tableFormat, r.Workload, r.Policy, f("%.0f", r.Makespan), f("%.0f", r.LowerBound), f("%.3f", r.Ratio),
		f("%d", r.Mounts), f("%.3f", r.StreamingFraction), f("%.1f", r.TTFBp50), f("%.1f", r.TTFBp99), f("%d", r.Failed),
		f("%.2f", r.Wall), strings.Join(sh, " "))
}
