package main

import (
	"sync"
	"time"

	"github.com/tapekit/tapekit/scheduler"
	"github.com/tapekit/tapekit/simulator"
)

// tapeCost is the scheduler.CostModel of a simulated library: a block's
// place on tape from Library.TapeOffset, priced with the cartridge's
// published simulator.CostModel, which is what the simulated drive
// charges. The offsets of the requested files are computed when a
// workload is bound, with the library idle; others (a drive's position
// after a label check) are asked for once and kept.
type tapeCost struct {
	lib *simulator.Library
	mu  sync.Mutex
	off map[volBlock]int64
	geo map[string]*simulator.CostModel
}

var _ scheduler.CostModel = (*tapeCost)(nil)

type volBlock struct {
	volume string
	block  int64
}

func newTapeCost(lib *simulator.Library) *tapeCost {
	return &tapeCost{lib: lib, off: map[volBlock]int64{}, geo: map[string]*simulator.CostModel{}}
}

// offset returns the byte offset of a block on a volume, in the cost
// model's terms.
func (c *tapeCost) offset(volume string, block int64) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := volBlock{volume, block}
	if off, ok := c.off[k]; ok {
		return off, nil
	}
	off, err := c.lib.TapeOffset(volume, block)
	if err != nil {
		return 0, err
	}
	c.off[k] = off
	return off, nil
}

func (c *tapeCost) model(volume string) (*simulator.CostModel, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if g, ok := c.geo[volume]; ok {
		return g, nil
	}
	g, err := c.lib.CostModel(volume)
	if err != nil {
		return nil, err
	}
	c.geo[volume] = g
	return g, nil
}

// Locate implements scheduler.CostModel. A volume or block the library
// does not know costs an hour: an orderer puts it last.
func (c *tapeCost) Locate(volume string, from, to int64) time.Duration {
	g, err := c.model(volume)
	if err != nil {
		return time.Hour
	}
	a, err := c.offset(volume, from)
	if err != nil {
		return time.Hour
	}
	b, err := c.offset(volume, to)
	if err != nil {
		return time.Hour
	}
	return g.Locate(a, b)
}
