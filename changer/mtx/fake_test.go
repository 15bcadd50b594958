package mtx_test

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// This file is a fake mtx: TestMain runs fakeMTX instead of the tests when
// the test binary is started as mtx, so the driver is tested
// against a real subprocess that prints what real mtx prints (mtx 1.3.12:
// mtx.c's Status, Load, Unload, Transfer and Move; mtxl.c's
// PrintRequestSense and FatalError). The library lives in a JSON file whose
// path is the device name given with -f.

// fakeLib is the library state the fake keeps between runs.
type fakeLib struct {
	Drives []fakeElem `json:"drives"`
	Slots  []fakeElem `json:"slots"` // Slots[i] is mtx slot i+1
	IE     int        `json:"ie"`    // the last IE slots are I/E ports
	// Faults, each counting down once per command that meets it.
	UnitAttention     int  `json:"unit_attention"`      // MODE SENSE reports 06/29; mtx carries on
	NotReady          int  `json:"not_ready"`           // READ ELEMENT STATUS fails with 02/04/01
	MoveUnitAttention int  `json:"move_unit_attention"` // MOVE MEDIUM fails with 06/28/01
	RobotFailure      int  `json:"robot_failure"`       // MOVE MEDIUM fails with 04/15/01
	NoExchange        bool `json:"no_exchange"`         // EXCHANGE MEDIUM is an invalid opcode (05/20/00)
	// SleepMS delays every command, like a robot that takes its time.
	SleepMS int `json:"sleep_ms,omitempty"`
	// Commands counts the mtx runs, so tests can see retries.
	Commands int `json:"commands"`
}

type fakeElem struct {
	Full   bool   `json:"full,omitempty"`
	Tag    string `json:"tag,omitempty"`
	Source int    `json:"source,omitempty"` // drives: mtx slot it came from, 0 unknown
}

// SCSI element addresses of the fake, as the mhvtl STK L700 has them: mtx's
// messages about failed moves print these, not mtx numbers.
func driveSCSI(n int) int { return 500 + n }
func slotSCSI(n int) int  { return 1000 + n - 1 }

func loadFake(path string) (*fakeLib, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var l fakeLib
	return &l, json.Unmarshal(b, &l)
}

