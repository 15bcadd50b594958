package simulator

import (
	"time"

	"github.com/tapekit/tapekit/tape"
)

// RAOCost exposes raoCost to the package's black-box tests.
func (d *Drive) RAOCost(segs []tape.Segment) time.Duration { return d.raoCost(segs) }
