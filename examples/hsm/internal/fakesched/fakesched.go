package fakesched

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/tapekit/tapekit/scheduler"
)

var (
	// ErrNotFound: no request has this id.
	ErrNotFound = errors.New("fakesched: no such request")
	// ErrInvalid: a submitted request is malformed.
	ErrInvalid = errors.New("fakesched: invalid request")
)

// Config sets the fake up; every field may be nil.
type Config struct {
	// Deliver puts a recalled file on disk when Finish ends it Done; an
	// error ends it Failed with the error as reason.
	Deliver func(ctx context.Context, r scheduler.Request) error
	// OnEnd is called once per request that ends, outside the fake's
	// lock, as scheduler.Config.OnEnd is.
	OnEnd func(scheduler.Request)
	// Now is the clock; default time.Now.
	Now func() time.Time
	// AfterSubmit, if set, runs after a Submit has queued its requests and
	// before it returns: a test's way to have something happen while a
	// caller waits for Submit.
	AfterSubmit func(queued []scheduler.Request)
}

// Scheduler is the fake. It is safe for concurrent use.
type Scheduler struct {
	cfg Config

	mu   sync.Mutex
	next int64
	reqs map[int64]*scheduler.Request
	// failSubmit, when set, makes Submit fail with it.
	failSubmit error
	cancels    int
	groups     int
}

// New returns an empty fake.
func New(cfg Config) *Scheduler {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Scheduler{cfg: cfg, reqs: map[int64]*scheduler.Request{}}
}

// SetOnEnd replaces Config.OnEnd, for a server built after the fake.
func (s *Scheduler) SetOnEnd(f func(scheduler.Request)) {
	s.mu.Lock()
	s.cfg.OnEnd = f
	s.mu.Unlock()
}

// FailSubmit makes every Submit fail with err until it is called with nil.
func (s *Scheduler) FailSubmit(err error) {
	s.mu.Lock()
	s.failSubmit = err
	s.mu.Unlock()
}

// Submit queues requests and returns them with ids, Queued. It checks
// what the real scheduler checks of a recall: a kind and a file id.
func (s *Scheduler) Submit(ctx context.Context, reqs ...scheduler.Request) ([]scheduler.Request, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out, err := s.submit(reqs)
	if err == nil && s.cfg.AfterSubmit != nil {
		s.cfg.AfterSubmit(out)
	}
	return out, err
}

func (s *Scheduler) submit(reqs []scheduler.Request) ([]scheduler.Request, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failSubmit != nil {
		return nil, s.failSubmit
	}
	for i, r := range reqs {
		if (r.Kind != scheduler.Recall && r.Kind != scheduler.Archive) || r.FileID <= 0 {
			return nil, fmt.Errorf("%w: request %d: kind %v, file %d", ErrInvalid, i, r.Kind, r.FileID)
		}
	}
	now := s.cfg.Now()
	out := make([]scheduler.Request, len(reqs))
	for i, r := range reqs {
		s.next++
		r.ID, r.State, r.Created = s.next, scheduler.Queued, now
		s.reqs[r.ID] = &r
		out[i] = r
	}
	return out, nil
}

// Get returns a request as it is now.
func (s *Scheduler) Get(ctx context.Context, id int64) (scheduler.Request, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.reqs[id]
	if !ok {
		return scheduler.Request{}, fmt.Errorf("%w: %d", ErrNotFound, id)
	}
	return *r, nil
}

// Cancel ends a request Cancelled unless it has ended.
func (s *Scheduler) Cancel(ctx context.Context, id int64) error {
	s.mu.Lock()
	r, ok := s.reqs[id]
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("%w: %d", ErrNotFound, id)
	}
	s.cancels++
	ended := s.endLocked(r, scheduler.Cancelled, "cancelled")
	s.mu.Unlock()
	s.report(ended)
	return nil
}

// CancelGroup cancels every request of the group not ended yet.
func (s *Scheduler) CancelGroup(ctx context.Context, group string) (int, error) {
	s.mu.Lock()
	s.groups++
	var ended []scheduler.Request
	for _, id := range s.idsLocked() {
		if r := s.reqs[id]; r.Group == group && !r.State.Ended() {
			ended = append(ended, s.endLocked(r, scheduler.Cancelled, "cancelled")...)
		}
	}
	s.mu.Unlock()
	s.report(ended)
	return len(ended), nil
}

// Start makes a queued request Running, as a mover that mounted its tape.
func (s *Scheduler) Start(id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.reqs[id]
	switch {
	case !ok:
		return fmt.Errorf("%w: %d", ErrNotFound, id)
	case r.State != scheduler.Queued:
		return fmt.Errorf("fakesched: request %d is %v, not queued", id, r.State)
	}
	r.State, r.Attempts = scheduler.Running, r.Attempts+1
	if r.Started.IsZero() {
		r.Started = s.cfg.Now()
	}
	return nil
}

// Finish ends a request in state (Done, Failed or Cancelled) with reason.
// A recall that ends Done is first delivered (Config.Deliver); if that
// fails it ends Failed. Finishing an ended request is an error.
func (s *Scheduler) Finish(ctx context.Context, id int64, state scheduler.State, reason string) error {
	if !state.Ended() {
		return fmt.Errorf("fakesched: %v is not an end state", state)
	}
	s.mu.Lock()
	r, ok := s.reqs[id]
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("%w: %d", ErrNotFound, id)
	}
	if r.State.Ended() {
		s.mu.Unlock()
		return fmt.Errorf("fakesched: request %d already ended %v", id, r.State)
	}
	cp := *r
	s.mu.Unlock()
	if state == scheduler.Done && cp.Kind == scheduler.Recall && s.cfg.Deliver != nil {
		if err := s.cfg.Deliver(ctx, cp); err != nil {
			state, reason = scheduler.Failed, err.Error()
		}
	}
	s.mu.Lock()
	if r.Started.IsZero() {
		r.Started = s.cfg.Now()
	}
	ended := s.endLocked(r, state, reason)
	s.mu.Unlock()
	if len(ended) == 0 {
		return fmt.Errorf("fakesched: request %d ended meanwhile", id)
	}
	s.report(ended)
	return nil
}

// FinishAll finishes every request not ended, in id order, Done.
func (s *Scheduler) FinishAll(ctx context.Context) error {
	for _, r := range s.Requests() {
		if r.State.Ended() {
			continue
		}
		if err := s.Finish(ctx, r.ID, scheduler.Done, ""); err != nil {
			return err
		}
	}
	return nil
}

// Requests returns every request, in id order.
func (s *Scheduler) Requests() []scheduler.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]scheduler.Request, 0, len(s.reqs))
	for _, id := range s.idsLocked() {
		out = append(out, *s.reqs[id])
	}
	return out
}

// Cancels counts calls of Cancel and of CancelGroup.
func (s *Scheduler) Cancels() (cancel, group int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cancels, s.groups
}

func (s *Scheduler) idsLocked() []int64 {
	ids := make([]int64, 0, len(s.reqs))
	for id := range s.reqs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// endLocked ends r once; it returns what to report (nothing if r had
// ended).
func (s *Scheduler) endLocked(r *scheduler.Request, st scheduler.State, reason string) []scheduler.Request {
	if r.State.Ended() {
		return nil
	}
	r.State, r.Reason, r.Ended = st, reason, s.cfg.Now()
	return []scheduler.Request{*r}
}

func (s *Scheduler) report(ended []scheduler.Request) {
	s.mu.Lock()
	f := s.cfg.OnEnd
	s.mu.Unlock()
	if f == nil {
		return
	}
	for _, r := range ended {
		f(r)
	}
}
