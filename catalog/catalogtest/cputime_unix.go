//go:build unix

package catalogtest

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time (user and system) this process has used.
// Benchmarks report it beside wall time because CI machines are shared:
// wall time there measures the neighbours as much as the code.
func cpuTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
