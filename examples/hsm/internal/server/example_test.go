package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/tapekit/tapekit/cache"
	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/catalog/sqlite"
	"github.com/tapekit/tapekit/examples/hsm/internal/auth"
	"github.com/tapekit/tapekit/examples/hsm/internal/fakesched"
	"github.com/tapekit/tapekit/examples/hsm/internal/server"
	"github.com/tapekit/tapekit/scheduler"
)

// Example assembles a server from a cache, a catalog with one file on
// tape, and a scheduler (here the fake; *scheduler.Scheduler in the HSM),
// then stages the file and polls until it is on disk.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "hsm-example")
	defer os.RemoveAll(dir)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	c, _ := cache.Open(filepath.Join(dir, "cache"), &cache.Options{Quota: 1 << 30, Logger: quiet})
	defer c.Close()
	cat, _ := sqlite.Open(ctx, filepath.Join(dir, "catalog.db"), &sqlite.Options{Logger: quiet})
	defer cat.Close()
	cat.PutPool(ctx, catalog.Pool{Name: "p"})
	cat.PutStorageClass(ctx, catalog.StorageClass{Name: "sc", Pools: []string{"p"}})
	cat.AddVolume(ctx, catalog.Volume{Barcode: "TK0001L9", MediaType: "LTO-9", Library: "lib", Pool: "p", State: catalog.StateActive, Capacity: 18e12})
	files, _ := cat.CreateFiles(ctx, []catalog.File{{Path: "/run1/f.root", Size: 5, StorageClass: "sc"}})
	cat.CommitCopies(ctx, "TK0001L9", []catalog.Copy{{FileID: files[0].ID, CopyNo: 1, Volume: "TK0001L9", FileSeq: 1, Format: "tapekit-pax-1"}}, 5, 1)

	// The fake's Deliver plays the mover: the tape data into the cache.
	sched := fakesched.New(fakesched.Config{Deliver: func(ctx context.Context, r scheduler.Request) error {
		w, err := c.Stage(ctx, r.Path, r.Size, nil)
		if err != nil {
			return err
		}
		w.Write([]byte("hello"))
		_, err = w.Commit()
		return err
	}})
	tokens, _ := auth.New([]auth.Entry{{Name: "fts", Token: "fts-token-0123456789", Scopes: []auth.Scope{auth.Read, auth.Stage}}})
	srv, _ := server.New(server.Config{Cache: c, Catalog: cat, Scheduler: sched, Tokens: tokens, Logger: quiet})
	sched.SetOnEnd(srv.RecallEnded) // scheduler.Config.OnEnd in the HSM
	hs := httptest.NewServer(srv)
	defer hs.Close()

	call := func(method, path, body string) string {
		req, _ := http.NewRequest(method, hs.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer fts-token-0123456789")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return fmt.Sprintf("%d %s", resp.StatusCode, b)
	}
	fmt.Println(call("POST", "/api/v1/archiveinfo", `{"paths":["/files/run1/f.root"]}`))
	created := call("POST", "/api/v1/stage", `{"files":[{"path":"/files/run1/f.root","diskLifetime":3600}]}`)
	id := strings.Split(created, `"`)[3]
	fmt.Println(strings.Contains(call("GET", "/api/v1/stage/"+id, ""), `"onDisk":false,"state":"SUBMITTED"`))
	sched.FinishAll(ctx) // the tape side does its work
	fmt.Println(strings.Contains(call("GET", "/api/v1/stage/"+id, ""), `"onDisk":true,"state":"COMPLETED"`))
	fmt.Println(call("GET", "/files/run1/f.root", ""))
	fmt.Println(call("POST", "/api/v1/archiveinfo", `{"paths":["/run1/f.root"]}`))
	// Output:
	// 200 [{"path":"/files/run1/f.root","locality":"TAPE"}]
	// true
	// true
	// 200 hello
	// 200 [{"path":"/run1/f.root","locality":"DISK_AND_TAPE"}]
}
