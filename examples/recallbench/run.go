package main

import (
	"context"
	"time"

	"github.com/tapekit/tapekit/simulator"
)

// runner runs every request of a built workload under one policy, in
// virtual time, and returns what it measured. The setup's library has
// every cartridge in its slot when a run starts (setup.reset).
type runner func(ctx context.Context, st *setup, policy string) (runStats, error)

// runStats is what one run measured, in library (virtual) time.
type runStats struct {
	// makespan runs from the start of the run to the end of its last
	// request.
	makespan time.Duration
	// ttfb are the times from each recall's submission to its first byte
	// in the sink.
	ttfb []time.Duration
	// mounts counts cartridge loads, from the drives' statistics.
	mounts int
	// streaming is drive time spent moving data, busy all drive time
	// spent on a cartridge (streaming, positioning, loading, unloading).
	streaming, busy time.Duration
	// shares are the tenants' shares of the drives while every tenant
	// had work (W6); nil otherwise.
	shares map[string]float64
	// failed counts requests that did not end done; reason is the
	// first one's.
	failed int
	reason string
}

// driveTotals sums the statistics of every drive of the library.
func driveTotals(lib *simulator.Library) (mounts int, streaming, busy time.Duration) {
	for i := range lib.NumDrives() {
		d, err := lib.Drive(i)
		if err != nil {
			continue
		}
		s := d.Stats()
		d.Close()
		mounts += s.Mounts
		streaming += s.Streaming
		busy += s.Streaming + s.Positioning + s.Loading
	}
	return mounts, streaming, busy
}

// measure runs f and fills the drive statistics of st with what the
// drives did meanwhile.
func measure(lib *simulator.Library, f func() (runStats, error)) (runStats, error) {
	m0, s0, b0 := driveTotals(lib)
	st, err := f()
	m1, s1, b1 := driveTotals(lib)
	st.mounts, st.streaming, st.busy = m1-m0, s1-s0, b1-b0
	return st, err
}
