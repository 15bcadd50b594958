// Package vclock is a discrete-event virtual clock: a clock.Clock
// (github.com/benbjohnson/clock) in which work that runs at once overlaps
// in virtual time, as it does on a real tape library where four drives
// stream at the same time.
//
// # Participants
//
// Goroutines that do timed work take part explicitly. Clock.Go starts a
// participant; Clock.Join makes the calling goroutine one until it calls
// the function Join returns. A participant's context carries its identity:
// pass it to every call that may wait (SleepContext, Resource.Acquire, and
// through them the simulator's drives and robot).
//
// Virtual time moves only when no participant runs: every participant is
// sleeping on the clock (SleepContext, Sleep), waiting for a Resource, or
// has left. Then the clock jumps to the earliest deadline and wakes whoever
// waits for it. A participant that waits for d therefore resumes at exactly
// now+d of virtual time, whatever the others do meanwhile, so four drives
// that each read for an hour finish an hour after they start, not four.
//
// Participants run one at a time: the clock hands a baton to one runnable
// participant and takes it back when that participant waits again or
// leaves. Work between two waits takes no virtual time, so running
// participants one after another changes no virtual timeline, and it makes
// every run the same (see Determinism). Wall-clock parallelism is lost;
// the simulator's work between waits is bookkeeping, so that costs little.
//
// Start participants from a participant, not from the outside: a goroutine
// that is no participant could be preempted between two calls to Go while
// the first participant already moved time on. The usual shape is
//
//	ctx, leave := vc.Join(ctx, "main")
//	for i := range drives {
//		vc.Go(ctx, fmt.Sprintf("drive %d", i), func(ctx context.Context) { ... })
//	}
//	leave()
//	vc.Wait()
//
// Go called from outside any participant is accepted only while there is
// none (the new participant then runs at once); otherwise it panics, as
// does a second Join from outside.
//
// # Programs without participants
//
// A program that never calls Go or Join keeps working as with a
// clock.Mock: each Sleep or SleepContext moves virtual time on by its
// duration at once, firing the timers it passes. This is what a
// single-goroutine program (a test, tapectl) wants. Two goroutines doing
// so at the same time add their times instead of overlapping them: that is
// what participants are for. While participants exist, a SleepContext
// whose context names none panics; Sleep (the clock.Clock method, which
// takes no context) acts for the participant that runs, and panics when
// none runs.
//
// # Resources
//
// A Resource is a counted lock with a first-come, first-served queue: the
// simulator's robots (one move at a time per robot) and each drive's
// operation lock. A participant waiting for a Resource is blocked on the
// clock, so time moves on while it queues. A context that names no
// participant waits outside virtual time, like a sync.Mutex. A Resource
// made with a nil Clock is just such a FIFO lock, for real clocks.
//
// # Conditions
//
// A Cond is what an idle worker waits on: a drive with no request waits
// until one is submitted (Broadcast) or a policy's deadline passes (Wait's
// duration). Waiting on it is blocked on the clock, like sleeping. Since
// participants run one at a time, a participant that checks its condition
// and then waits cannot miss a Broadcast from another participant; a
// goroutine outside virtual time may broadcast too, at any moment.
//
// # Deadlock and stall reports
//
// A wrong count never hangs silently. When every participant waits for a
// Resource, every holder of those Resources is a participant (so none
// can ever release), and no context deadline is pending that could end a
// wait, the clock reports a deadlock at once: a
// *DeadlockError naming each participant, what it waits for and who holds
// it. Every wait then fails with it (errors.Is(err, ErrDeadlock)).
//
// Participants waiting on a Cond with no deadline are never reported: a
// goroutine outside virtual time may still broadcast or cancel them.
//
// A participant that blocks on something the clock cannot see — a channel,
// a sync.Mutex, a Resource held outside virtual time, a clock.Timer's
// channel — holds virtual time still while others wait. When the running
// participant makes no call to the clock for Options.StallTimeout of wall
// time (default 30 s) while others wait or deadlines are pending, the clock
// reports a stall naming it and everyone else's state.
//
// Reports go to Options.OnDeadlock; nil means panic with the report, so a
// wrong count ends the program with a message instead of a hang.
//
// # Determinism
//
// With participants whose own code is deterministic, the virtual timeline
// is the same event for event on every run: only one participant runs at a
// time; runnable participants get the baton in the order they became
// runnable; deadlines that fall on the same instant wake in the order they
// were set (a sequence number breaks ties); Resources are granted in the
// order they were asked for, and since asking is done by the one running
// participant, that order is itself deterministic.
//
// # Timers
//
// After, Tick, WithDeadline and WithTimeout are events of the clock:
// they fire in order as virtual time passes their deadline, and a context
// deadline that cancels a waiting participant wakes it at that instant.
// Timer, AfterFunc and Ticker must return clock.Timer and clock.Ticker
// values, which only a clock.Mock can drive; the clock keeps an inner
// clock.Mock for them and sets it to each of their deadlines. They fire on
// time, cost a millisecond of wall time each (clock.Mock sleeps that long
// per tick), and AfterFunc's function runs in its own goroutine, outside
// virtual time. Their Reset takes effect only at the clock's next event of
// theirs; Stop and a new Timer are exact.
//
// # Which clock
//
// Use this clock for benchmarks, tests and measurements: a day of library
// time passes in a fraction of a second, the same way every run. Use the
// real clock (clock.New, optionally sped up by the simulator's
// Options.Scale) for demos and for programs that talk to people or to
// other processes, whose time this clock cannot see.
package vclock
