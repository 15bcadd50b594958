package checksum_test

import (
	"bytes"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tapekit/tapekit/checksum"
	"pgregory.net/rapid"
)

// setMachine checks a Set against its model: the concatenation of
// everything written since the last Reset, hashed afresh by each algorithm
// on its own.
type setMachine struct {
	set     *checksum.Set
	algs    []string
	written []byte
}

func (m *setMachine) Write(t *rapid.T) {
	// Sizes straddle MinParallel so both the serial and the parallel path run.
	p := rapid.SliceOfN(rapid.Byte(), 0, 3000).Draw(t, "p")
	n, err := m.set.Write(p)
	if n != len(p) || err != nil {
		t.Fatalf("Write(%d bytes) = %d, %v", len(p), n, err)
	}
	m.written = append(m.written, p...)
}

func (m *setMachine) Reset(t *rapid.T) {
	m.set.Reset()
	m.written = m.written[:0]
}

func (m *setMachine) Check(t *rapid.T) {
	if got := m.set.Len(); got != int64(len(m.written)) {
		t.Fatalf("Len() = %d, model %d", got, len(m.written))
	}
	want := make([]checksum.Value, len(m.algs))
	for i, a := range m.algs {
		want[i] = sumOf(t, a, m.written)
	}
	if diff := cmp.Diff(want, m.set.Sum()); diff != "" {
		t.Fatalf("Sum() after %d bytes (-model +set):\n%s", len(m.written), diff)
	}
}

func TestSetStateMachine(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		algs := rapid.SliceOfNDistinct(rapid.SampledFrom(checksum.Algorithms()), 1, 5, rapid.ID[string]).Draw(t, "algs")
		opts := &checksum.SetOptions{
			Workers:     rapid.IntRange(0, 4).Draw(t, "workers"),
			MinParallel: rapid.IntRange(0, 2000).Draw(t, "minParallel"),
		}
		s, err := checksum.NewSet(algs, opts)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if diff := cmp.Diff(algs, s.Algorithms()); diff != "" {
			t.Fatalf("Algorithms() (-want +got):\n%s", diff)
		}
		t.Repeat(rapid.StateMachineActions(&setMachine{set: s, algs: algs}))
	})
}

func TestSetWriteDoesNotAllocate(t *testing.T) {
	p := bytes.Repeat([]byte("tapekit"), 40_000)
	for _, tc := range []struct {
		name string
		opts *checksum.SetOptions
		algs []string
	}{
		{"serial", &checksum.SetOptions{Workers: 1}, []string{"adler32", "crc32c", "xxh64", "md5"}},
		{"parallel", &checksum.SetOptions{Workers: 3, MinParallel: 1}, []string{"adler32", "crc32c", "xxh64", "md5", "sha256"}},
		{"single", nil, []string{"md5"}},
	} {
		s, err := checksum.NewSet(tc.algs, tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		s.Write(p) // warm up the workers
		if n := testing.AllocsPerRun(20, func() { s.Write(p) }); n != 0 {
			t.Errorf("%s: %v allocations per Write, want 0", tc.name, n)
		}
		s.Close()
	}
}

func TestSetDuplicatesAndClose(t *testing.T) {
	s, err := checksum.NewSet([]string{"MD5", "adler32", "md5"}, &checksum.SetOptions{Workers: 2, MinParallel: 1})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"md5", "adler32"}, s.Algorithms()); diff != "" {
		t.Errorf("Algorithms() (-want +got):\n%s", diff)
	}
	s.Write([]byte("Wiki"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write([]byte("x")); !errors.Is(err, checksum.ErrClosed) {
		t.Errorf("Write after Close: %v, want ErrClosed", err)
	}
	if got := s.Sum()[1].Hex(); got != "03da0195" {
		t.Errorf("Sum after Close: adler32 %s", got)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// workerGoroutines counts the Set worker goroutines alive in the process.
func workerGoroutines() int {
	buf := make([]byte, 1<<20)
	return strings.Count(string(buf[:runtime.Stack(buf, true)]), "checksum.(*setWorker).run")
}

// TestAbandonedSetStopsWorkers checks the safety net: a Set dropped without
// Close must not leak its worker goroutines. Every other Set in these tests
// is closed, so all workers must be gone in the end.
func TestAbandonedSetStopsWorkers(t *testing.T) {
	func() {
		s, err := checksum.NewSet([]string{"md5", "sha1", "sha256", "crc32c"}, &checksum.SetOptions{Workers: 4, MinParallel: 1})
		if err != nil {
			t.Fatal(err)
		}
		s.Write([]byte("abandoned"))
	}()
	if n := workerGoroutines(); n < 3 {
		t.Fatalf("%d worker goroutines, want at least the abandoned Set's 3", n)
	}
	for range 200 {
		runtime.GC()
		if workerGoroutines() == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("%d worker goroutines still running after the Set became unreachable", workerGoroutines())
}
