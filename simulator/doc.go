// Package simulator is a virtual tape library: drives, storage slots,
// import/export ports, a robot and barcoded cartridges, with the timings of
// real LTO and 3592 hardware charged to a clock. It is a product, not a test
// double: run a whole HSM against it for a demo, a benchmark or a CI
// pipeline, or test your own tape code without a library.
//
// # Libraries
//
// New makes a library in memory; Open keeps one in a directory, where it
// survives restarts (one process at a time). A Config gives the shape:
// drive models, slot and port counts, cartridges and where they sit; nil
// means DefaultConfig, four LTO-9 drives, twenty slots with sixteen data
// cartridges and a cleaning cartridge, and two I/E ports. Element addresses
// follow common SCSI libraries: robot 1, drives from 500, slots from 1000,
// ports from 10.
//
// Library.Drive returns a tape.Drive and Library.Changer a changer.Changer;
// both pass the tapetest and changertest conformance suites, in memory and
// in a directory. A move into a drive loads the cartridge (the load time is
// charged to the drive's next operation); a move out of a loaded drive
// unloads it first.
//
// # SCSI targets
//
// Library.DriveTarget and Library.ChangerTarget answer SSC and SMC commands
// in process (scsi.Transport), so tape/ssc, changer/smc and tapectl's
// sim-sg: devices run their whole SCSI stack without hardware. Like a Linux
// host adapter, the targets take at most Options.HostMaxTransfer bytes of
// data in one command (default 512 KiB, DefaultHostMaxTransfer) and fail a
// longer one with EINVAL before it reaches the drive; DriveTarget reports
// the limit as scsi.TransferLimiter, as scsi/sgio reports the kernel's, so
// a driver that sizes a buffer by the drive's 8 MiB instead of the host's
// limit fails here as it would on a real host.
//
// # Time
//
// Every mechanical action and every byte moved is charged to a
// clock.Clock (github.com/benbjohnson/clock): loads, unloads, robot moves,
// locates and rewinds with the vendor figures of each media type, and data
// at the native rate. CostModel is that timing, public: a drive charges
// exactly what its methods return, so planners and lower bounds use the
// same numbers.
//
// The default clock is a *vclock.Clock (package simulator/vclock), a
// discrete-event virtual clock starting at Epoch: eleven hours of library
// time pass in milliseconds of wall time, and every run is the same. A
// program that uses one goroutine needs nothing more: each operation moves
// virtual time on by what it costs.
//
// To run several drives at once, run each as a participant of the clock
// and pass the participant's context to every call: virtual time then
// moves only when every participant waits, so drives that work at the same
// time overlap as on a real library (four drives each reading for an hour
// finish an hour later), and the robot is shared: each of Config.Robots
// robots moves one cartridge at a time, and moves queue first come, first
// served, so a mount storm shows exchange contention. A drive runs one
// operation at a time; operations on it queue the same way.
//
//	vc := vclock.New(simulator.Epoch, nil)
//	lib, _ := simulator.New(cfg, &simulator.Options{Clock: vc})
//	ctx, leave := vc.Join(ctx, "main")
//	for i := range lib.NumDrives() {
//		vc.Go(ctx, fmt.Sprintf("drive %d", i), func(ctx context.Context) {
//			// mount, locate, read with ctx…
//		})
//	}
//	leave()
//	vc.Wait()
//
// A participant that waits for something the clock cannot see (a channel,
// a lock) while others wait is reported as a stall, and a cycle of waits as
// a deadlock, each naming who waits for what: see package vclock.
//
// With a *clock.Mock the simulator calls Add for each action, in steps of
// a minute of streaming because each Add sleeps a millisecond; concurrent
// drives then add their times instead of overlapping them. With a real
// clock (clock.New()) the simulator sleeps, Options.Scale times faster
// than library time: use it for demos, and the virtual clock for
// benchmarks, tests and measurements.
//
// # Fast path for synthetic data
//
// Reading synthetic data (FillSynthetic) through Read fills the caller's
// buffer, which for an 8 MiB buffer costs about a third of a millisecond of
// wall time per block, bound by memory bandwidth: some 12 minutes for a
// full LTO-9 cartridge (BenchmarkFullLTO9BytePath). Drive.ReadBlocks
// (the BlocksReader interface) reads blocks charging the same library
// time without moving their bytes, and reads a whole file in one call, so
// a full LTO-9 cartridge reads in milliseconds and workloads of tens of
// terabytes in well under a second. Use it in benchmarks and workloads;
// keep the byte path, with checksums, for tests on smaller data.
//
// # Large libraries in the default on-tape format
//
// FillSynthetic lays out raw synthetic tape files, with no label and no
// format. For workloads that read tapes as an archive does, AppendTapeFiles
// lays out tape files whose blocks are cut from a stored head, synthetic
// data (SyntheticData: a 4 KiB pattern from a seed, repeated) and a stored
// tail: only the head and tail take room, in memory or in the data file of
// a directory library, which keeps them across restarts. SyntheticData's
// Checksums are computed in closed form (checksum.Repeat), not by hashing.
// Package simulator/workload uses both to lay out cartridges in
// tape/format's default format, label, tar headers, pax records and
// trailers included, byte for byte as a format.Writer writes them, with
// the true checksums of the data, so format.Open verifies every file and
// format.Scan reports every file ok; workload.Build records the files,
// volumes and copies in a catalog.Catalog. 500 cartridges of 30 files of
// up to 500 GB, with a SQLite catalog, are built in about a second
// (BenchmarkDayOf4DrivesFormatted). Read such files through the fast path
// in benchmarks; the byte path gives every byte, for tests on small data.
//
// # Media and geometry
//
// Media types carry capacity, native rate, load/unload, average locate and
// rewind times, and serpentine geometry (wraps, bands, length). Data is laid
// along wrap 0 from the beginning of tape to the end, wrap 1 back, and so
// on; a locate is priced with the published LTO model (a fixed part,
// penalties for changing wrap, band or direction and for stepping back, and
// a part linear in the longitudinal distance) calibrated so that random
// locates average the vendor's figure. Short forward moves read through
// instead when that is faster. So read order matters, as on real tape.
// LTO-7 to LTO-9 figures are the vendors'; LTO-5, LTO-6, LTO-10 and 3592
// locate and rewind averages are estimates from data sheets.
//
// # Durability and power loss
//
// Drives buffer writes. Data is durable once a synchronising WriteFilemarks,
// a locate, a space, a rewind or an unload covers it; PowerLoss drops the
// rest on every drive and leaves the drives needing a Load. A directory
// library writes each cartridge's data to one file and its index of blocks
// and filemarks to another, index last, so a process that dies loses
// exactly what a power cut would: the next Open recovers that way. Open
// checks the whole directory before it changes anything, and refuses
// (CorruptStateError, naming the file and what to do) what no crash
// leaves: an index that records more data than its data file holds, or
// less after a clean Close, as an index restored from an older backup
// does. Cutting the data file back to such an index would destroy data
// that was acknowledged.
// Synthetic data (FillSynthetic) fills cartridges for benchmarks without
// using disk.
//
// A synchronising filemark stops the tape where the data ends; the next
// write first pays a backhitch (2.5 s) to bring the tape back up to speed,
// so frequent synchronisation costs what it costs on a real drive, and
// DriveStats shows it.
//
// # Faults
//
// InjectMediaError (read or write failures over a block range), FailDrive,
// FailRobot, SetBarcodeUnreadable, SetWriteProtected, RaiseTapeAlert,
// NeedCleaning and PowerLoss inject the failures an HSM must survive. Drives
// raise TapeAlert flags as real ones do (media, read and write failure,
// write protect, clean now, hardware), and reading them clears them.
package simulator
