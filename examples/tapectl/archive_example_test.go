package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Example_archive labels a cartridge, archives a file, lists the tape and
// restores the file, as an operator would from a shell. (The example
// prints the temporary directory as DIR and hides the label's random id.)
func Example_archive() {
	dir, err := os.MkdirTemp("", "tapectl-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	id := regexp.MustCompile(`id [0-9a-f]{32}`)
	tapectl := func(args ...string) {
		var out bytes.Buffer
		args = append([]string{"-sim", dir}, args...)
		run(context.Background(), args, strings.NewReader(""), &out, &out)
		fmt.Print(id.ReplaceAllString(strings.ReplaceAll(out.String(), dir, "DIR"), "id …"))
	}
	src := filepath.Join(dir, "run42.dat")
	if err := os.WriteFile(src, []byte("hello, tape\n"), 0o644); err != nil {
		panic(err)
	}

	tapectl("load", "1", "0")
	tapectl("archive", "0", src) // refused: the tape has no label yet
	tapectl("label", "0", "TK0001L9")
	tapectl("archive", "0", src)
	tapectl("scan", "0")
	tapectl("restore", "0", "1", filepath.Join(dir, "restored.dat"))
	// Output:
	// loaded TK0001L9 from slot 1 into drive 0
	// tapectl archive: TK0001L9 in drive 0 has no volume label: label it first (tapectl label 0 TK0001L9)
	// labelled TK0001L9 in drive 0: tapekit-pax version 1, id …
	// fseq 1 block 2 size 12 adler32 1c9f0415 DIR/run42.dat
	// fseq 1 block 2 ok size 12 adler32 1c9f0415 DIR/run42.dat
	// restored file 1 of TK0001L9 to DIR/restored.dat: 12 bytes, adler32 1c9f0415 verified
}
