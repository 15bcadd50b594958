package main

import (
	"context"
	"os"
	"strings"
)

// Example drives a simulated library as an operator would from a shell:
// each call is a separate tapectl invocation, sharing only the directory.
func Example() {
	dir, err := os.MkdirTemp("", "tapectl-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	tapectl := func(stdin string, args ...string) {
		args = append([]string{"-sim", dir}, args...)
		run(context.Background(), args, strings.NewReader(stdin), os.Stdout, os.Stdout)
	}

	tapectl("", "load", "1", "0")
	tapectl("hello, tape\n", "write", "0")
	tapectl("", "read", "0", "1")
	tapectl("", "unload", "0")
	tapectl("", "read", "0", "1")
	// Output:
	// loaded TK0001L9 from slot 1 into drive 0
	// wrote tape file 1 on TK0001L9: 12 bytes in 1 block
	// hello, tape
	// unloaded TK0001L9 from drive 0 to slot 1
	// tapectl read: drive 0 is empty: load a cartridge first (tapectl load SLOT 0)
}
