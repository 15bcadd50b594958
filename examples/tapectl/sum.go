package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/tapekit/tapekit/checksum"
)

func init() {
	register(&command{name: "sum", usage: "[-a adler32,crc32c,...] [FILE...]",
		summary: "print checksums of files, like sha256sum and xrdadler32", run: runSum})
}

// sumBufSize is the read size: large reads keep the per-write hand-off to the
// Set's workers negligible and match tape block sizes.
const sumBufSize = 1 << 20

// runSum prints the checksums of each FILE (standard input when there is
// none, or for "-"). With one algorithm a line is "<hex>  <file>", as
// sha256sum and md5sum print it, except for adler32 alone, printed
// "<hex> <file>" with one space as xrdadler32 does. With several, each file
// gets one line per algorithm, "<algorithm> <hex>  <file>", in the order of
// -a; dropping the first field gives md5sum's format back. A file that cannot
// be read is reported and skipped, and the exit status is then 1.
func runSum(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("sum", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	algs := fs.String("a", checksum.Adler32, "comma-separated algorithms: "+strings.Join(checksum.Algorithms(), ","))
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usagef("%v", err)
	}
	names := strings.Split(*algs, ",")
	set, err := checksum.NewSet(names, nil)
	if err != nil {
		return usagef("%v", err)
	}
	defer set.Close()
	files := fs.Args()
	if len(files) == 0 {
		files = []string{"-"}
	}
	bufs := [][]byte{make([]byte, sumBufSize), make([]byte, sumBufSize)}
	failed := 0
	for _, name := range files {
		set.Reset()
		if err := sumFile(ctx, e, name, set, bufs); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			fmt.Fprintf(e.stderr, "tapectl sum: %v\n", err)
			failed++
			continue
		}
		printSums(e.stdout, name, set.Sum())
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files could not be read", failed, len(files))
	}
	return nil
}

// sumFile hashes one file. A goroutine reads the next block while the Set
// hashes the current one, so the read's system time is off the critical
// path: the command then takes about as long as its slowest algorithm.
func sumFile(ctx context.Context, e *env, name string, set *checksum.Set, bufs [][]byte) error {
	var r io.Reader = e.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	type block struct {
		buf []byte
		n   int
		err error
	}
	free := make(chan []byte, len(bufs))
	full := make(chan block, len(bufs))
	for _, b := range bufs {
		free <- b
	}
	// Closing free stops the reader. At end of file or on a read error it
	// has already returned; if ctx is cancelled mid-file it may still be in
	// one Read, which then fails on the closed file (or, on standard input,
	// completes) and the goroutine ends without blocking: full has room.
	defer close(free)
	go func() {
		for buf := range free {
			n, err := io.ReadFull(r, buf)
			if err == io.ErrUnexpectedEOF {
				err = io.EOF
			}
			full <- block{buf, n, err}
			if err != nil {
				return
			}
		}
	}()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		b := <-full
		set.Write(b.buf[:b.n])
		switch {
		case b.err == io.EOF:
			return nil
		case b.err != nil:
			return fmt.Errorf("%s: %w", name, b.err)
		}
		free <- b.buf
	}
}

func printSums(w io.Writer, name string, sums []checksum.Value) {
	if len(sums) == 1 {
		sep := "  "
		if sums[0].Algorithm == checksum.Adler32 {
			sep = " "
		}
		fmt.Fprintf(w, "%s%s%s\n", sums[0].Hex(), sep, name)
		return
	}
	for _, v := range sums {
		fmt.Fprintf(w, "%s %s  %s\n", v.Algorithm, v.Hex(), name)
	}
}
