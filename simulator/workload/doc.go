// Package workload sets up large simulated libraries for benchmarks and
// demos: cartridges laid out in tape/format's default format, as a Writer
// would have written them, with synthetic file data, and the matching
// catalog records. Hundreds of cartridges with tens of files of hundreds
// of gigabytes each are built in seconds, without writing the data
// anywhere.
//
// # How a file is laid out
//
// Fill labels a blank cartridge and appends one tape file per file
// (simulator.Library.AppendTapeFiles): the tar headers and pax records
// before the data (format.MemberHead) and the padding, trailer and end of
// archive after it (format.MemberTail) are stored as bytes, a few KiB per
// file; the data between them is simulator.SyntheticData, a 4 KiB pattern
// drawn from the file's seed and repeated, which the simulator generates
// when a block is read. The checksums in the header and the trailer are
// the true checksums of that data, computed in closed form (checksum of
// one period, repeated by doubling with checksum.Repeat), so a reader
// through format.Open or OpenAt verifies every file, and format.Scan (and
// `tapectl scan`) reports every file ok. The blocks are those a Writer
// with the same options writes, byte for byte.
//
// Reading such a file through Drive.Read moves every byte, as on a real
// drive; benchmarks read it through the simulator's fast path
// (simulator.BlocksReader), which charges the same library time and moves
// nothing.
//
// # With a catalog
//
// Build does what an archive's writer would have done: it creates the
// files in a catalog.Catalog in large batches (the catalog assigns the
// ids, which the tapes' headers then record), lays out each volume with
// Fill, adds the volume and commits the copies with their file sequence,
// block id and size. A recall by file id finds the volume, file sequence,
// block id, size and checksums, and what it reads from the tape matches.
//
// # Why a package of its own
//
// The simulator knows blocks and filemarks, not formats or catalogs: it
// gives AppendTapeFiles and SyntheticData, and imports neither tape/format
// nor catalog. This package joins the three, as an HSM does, so that the
// simulator's core keeps the dependencies of the design (simulator ←
// tape, changer; catalog stands alone).
package workload
