package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tapekit/tapekit/examples/hsm/internal/server"
	"github.com/tapekit/tapekit/scheduler"
)

// noTape is the server's Scheduler while no tape library is wired in:
// every recall fails at once, saying so. The volume-batching scheduler
// replaces it (server.Scheduler is its method set).
type noTape struct {
	mu   sync.Mutex
	next int64
}

var _ server.Scheduler = (*noTape)(nil)

var errNoRequest = errors.New("hsm: no such tape request")

func newNoTape() *noTape { return &noTape{} }

const noTapeReason = "no tape library is wired into this server yet: only files on disk can be read"

func (n *noTape) Submit(ctx context.Context, reqs ...scheduler.Request) ([]scheduler.Request, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	now := time.Now()
	out := make([]scheduler.Request, len(reqs))
	for i, r := range reqs {
		n.next++
		r.ID, r.Created, r.Ended = n.next, now, now
		r.State, r.Reason = scheduler.Failed, noTapeReason
		out[i] = r
	}
	return out, nil
}

// Get knows only that a request it handed out failed; it keeps nothing.
func (n *noTape) Get(ctx context.Context, id int64) (scheduler.Request, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if id <= 0 || id > n.next {
		return scheduler.Request{}, fmt.Errorf("%w: %d", errNoRequest, id)
	}
	return scheduler.Request{ID: id, Kind: scheduler.Recall, State: scheduler.Failed, Reason: noTapeReason}, nil
}

// Cancel and CancelGroup have nothing to do: every request has ended.
func (n *noTape) Cancel(ctx context.Context, id int64) error { return nil }

func (n *noTape) CancelGroup(ctx context.Context, group string) (int, error) { return 0, nil }
