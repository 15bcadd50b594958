package main

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/scheduler"
)

// tapeCollector exports the tape side to Prometheus, read at each scrape:
// per drive whether it is up (as the scheduler says), its mounts and bytes read and written; the
// drives busy per fair-share activity; the requests queued and running
// by kind and activity; mounts handed out and errors by kind, counted as
// the scheduler reports them.
type tapeCollector struct {
	t *tapeSide
	q catalog.Queue

	mu      sync.Mutex
	batches map[[2]string]float64 // kind, activity → batches handed out
	errors  map[string]float64    // "drive_down", "suspect_volume"

	up, mounts, read, written, busy, queue, batchesDesc, errorsDesc *prometheus.Desc
}

func newTapeCollector(t *tapeSide, q catalog.Queue) *tapeCollector {
	return &tapeCollector{t: t, q: q, batches: map[[2]string]float64{}, errors: map[string]float64{},
		up:          prometheus.NewDesc("hsm_drive_up", "1 while the drive is up, 0 while it is down (its errors or an operator put it down).", []string{"drive"}, nil),
		mounts:      prometheus.NewDesc("hsm_drive_mounts_total", "Cartridges loaded into the drive.", []string{"drive"}, nil),
		read:        prometheus.NewDesc("hsm_drive_read_bytes_total", "Bytes the drive read from tape.", []string{"drive"}, nil),
		written:     prometheus.NewDesc("hsm_drive_written_bytes_total", "Bytes the drive wrote to tape.", []string{"drive"}, nil),
		busy:        prometheus.NewDesc("hsm_drives_busy", "Drives working for each fair-share activity.", []string{"activity"}, nil),
		queue:       prometheus.NewDesc("hsm_tape_requests", "Tape requests not ended, by kind, activity and state.", []string{"kind", "activity", "state"}, nil),
		batchesDesc: prometheus.NewDesc("hsm_tape_batches_total", "Batches of work handed to drives (a new mount or more work for a mounted tape), by kind and activity.", []string{"kind", "activity"}, nil),
		errorsDesc:  prometheus.NewDesc("hsm_tape_errors_total", "Drives taken out of service and volumes found suspect.", []string{"kind"}, nil),
	}
}

// events are the scheduler callbacks the collector counts.
func (c *tapeCollector) events() *scheduler.Events {
	return &scheduler.Events{
		Batch: func(b scheduler.BatchInfo) {
			c.mu.Lock()
			c.batches[[2]string{b.Kind.String(), b.Activity}]++
			c.mu.Unlock()
		},
		DriveDown: func(drive, reason string) {
			c.mu.Lock()
			c.errors["drive_down"]++
			c.mu.Unlock()
		},
		Suspect: func(volume, reason string) {
			c.mu.Lock()
			c.errors["suspect_volume"]++
			c.mu.Unlock()
		},
	}
}

func (c *tapeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.up, c.mounts, c.read, c.written, c.busy, c.queue, c.batchesDesc, c.errorsDesc} {
		ch <- d
	}
}

func (c *tapeCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	for k, v := range c.batches {
		ch <- prometheus.MustNewConstMetric(c.batchesDesc, prometheus.CounterValue, v, k[0], k[1])
	}
	for k, v := range c.errors {
		ch <- prometheus.MustNewConstMetric(c.errorsDesc, prometheus.CounterValue, v, k)
	}
	c.mu.Unlock()
	for i := range c.t.simDrives() {
		d, err := c.t.sim.Drive(i)
		if err != nil {
			continue
		}
		st := d.Stats()
		d.Close()
		name := driveName(i)
		ch <- prometheus.MustNewConstMetric(c.mounts, prometheus.CounterValue, float64(st.Mounts), name)
		ch <- prometheus.MustNewConstMetric(c.read, prometheus.CounterValue, float64(st.BytesRead), name)
		ch <- prometheus.MustNewConstMetric(c.written, prometheus.CounterValue, float64(st.BytesWritten), name)
	}
	for _, d := range c.t.sched.Drives() {
		up := 0.0
		if d.Up {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, up, d.Name)
	}
	for a, n := range c.t.sched.DriveShares() {
		ch <- prometheus.MustNewConstMetric(c.busy, prometheus.GaugeValue, float64(n), a)
	}
	// The queue, a page at most: a scrape must stay cheap.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	es, err := c.q.PendingEntries(ctx, 0, 0)
	if err != nil {
		return
	}
	counts := map[[3]string]float64{}
	for _, e := range es {
		a := e.Activity
		if a == "" {
			a = "default"
		}
		counts[[3]string{e.Kind, a, e.State}]++
	}
	for k, v := range counts {
		ch <- prometheus.MustNewConstMetric(c.queue, prometheus.GaugeValue, v, k[0], k[1], k[2])
	}
}
