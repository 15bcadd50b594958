package vclock

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/benbjohnson/clock"
)

// ErrDeadlock is matched by every *DeadlockError.
var ErrDeadlock = errors.New("vclock: deadlock")

// Options tune a Clock. A nil *Options means the defaults.
type Options struct {
	// StallTimeout is how long, in wall time, the running participant may
	// make no call to the clock while others wait or deadlines are pending
	// before the clock reports a stall. 0 means 30 s; negative never
	// reports.
	StallTimeout time.Duration
	// OnDeadlock receives deadlock and stall reports. Nil means panic with
	// the report. It is called in a goroutine of its own.
	OnDeadlock func(*DeadlockError)
}

// DefaultStallTimeout is the StallTimeout a zero Options means.
const DefaultStallTimeout = 30 * time.Second

// Clock is a discrete-event virtual clock; see the package documentation.
// It implements clock.Clock and is safe for concurrent use.
type Clock struct {
	stall      time.Duration
	onDeadlock func(*DeadlockError)

	mu       sync.Mutex
	idle     *sync.Cond // signalled when the last participant leaves
	now      time.Time
	seq      uint64
	events   eventHeap
	parts    []*participant // in the order they joined
	running  *participant   // holds the baton
	runq     []*participant
	sleeping int
	progress uint64 // counts baton hand-overs and events, for the watchdog
	watching bool
	nextID   int
	broken   *DeadlockError
	inner    *clock.Mock // drives clock.Timer and clock.Ticker values
}

var _ clock.Clock = (*Clock)(nil)

// New returns a clock that reads start and has no participants.
func New(start time.Time, opts *Options) *Clock {
	c := &Clock{now: start, stall: DefaultStallTimeout}
	c.idle = sync.NewCond(&c.mu)
	if opts != nil {
		if opts.StallTimeout != 0 {
			c.stall = opts.StallTimeout
		}
		c.onDeadlock = opts.OnDeadlock
	}
	return c
}

type pstate int

const (
	running pstate = iota
	runnable
	sleeping
	acquiring
	waiting // on a Cond, with no deadline
)

type participant struct {
	c    *Clock
	id   int
	name string
	wake chan struct{} // the baton, handed over by dispatch

	state  pstate
	ev     *event          // while sleeping
	w      *waiter         // while acquiring
	cond   *Cond           // while waiting on a Cond (sleeping with a deadline, or waiting)
	ctx    context.Context // while blocked: a cancelled one wakes it
	err    error           // set when it is woken by a deadlock
	holds  int             // Resources held, for reports
	parked bool            // blocked in block(): a deadlock wakes it
}

type ctxKey struct{}

// participantOf returns the participant of c that ctx names, if any.
func (c *Clock) participantOf(ctx context.Context) *participant {
	if ctx == nil {
		return nil
	}
	p, _ := ctx.Value(ctxKey{}).(*participant)
	if p == nil || p.c != c {
		return nil
	}
	return p
}

// Participant returns the name of the participant ctx carries, if any.
func Participant(ctx context.Context) (string, bool) {
	p, _ := ctx.Value(ctxKey{}).(*participant)
	if p == nil {
		return "", false
	}
	return p.name, true
}

// misuse panics with a message that says what the program did wrong.
func (c *Clock) misuse(format string, args ...any) {
	msg := "vclock: " + fmt.Sprintf(format, args...) + "\n" + c.stateLocked()
	c.mu.Unlock()
	panic(msg)
}

// mustRun checks that p holds the baton; a participant's context used by
// two goroutines, or after it left, fails here.
func (c *Clock) mustRun(p *participant, op string) {
	if c.running != p {
		c.misuse("%s by participant %q, which is not the one running: is its context used by another goroutine, or after it left?", op, p.name)
	}
}