func (l *fakeLib) save(path string) error {
	b, err := json.Marshal(l)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

// padTag pads a volume tag as mtx prints it: the 32-byte volume identifier
// field, space-padded by the library, up to the reserved bytes (zero) that
// end mtx's copy.
func padTag(tag string) string { return fmt.Sprintf("%-32s", tag) }

// formatStatus prints a status exactly as `mtx status` does.
func formatStatus(device string, drives []fakeElem, slots []fakeElem, ie int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  Storage Changer %s:%d Drives, %d Slots ( %d Import/Export )\n", device, len(drives), len(slots), ie)
	for i, d := range drives {
		fmt.Fprintf(&b, "Data Transfer Element %d:", i)
		if !d.Full {
			b.WriteString("Empty\n")
			continue
		}
		if d.Source > 0 {
			fmt.Fprintf(&b, "Full (Storage Element %d Loaded)", d.Source)
		} else {
			b.WriteString("Full (Unknown Storage Element Loaded)")
		}
		if d.Tag != "" {
			fmt.Fprintf(&b, ":VolumeTag = %s", padTag(d.Tag))
		}
		b.WriteString("\n")
	}
	for i, s := range slots {
		n := i + 1
		ieMark := ""
		if n > len(slots)-ie {
			ieMark = " IMPORT/EXPORT"
		}
		state := "Empty"
		if s.Full {
			state = "Full "
		}
		fmt.Fprintf(&b, "      Storage Element %d%s:%s", n, ieMark, state)
		if s.Tag != "" {
			fmt.Fprintf(&b, ":VolumeTag=%s", padTag(s.Tag))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func senseLines(key string, asc, ascq int) string {
	return fmt.Sprintf("mtx: Request Sense: Long Report=yes\n"+
		"mtx: Request Sense: Valid Residual=no\n"+
		"mtx: Request Sense: Error Code=70 (Current)\n"+
		"mtx: Request Sense: Sense Key=%s\n"+
		"mtx: Request Sense: FileMark=no\n"+
		"mtx: Request Sense: EOM=no\n"+
		"mtx: Request Sense: ILI=no\n"+
		"mtx: Request Sense: Additional Sense Code = %02X\n"+
		"mtx: Request Sense: Additional Sense Qualifier = %02X\n"+
		"mtx: Request Sense: BPV=no\n"+
		"mtx: Request Sense: Error in CDB=no\n"+
		"mtx: Request Sense: SKSV=no\n", key, asc, ascq)
}

// fatal is mtx's FatalError: "mtx: " and the message on stderr, exit 1.
type fatal string

// fakeMTX runs one fake mtx invocation and returns its exit status.
func fakeMTX(args []string, stdout, stderr io.Writer) int {
	if len(args) < 3 || args[0] != "-f" {
		fmt.Fprintln(stderr, "Usage: fake mtx -f <state.json> command ...")
		return 1
	}
	path := args[1]
	l, err := loadFake(path)
	if err != nil {
		fmt.Fprintf(stderr, "mtx: cannot open SCSI device '%s' - %v\n", path, err)
		return 1
	}
	l.Commands++
	if err := l.save(path); err != nil {
		fmt.Fprintln(stderr, "fake mtx:", err)
		return 2
	}
	time.Sleep(time.Duration(l.SleepMS) * time.Millisecond)
	code := l.run(path, args[2:], stdout, stderr)
	if err := l.save(path); err != nil {
		fmt.Fprintln(stderr, "fake mtx:", err)
		return 2
	}
	return code
}

func (l *fakeLib) run(device string, args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		r := recover()
		if f, ok := r.(fatal); ok {
			fmt.Fprintf(stderr, "mtx: %s\n", string(f))
			code = 1
		} else if r != nil {
			panic(r)
		}
	}()
	num := func(i int) int {
		if i >= len(args) || args[i] == "" || args[i][0] < '0' || args[i][0] > '9' {
			return -1
		}
		n, _ := strconv.Atoi(args[i])
		return n
	}
	if len(args) == 0 {
		panic(fatal("no command"))
	}
	if args[0] == "inventory" {
		return 0
	}
	// Every other command reads the element status first.
	if l.UnitAttention > 0 {
		l.UnitAttention--
		fmt.Fprint(stderr, senseLines("Unit Attention", 0x29, 0x00))
		fmt.Fprintln(stderr, "Mode sense (0x1A) for Page 0x1D failed")
	}
	if l.NotReady > 0 {
		l.NotReady--
		fmt.Fprint(stderr, senseLines("Not Ready", 0x04, 0x01))
		panic(fatal("READ ELEMENT STATUS Command Failed"))
	}
	switch args[0] {
	case "status":
		fmt.Fprint(stdout, formatStatus(device, l.Drives, l.Slots, l.IE))
	case "load":
		slot, drive := num(1), num(2)
		if slot < 1 {
			panic(fatal("No source specified"))
		}
		if drive < 0 {
			drive = 0
		}
		if slot > len(l.Slots) {
			panic(fatal(fmt.Sprintf("Invalid <storage-element-number> argument '%d' to 'load' command", slot)))
		}
		if drive >= len(l.Drives) {
			panic(fatal(fmt.Sprintf("illegal <drive-number> argument '%d' to 'load' command", drive)))
		}
		if d := l.Drives[drive]; d.Full {
			panic(fatal(fmt.Sprintf("Drive %d Full (Storage Element %d loaded)", drive, d.Source)))
		}
		fmt.Fprintf(stdout, "Loading media from Storage Element %d into drive %d...", slot, drive)
		l.move(&l.Slots[slot-1], &l.Drives[drive], slotSCSI(slot), driveSCSI(drive), stderr)
		l.Drives[drive].Source = slot
		fmt.Fprintln(stdout, "done")
	case "unload":
		slot, drive := num(1), num(2)
		if drive < 0 {
			drive = 0
		}
		if slot < 1 {
			panic(fatal("fake mtx: unload needs a slot"))
		}
		if slot > len(l.Slots) {
			panic(fatal(fmt.Sprintf("illegal <storage-element-number> argument '%d' to 'unload' command", slot)))
		}
		if drive >= len(l.Drives) {
			panic(fatal(fmt.Sprintf("illegal <drive-number> argument '%d' to 'unload' command", drive)))
		}
		if !l.Drives[drive].Full {
			panic(fatal(fmt.Sprintf("Data Transfer Element %d is Empty", drive)))
		}
		if l.Slots[slot-1].Full {
			panic(fatal(fmt.Sprintf("Storage Element %d is Already Full", slot)))
		}
		fmt.Fprintf(stdout, "Unloading drive %d into Storage Element %d...", drive, slot)
		l.move(&l.Drives[drive], &l.Slots[slot-1], driveSCSI(drive), slotSCSI(slot), stderr)
		fmt.Fprintln(stdout, "done")
	case "transfer":
		from, to := num(1), num(2)
		switch {
		case from < 1:
			panic(fatal("No source specified"))
		case to < 1:
			panic(fatal("No destination specified"))
		case from > len(l.Slots):
			panic(fatal("Invalid source"))
		case to > len(l.Slots):
			panic(fatal("Invalid destination"))
		}
		l.move(&l.Slots[from-1], &l.Slots[to-1], slotSCSI(from), slotSCSI(to), stderr)
	case "exchange":
		src, d1, d2 := num(1), num(2), num(3)
		switch {
		case src < 1:
			panic(fatal("No source specified"))
		case d1 < 1:
			panic(fatal("No destination specified"))
		case src > len(l.Slots):
			panic(fatal("Invalid source"))
		case d1 > len(l.Slots):
			panic(fatal("Invalid destination"))
		}
		if d2 < 1 {
			d2 = src
		}
		l.exchange(src, d1, d2, stderr)
	default:
		panic(fatal("fake mtx: unsupported command " + args[0]))
	}
	return 0
}

// exchange is EXCHANGE MEDIUM as the library executes it, reported as mtx
// reports it: mtx names src and dst1 whatever failed.
func (l *fakeLib) exchange(src, d1, d2 int, stderr io.Writer) {
	a, b := slotSCSI(src), slotSCSI(d1)
	s, f, g := &l.Slots[src-1], &l.Slots[d1-1], &l.Slots[d2-1]
	switch {
	case l.NoExchange:
		fmt.Fprint(stderr, senseLines("Illegal Request", 0x20, 0x00))
		panic(fatal(fmt.Sprintf("EXCHANGE MEDIUM from Element Address %d to %d Failed", a, b)))
	case !s.Full || !f.Full || src == d1:
		panic(fatal(fmt.Sprintf("Source Element Address %d is Empty", a)))
	case g.Full && d2 != src:
		panic(fatal(fmt.Sprintf("Destination Element Address %d is Already Full", b)))
	}
	first, second := *s, *f
	*s = fakeElem{}
	*f = fakeElem{Full: true, Tag: first.Tag}
	*g = fakeElem{Full: true, Tag: second.Tag}
}

// move is MOVE MEDIUM as the library executes it, with mtx's reporting of
// its failures.
func (l *fakeLib) move(src, dst *fakeElem, srcAddr, dstAddr int, stderr io.Writer) {
	failed := func(key string, asc, ascq int) {
		fmt.Fprint(stderr, senseLines(key, asc, ascq))
		panic(fatal(fmt.Sprintf("MOVE MEDIUM from Element Address %d to %d Failed", srcAddr, dstAddr)))
	}
	switch {
	case l.MoveUnitAttention > 0:
		l.MoveUnitAttention--
		failed("Unit Attention", 0x28, 0x01)
	case l.RobotFailure > 0:
		l.RobotFailure--
		failed("Hardware Error", 0x15, 0x01)
	case !src.Full:
		panic(fatal(fmt.Sprintf("Source Element Address %d is Empty", srcAddr)))
	case dst.Full:
		panic(fatal(fmt.Sprintf("Destination Element Address %d is Already Full", dstAddr)))
	}
	*dst, *src = fakeElem{Full: true, Tag: src.Tag}, fakeElem{}
}
