package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"sort"
	"strings"

	"github.com/tapekit/tapekit/scsi"
	"github.com/tapekit/tapekit/scsi/sgio"
)

// env is what a command gets: its streams and the global flags.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// simDir is the directory of a simulated library (-sim).
	simDir string
	// simSpeed is -sim-speed: 0 runs the simulator in virtual time, N (at
	// least minSimSpeed) on the real clock N times faster than library time.
	simSpeed float64
	// device is -f: the tape drive commands use (device.go).
	device string
	// changer is -changer DRIVER:DEVICE: the library's changer.
	changer string
	// mtxPath is -mtx: the mtx program of the mtx changer driver.
	mtxPath string
	// sysfs is -sysfs: where devices are discovered (/dev/nstN to /dev/sgN,
	// drive serial numbers).
	sysfs string
	// verbose is -v: log every SCSI command and mtx run to standard error.
	verbose bool
	// openNode opens a SCSI generic node; nil means sgio.Open. Tests put
	// the simulator's SCSI targets behind /dev/sgN names with it.
	openNode func(node string, o *sgio.Options) (scsi.Transport, error)
}

// globalFlags defines the flags that come before the command, so run and
// help describe the same set.
func globalFlags(fs *flag.FlagSet, e *env) {
	fs.StringVar(&e.simDir, "sim", "", "directory of a simulated library (created on first use)")
	fs.Float64Var(&e.simSpeed, "sim-speed", 0, fmt.Sprintf("simulated time: 0 = virtual, instant; N >= %g = real clock, N times faster than the library", minSimSpeed))
	fs.StringVar(&e.device, "f", "", "tape drive `DEVICE`: /dev/sgN, /dev/nstN (mapped to its sg node), or sim-sg:DIR:N (drive N of a simulated library, through its SCSI target)")
	fs.StringVar(&e.changer, "changer", "", "the library's changer, `DRIVER:DEVICE`: sg:/dev/sgN (SCSI), mtx:/dev/sgN (the mtx program), or sim-sg:DIR (a simulated library, through its SCSI target)")
	fs.StringVar(&e.mtxPath, "mtx", "mtx", "the mtx `program` for -changer mtx:DEVICE, a path or a name looked up in $PATH")
	fs.StringVar(&e.sysfs, "sysfs", "/sys", "root of the sysfs `tree` that maps device nodes and drive serial numbers")
	fs.BoolVar(&e.verbose, "v", false, "log every SCSI command and mtx run to standard error")
}

// minSimSpeed is the slowest -sim-speed: a 17 s load then takes under 5
// hours. Anything slower is a typo, not a demo; far slower, the simulator
// could only wait for ever.
const minSimSpeed = 0.001

type command struct {
	name    string
	usage   string // arguments, after the name
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

var commands = map[string]*command{}

// register adds a command; each command lives in its own file and registers
// itself from init.
func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("tapectl: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ msg string }

func (u *usageError) Error() string { return u.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process: it returns the exit status (0 success,
// 1 the operation failed, 2 the command line was wrong).
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	fs := flag.NewFlagSet("tapectl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	globalFlags(fs, e)
	fs.Usage = func() { printUsage(stderr, fs) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if s := e.simSpeed; s != 0 && !(s >= minSimSpeed && !math.IsInf(s, 1)) { // also refuses NaN
		fmt.Fprintf(stderr, "tapectl: -sim-speed %v: want 0 (virtual time) or a speed-up of at least %g\n", s, minSimSpeed)
		return 2
	}
	if err := checkDeviceFlags(e); err != nil {
		fmt.Fprintf(stderr, "tapectl: %v\n", err)
		return 2
	}
	if fs.NArg() == 0 {
		printUsage(stderr, fs)
		return 2
	}
	c, ok := commands[fs.Arg(0)]
	if !ok {
		fmt.Fprintf(stderr, "tapectl: unknown command %q (try tapectl help)\n", fs.Arg(0))
		return 2
	}
	err := c.run(ctx, e, fs.Args()[1:])
	if err == nil {
		return 0
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "tapectl %s: %s\nusage: tapectl %s %s\n", c.name, ue.msg, c.name, c.usage)
		return 2
	}
	fmt.Fprintf(stderr, "tapectl %s: %v\n", c.name, err)
	return 1
}

func printUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: tapectl [global flags] COMMAND [args]\n\n"+
		"Slots and I/E ports are numbered from 1 and drives from 0, as mtx does;\n"+
		"tape files are numbered from 1 (file 1 is the first file on the tape).\n\n"+
		"devices:\n"+
		"  -sim DIR                  a simulated library kept in DIR\n"+
		"  -changer sg:/dev/sgN      a library, through SCSI media changer commands;\n"+
		"                            drive N is the tape drive with the serial number\n"+
		"                            the library reports for it\n"+
		"  -changer mtx:/dev/sgN     a library, through the mtx program (-mtx PATH);\n"+
		"                            mtx reports no drive serials: drive commands need -f\n"+
		"  -f /dev/sgN | /dev/nstN   a tape drive: alone, it is drive 0; with -changer,\n"+
		"                            the drive the commands use (DRIVE may be left out)\n"+
		"  -changer sim-sg:DIR, -f sim-sg:DIR:N\n"+
		"                            a simulated library and its drive N, reached\n"+
		"                            through their SCSI targets as real devices are\n\n"+
		"commands:\n")
	names := make([]string, 0, len(commands))
	width := 0
	for n, c := range commands {
		names = append(names, n)
		width = max(width, len(n)+1+len(c.usage))
	}
	sort.Strings(names)
	for _, n := range names {
		c := commands[n]
		fmt.Fprintf(w, "  %-*s  %s\n", width, strings.TrimSpace(c.name+" "+c.usage), c.summary)
	}
	fmt.Fprintf(w, "\nglobal flags:\n")
	fs.PrintDefaults()
}

func init() {
	register(&command{name: "help", summary: "list the commands", run: func(ctx context.Context, e *env, args []string) error {
		fs := flag.NewFlagSet("tapectl", flag.ContinueOnError)
		globalFlags(fs, &env{})
		fs.SetOutput(e.stdout)
		printUsage(e.stdout, fs)
		return nil
	}})
}