// Now implements clock.Clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Since implements clock.Clock.
func (c *Clock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

// Until implements clock.Clock.
func (c *Clock) Until(t time.Time) time.Duration { return t.Sub(c.Now()) }

// Go starts f as a new participant named name (for reports). Call it with
// a participant's context, or while there is no participant; the new one
// runs when the caller next waits, after those started before it.
func (c *Clock) Go(ctx context.Context, name string, f func(ctx context.Context)) {
	c.mu.Lock()
	if parent := c.participantOf(ctx); parent != nil {
		c.mustRun(parent, "Go")
	} else if len(c.parts) > 0 {
		c.misuse("Go(%q) from outside any participant while participants exist: its start would depend on goroutine scheduling; call Go with a participant's context (see Join)", name)
	}
	p := c.addLocked(name)
	p.state = runnable
	c.runq = append(c.runq, p)
	c.dispatchLocked()
	c.mu.Unlock()
	pctx := context.WithValue(ctx, ctxKey{}, p)
	go func() {
		<-p.wake
		defer c.leave(p)
		f(pctx)
	}()
}

// Join makes the calling goroutine a participant named name until it calls
// leave. It must be the only participant: start others from it with Go.
func (c *Clock) Join(ctx context.Context, name string) (pctx context.Context, leave func()) {
	c.mu.Lock()
	if p := c.participantOf(ctx); p != nil {
		c.misuse("Join(%q) from participant %q: a goroutine is one participant; start another with Go", name, p.name)
	}
	if len(c.parts) > 0 {
		c.misuse("Join(%q) from outside while participants exist: start it with Go from a participant", name)
	}
	p := c.addLocked(name)
	p.state = running
	c.running = p
	c.progress++
	c.mu.Unlock()
	var once sync.Once
	return context.WithValue(ctx, ctxKey{}, p), func() { once.Do(func() { c.leave(p) }) }
}

func (c *Clock) addLocked(name string) *participant {
	c.nextID++
	p := &participant{c: c, id: c.nextID, name: name, wake: make(chan struct{}, 1)}
	c.parts = append(c.parts, p)
	if !c.watching && c.stall > 0 {
		c.watching = true
		go c.watch()
	}
	return p
}

func (c *Clock) leave(p *participant) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.broken == nil {
		c.mustRun(p, "leave")
	}
	for i, q := range c.parts {
		if q == p {
			c.parts = append(c.parts[:i], c.parts[i+1:]...)
			break
		}
	}
	if c.running == p {
		c.running = nil
	}
	c.progress++
	c.dispatchLocked()
	if len(c.parts) == 0 {
		c.idle.Broadcast()
	}
}

// Wait blocks, outside virtual time, until every participant has left.
// Call it from a goroutine that is no participant.
func (c *Clock) Wait() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.parts) > 0 {
		c.idle.Wait()
	}
}

// Participants returns how many participants there are.
func (c *Clock) Participants() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.parts)
}

// Sleep implements clock.Clock. With participants, it acts for the one
// that runs (use SleepContext, which checks); without, it moves virtual
// time on by d at once.
func (c *Clock) Sleep(d time.Duration) {
	c.mu.Lock()
	if c.broken != nil {
		c.mu.Unlock()
		return
	}
	p := c.running
	if p == nil && len(c.parts) > 0 {
		c.misuse("Sleep(%v) while participants exist but none runs: the caller is no participant (start it with Go)", d)
	}
	c.sleepLocked(context.Background(), p, d)
}

// SleepContext waits for d of virtual time, or until ctx is done. With a
// participant's context, the participant sleeps and time moves on when
// every participant waits; without one, and with no participants, it moves
// virtual time on by d at once. It returns ctx.Err() if ctx ended first,
// and a *DeadlockError after a deadlock.
func (c *Clock) SleepContext(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	if c.broken != nil {
		c.mu.Unlock()
		return c.broken
	}
	p := c.participantOf(ctx)
	if p != nil {
		c.mustRun(p, "SleepContext")
	} else if len(c.parts) > 0 {
		c.misuse("SleepContext(%v) with a context that names no participant while participants exist: pass the participant's context (from Go or Join)", d)
	}
	return c.sleepLocked(ctx, p, d)
}

// sleepLocked sleeps for p (nil: no participants) and unlocks c.mu.
func (c *Clock) sleepLocked(ctx context.Context, p *participant, d time.Duration) error {
	if err := ctx.Err(); err != nil || d <= 0 {
		c.mu.Unlock()
		return err
	}
	if p == nil {
		c.advanceLocked(c.now.Add(d))
		c.mu.Unlock()
		return ctx.Err()
	}
	p.ev = c.pushLocked(c.now.Add(d), p, nil)
	p.state, p.ctx = sleeping, ctx
	c.sleeping++
	c.running = nil
	c.dispatchLocked()
	c.mu.Unlock()
	return p.block(ctx)
}

// Set moves virtual time on to t, firing the timers it passes, as a
// clock.Mock's Set does. Only a program without participants may call it;
// a t before now does nothing.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	if len(c.parts) > 0 {
		c.misuse("Set while participants exist")
	}
	if t.After(c.now) {
		c.advanceLocked(t)
	}
	c.mu.Unlock()
}

