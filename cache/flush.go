package cache

import (
	"cmp"
	"slices"
	"time"
)

// FlushBatch is a storage class whose precious files are due for a tape
// mount, and why.
type FlushBatch struct {
	Class  string
	Reason string // "bytes", "files", "age", or "any" for a zero policy
	Files  []string
	Bytes  int64
	Oldest time.Time
}

// FlushDue returns, for each storage class whose precious files meet a
// trigger of its FlushPolicy, those files oldest first. It keeps no state:
// the files stay listed until MarkArchived, so a scheduler that restarts
// asks again and gets the same answer.
func (c *Cache) FlushDue() []FlushBatch {
	c.mu.Lock()
	defer c.mu.Unlock()
	type agg struct {
		files []int32
		bytes int64
	}
	by := map[uint16]*agg{}
	for i := range c.x.precious {
		e := &c.x.slots[i]
		a := by[e.class]
		if a == nil {
			a = &agg{}
			by[e.class] = a
		}
		a.files = append(a.files, i)
		a.bytes += e.size
	}
	now := c.opts.Clock.Now()
	var out []FlushBatch
	for cl, a := range by {
		slices.SortFunc(a.files, func(x, y int32) int {
			ex, ey := &c.x.slots[x], &c.x.slots[y]
			return cmp.Or(cmp.Compare(ex.created, ey.created), cmp.Compare(ex.name(), ey.name()))
		})
		name := c.x.classes[cl]
		p := c.opts.class(name).Flush
		oldest := unixTime(c.x.slots[a.files[0]].created)
		reason := ""
		switch {
		case p == FlushPolicy{}:
			reason = "any"
		case p.Bytes > 0 && a.bytes >= p.Bytes:
			reason = "bytes"
		case p.Files > 0 && len(a.files) >= p.Files:
			reason = "files"
		case p.Age > 0 && now.Sub(oldest) >= p.Age:
			reason = "age"
		}
		if reason == "" {
			continue
		}
		b := FlushBatch{Class: name, Reason: reason, Bytes: a.bytes, Oldest: oldest}
		for _, i := range a.files {
			b.Files = append(b.Files, c.x.slots[i].name())
		}
		out = append(out, b)
	}
	slices.SortFunc(out, func(x, y FlushBatch) int { return cmp.Compare(x.Class, y.Class) })
	return out
}

func sortInfos(s []Info) {
	slices.SortFunc(s, func(a, b Info) int {
		return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.Name, b.Name))
	})
}
