package cache

import "fmt"

// State is where a file stands between users and tape.
type State uint8

// The states of a cached file. Pins are not a state: a precious or online
// file may also be pinned.
const (
	// Incoming: a client is writing the file; it cannot be read.
	Incoming State = iota + 1
	// Precious: complete and durable in the cache but not yet on tape; it
	// is never evicted.
	Precious
	// Staging: being recalled from tape; it cannot be read.
	Staging
	// Online: a clean copy of a file that is on tape; evictable when not
	// pinned and not needed.
	Online
)

func (s State) String() string {
	switch s {
	case Incoming:
		return "incoming"
	case Precious:
		return "precious"
	case Staging:
		return "staging"
	case Online:
		return "online"
	case 0:
		return "absent"
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// Allowed reports whether a file may move from one state to another; the
// zero State stands for "not in the cache". The edges are
//
//	absent → incoming → precious → online → absent (evicted or removed)
//	absent → staging → online
//	incoming, staging → absent (aborted); precious → absent (removed)
func Allowed(from, to State) bool {
	switch from {
	case 0:
		return to == Incoming || to == Staging
	case Incoming:
		return to == Precious || to == 0
	case Staging:
		return to == Online || to == 0
	case Precious:
		return to == Online || to == 0
	case Online:
		return to == 0
	}
	return false
}
