// Command mtxsim is an mtx-compatible command backed by a directory
// simulated library: `mtxsim -f DIR status` prints what `mtx -f /dev/sgN
// status` prints for a real library, and load, unload, transfer and
// inventory move the simulator's cartridges. Point any tool that drives
// mtx (tapekit's changer/mtx driver, scripts, other HSMs) at it to test
// against a library without one.
//
// DIR is a simulator state directory, created with the default library on
// first use. Numbering is mtx's: storage elements from 1, the I/E ports
// after the storage slots, drives from 0. Failures are reported as mtx
// reports them: a request-sense dump and a message on stderr, exit status 1.
//
//	mtxsim -f DIR status
//	mtxsim -f DIR load SLOT [DRIVE]
//	mtxsim -f DIR unload [SLOT] [DRIVE]
//	mtxsim -f DIR transfer SLOT SLOT
//	mtxsim -f DIR inventory
package main
