package cache_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/tapekit/tapekit/cache"
)

// A client writes a file, which is precious until the scheduler reports it
// archived; a recall stages another file, pinned for the request that
// asked for it; reopening the directory reports what still needs tape.
func Example() {
	dir, err := os.MkdirTemp("", "cache-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	opts := &cache.Options{Quota: 1 << 30, Clock: clock.NewMock(), Logger: slog.New(slog.DiscardHandler)}
	c, err := cache.Open(dir, opts)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	data := "hello, tape"
	w, err := c.Create(ctx, "/store/run1/hello.txt", int64(len(data)), nil)
	if err != nil {
		log.Fatal(err)
	}
	io.Copy(w, strings.NewReader(data))
	inf, err := w.Commit()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(inf.Name, inf.State, inf.Checksums[0])

	// The scheduler needs it soon, stages it, then the user's request pins it.
	c.Need("store/run2/old.txt", "recall-7")
	s, _ := c.Stage(ctx, "store/run2/old.txt", 3, nil)
	s.Write([]byte("old"))
	s.Commit()
	c.Pin("store/run2/old.txt", "alice", "stage-42", 24*time.Hour)
	c.Unneed("store/run2/old.txt", "recall-7")
	st, _ := c.Stat("store/run2/old.txt")
	fmt.Println(st.Name, st.State, len(st.Pins), "pin")

	c.Close()
	c, err = cache.Open(dir, opts)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	fmt.Println("to archive:", c.Recovery().Precious)
	c.MarkArchived("store/run1/hello.txt")
	fmt.Println("to archive now:", len(c.FlushDue()))
	// Output:
	// store/run1/hello.txt precious adler32:188a040b
	// store/run2/old.txt online 1 pin
	// to archive: [store/run1/hello.txt]
	// to archive now: 0
}
