package scheduler

// TEMPORARY (sched-core branch): placeholders for types other helpers own,
// so that Config compiles before their files land. Delete this file at
// merge: Orderer and CostModel come from order.go, TapeIO from tapeio.go.

import (
	"context"
	"time"

	"github.com/tapekit/tapekit/tape"
)

type Orderer interface {
	Order(ctx context.Context, d tape.Drive, volume string, from int64, segs []tape.Segment) ([]tape.Segment, error)
}

type CostModel interface {
	Locate(volume string, from, to int64) time.Duration
}
