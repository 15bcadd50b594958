// Command tapectl is the operator's tool for tapekit: it drives tape drives
// and libraries, real or simulated, in the style of mt and mtx.
//
// # Devices
//
// The global flags name the devices, and every command works the same on
// all of them:
//
//	tapectl -changer sg:/dev/sg5 inventory      # a library, SCSI media changer commands (SG_IO)
//	tapectl -changer mtx:/dev/sg5 load 3 0      # a library, through the mtx program
//	tapectl -f /dev/sg3 status                  # a tape drive (also /dev/nst0: mapped to its sg node)
//	tapectl -changer sg:/dev/sg5 status 1       # drive 1 of the library
//	tapectl -sim DIR inventory                  # a simulated library
//
// With -changer alone, drive N of the library is the tape drive whose
// serial number the library reports for its Nth drive element, found among
// the drives sysfs lists (tapectl devices), as an operator matches them by
// hand. The mtx driver reports no serial numbers, so its drive commands need
// -f. With both flags, -f names the drive used; if the library reports the
// element's serial and it is not the -f drive's, the command is refused
// rather than run on the wrong drive. With -f alone there is one drive,
// drive 0, and no changer.
//
// Each SCSI device is asked what it is (INQUIRY) when it is opened: a tape
// drive given with -changer, or a library's changer given with -f, is
// refused at once with what the device is and which flag takes it.
//
// sim-sg:DIR (with -changer) and sim-sg:DIR:N (with -f) name a simulated
// library's in-process SCSI targets where a device node would stand: the SMC
// and SSC drivers, the serial number matching and the commands then run as on
// real devices, without hardware. Only SG_IO itself is left out. tapectl
// opens the library once for both, so the two may be combined; -sim DIR
// uses the simulator's native drivers instead.
//
// # Verifying tapes against the catalog
//
//	tapectl -sim DIR verify -catalog catalog.db TK0001L9      # SQLite
//	tapectl -sim DIR verify -catalog postgres://… TK0001L9 1  # in drive 1
//	tapectl check -catalog catalog.db -json                    # no library needed
//
// verify reads back every live copy the catalog (a SQLite file, which
// must exist, or a postgres:// or postgresql:// connection string) has on
// VOLUME, in tape order, each located by its block id, and compares it
// with the catalog: the tape file's sequence number and file id, its
// size, and every checksum the catalog holds (and those recorded on
// tape). Each file is reported ok, checksum-mismatch (the catalog's and
// the tape's values), size-mismatch (both sizes), missing (past the end
// of data, or another file where the catalog has it) or unreadable (with
// the error), then a summary: files, bytes read, ok, bad, seconds. The
// exit status is 1 when a file is bad.
//
// Tape files that are no live copy in the catalog are listed too, with
// what the catalog knows of them (deleted, a live file whose copies are
// elsewhere, unknown): only their headers are read. They do not make
// verify fail: deleted and relocated files stay on tape until the volume
// is written again from the start, and a file written but never
// committed is archived again elsewhere.
//
// The tape's label must name VOLUME. A cartridge already in a drive is
// read there and left there; otherwise verify loads it from its slot into
// DRIVE (default 0) and puts it back afterwards, even when interrupted.
// With a drive alone (-f), verify reads the cartridge in it.
//
// check runs catalog.Check: copies on unknown volumes, copies without a
// live file, files short of the copies their class wants; exit status 1
// when it finds any. Both print JSON with -json.
//
// # Conformance tests on hardware
//
// tapectl test runs the tapetest suite on a drive and its loaded cartridge
// (-overwrite-cartridge, which it overwrites) and the changertest suite on a
// library (-move-cartridges; every cartridge is put back, and tapectl
// compares the inventories before and after). Without the flag it refuses.
package main
