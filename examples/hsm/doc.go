// Command hsm is tapekit's example hierarchical storage manager: a disk
// cache in front of tape, spoken to with plain HTTP for files and with the
// WLCG Tape REST API v1 for staging, as FTS, gfal2 and dCache/CTA-style
// clients do.
//
//	go run ./examples/hsm                    # serve on 127.0.0.1:8080, state in ./hsm-data
//	go run ./examples/hsm -listen :8443 -tls-cert c.pem -tls-key k.pem -base-url https://hsm.example.org:8443
//
// # The tape side
//
// Behind the cache runs the volume-batching scheduler (package scheduler)
// on a simulated LTO-9 library kept in DATA/library: 4 drives and 16
// cartridges, created on first start and registered in the catalog as
// blank volumes: twelve in the pool "tape" (class "default", one copy)
// and four in the pool "spare", as a repack's destination. The
// library runs on the real clock, -sim-speed times faster than a real one
// (default 30: a mount takes about a second). The SQLite catalog
// (DATA/catalog.db) also keeps the scheduler's queue, so queued and
// running requests survive a restart or a kill -9. Every 2 s the archiver
// submits the precious files of the cache as archives (the cache's flush
// policy decides which are due); a file becomes DISK_AND_TAPE once its
// copy is committed after the synchronising filemark. Stage requests
// become recalls, batched by tape, verified into the cache. SIGTERM or
// SIGINT stops taking requests, lets the mounts in progress end or go back
// to the queue, and saves the library. With -catalog and a PostgreSQL
// connection string the catalog and the queue live in PostgreSQL instead.
//
// # A real library
//
// -config FILE runs a real library instead of the demo one: a JSON file
// names the changer (sg:/dev/schN or sg:/dev/sgN through SG_IO, mtx:DEVICE
// through the mtx program, or sim-sg:DIR, a simulated library reached only
// through its SCSI targets), the drives (found by the serial number the
// changer reports, or given as /dev/nstN or /dev/sgN), the pools with the
// barcodes of the cartridges each takes, the storage classes, the
// scheduler's policy, this host's name and the catalog. testdata/
// library.json is an example, and fileConfig in config.go documents every
// field. The config's pools and classes are put in the catalog at each
// start; cartridges of the inventory that a pool claims and the catalog
// does not know become blank volumes of it (labelled on first write), the
// others are left alone and logged. Beside -config, the flags it sets
// (-catalog, -host, -library) and the demo's (-sim-*) are refused.
//
// # Tokens
//
// Every endpoint but discovery, /healthz and /readyz needs a bearer token
// (Authorization: Bearer TOKEN). On first start the server creates
// DATA/tokens.json (mode 0600) with one admin token and prints it once.
// Clients are added by editing the file; each has scopes:
//
//	read   GET and HEAD files; archiveinfo
//	write  PUT and DELETE files
//	stage  stage, stage status, cancel, delete, release; archiveinfo
//	admin  everything
//
// When TAPEKIT_HSM_TOKEN is set, its value is accepted as an admin token
// too, for scripts and CI. A missing or unknown token gets 401, a token
// without the scope 403.
//
// # Files
//
//	PUT    /files/PATH   store a file (201): it is precious in the cache until archived
//	GET    /files/PATH   read it (Range works); HEAD gives the same headers
//	DELETE /files/PATH   remove the disk copy; the catalog entry goes to the recycle log
//	PROPFIND /files/PATH Depth: 0: 207 with size, time and type (gfal2's stat), or 404
//	MKCOL  /files/PATH   201: directories are implicit (gfal-copy -p makes parents)
//
// A PUT needs a Content-Length and is never an overwrite (409). With
// Repr-Digest (RFC 9530: adler, sha-256, …), Content-Digest or the older
// Digest (adler32=hex), the data is verified: a mismatch is refused with
// 400 and nothing is kept. Want-Repr-Digest (and Want-Digest) on a GET,
// HEAD or PUT asks for the digests in the response.
//
// A GET of a file that is only on tape does not recall it: the answer is
// 503 with Retry-After and a detail that says to stage it first. Reads
// never mount tapes behind the operator's back; stage requests are
// batched by the scheduler, one read at a time would not be.
//
// # WLCG Tape REST API v1
//
//	GET  /.well-known/wlcg-tape-rest-api   discovery: sitename, endpoints[{uri (absolute), version "v1"}]
//	POST /api/v1/stage                     {"files":[{"path", "diskLifetime", "targetedMetadata"}]} → 201 {"requestId"}
//	GET  /api/v1/stage/ID                  id, createdAt, startedAt, completedAt, files[{path, onDisk, state, error}]
//	POST /api/v1/stage/ID/cancel           {"paths":[...]} → 200
//	DELETE /api/v1/stage/ID                cancels what has not ended, releases its pins → 200
//	POST /api/v1/release/ID                {"paths":[...]} → 200: unpins
//	POST /api/v1/archiveinfo               {"paths":[...]} → 200 [{path, locality | error}]
//
// File states are SUBMITTED, STARTED, COMPLETED, FAILED and CANCELED;
// times are Unix seconds. A path may be a file URL's path (/files/a/b),
// a bare namespace path (/a/b) or a whole URL; it is percent-decoded,
// repeated slashes are collapsed, the query dropped, and it is echoed back
// exactly as sent (slashes collapsed). diskLifetime is seconds or an ISO
// 8601 duration (P1D, PT12H); the default is a day. targetedMetadata
// must be an object and is not used yet. A staged file is
// pinned in the cache for its request until the lifetime ends or a release;
// release with an id the server does not know still releases the client's
// own pins on those paths. A stage request is the client's: another
// client (not an admin) sees 404. Localities are DISK, TAPE,
// DISK_AND_TAPE, UNAVAILABLE (copies on disabled or exported volumes),
// LOST and NONE (no data yet).
//
// Stage requests are kept in DATA/stages.jsonl, fsynced before the
// answer, so they still answer after a restart; how their recalls ended
// is asked of the scheduler again.
//
// Every endpoint accepts a trailing slash. A path with a "." or ".."
// segment, encoded or not, is refused, never resolved.
//
// # Admin API
//
// With an admin token, in tapectl's JSON style (snake_case, bytes, RFC
// 3339 times):
//
//	POST /admin/v1/evict {"paths":[...]}   drop disk copies now: only online files with a readable
//	                                       tape copy and no pin; [{path, evicted, error}]
//	GET  /admin/v1/cache                   quota, usage, bytes and files by state, hits, evictions
//	GET  /admin/v1/pools                   volumes, capacity and copies of each pool
//	GET  /admin/v1/volumes/BARCODE         a volume from the catalog, with its live copies
//	GET  /admin/v1/stage                   every stage request, files counted by state
//	GET  /admin/v1/volumes[?pool=P&media_type=M]  volumes from the catalog, in barcode order
//	GET  /admin/v1/storage-classes         each class with its pools, one per copy
//	GET  /admin/v1/libraries               the library's inventory: drives, slots, ports, each element and barcode
//	GET  /admin/v1/drives                  each drive: up or down (why), the volume in it, busy, activity, working
//	POST /admin/v1/drives/NAME/down        {"reason"} (optional): the drive finishes its batch, unloads, takes no work
//	POST /admin/v1/drives/NAME/up          back to work (also a drive its errors put down)
//	POST /admin/v1/volumes/BARCODE/label   label a volume that holds no file: a drive is put down for it and back up
//	POST /admin/v1/volumes/BARCODE/export  to a free I/E port; the volume becomes exported (never mounted)
//	POST /admin/v1/import {"pool"}         every cartridge in the I/E ports into a slot: an exported volume is
//	                                       active again, an unknown cartridge joins the pool as a blank volume
//	GET  /admin/v1/queue                   tape requests queued or running, oldest first
//	POST /admin/v1/repack {"volume","pool"} repack a volume into a pool (package repack) → 201 status;
//	                                       {"volumes":[...]} or {"from_pool","media_type"} start several
//	GET  /admin/v1/repack[/BARCODE]         every repack, or one: files and bytes left, rate, ETA, failures
//	POST /admin/v1/repack/BARCODE/cancel   stop it; what has moved stays moved
//
// A label, an export or a cartridge in a drive answer 409 when the
// volume holds files, is exported already or is mounted; an unknown drive
// or volume 404.
//
// # Several hosts
//
// Hosts may share one PostgreSQL catalog and queue (-catalog), each with
// its own -host name, its own library (-library, and for the demo
// -sim-barcodes so that the cartridges differ) and its own cache. Every
// request carries the host it came through in its requester
// (CLIENT@HOST, archiver@HOST, repack@HOST), and each host's scheduler
// runs only its own, on volumes of its own library: an archive is written
// by the host whose cache holds the file, a recall read by the host whose
// cache needs it. A stage through a host whose library has no copy fails
// at once, naming the library that has one. The namespace, archiveinfo
// and the queue listing are shared. Two hosts with -config may also name
// one physical library (the same changer, each its own drives, the same
// library name), but nothing coordinates their robot moves yet: a mount
// of a cartridge that sits in the other host's drive fails and is
// retried later, counting against the volume.
//
// # Observability
//
// GET /metrics (a token with read) is the Prometheus exposition:
// hsm_http_requests_total and hsm_http_request_duration_seconds by route,
// hsm_http_problems_total by status, hsm_stage_files_total by state,
// hsm_stage_requests, hsm_recalls_waiting; the tape side
// (hsm_drive_up, hsm_drive_mounts_total, hsm_drive_read_bytes_total and
// hsm_drive_written_bytes_total per drive, hsm_drives_busy per activity,
// hsm_tape_requests by kind, activity and state, hsm_tape_batches_total,
// hsm_tape_errors_total by kind); the disk cache
// (hsm_cache_bytes and hsm_cache_files by state, quota, used, reserved,
// hits, misses, evictions), with the Go and process collectors. GET
// /healthz (the process serves) and GET /readyz (the catalog answers)
// need no token. Logs are log/slog JSON on standard error, one
// line per request.
//
// # Errors
//
// Every error is an RFC 9457 problem (application/problem+json) whose
// detail says what happened and what to do. Every response carries a
// Content-Length, so connections stay alive. JSON bodies are bounded
// (16 MiB, 100,000 paths by default).
package main
