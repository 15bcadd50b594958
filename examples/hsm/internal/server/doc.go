// Package server is the HTTP face of the example HSM: plain HTTP for
// files, the WLCG Tape REST API v1, bearer tokens with scopes, RFC 9457
// problem details for every error, and Prometheus metrics. It assembles a
// cache (the disk), a catalog (what is on tape) and a Scheduler (tape
// work); it knows no drive or library.
//
// # Tape work
//
// Scheduler is the method set of *scheduler.Scheduler: Submit, Get,
// Cancel and CancelGroup. A stage request submits one recall per file not
// on disk, all in one Submit, with Group set to the stage request id and
// FileID and Path from the catalog. The server learns how recalls end from
// RecallEnded (wire it to the scheduler's Config.OnEnd) and, as a
// fallback, by asking Get when a client polls. Two stage requests for one
// file share one recall; a recall is cancelled only when no request waits
// for it any more.
//
// # Disk
//
// Files are the cache's: PUT creates (precious until archived), GET
// serves what is precious or online, DELETE removes. A file staged for a
// request is declared needed (cache.Need) while its recall runs, so it
// cannot be evicted before it is pinned, then pinned for the request's
// disk lifetime (owner: the client's token name; id: the stage request
// id).
//
// # Stage requests
//
// The server keeps stage requests itself: the scheduler's requests say
// how each recall went, not which client asked for which path spelled how.
// With Config.StateDir they are journaled (journal.go) and survive a
// restart; how their recalls ended is asked of the scheduler again.
//
// # Errors
//
// Every error answer is application/problem+json with a detail that says
// what to do; every answer has a Content-Length; bodies are bounded.
package server
