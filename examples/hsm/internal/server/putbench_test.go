package server_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"
)

// patternReader yields n bytes of a repeating pattern, as a client's body
// would: not a file, no WriterTo.
type patternReader struct {
	left int64
	buf  []byte
}

func (p *patternReader) Read(b []byte) (int, error) {
	if p.left == 0 {
		return 0, io.EOF
	}
	n := copy(b, p.buf[:min(int64(len(p.buf)), p.left, int64(len(b)))])
	p.left -= int64(n)
	return n, nil
}

func newPatternReader(n int64) *patternReader {
	buf := make([]byte, 1<<20)
	for i := range buf {
		buf[i] = byte(i*7 + i>>9)
	}
	return &patternReader{left: n, buf: buf}
}

// BenchmarkPut measures a PUT over HTTP into the cache (checksums while
// the data comes in, fsync, journal, rename) against a plain write of the
// same bytes to a file on the same disk with fsync, in adjacent pairs of
// alternating order, and reports ratio = plain time / PUT time as the
// median of the pairs (and the smallest). Use -benchtime Nx with N ≥ 5.
func BenchmarkPut(b *testing.B) {
	const size = 256 << 20
	e := newEnv(b, nil)
	dir := b.TempDir()
	client := e.hs.Client()
	plain := func() time.Duration {
		syscall.Sync()
		start := time.Now()
		f, err := os.Create(filepath.Join(dir, "plain"))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(f, newPatternReader(size)); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
		f.Close()
		took := time.Since(start)
		os.Remove(filepath.Join(dir, "plain"))
		return took
	}
	n := 0
	put := func() time.Duration {
		syscall.Sync()
		name := fmt.Sprintf("bench/put%d", n)
		n++
		req, _ := http.NewRequest("PUT", e.hs.URL+"/files/"+name, newPatternReader(size))
		req.ContentLength = size
		req.Header.Set("Authorization", "Bearer "+adminTok)
		start := time.Now()
		r, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
		took := time.Since(start)
		if r.StatusCode != http.StatusCreated {
			b.Fatalf("PUT: %d", r.StatusCode)
		}
		if err := e.cache.Remove(name); err != nil {
			b.Fatal(err)
		}
		return took
	}
	var ratios []float64
	var putTotal time.Duration
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		var p, q time.Duration
		if i%2 == 0 {
			p, q = plain(), put()
		} else {
			q, p = put(), plain()
		}
		ratios = append(ratios, p.Seconds()/q.Seconds())
		putTotal += q
	}
	s := slices.Sorted(slices.Values(ratios))
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	b.ReportMetric(med, "ratio")
	b.ReportMetric(s[0], "ratio_min")
	b.ReportMetric(float64(b.N)*size/putTotal.Seconds()/1e6, "put_MB/s")
}
