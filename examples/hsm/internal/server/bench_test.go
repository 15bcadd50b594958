package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/tapekit/tapekit/catalog"
)

// benchFiles puts n files on tape in the catalog, without data: the fake
// scheduler's recalls of them fail, which keeps no disk busy.
func (e *env) benchFiles(n int) []string {
	e.t.Helper()
	ctx := context.Background()
	paths := make([]string, n)
	const batch = 5000
	seq := int64(0)
	for start := 0; start < n; start += batch {
		var fs []catalog.File
		for i := start; i < min(n, start+batch); i++ {
			paths[i] = fmt.Sprintf("/bench/run%03d/file%06d.root", i/1000, i)
			fs = append(fs, catalog.File{Path: paths[i], Size: 1 << 30, StorageClass: "sc", Checksums: map[string]string{"adler32": "00000001"}})
		}
		created, err := e.cat.CreateFiles(ctx, fs)
		must(e.t, err)
		copies := make([]catalog.Copy, len(created))
		for i, f := range created {
			seq++
			copies[i] = catalog.Copy{FileID: f.ID, CopyNo: 1, Volume: volActive, FileSeq: seq, BlockID: seq, Format: "tapekit-pax-1", Size: f.Size}
		}
		must(e.t, e.cat.CommitCopies(ctx, volActive, copies, seq<<30, seq))
	}
	return paths
}

func stageBody(paths []string) []byte {
	files := make([]map[string]any, len(paths))
	for i, p := range paths {
		files[i] = map[string]any{"path": "/files" + p, "diskLifetime": 86400}
	}
	b, _ := json.Marshal(map[string]any{"files": files})
	return b
}

// BenchmarkStage measures stage requests accepted over HTTP, 1000 files
// each, files that are only on tape: the body parsed, each file looked up
// in the cache and the SQLite catalog, one Submit of 1000 recalls, the
// request registered (with journal=true, also written to the stage request
// journal and fsynced); and, timed too, the end of every recall (in the
// fake, at once) as the server records it. Reported as files/s (goal: at
// least 10,000).
func BenchmarkStage(b *testing.B) {
	for _, bc := range []struct {
		clients int
		journal bool
	}{{1, false}, {8, false}, {1, true}, {8, true}} {
		clients := bc.clients
		b.Run(fmt.Sprintf("clients=%d/journal=%v", clients, bc.journal), func(b *testing.B) {
			const perRequest = 1000
			e := newEnv(b, func(c *serverConfig) {
				if bc.journal {
					c.StateDir = b.TempDir()
				}
			})
			paths := e.benchFiles(100 * perRequest)
			bodies := make([][]byte, len(paths)/perRequest)
			for i := range bodies {
				bodies[i] = stageBody(paths[i*perRequest : (i+1)*perRequest])
			}
			var next atomic.Int64
			b.SetParallelism(clients)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				client := e.hs.Client()
				for pb.Next() {
					n := int(next.Add(1)) - 1
					if n > 0 && n%len(bodies) == 0 {
						// Every file has a recall queued: end them all
						// (they fail, there is no data), so each request
						// submits fresh recalls rather than joining.
						if err := e.sched.FinishAll(context.Background()); err != nil {
							b.Error(err)
						}
					}
					body := bodies[n%len(bodies)]
					req, _ := http.NewRequest("POST", e.hs.URL+"/api/v1/stage", bytes.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+ftsTok)
					r, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, r.Body)
					r.Body.Close()
					if r.StatusCode != http.StatusCreated {
						b.Errorf("status %d", r.StatusCode)
						return
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(b.N*perRequest)/b.Elapsed().Seconds(), "files/s")
			if got, want := len(e.sched.Requests()), b.N*perRequest; got < want*9/10 {
				b.Errorf("%d recalls submitted for %d files: files joined recalls instead", got, want)
			}
		})
	}
}
