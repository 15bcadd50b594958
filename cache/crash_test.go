package cache_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tapekit/tapekit/cache"
)

// The kill -9 test runs this test binary again as a child that ingests
// files as fast as it can and appends each name to an acknowledgement log
// (fsynced) once Commit returned; the parent kills it at a random moment,
// reopens the cache and checks that every acknowledged file is there and
// whole, that no file served is partial, and that the precious files are
// reported for archiving.

const childEnv = "TAPEKIT_CACHE_KILL_CHILD"

func killSize(i int) int { return (i*7919)%200_000 + 1 }

func TestKillChild(t *testing.T) {
	dir := os.Getenv(childEnv)
	if dir == "" {
		t.Skip("only runs as the child of TestKill9DuringIngest")
	}
	round, _ := strconv.Atoi(os.Getenv(childEnv + "_ROUND"))
	c, err := cache.Open(filepath.Join(dir, "cache"), &cache.Options{Quota: 1 << 40, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	ack, err := os.OpenFile(filepath.Join(dir, "acked"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		name := fmt.Sprintf("r%d/d%d/f%05d", round, i%4, i)
		size := killSize(i)
		w, err := c.Create(context.Background(), name, int64(size), nil)
		if err != nil {
			t.Fatal(err)
		}
		data := content(name, size)
		for len(data) > 0 { // small writes, so that kills land mid-file
			n := min(len(data), 8192)
			if _, err := w.Write(data[:n]); err != nil {
				t.Fatal(err)
			}
			data = data[n:]
		}
		if _, err := w.Commit(); err != nil {
			t.Fatal(err)
		}
		if i%3 == 2 {
			prev := fmt.Sprintf("r%d/d%d/f%05d", round, (i-1)%4, i-1)
			if err := c.MarkArchived(prev); err != nil {
				t.Fatal(err)
			}
		}
		fmt.Fprintf(ack, "%s %d\n", name, size)
		ack.Sync()
	}
}

func TestKill9DuringIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess test")
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	for round := range 6 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), childEnv+"="+dir, fmt.Sprintf("%s_ROUND=%d", childEnv, round))
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Let it start writing, then kill it at a random point.
		time.Sleep(time.Duration(150+rng.IntN(400)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("round %d: the child ended by itself: %v", round, err)
		}
		verifyAfterKill(t, dir, round)
	}
}

func verifyAfterKill(t *testing.T, dir string, round int) {
	c, err := cache.Open(filepath.Join(dir, "cache"), &cache.Options{Quota: 1 << 40, Logger: quietLogger()})
	if err != nil {
		t.Fatalf("round %d: reopen: %v", round, err)
	}
	defer c.Close()
	rec := c.Recovery()
	if len(rec.Lost) > 0 {
		t.Fatalf("round %d: lost %v", round, rec.Lost)
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "cache", "tmp")); len(ents) != 0 {
		t.Fatalf("round %d: %d partial files left in tmp", round, len(ents))
	}
	acked := readAcks(t, filepath.Join(dir, "acked"))
	all := c.List("")
	have := map[string]cache.Info{}
	var precious []string
	for _, inf := range all {
		have[inf.Name] = inf
		if inf.State == cache.Precious {
			precious = append(precious, inf.Name)
		}
		if inf.State != cache.Precious && inf.State != cache.Online {
			t.Fatalf("round %d: %s is %v after restart", round, inf.Name, inf.State)
		}
		// Every file served is whole: acknowledged or not, a file in the
		// index has its full content.
		i, _ := strconv.Atoi(inf.Name[strings.LastIndexByte(inf.Name, 'f')+1:])
		if inf.Size != int64(killSize(i)) {
			t.Fatalf("round %d: %s has size %d, want %d", round, inf.Name, inf.Size, killSize(i))
		}
		checkContent(t, c, inf.Name, killSize(i))
	}
	for name, size := range acked {
		inf, ok := have[name]
		if !ok {
			t.Fatalf("round %d: acknowledged %s lost", round, name)
		}
		if inf.Size != int64(size) {
			t.Fatalf("round %d: %s size %d, acknowledged %d", round, name, inf.Size, size)
		}
	}
	got := map[string]bool{}
	for _, n := range rec.Precious {
		got[n] = true
	}
	for _, n := range precious {
		if !got[n] {
			t.Fatalf("round %d: precious %s not re-reported", round, n)
		}
	}
	if len(rec.Precious) != len(precious) {
		t.Fatalf("round %d: %d precious reported, %d in the cache", round, len(rec.Precious), len(precious))
	}
	t.Logf("round %d: %d files (%d acknowledged, %d precious), %d partials removed, %d redone, %d torn bytes",
		round, len(all), len(acked), len(precious), rec.PartialsRemoved, rec.Redone, rec.TornBytes)
	if len(acked) == 0 {
		t.Fatalf("round %d: the child acknowledged nothing; the test proved nothing", round)
	}
}

func readAcks(t *testing.T, path string) map[string]int {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		name, sz, ok := strings.Cut(line, " ")
		n, err := strconv.Atoi(sz)
		if !ok || err != nil {
			continue // the torn last line of a killed child
		}
		out[name] = n
	}
	return out
}
