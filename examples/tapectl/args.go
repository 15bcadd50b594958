package main

import (
	"errors"
	"flag"
	"io"
	"strconv"
	"strings"
)

// parseArgs parses a command's flags wherever they stand among its
// arguments, so `status 0 -json` works as well as `status -json 0`, and
// returns the other arguments. Everything after "--" is an argument, and so
// is a negative number, which is no flag of ours: `load -1 0` is then told
// that there is no slot -1.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		for len(args) > 0 && isNegative(args[0]) {
			pos, args = append(pos, args[0]), args[1:]
		}
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, usagef("flags:\n%s", flagDefaults(fs))
			}
			return nil, usagef("%v", err)
		}
		rest := fs.Args()
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

func isNegative(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n < 0
}

func flagDefaults(fs *flag.FlagSet) string {
	var b strings.Builder
	fs.SetOutput(&b)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	return strings.TrimRight(b.String(), "\n")
}

// wantArgs checks the number of arguments a command got.
func wantArgs(args []string, min, max int) error {
	switch {
	case len(args) < min:
		return usagef("missing arguments")
	case len(args) > max:
		return usagef("too many arguments: %s", strings.Join(args[max:], " "))
	}
	return nil
}

// number parses the number of a slot, drive, port or file. Something that
// is not a number is a command-line mistake; whether the number exists is
// for the library to say.
func number(what, s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, usagef("%s %q is not a number", what, s)
	}
	return n, nil
}

// sizeValue is a flag holding a byte count, written in bytes or with a
// binary suffix: 65536, 256K, 1M.
type sizeValue int

func (s *sizeValue) String() string { return strconv.Itoa(int(*s)) }

func (s *sizeValue) Set(v string) error {
	mult := 1
	switch {
	case strings.HasSuffix(v, "K"), strings.HasSuffix(v, "k"):
		mult, v = 1<<10, v[:len(v)-1]
	case strings.HasSuffix(v, "M"), strings.HasSuffix(v, "m"):
		mult, v = 1<<20, v[:len(v)-1]
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 || n > (1<<31)/mult {
		return errors.New("want a positive size in bytes, or with a K or M suffix")
	}
	*s = sizeValue(n * mult)
	return nil
}

// impliedDrive is the drive number of a command whose DRIVE was left out
// because -f names the drive; library.driveNumber resolves it.
const impliedDrive = -1

// driveArgs parses the arguments of a command that takes DRIVE first and
// then between min and max others. DRIVE may be left out when -f names the
// drive; the count tells: with exactly min arguments the first is not
// DRIVE. The drive is then impliedDrive.
func driveArgs(e *env, args []string, min, max int) (drive int, rest []string, err error) {
	if e.device != "" && len(args) == min {
		return impliedDrive, args, nil
	}
	if err := wantArgs(args, min+1, max+1); err != nil {
		return 0, nil, err
	}
	drive, err = number("drive", args[0])
	if err != nil {
		return 0, nil, err
	}
	return drive, args[1:], nil
}
