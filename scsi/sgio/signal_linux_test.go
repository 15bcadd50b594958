//go:build linux

package sgio

import (
	"context"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/tapekit/tapekit/scsi"
)

// socketKernel stands in for the sg driver at the far end of a socket
// pair: Device's real system calls (write, poll, read on a non-blocking
// descriptor) run against it. It executes each header it receives after a
// short random delay, so that poll blocks and signals land in it, counts
// the CDBs, fills data-in buffers through the header's pointers (the same
// process), and writes the completed header back.
type socketKernel struct {
	fd       int
	mu       sync.Mutex
	executed map[string]int
	queuedID map[int32]bool
}

func (k *socketKernel) serve(t *testing.T) {
	var b [unsafe.Sizeof(sgIOHdr{})]byte
	for {
		n, err := unix.Read(k.fd, b[:])
		if n == 0 || err != nil {
			return // our end closed
		}
		h := *(*sgIOHdr)(unsafe.Pointer(&b[0]))
		cdb := unsafe.Slice((*byte)(h.cmdp), h.cmdLen)
		k.mu.Lock()
		k.executed[string(cdb)]++
		k.queuedID[h.packID] = true
		k.mu.Unlock()
		time.Sleep(time.Duration(rand.IntN(200)) * time.Microsecond)
		if h.dxferDirection == sgDxferFromDev {
			data := unsafe.Slice((*byte)(h.dxferp), h.dxferLen)
			for i := range data {
				data[i] = cdb[2] ^ byte(i)
			}
		}
		k.mu.Lock()
		delete(k.queuedID, h.packID)
		k.mu.Unlock()
		if _, err := unix.Write(k.fd, b[:]); err != nil {
			t.Errorf("kernel: write back: %v", err)
			return
		}
	}
}

// socketFile is fdFile on the socket; SG_GET_REQUEST_TABLE is answered by
// the socketKernel.
type socketFile struct {
	*fdFile
	k *socketKernel
}

func (s *socketFile) queued(id int32) (bool, error) {
	s.k.mu.Lock()
	defer s.k.mu.Unlock()
	return s.k.queuedID[id], nil
}

// flood sends SIGURG (the signal Go's scheduler preempts with, and whose
// restart re-issued SG_IO commands) to every thread of the process until
// stop is closed.
func flood(stop <-chan struct{}, sent *atomic.Int64) {
	pid := os.Getpid()
	for {
		select {
		case <-stop:
			return
		default:
		}
		tasks, _ := os.ReadDir("/proc/self/task")
		for _, e := range tasks {
			if tid, err := strconv.Atoi(e.Name()); err == nil {
				if unix.Tgkill(pid, tid, unix.SIGURG) == nil {
					sent.Add(1)
				}
			}
		}
		time.Sleep(20 * time.Microsecond)
	}
}

// TestSignalFlood runs commands through the real system calls while every
// thread of the process is flooded with signals, and checks that each
// command reaches the (fake) device exactly once and its data comes back.
// It goes on until signals have interrupted the calls many times, so it
// shows that interruptions happened rather than hoping they did.
func TestSignalFlood(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no socket pair: %v", err)
	}
	if err := unix.SetNonblock(fds[0], true); err != nil {
		t.Fatal(err)
	}
	k := &socketKernel{fd: fds[1], executed: map[string]int{}, queuedID: map[int32]bool{}}
	served := make(chan struct{})
	go func() { k.serve(t); close(served) }()
	f := &socketFile{fdFile: &fdFile{fd: fds[0]}, k: k}
	tm, l := (*Options)(nil).defaults()
	d := &Device{path: "socket", f: f, timeout: tm, log: l}

	stop := make(chan struct{})
	var sent atomic.Int64
	go flood(stop, &sent)

	const wantInterrupts = 200
	deadline := time.Now().Add(20 * time.Second)
	n := 0
	for ; f.interrupts.Load() < wantInterrupts && time.Now().Before(deadline); n++ {
		cdb := []byte{0x08, 0, byte(n), byte(n >> 8), byte(n >> 16), byte(n >> 24)}
		data := make([]byte, 64)
		res, err := d.Do(context.Background(), &scsi.Command{CDB: cdb, Direction: scsi.DirIn, Data: data})
		if err != nil {
			t.Fatalf("command %d: %v", n, err)
		}
		if res.Status != scsi.StatusGood {
			t.Fatalf("command %d: status %v", n, res.Status)
		}
		for i, c := range data {
			if c != byte(n)^byte(i) {
				t.Fatalf("command %d: data byte %d is %#x, want %#x", n, i, c, byte(n)^byte(i))
			}
		}
	}
	close(stop)
	d.Close()
	<-served
	unix.Close(fds[1])

	t.Logf("%d commands, %d signals sent, %d system calls interrupted", n, sent.Load(), f.interrupts.Load())
	if f.interrupts.Load() == 0 {
		t.Fatal("no system call was interrupted: the flood did not test anything")
	}
	if len(k.executed) != n {
		t.Errorf("the device received %d distinct commands, want %d", len(k.executed), n)
	}
	for cdb, c := range k.executed {
		if c != 1 {
			t.Errorf("CDB % x reached the device %d times", cdb, c)
		}
	}
}
