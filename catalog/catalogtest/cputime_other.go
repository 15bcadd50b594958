//go:build !unix

package catalogtest

import "time"

// cpuTime is not available here; benchmarks then omit their CPU metric.
func cpuTime() (time.Duration, bool) { return 0, false }
