// Package format writes and reads files on tape in layouts that outlive
// the software that wrote them: tapekit's default, where every file is a
// POSIX pax tar archive that `mt` and `tar` recover without tapekit, and
// the ANSI-labelled layout of CERN's CASTOR and CTA, for interchange with
// those systems. A tape carries its own catalog: Scan rebuilds the records
// a catalog needs from the tape alone.
//
// # Volume label
//
// Label writes tape file 0, followed by a synchronising filemark. In the
// default format it is one block holding a complete pax tar archive of one
// member, TAPEKIT-VOLUME-LABEL, whose content is a small JSON document:
//
//	{
//	  "barcode": "TK0001L9",          the volume serial: the cartridge's barcode
//	  "format": "tapekit-pax",
//	  "version": 1,
//	  "id": "5da7b5c5…",              128 random bits in hex, unique to this labelling
//	  "created": "2026-11-22T01:00:00Z",
//	  "creator": "tapectl on host"
//	}
//
// A tar member rather than an ANSI VOL1 record, so that the whole tape,
// label included, is read with one standard tool (`mt rewind; tar -xO -f
// /dev/nst0` prints it) and a reader meets one format only; the same
// fields are repeated as TAPEKIT.barcode/format/version pax records. The
// random id tells apart two tapes that claim the same barcode.
//
// Label refuses (ErrNotEmpty) a tape holding anything but a label unless
// LabelOptions.Force. ReadLabel reads the label of either format and leaves
// the drive at file 1; CheckLabel also compares it with the barcode the
// changer reported, so a cartridge in the wrong slot is never written to
// (*LabelMismatchError). A blank tape gives ErrNoLabel, foreign data
// ErrWrongFormat.
//
// # The default format, byte by byte
//
// After the label, file sequence N (counted from 1) is tape file N: `mt
// rewind; mt fsf N` reaches it. Each tape file holds one complete POSIX
// pax tar archive (IEEE 1003.1-2001, as archive/tar writes it with
// FormatPAX) of one regular file, in 512-byte tar records:
//
//	512   pax extended header ('x'), named DIR/PaxHeaders.0/NAME
//	512·k the pax records, "LEN KEY=VALUE\n" each:
//	        TAPEKIT.format=tapekit-pax/1
//	        TAPEKIT.file_id=…            the catalog's file id
//	        TAPEKIT.path=…               the path in the namespace, exactly
//	        TAPEKIT.size=…               bytes of data
//	        TAPEKIT.copy=…               copy number
//	        TAPEKIT.fseq=…               this file's sequence number
//	        TAPEKIT.storage_class=…      (when known)
//	        TAPEKIT.volume=…             the barcode of the tape
//	        TAPEKIT.checksum.ALG=HEX     checksums given by the caller (from
//	                                     ingest), verified while writing
//	        TAPEKIT.trailer_checksums=…  algorithms the trailer will hold
//	      and the standard path, mtime and size records when the ustar
//	      fields cannot hold them (long or non-ASCII names)
//	512   ustar header: the member's name (the path made relative: no
//	      leading "/", no ".."), mode, size, mtime
//	…     the data, padded with zeros to a multiple of 512
//	512   pax global header ('g') named TAPEKIT-TRAILER
//	512·k its records: TAPEKIT.trailer=SIZE and TAPEKIT.checksum.ALG=HEX
//	      for every algorithm computed while writing
//	1024  two zero records: tar's end of archive
//
// That stream is cut into blocks of WriterOptions.BlockSize (256 KiB by
// default; the last block of each tape file is shorter), and a filemark
// ends the tape file. Lowercase hex checksums, decimal numbers, UTF-8
// text. MemberHead and MemberTail return the bytes before and after the
// data, so a tool can lay out a tape file without a Writer (the
// simulator's synthetic libraries do) and get the same bytes.
//
// # Reading a tape without tapekit
//
//	mt -f /dev/nst0 rewind
//	dd if=/dev/nst0 bs=1M | tar -xO      # prints the label (tape file 0)
//	mt -f /dev/nst0 rewind
//	mt -f /dev/nst0 fsf 3                # to file sequence 3: tape file 3
//	dd if=/dev/nst0 bs=1M | tar -x       # restores it under its relative path
//
// dd stops at the filemark that ends each tape file. Read with a buffer at
// least as large as the block size (dd bs=1M, or tar -b 2048 on the
// device): a smaller buffer loses the end of each block. GNU tar prints
// "Ignoring unknown extended header keyword 'TAPEKIT.…'" for tapekit's
// records (--warning=no-unknown-keyword silences it); any pax parser
// (Python's tarfile, Go's archive/tar) shows them. The trailer, a global
// header, makes no file.
//
// # Checksums: before and after the data
//
// Tar puts headers before the data, but checksums are known only after it
// has streamed. tapekit uses both places. Checksums the caller knows from
// ingest (Meta.Checksums) go in the header and the data is verified
// against them while it is written: a file whose data does not match is
// not written (*checksum.MismatchError) and never reported. The checksums
// computed while writing (WriterOptions.Checksums, adler32 by default: what
// HEP catalogs compare end to end) go in the trailer, after the data, and
// the header announces their algorithms (TAPEKIT.trailer_checksums) so a
// reader computes them while the data streams and verifies them the
// moment it reaches the trailer. A reader in thirty years finds the
// catalog's checksums in the header and the tape's own in the trailer; a
// file without its trailer was cut short.
//
// Open (or OpenAt, with the block id a catalog keeps) delivers a file's
// data through an io.Reader that verifies every checksum at the end: the
// trailer's, the header's and ReaderOptions.Expected. io.EOF means
// verified; anything else is a *FileError (errors.As) carrying the file
// sequence and the tape position, wrapping a *checksum.MismatchError, the
// drive's *tape.Error (a medium error at a block), ErrTruncated or
// ErrSizeMismatch. Treat data delivered before an error as bad.
//
// # Reading ahead
//
// Reads are pipelined, as writes are (below): while Read delivers one block
// of a file and its checksums are computed, a goroutine has the drive read
// the next block into a second buffer, so neither the drive nor the CPU
// waits for the other. Memory is two buffers of ReaderOptions.MaxBlockSize
// (the second only for files of more than one block). Reading ahead starts
// with a file's data, never reads past the filemark that ends the tape
// file, and delivers the drive's errors (a medium error, end of data, a
// block too long) at the same point of the stream as a plain loop of
// reads: a file read to its end gets exactly the commands it would without
// reading ahead, and leaves the drive at the start of the next tape file.
// The same holds for DumpTapeFile and CopyTapeFile.
//
// Before the end, the drive is one object (block or filemark) past where a
// plain reader would be. Stopping early gives that object back: a File
// that fails (a checksum mismatch found at the trailer, a bad trailer),
// File.Close, or a writer that refuses CopyTapeFile's data has the drive
// space back over it, or locate back when reading it failed, so the drive
// is where a plain reader would have stopped. That costs one READ and one
// SPACE (or LOCATE) a plain reader would not send, on those paths only.
// Until then the drive belongs to the File: close a File you stop reading
// before its end before using the drive again.
//
// # Synchronisation: when a file is written
//
// Filemarks between files are buffered (WriteFilemarks with sync false) so
// a stream of small files keeps the drive streaming; a synchronising
// filemark is written every WriterOptions.SyncEveryBytes (8 GiB) or
// SyncEveryFiles (10,000) and by Sync and Close. WriteFile returns a
// StatusPending record; a file is reported written (StatusOK, returned by
// Sync and Close or passed to WriterOptions.OnCommit) only once a
// synchronisation covers it, so a power loss never takes a file the
// catalog was told about. Each synchronisation stops the tape and costs a
// backhitch (about 2.5 s on LTO) on the next write: 8 GiB is about 20 s of
// streaming at 400 MB/s, so the drive streams about 90 % of the time
// whatever the file size down to about 850 KiB, below which the file count
// triggers first (see DefaultSyncEveryFiles).
//
// Writes are pipelined: while the drive writes one batch of blocks (4 MiB,
// or one block when blocks are larger), the next batch is read from the
// caller's io.Reader and checksummed. A file's first batch is one block and
// each next one twice the last, so the drive starts as soon as one block is
// ready. Memory is two batches, whatever the file size. Blocks on tape are
// the same whatever the batching.
//
// # Failures while writing
//
// An input that fails, ends early or runs long (ErrInput, ErrSizeMismatch)
// or does not match its expected checksum leaves nothing on tape: the
// writer synchronises the files before it and locates back, so the next
// file overwrites the remains. Past the early-warning point the writer
// finishes the current file, synchronises, commits everything pending and
// returns ErrVolumeFull: continue on another tape. A drive error
// (tape.MayHaveWritten) fails the writer for good (ErrWriterFailed);
// Pending lists the files to archive again. After a crash, the next
// Writer closes a tape file left without its filemark, so the new files
// stay apart from it.
//
// # Scan
//
// Scan reads a tape from a file sequence to end of data and yields one
// Record per file (volume, format, fseq, block id, file id, path, size,
// checksums, copy, storage class) with a Status: ok, damaged (a medium
// error; Err says where), truncated (cut short by a crash or power loss:
// tar stream or closing filemark missing), checksum-mismatch or
// unknown-format. It continues after a bad file with the next one and stops
// at end of data, so a catalog is rebuilt from its tapes.
//
// # The ANSI format (CTA and CASTOR)
//
// With FormatANSI, Label writes VOL1 and a HDR1 "PRELABEL" record (80
// bytes each) and a filemark, and every file takes three tape files:
//
//	HDR1 HDR2 UHL1  filemark   80-byte labels: file id, VSN, fseq; block size
//	data blocks     filemark   the file's bytes, nothing else
//	EOF1 EOF2 UTL1  filemark   the same labels; EOF1 counts the data blocks
//
// so file sequence N's labels are tape file 3N-2 (ANSITapeFile) and its
// data tape file 3N-1. The field layout of every label is on the VOL1,
// HDR1, HDR2 and UHL1 types; HDR1's file id is CTA's archive file id in
// upper-case hex, and Meta.FileID must be that id in decimal. ANSI tapes
// hold no checksums (CTA keeps adler32 in its catalog): OpenANSI verifies
// ReaderOptions.Expected, and checks the trailer labels against the header
// labels and the blocks read.
//
// # Numbering
//
// File sequence numbers count archived files from 1, as CTA does; 0 is
// the volume label. Block ids are the drive's logical object ids (blocks
// and filemarks from the beginning of the partition, as SCSI READ
// POSITION reports them).
package format
