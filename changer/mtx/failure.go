package mtx

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/tapekit/tapekit/changer"
)

// Error is a failed mtx command: mtx's own message, the request sense it
// printed if any, and the sentinel both stand for.
type Error struct {
	// Op is the mtx command that failed ("status", "load", "unload",
	// "transfer", "inventory").
	Op string
	// Message is mtx's last error line, without the program name mtx
	// puts before it; empty when mtx printed none.
	Message string
	// HasSense reports that mtx printed a request-sense dump; SenseKey,
	// ASC and ASCQ are from the last one.
	HasSense            bool
	SenseKey, ASC, ASCQ uint8
	// ExitCode is mtx's exit status, or -1 when it did not exit normally.
	ExitCode int
	// Err is the sentinel the failure stands for (changer.ErrSourceEmpty,
	// changer.ErrRobotFailure, ErrUnitAttention, …), or nil when neither
	// the message nor the sense says.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "mtx %s: ", e.Op)
	switch {
	case e.Message != "":
		b.WriteString(e.Message)
	case e.ExitCode >= 0:
		fmt.Fprintf(&b, "exit status %d", e.ExitCode)
	default:
		b.WriteString("failed")
	}
	if e.HasSense {
		fmt.Fprintf(&b, " [%s]", e.SenseText())
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// SenseText describes the sense: key name, ASC/ASCQ in hex and their text.
func (e *Error) SenseText() string {
	if !e.HasSense {
		return ""
	}
	return fmt.Sprintf("%s %02X/%02X %s", SenseKeyName(e.SenseKey), e.ASC, e.ASCQ, ASCText(e.ASC, e.ASCQ))
}

// Retryable reports a failure after which the same command may simply be
// run again: unit attention, or a library that is becoming ready. The
// cartridge did not move.
func (e *Error) Retryable() bool {
	return e.Err == ErrUnitAttention || e.Err == changer.ErrNotReady
}

// messages are mtx's fatal messages that say what went wrong on their own,
// checked in order. mtx prints the first two instead of a sense dump when
// MOVE MEDIUM fails with 3B/0E or 3B/0D; the others come from its own
// checks against the status it read first.
var messages = []struct {
	re  *regexp.Regexp
	err error
}{
	{regexp.MustCompile(`Source Element Address \d+ is Empty`), changer.ErrSourceEmpty},
	{regexp.MustCompile(`Destination Element Address \d+ is Already Full`), changer.ErrDestinationFull},
	{regexp.MustCompile(`Data Transfer Element \d+ is Empty`), changer.ErrSourceEmpty},
	{regexp.MustCompile(`Storage Element \d+ is Already Full`), changer.ErrDestinationFull},
	{regexp.MustCompile(`Drive \d+ Full \(Storage Element -?\d+ loaded\)`), changer.ErrDestinationFull},
	{regexp.MustCompile(`Drive needs offline before move`), changer.ErrDriveLoaded},
	{regexp.MustCompile(`(?:Invalid|illegal) <(?:storage-element|drive)-number> argument`), changer.ErrInvalidElement},
	{regexp.MustCompile(`^(?:Invalid source|Invalid destination|No source specified|No destination specified)$`), changer.ErrInvalidElement},
}

var (
	progressRE = regexp.MustCompile(`^(?:Loading media from Storage Element \d+ into drive \d+|Unloading drive \d+ into Storage Element \d+)\.\.\.(?:done)?`)
	// mtx prefixes fatal messages with its argv[0]: "mtx: ", or
	// "/usr/sbin/mtx: " when run by path.
	progNameRE = regexp.MustCompile(`^(?:\S*/)?mtx: `)
)

// ParseFailure explains the output (stderr and stdout) of an mtx command
// that failed: it reads the last request-sense dump, the last error
// message, and maps them to a sentinel, the message first. exitCode is
// recorded as given.
func ParseFailure(op string, output []byte, exitCode int) *Error {
	e := &Error{Op: op, ExitCode: exitCode}
	sc := bufio.NewScanner(bytes.NewReader(output))
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		// stdout is flushed without a newline before a move, so stderr's
		// first line may follow "Loading media ...".
		line = strings.TrimSpace(progressRE.ReplaceAllString(line, ""))
		if _, kv, ok := strings.Cut(line, "Request Sense: "); ok {
			e.senseLine(kv)
			continue
		}
		if line == "" {
			continue
		}
		e.Message = progNameRE.ReplaceAllString(line, "")
	}
	// A scanner error (a line over maxLine) leaves what was read so far,
	// which is still the best explanation there is.
	for _, m := range messages {
		if m.re.MatchString(e.Message) {
			e.Err = m.err
			return e
		}
	}
	if e.HasSense {
		e.Err = MapSense(e.SenseKey, e.ASC, e.ASCQ)
	}
	return e
}

func (e *Error) senseLine(kv string) {
	k, v, ok := strings.Cut(kv, "=")
	if !ok {
		return
	}
	k, v = strings.TrimSpace(k), strings.TrimSpace(v)
	switch k {
	case "Long Report":
		// Each dump starts here; a later dump replaces an earlier one.
		e.HasSense, e.SenseKey, e.ASC, e.ASCQ = true, 0, 0, 0
	case "Sense Key":
		if key, ok := senseKeyByName(v); ok {
			e.HasSense, e.SenseKey = true, key
		}
	case "Additional Sense Code":
		if n, err := strconv.ParseUint(v, 16, 8); err == nil {
			e.HasSense, e.ASC = true, uint8(n)
		}
	case "Additional Sense Qualifier":
		if n, err := strconv.ParseUint(v, 16, 8); err == nil {
			e.HasSense, e.ASCQ = true, uint8(n)
		}
	}
}
