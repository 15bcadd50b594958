// Command tapectl is the operator's tool for tapekit: it drives tape drives
// and libraries, real or simulated, in the style of mt and mtx.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
)

// env is what a command gets: its streams and the global flags.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// simDir is the directory of a simulated library (-sim).
	simDir string
}

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
	fs.StringVar(&e.simDir, "sim", "", "directory of a simulated library (created on first use)")
	fs.Usage = func() { printUsage(stderr, fs) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
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
	fmt.Fprintf(w, "usage: tapectl [global flags] COMMAND [args]\n\ncommands:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c := commands[n]
		fmt.Fprintf(w, "  %-10s %s\n  %-10s   %s\n", c.name, c.usage, "", c.summary)
	}
	fmt.Fprintf(w, "\nglobal flags:\n")
	fs.PrintDefaults()
}

func init() {
	register(&command{name: "help", summary: "list the commands", run: func(ctx context.Context, e *env, args []string) error {
		fs := flag.NewFlagSet("tapectl", flag.ContinueOnError)
		fs.String("sim", "", "directory of a simulated library (created on first use)")
		printUsage(e.stdout, fs)
		return nil
	}})
}
