// Package cachesink connects the scheduler to the disk cache: Sink is a
// scheduler.Sink that delivers recalled files into the cache (staging,
// then online) and a scheduler.Source that gives the precious files to
// archive. With it, wiring the scheduler into the HSM is
//
//	sink := cachesink.New(cache, catalog)
//	sched, err := scheduler.New(scheduler.Config{..., Sink: sink, Source: sink, OnEnd: srv.RecallEnded})
package cachesink
