package cache

// Abandon drops a Cache as a crash would: its descriptors close (as the
// kernel closes them for a killed process, releasing the flock) but no
// snapshot is written and nothing is flushed.
func Abandon(c *Cache) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	c.closeFiles()
}
