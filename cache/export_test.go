package cache

import (
	"fmt"

	"github.com/tapekit/tapekit/checksum"
)

// Abandon drops a Cache as a crash would: its descriptors close (as the
// kernel closes them for a killed process, releasing the flock) but no
// snapshot is written and nothing is flushed.
func Abandon(c *Cache) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	c.closeFiles()
}

// FillForTest adds n online files to the index only (no data files), the
// way a cache that has run for months looks to Open, and closes the cache
// so that they land in a snapshot.
func FillForTest(c *Cache, n int) error {
	c.mu.Lock()
	sum := []checksum.Value{checksum.Uint32Value(checksum.Adler32, 0x12345678)}
	now := c.now()
	for i := range n {
		name := fmt.Sprintf("store/data/run%05d/file%07d.root", i/1000, i)
		c.x.add(name, "raw", sum, Online, int64(1+i%4096), now, now+int64(i))
	}
	c.mu.Unlock()
	return c.Close()
}
