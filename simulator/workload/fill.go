package workload

import (
	"errors"
	"fmt"
	"time"

	"github.com/tapekit/tapekit/checksum"
	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/tape/format"
)

// ErrNotBlank means a cartridge to lay out already holds data.
var ErrNotBlank = errors.New("workload: the cartridge is not blank")

// File is one file to lay out: its metadata as a Writer would record it,
// and the seed of its synthetic content (simulator.SyntheticData of
// Meta.Size bytes).
type File struct {
	format.Meta
	Seed uint64
}

// Data is the file's content, as a reader of the tape gets it.
func (f File) Data() simulator.SyntheticData {
	return simulator.SyntheticData{Seed: f.Seed, Size: f.Size}
}

// Options tune Fill and Build. A nil *Options means the defaults.
type Options struct {
	// BlockSize is the tape block size; 0 means format.DefaultBlockSize.
	BlockSize int
	// Checksums are the algorithms of each file's trailer, as
	// format.WriterOptions.Checksums; nil means format.DefaultChecksums.
	// They must combine (adler32, adler32z, crc32, crc32c): the checksums
	// of synthetic data are computed in closed form.
	Checksums []string
	// Now is the time of the labels and of files without a ModTime; zero
	// means simulator.Epoch.
	Now time.Time
	// Creator names the labeller in the volume labels; "" means
	// "tapekit simulator/workload".
	Creator string
}

func (o *Options) withDefaults() Options {
	var out Options
	if o != nil {
		out = *o
	}
	if out.BlockSize == 0 {
		out.BlockSize = format.DefaultBlockSize
	}
	if out.Checksums == nil {
		out.Checksums = format.DefaultChecksums
	}
	if out.Now.IsZero() {
		out.Now = simulator.Epoch
	}
	if out.Creator == "" {
		out.Creator = "tapekit simulator/workload"
	}
	return out
}

// Fill labels a blank cartridge that is in no drive in tape/format's
// default format (FormatPAX) and lays out files after the label, file
// sequence 1, 2, … in order, as a Writer with the options would have
// written them: the label, each file's tar headers, pax records, trailer
// and end of archive are stored as they are; each file's data is its
// synthetic content, generated when read. It returns one record per file,
// as Writer.Close returns them (StatusOK, the volume, file sequence, block
// id, blocks, and the checksums of the data).
//
// A file's Meta.Checksums, when set, are written in its header as a
// Writer writes the checksums from ingest, and must be the true checksums
// of its content (checksum.MismatchError otherwise), since a reader
// verifies them. Its Meta.FileID is written as is: with a catalog, Build
// takes the ids the catalog assigns.
func Fill(lib *simulator.Library, barcode string, files []File, opts *Options) ([]format.Record, error) {
	for _, c := range lib.Cartridges() {
		if c.Barcode == barcode && c.BytesUsed > 0 {
			return nil, fmt.Errorf("%w: %s holds %d bytes", ErrNotBlank, barcode, c.BytesUsed)
		}
	}
	recs, _, err := fill(lib, barcode, files, opts.withDefaults())
	return recs, err
}

// fill is Fill without the check that the cartridge is blank (the caller
// makes it); it also returns the bytes each file takes on tape.
func fill(lib *simulator.Library, barcode string, files []File, o Options) ([]format.Record, []int64, error) {
	if o.BlockSize < 512 || o.BlockSize%512 != 0 {
		return nil, nil, fmt.Errorf("%w: block size %d: want a positive multiple of 512", format.ErrBadMetadata, o.BlockSize)
	}
	label, err := format.MarshalLabel(format.VolumeLabel{
		Barcode: barcode, Format: format.FormatPAX, Version: format.Version,
		ID: labelID(barcode, o.Now), Created: o.Now.UTC().Truncate(time.Second), Creator: o.Creator,
	})
	if err != nil {
		return nil, nil, err
	}
	tf := make([]simulator.TapeFile, 0, len(files)+1)
	tf = append(tf, simulator.TapeFile{BlockSize: len(label), Head: label})
	recs := make([]format.Record, len(files))
	sizes := make([]int64, len(files))
	for i, f := range files {
		fseq := int64(i + 1)
		sums, err := f.Data().Checksums(o.Checksums...)
		if err != nil {
			return nil, nil, fmt.Errorf("workload: file %q: %w", f.Path, err)
		}
		if err := verify(f.Checksums, sums, f.Data()); err != nil {
			return nil, nil, fmt.Errorf("workload: file %q: %w", f.Path, err)
		}
		head, err := format.MemberHead(f.Meta, fseq, barcode, o.Checksums, o.Now)
		if err != nil {
			return nil, nil, fmt.Errorf("workload: file %q: %w", f.Path, err)
		}
		tail, err := format.MemberTail(f.Size, sums)
		if err != nil {
			return nil, nil, err
		}
		tf = append(tf, simulator.TapeFile{BlockSize: o.BlockSize, Head: head, Tail: tail, Data: f.Data()})
		mt := f.ModTime
		if mt.IsZero() {
			mt = o.Now
		}
		sizes[i] = int64(len(head)) + f.Size + int64(len(tail))
		recs[i] = format.Record{
			Volume: barcode, Format: format.FormatPAX, FSeq: fseq,
			Blocks: (sizes[i] + int64(o.BlockSize) - 1) / int64(o.BlockSize),
			FileID: f.FileID, Path: f.Path, Size: f.Size, ModTime: mt.Truncate(time.Second),
			Copy: max(f.Copy, 1), StorageClass: f.StorageClass, Checksums: sums, Status: format.StatusOK,
		}
	}
	starts, err := lib.AppendTapeFiles(barcode, tf)
	if err != nil {
		return nil, nil, err
	}
	if starts[0] != 0 {
		// Another caller wrote to the cartridge since the check above.
		return nil, nil, fmt.Errorf("%w: %s: the label landed at block %d", ErrNotBlank, barcode, starts[0])
	}
	for i := range recs {
		recs[i].Block = starts[i+1]
	}
	return recs, sizes, nil
}

// verify checks the checksums a file's metadata claims against those of
// its content (sums, computed for the trailer, or else computed here): the
// header must hold true checksums, or every reader fails.
func verify(claimed, sums []checksum.Value, data simulator.SyntheticData) error {
	for _, want := range claimed {
		got, ok := find(sums, want.Algorithm)
		if !ok {
			more, err := data.Checksums(want.Algorithm)
			if err != nil {
				return err
			}
			got = more[0]
		}
		if !got.Equal(want) {
			return &checksum.MismatchError{Algorithm: want.Algorithm, Expected: want.Bytes, Actual: got.Bytes}
		}
	}
	return nil
}

func find(vs []checksum.Value, alg string) (checksum.Value, bool) {
	for _, v := range vs {
		if v.Algorithm == alg {
			return v, true
		}
	}
	return checksum.Value{}, false
}

// labelID is the label's random id, drawn from the barcode and time
// instead, so that the same inputs lay out the same tape.
func labelID(barcode string, now time.Time) string {
	h := checksum.NewAdler32()
	h.Write([]byte(barcode))
	d := simulator.SyntheticData{Seed: uint64(now.UnixNano()) ^ uint64(h.Sum32())<<32, Size: 16}
	var b [16]byte
	d.ReadAt(b[:], 0)
	return fmt.Sprintf("%x", b)
}
