// Package sgio is the Linux transport of package scsi: it sends SCSI
// commands to a tape drive or a medium changer through the SCSI generic
// driver (/dev/sgN, the SG_IO ioctl), and finds those devices in sysfs.
//
// # Sending commands
//
// Open opens /dev/sgN read-write and non-blocking (an sg device never waits
// for a medium, unlike /dev/nstN) and checks that the sg driver speaks
// version 3 of its interface. Device implements scsi.Transport:
//
//	dev, err := sgio.Open("/dev/sg3", nil)
//	...
//	res, err := scsi.Exec(ctx, dev, &scsi.Command{CDB: scsi.TestUnitReady()})
//
// Each command gets a 252-byte sense buffer, the largest sense SPC allows;
// only the bytes the driver reports written are returned. A failure of the
// host adapter or of the kernel driver (host_status, driver_status) is a
// *scsi.TransportError, kept apart from the SCSI status the device
// returned.
//
// # Exactly once, whatever the signals
//
// Do does not use the SG_IO ioctl. SG_IO waits for the command in an
// interruptible sleep; when a signal arrives the sg driver leaves the
// command running, orphaned, and returns ERESTARTSYS, and because Go
// installs its signal handlers with SA_RESTART the kernel then restarts
// the ioctl, which submits the same CDB again. The Go runtime sends itself
// SIGURG to preempt goroutines, so on a real system a WRITE was now and
// then executed twice (a block written twice), a READ's block skipped, a
// SPACE done twice — silently.
//
// Do uses the driver's asynchronous interface instead, in three steps that
// each survive an interruption:
//
//  1. Submit: write(2) of the sg_io_hdr, carrying a pack id unique to the
//     command. The driver copies the header, maps the buffers and starts
//     the command in one call with no interruptible sleep: it either
//     queues the command and returns the header's length, or fails before
//     queuing it. Do does not take that on trust: after any failed write it
//     asks the driver (SG_GET_REQUEST_TABLE) whether a request with the
//     pack id is queued, and writes again only when it provably is not.
//  2. Wait: poll(2) for POLLIN. A signal makes poll return EINTR, which
//     has no effect on the command; Do polls again.
//  3. Collect: read(2) of the header. Open sets SG_SET_FORCE_PACK_ID, so
//     the driver returns only the request with the given pack id, and the
//     descriptor is non-blocking, so read never sleeps: it returns the
//     completed request (copying sense and data-in into the buffers named
//     at submission) or EAGAIN. An interrupted read has taken nothing; a
//     second read collects the same request.
//
// So a CDB reaches the device once and its result is collected once. The
// buffers stay pinned from submission to collection. If a submitted
// command's result cannot be collected (the device was removed), Do
// returns an error matching ErrOutcomeUnknown and the Device refuses every
// later command: close it and open the node again.
//
// A command cannot be cancelled once submitted: a context cancelled while
// it runs takes effect when it ends. Do therefore bounds each command by
// its own timeout and by the context's deadline, whichever is sooner; the
// kernel aborts a command that overruns it and reports DID_TIME_OUT.
//
// # Transfer limit
//
// A host adapter takes at most so many bytes in one command, often far
// less than a tape drive's block limit (READ BLOCK LIMITS says 8 MiB on
// LTO; many HBAs, and mhvtl, take 512 KiB), and the kernel refuses a
// larger SG_IO with EINVAL. Open reads the limit from the kernel as the
// smaller of the queue's max_sectors (BLKSECTGET, which can be too high)
// and the scatter-gather table size times the page size
// (SG_GET_SG_TABLESIZE), which always fits; Options.MaxTransfer overrides
// it. MaxTransfer reports it (scsi.TransferLimiter), tape/ssc reports the
// drive's maximum block size as the smaller of the drive's and the
// host's, and Do refuses a longer command with a *scsi.TransferLimitError
// before sending it. Open also sizes the driver's reserved buffer to the
// limit, so commands do not allocate kernel pages each time.
//
// On systems other than Linux, Open returns an error wrapping
// errors.ErrUnsupported.
//
// # Finding devices
//
// Discover reads sysfs (normally /sys) and maps each SCSI generic device to
// its tape (/dev/nstN) or changer (/dev/schN) node, its type, vendor,
// model, revision and unit serial number, as `lsscsi -g` shows them.
package sgio
