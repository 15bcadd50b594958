package server

import (
	"context"

	"github.com/tapekit/tapekit/scheduler"
)

// Scheduler is the tape side of the HSM as the HTTP server sees it: it
// queues recalls and says how they are doing. It is the method set of
// *scheduler.Scheduler, so the real scheduler plugs in without an adapter,
// and fakesched.Scheduler stands in for it in tests.
//
// The server submits one recall per file that is not on disk, all of one
// stage request in one Submit with Group set to the stage request id,
// FileID and Path (absolute, as the catalog has it) set. It learns how a
// recall went by polling Get and, sooner, through Server.RecallEnded,
// which the scheduler's Config.OnEnd should call. A recall the server no
// longer needs is cancelled with Cancel, or CancelGroup when the whole
// stage request goes and no other request shares its recalls.
type Scheduler interface {
	// Submit queues requests and returns them with their ids and states,
	// in order; one that cannot be done at all comes back Failed. An error
	// means none was queued.
	Submit(ctx context.Context, reqs ...scheduler.Request) ([]scheduler.Request, error)
	// Get returns a request as it is now, also after it ended.
	Get(ctx context.Context, id int64) (scheduler.Request, error)
	// Cancel ends a queued request at once and stops a running one; an
	// ended request is left as it is.
	Cancel(ctx context.Context, id int64) error
	// CancelGroup cancels every request of the group not ended yet.
	CancelGroup(ctx context.Context, group string) (int, error)
}
