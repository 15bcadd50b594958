package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/tapekit/tapekit/scheduler"
)

// policyDef is one policy of the table: a scheduler preset and the order
// of reads within a mount, or one of the direct reference executors.
type policyDef struct {
	name, desc string
	preset     func() *scheduler.Policy
	order      func(scheduler.CostModel) scheduler.Orderer
}

func blockOrder(scheduler.CostModel) scheduler.Orderer { return scheduler.BlockOrder{} }
func raoOrder(scheduler.CostModel) scheduler.Orderer {
	return scheduler.RAOOrder{Fallback: scheduler.BlockOrder{}}
}
func greedyOrder(c scheduler.CostModel) scheduler.Orderer { return scheduler.GreedyOrder{Cost: c} }
func bestOrder(c scheduler.CostModel) scheduler.Orderer   { return scheduler.BestOrder{Cost: c, Seed: 1} }

// policyDefs are the policies by name: the first ones run by default.
var policyDefs = []policyDef{
	{"fifo", "scheduler.PolicyFIFO: arrival order, one file per mount", scheduler.PolicyFIFO, blockOrder},
	{"by-volume", "scheduler.PolicyByVolume with BlockOrder: batched per volume, read in block order", scheduler.PolicyByVolume, blockOrder},
	{"greedy", "the best preset with GreedyOrder (shortest locate first)", bestPreset, greedyOrder},
	{"best", "the best preset with BestOrder", bestPreset, bestOrder},
	// Extras.
	{"best-block", "the best preset with BlockOrder", bestPreset, blockOrder},
	{"rao", "the best preset with RAOOrder (the simulated drive's RAO)", bestPreset, raoOrder},
	{"direct-fifo", "reference executor without the scheduler: oldest request first, one per mount", nil, nil},
	{"direct-by-volume", "reference executor without the scheduler: all of a volume per mount, most bytes first, block order", nil, nil},
}

// defaultPolicies run when -policy is not given; extraPolicies on demand.
var (
	defaultPolicies = []string{"fifo", "by-volume", "greedy", "best"}
	extraPolicies   = []string{"best-block", "rao", "direct-fifo", "direct-by-volume"}
)

// bestPreset is the benchmark's copy of scheduler.PolicyBest, with the
// changes documented in doc.go ("Policies").
func bestPreset() *scheduler.Policy {
	p := scheduler.PolicyBest()
	if d, err := time.ParseDuration(os.Getenv("RB_DISMOUNT")); err == nil {
		p.DismountDelay = d
	}
	return p
}

func lookupPolicy(name string) (policyDef, error) {
	i := slices.IndexFunc(policyDefs, func(p policyDef) bool { return p.name == name })
	if i < 0 {
		return policyDef{}, fmt.Errorf("%w %q", errNoPolicy, name)
	}
	return policyDefs[i], nil
}

// runPolicy runs one policy on a built workload.
func runPolicy(ctx context.Context, st *setup, name string) (runStats, error) {
	p, err := lookupPolicy(name)
	if err != nil {
		return runStats{}, err
	}
	if p.preset == nil {
		pl, err := newPlanOnline(st, name)
		if err != nil {
			return runStats{}, err
		}
		return runDirect(ctx, st, pl)
	}
	return runScheduler(ctx, st, p)
}