// advanceLocked fires, in order, the events up to t and sets now to t.
// Only used without participants: no participant event is in the heap.
func (c *Clock) advanceLocked(t time.Time) {
	for len(c.events) > 0 && !c.events[0].at.After(t) {
		ev := heap.Pop(&c.events).(*event)
		c.now = ev.at
		c.progress++
		ev.fire(c.now)
	}
	c.now = t
}

// block waits for the baton after p stopped running.
func (p *participant) block(ctx context.Context) error {
	c := p.c
	select {
	case <-p.wake:
	case <-ctx.Done():
		c.mu.Lock()
		c.unblockLocked(p)
		c.mu.Unlock()
		<-p.wake
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if p.err != nil {
		return p.err
	}
	return ctx.Err()
}

// unblockLocked makes a sleeping or queued participant runnable early (its
// context ended) and gives it the baton if nobody runs.
func (c *Clock) unblockLocked(p *participant) {
	if c.wakeLocked(p) {
		c.dispatchLocked()
	}
}

// wakeLocked takes a sleeping or queued participant off its event or
// Resource queue and makes it runnable; it reports false, doing nothing,
// for one already runnable or running.
func (c *Clock) wakeLocked(p *participant) bool {
	switch p.state {
	case sleeping:
		heap.Remove(&c.events, p.ev.index)
		p.ev = nil
		c.sleeping--
	case acquiring:
		p.w.r.dropLocked(p.w)
		p.w = nil
	case waiting:
	default:
		return false
	}
	p.state, p.ctx = runnable, nil
	c.runq = append(c.runq, p)
	return true
}

// dispatchLocked hands the baton on when nobody holds it: to the first
// runnable participant, else it moves time to the next event and fires it.
func (c *Clock) dispatchLocked() {
	for c.running == nil && c.broken == nil {
		if len(c.runq) > 0 {
			p := c.runq[0]
			c.runq = c.runq[1:]
			p.state, p.ctx = running, nil
			c.running = p
			c.progress++
			p.wake <- struct{}{}
			return
		}
		if len(c.parts) == 0 {
			return
		}
		if c.sleeping == 0 && !c.deadlinePendingLocked() {
			// Every participant waits for a Resource or a Cond, and no
			// context deadline can end a wait.
			c.checkDeadlockLocked()
			return
		}
		ev := heap.Pop(&c.events).(*event)
		if ev.at.After(c.now) {
			c.now = ev.at
		}
		c.progress++
		if p := ev.p; p != nil {
			p.ev = nil
			c.sleeping--
			p.state, p.ctx = runnable, nil
			c.runq = append(c.runq, p)
			continue
		}
		ev.fire(c.now)
		if ev.cancels {
			// A context deadline passed: wake, in joining order, the
			// participants whose context it ended.
			for _, p := range c.parts {
				if (p.state == sleeping || p.state == acquiring || p.state == waiting) && p.ctx != nil && p.ctx.Err() != nil {
					c.wakeLocked(p)
				}
			}
		}
	}
}

// deadlinePendingLocked reports whether a context deadline is among the
// events: when every participant waits for a Resource or a Cond, time
// still moves on to it, since it may end a wait.
func (c *Clock) deadlinePendingLocked() bool {
	for _, ev := range c.events {
		if ev.cancels {
			return true
		}
	}
	return false
}

// checkDeadlockLocked reports a deadlock when no Resource a participant
// waits for is held by a goroutine outside virtual time, which could still
// release it, and no participant waits on a Cond, which such a goroutine
// could still broadcast.
func (c *Clock) checkDeadlockLocked() {
	for _, p := range c.parts {
		if p.state == acquiring && p.w.r.heldOutsideLocked() || p.state == waiting {
			return
		}
	}
	c.breakLocked(&DeadlockError{Now: c.now, Participants: c.statesLocked()})
}

// breakLocked records a deadlock, fails every wait with it and reports it.
func (c *Clock) breakLocked(e *DeadlockError) {
	c.broken = e
	for _, p := range c.parts {
		switch p.state {
		case sleeping, acquiring, waiting:
			c.wakeLocked(p)
		}
	}
	for _, p := range c.runq {
		p.err = e
		p.state = running
		select {
		case p.wake <- struct{}{}:
		default:
		}
	}
	c.runq = nil
	go c.report(e)
}

func (c *Clock) report(e *DeadlockError) {
	if c.onDeadlock != nil {
		c.onDeadlock(e)
		return
	}
	panic(e.Error())
}

// watch reports a stall: the running participant has not called the clock
// for StallTimeout of wall time while others wait. It runs while there are
// participants.
func (c *Clock) watch() {
	tick := time.NewTicker(c.stall / 4)
	defer tick.Stop()
	var last uint64
	var since time.Time
	reported := false
	for range tick.C {
		c.mu.Lock()
		if len(c.parts) == 0 || c.broken != nil {
			c.watching = false
			c.mu.Unlock()
			return
		}
		waiting := c.running != nil && (len(c.parts) > 1 || len(c.events) > 0)
		switch {
		case !waiting || c.progress != last:
			last, since, reported = c.progress, time.Now(), false
		case !reported && time.Since(since) >= c.stall:
			reported = true
			e := &DeadlockError{Now: c.now, Stalled: c.running.name, Wall: time.Since(since).Round(time.Millisecond), Participants: c.statesLocked()}
			go c.report(e)
		}
		c.mu.Unlock()
	}
}

// ParticipantState is one participant in a report.
type ParticipantState struct {
	Name string
	// State says what it does: "runs", "runnable", "sleeps until …",
	// "waits for robot (held by …)".
	State string
}

// DeadlockError reports a deadlock (every participant waits for a
// Resource that no one can release) or, with Stalled set, a stall (the
// running participant blocked outside the clock while others wait).
type DeadlockError struct {
	Now          time.Time
	Stalled      string        // the participant holding time still, for a stall
	Wall         time.Duration // how long it did, in wall time
	Participants []ParticipantState
}

func (e *DeadlockError) Error() string {
	var b strings.Builder
	if e.Stalled != "" {
		fmt.Fprintf(&b, "vclock: virtual time stalled at %s: participant %q has not called the clock for %v of wall time while others wait; it is blocked outside the clock (a channel, a lock, a clock.Timer's channel, a Resource held by a goroutine outside virtual time?)", e.Now.Format(time.RFC3339Nano), e.Stalled, e.Wall)
	} else {
		fmt.Fprintf(&b, "vclock: deadlock at %s: every participant waits for a resource that no one can release", e.Now.Format(time.RFC3339Nano))
	}
	for _, p := range e.Participants {
		fmt.Fprintf(&b, "\n\t%q %s", p.Name, p.State)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrDeadlock) true.
func (e *DeadlockError) Is(target error) bool { return target == ErrDeadlock }

func (c *Clock) statesLocked() []ParticipantState {
	out := make([]ParticipantState, 0, len(c.parts))
	for _, p := range c.parts {
		out = append(out, ParticipantState{Name: p.name, State: c.describeLocked(p)})
	}
	return out
}

func (c *Clock) describeLocked(p *participant) string {
	s := ""
	switch p.state {
	case running:
		s = "runs"
	case runnable:
		s = "is runnable"
	case sleeping:
		s = "sleeps until " + p.ev.at.Format(time.RFC3339Nano)
		if p.cond != nil {
			s = "waits on a Cond until " + p.ev.at.Format(time.RFC3339Nano)
		}
	case waiting:
		s = "waits on a Cond"
	case acquiring:
		s = fmt.Sprintf("waits for %s (held by %s)", p.w.r.name, p.w.r.holdersLocked())
	}
	if p.holds > 0 {
		s += fmt.Sprintf("; holds %d resource(s)", p.holds)
	}
	return s
}

func (c *Clock) stateLocked() string {
	var b strings.Builder
	fmt.Fprintf(&b, "virtual time %s; participants:", c.now.Format(time.RFC3339Nano))
	for _, p := range c.statesLocked() {
		fmt.Fprintf(&b, "\n\t%q %s", p.Name, p.State)
	}
	if len(c.parts) == 0 {
		b.WriteString(" none")
	}
	return b.String()
}

// event is a deadline in virtual time: a participant's wake-up (p) or a
// timer (fire).
type event struct {
	at      time.Time
	seq     uint64
	index   int
	p       *participant
	fire    func(now time.Time)
	cancels bool // fire may cancel a context a participant waits with
}

type eventHeap []*event

func (h eventHeap) Len() int { return len(h) }
func (h eventHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h eventHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *eventHeap) Push(x any) {
	ev := x.(*event)
	ev.index = len(*h)
	*h = append(*h, ev)
}
func (h *eventHeap) Pop() any {
	old := *h
	ev := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	ev.index = -1
	return ev
}

func (c *Clock) pushLocked(at time.Time, p *participant, fire func(time.Time)) *event {
	c.seq++
	ev := &event{at: at, seq: c.seq, p: p, fire: fire}
	heap.Push(&c.events, ev)
	return ev
}
