package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tapekit/tapekit/catalog"
	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/checksum"
	"github.com/tapekit/tapekit/scheduler"
	"github.com/tapekit/tapekit/tape"
	"github.com/tapekit/tapekit/tape/format"
)

func init() {
	register(&command{
		name:    "verify",
		usage:   "-catalog CATALOG [-json] VOLUME [DRIVE]",
		summary: "read back every live file the catalog has on VOLUME and compare its size and checksums with the catalog's",
		run:     runVerify,
	})
}

// The states of a file in verify's report.
const (
	verifyOK = "ok"
	// verifyChecksumMismatch: the data read does not have the catalog's
	// checksum (or the one recorded on tape).
	verifyChecksumMismatch = "checksum-mismatch"
	// verifySizeMismatch: the tape holds another size than the catalog's.
	verifySizeMismatch = "size-mismatch"
	// verifyMissing: no tape file where the catalog says (past the end of
	// data), or another file there.
	verifyMissing = "missing"
	// verifyUnreadable: the tape file is there but cannot be read to its
	// end (a medium error, a truncated or foreign tape file).
	verifyUnreadable = "unreadable"
	// verifyBadEntry: the catalog's own entry is unusable (a checksum it
	// cannot parse), so nothing could be compared.
	verifyBadEntry = "bad-catalog-entry"
)

// verifyFile is one catalog copy in verify's report.
type verifyFile struct {
	FileID int64  `json:"file_id"`
	CopyNo int64  `json:"copy"`
	Path   string `json:"path"`
	FSeq   int64  `json:"fseq"`
	Block  int64  `json:"block"`
	Size   int64  `json:"size"` // the catalog's
	Status string `json:"status"`
	// BytesRead is how much data was read before the file ended or failed.
	BytesRead int64 `json:"bytes_read"`
	// Checksums are the catalog's; TapeChecksums, on a checksum mismatch,
	// those of the data read from tape.
	Checksums     map[string]string `json:"checksums,omitempty"`
	TapeChecksums map[string]string `json:"tape_checksums,omitempty"`
	// TapeSize, on a size mismatch, is the size the tape says.
	TapeSize *int64 `json:"tape_size,omitempty"`
	Error    string `json:"error,omitempty"`
}

// verifyExtra is a tape file that is no live copy in the catalog. It is
// not an error: a deleted or relocated file stays on tape until the
// volume is written again from the start, and a file written but never
// committed (a crash between the two) is archived again elsewhere.
type verifyExtra struct {
	FSeq   int64  `json:"fseq"`
	FileID string `json:"file_id,omitempty"` // from the tape header
	Path   string `json:"path,omitempty"`
	// Catalog is what the catalog knows of the file: "deleted",
	// "live-elsewhere", "unknown", or "unreadable" when the header could
	// not be read.
	Catalog string `json:"catalog"`
	Note    string `json:"note"`
}

type verifySummary struct {
	Files   int     `json:"files"`
	Bytes   int64   `json:"bytes"`
	OK      int     `json:"ok"`
	Bad     int     `json:"bad"`
	Extra   int     `json:"extra"`
	Seconds float64 `json:"seconds"`
}

type verifyReport struct {
	Volume  string        `json:"volume"`
	Drive   int           `json:"drive"`
	Files   []verifyFile  `json:"files"`
	Extra   []verifyExtra `json:"extra"`
	Summary verifySummary `json:"summary"`
}

func runVerify(ctx context.Context, e *env, args []string) (err error) {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	catName, asJSON := catalogFlags(fs)
	args, err = parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(args, 1, 2); err != nil {
		return err
	}
	volume, drive := args[0], 0
	if len(args) == 2 {
		if drive, err = number("drive", args[1]); err != nil {
			return err
		}
	}
	cat, closeCat, err := openCatalog(ctx, *catName)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := closeCat(); err == nil {
			err = cerr
		}
	}()
	vol, err := cat.Volume(ctx, volume)
	if err != nil {
		return fmt.Errorf("volume %s: %w", volume, err)
	}
	// The copies are taken before the tape is read, which takes hours on
	// a full volume: a catalog cursor is not held open that long.
	var copies []catalog.Copy
	for c, err := range cat.VolumeCopies(ctx, volume) {
		if err != nil {
			return err
		}
		copies = append(copies, c)
	}
	lib, err := openLibrary(ctx, e)
	if err != nil {
		return err
	}
	defer closeLibrary(lib, &err)
	m, unmount, err := mountVolume(ctx, lib, volume, drive)
	if err != nil {
		return err
	}
	defer func() {
		if uerr := unmount(); err == nil {
			err = uerr
		}
	}()
	l, err := m.label(ctx)
	if err != nil {
		return m.explain(err)
	}
	rep := verifyReport{Volume: volume, Drive: m.drive, Files: []verifyFile{}, Extra: []verifyExtra{}}
	start := time.Now()
	known := make(map[int64]bool, len(copies))
	buf := make([]byte, format.DefaultBlockSize)
	for _, c := range copies {
		known[c.FileSeq] = true
		f, err := cat.File(ctx, c.FileID)
		if errors.Is(err, catalog.ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return err
		}
		line := verifyCopy(ctx, m.d, l, f, c, buf)
		if err := ctx.Err(); err != nil {
			return err // the file's failure may be the interruption's
		}
		rep.Files = append(rep.Files, line)
		rep.Summary.Files++
		rep.Summary.Bytes += line.BytesRead
		if line.Status == verifyOK {
			rep.Summary.OK++
		} else {
			rep.Summary.Bad++
		}
		if !*asJSON {
			printVerifyFile(e.stdout, line)
		}
	}
	extra, err := extraFiles(ctx, m.d, l, cat, vol, known)
	if err != nil {
		return m.explain(err)
	}
	rep.Extra = append(rep.Extra, extra...)
	rep.Summary.Extra = len(rep.Extra)
	rep.Summary.Seconds = time.Since(start).Seconds()
	if *asJSON {
		if err := printJSON(e.stdout, rep); err != nil {
			return err
		}
	} else {
		for _, x := range rep.Extra {
			fmt.Fprintf(e.stdout, "fseq %d  %s  not a live copy in the catalog (%s): %s\n", x.FSeq, orUnknown(x.Path), x.Catalog, x.Note)
		}
		s := rep.Summary
		fmt.Fprintf(e.stdout, "%s: %d files, %d bytes checked in %.1f s: %d ok, %d bad", volume, s.Files, s.Bytes, s.Seconds, s.OK, s.Bad)
		if s.Extra > 0 {
			fmt.Fprintf(e.stdout, "; %d tape files are no live copies", s.Extra)
		}
		fmt.Fprintln(e.stdout)
	}
	if rep.Summary.Bad > 0 {
		return fmt.Errorf("%d of %d files on %s do not match the catalog", rep.Summary.Bad, rep.Summary.Files, volume)
	}
	return nil
}

// mountVolume finds volume in the library and returns the drive holding
// it: the drive it is already in, or drive (loaded from its slot). The
// returned func puts a cartridge verify loaded back where it came from,
// and does nothing for one that was in a drive already.
func mountVolume(ctx context.Context, lib *library, volume string, drive int) (*mountedTape, func() error, error) {
	nothing := func() error { return nil }
	loaded := false
	var into changer.Address // the drive verify loaded
	inv, err := lib.changer.Inventory(ctx)
	switch {
	case errors.Is(err, errNoChanger):
		// A drive alone (-f): its cartridge is checked by its label.
		drive = 0
	case err != nil:
		return nil, nil, fmt.Errorf("reading the inventory: %w", err)
	default:
		src, ok := inv.Find(volume)
		if !ok {
			return nil, nil, fmt.Errorf("%s is not in the library (tapectl inventory lists the cartridges it holds)", volume)
		}
		if src.Type == changer.DataTransfer {
			if _, n, ok := numberOf(inv, src.Address); ok {
				drive = n
			}
			break
		}
		if drive, err = lib.driveNumber(ctx, drive); err != nil {
			return nil, nil, err
		}
		to, err := element(inv, changer.DataTransfer, drive)
		if err != nil {
			return nil, nil, err
		}
		if err := changer.Load(ctx, lib.changer, src.Address, to.Address); err != nil {
			return nil, nil, explainMove(inv, src.Address, to.Address, err)
		}
		loaded, into = true, to.Address
	}
	d, _, err := lib.openDrive(ctx, drive)
	unmount := nothing
	if loaded {
		// Put back even when interrupted: the cartridge must not be left
		// in a drive the operator did not put it in.
		unmount = func() error {
			uctx := context.WithoutCancel(ctx)
			var errs []error
			if d != nil {
				errs = append(errs, d.Unload(uctx))
			}
			_, uerr := changer.Unload(uctx, lib.changer, into)
			return errors.Join(append(errs, uerr)...)
		}
	}
	if err != nil {
		return nil, nothing, errors.Join(err, unmount())
	}
	m := &mountedTape{lib: lib, d: d, drive: drive, barcode: volume}
	if err := d.Load(ctx); err != nil && !errors.Is(err, tape.ErrUnitAttention) {
		return nil, nothing, errors.Join(m.explain(err), unmount())
	}
	return m, unmount, nil
}

// verifyCopy reads copy c of file f and compares it with the catalog.
// Each copy is located by its block id, so a failure in one leaves the
// next unaffected wherever it left the drive.
func verifyCopy(ctx context.Context, d tape.Drive, l format.VolumeLabel, f catalog.File, c catalog.Copy, buf []byte) verifyFile {
	line := verifyFile{FileID: f.ID, CopyNo: c.CopyNo, Path: f.Path, FSeq: c.FileSeq, Block: c.BlockID, Size: f.Size, Checksums: f.Checksums}
	want, err := scheduler.ExpectedChecksums(f)
	if err != nil {
		line.Status, line.Error = verifyBadEntry, err.Error()
		return line
	}
	o := &format.ReaderOptions{Expected: want}
	var r *format.File
	if l.Format == format.FormatANSI {
		r, err = format.OpenANSI(ctx, d, c.FileSeq, o)
	} else {
		r, err = openPAXCopy(ctx, d, f, c, o)
	}
	if err != nil {
		line.fail(err, nil)
		return line
	}
	if r.Header.Size >= 0 && r.Header.Size != f.Size { // ANSI headers do not say
		r.Close()
		size := r.Header.Size
		line.Status, line.TapeSize = verifySizeMismatch, &size
		line.Error = fmt.Sprintf("the tape header says %d bytes, the catalog %d", size, f.Size)
		return line
	}
	for {
		n, err := r.Read(buf)
		line.BytesRead += int64(n)
		if err == io.EOF {
			line.Status = verifyOK
			return line
		}
		if err != nil {
			line.fail(err, r)
			return line
		}
	}
}

// openPAXCopy opens the tape file at c's block and checks that it is c:
// the file sequence and file id the catalog has. Another file there means
// the copy is missing from its place.
func openPAXCopy(ctx context.Context, d tape.Drive, f catalog.File, c catalog.Copy, o *format.ReaderOptions) (*format.File, error) {
	if err := d.Locate(ctx, tape.Position{Block: c.BlockID}); err != nil {
		return nil, &format.FileError{Op: "read", FSeq: c.FileSeq, Pos: tape.Position{Block: c.BlockID}, PosValid: true, Err: err}
	}
	r, err := format.OpenHere(ctx, d, c.FileSeq, o)
	if err != nil {
		return nil, err
	}
	if h := r.Header; h.FSeq != c.FileSeq || h.FileID != strconv.FormatInt(f.ID, 10) {
		r.Close()
		return nil, &format.FileError{Op: "read", FSeq: c.FileSeq, Pos: tape.Position{Block: c.BlockID}, PosValid: true,
			Err: fmt.Errorf("%w: block %d holds file sequence %d, file id %s (%s)", errOtherFile, c.BlockID, h.FSeq, h.FileID, h.Path)}
	}
	return r, nil
}

// errOtherFile: the catalog's place for a copy holds another file.
var errOtherFile = errors.New("another file is where the catalog has this copy")

// fail records why the file is bad; r, when the file was opened, gives
// the checksums of what was read.
func (line *verifyFile) fail(err error, r *format.File) {
	line.Error = err.Error()
	var mm *checksum.MismatchError
	switch {
	case errors.As(err, &mm):
		line.Status = verifyChecksumMismatch
		if r != nil {
			line.TapeChecksums = map[string]string{}
			for _, v := range r.Record().Checksums {
				if _, ok := line.Checksums[v.Algorithm]; ok {
					line.TapeChecksums[v.Algorithm] = v.Hex()
				}
			}
		}
	case errors.Is(err, format.ErrSizeMismatch):
		line.Status = verifySizeMismatch
		size := line.BytesRead
		line.TapeSize = &size
	case errors.Is(err, errOtherFile), errors.Is(err, tape.ErrEndOfData):
		line.Status = verifyMissing
	default:
		line.Status = verifyUnreadable
	}
}

func printVerifyFile(w io.Writer, f verifyFile) {
	fmt.Fprintf(w, "fseq %d  %s  %d bytes  ", f.FSeq, f.Path, f.Size)
	switch f.Status {
	case verifyOK:
		fmt.Fprintln(w, "ok")
		return
	case verifyChecksumMismatch:
		var diffs []string
		for _, alg := range slices.Sorted(maps.Keys(f.Checksums)) {
			want := f.Checksums[alg]
			if got, ok := f.TapeChecksums[alg]; ok && got != want {
				diffs = append(diffs, fmt.Sprintf("%s catalog %s tape %s", alg, want, got))
			}
		}
		if len(diffs) > 0 {
			fmt.Fprintf(w, "CHECKSUM MISMATCH %s\n", strings.Join(diffs, ", "))
			return
		}
	case verifySizeMismatch:
		if f.TapeSize != nil {
			fmt.Fprintf(w, "SIZE MISMATCH catalog %d tape %d: %s\n", f.Size, *f.TapeSize, f.Error)
			return
		}
	}
	fmt.Fprintf(w, "%s: %s\n", strings.ToUpper(strings.ReplaceAll(f.Status, "-", " ")), f.Error)
}

// extraFiles lists the tape files of the volume that are no live copy in
// the catalog (their file sequences are not in known), with what the
// catalog knows of them. It reads one header per such file, located
// directly: no data.
func extraFiles(ctx context.Context, d tape.Drive, l format.VolumeLabel, cat catalog.Catalog, vol catalog.Volume, known map[int64]bool) ([]verifyExtra, error) {
	files, _, err := endOfData(ctx, d)
	if err != nil {
		return nil, err
	}
	// Tape file 0 is the label; a last file cut short counts.
	archived := max(files-1, 0)
	if l.Format == format.FormatANSI {
		archived = (archived + 2) / 3 // each file is three tape files
	}
	var out []verifyExtra
	for fseq := int64(1); fseq <= archived; fseq++ {
		if known[fseq] {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		x := verifyExtra{FSeq: fseq}
		var r *format.File
		if l.Format == format.FormatANSI {
			r, err = format.OpenANSI(ctx, d, fseq, nil)
		} else {
			r, err = format.Open(ctx, d, fseq, nil)
		}
		if err != nil {
			x.Catalog, x.Note = "unreadable", fmt.Sprintf("its header cannot be read: %v", err)
			out = append(out, x)
			continue
		}
		rec := r.Record()
		if err := r.Close(); err != nil {
			return nil, err
		}
		x.FileID, x.Path = rec.FileID, rec.Path
		if x.Catalog, x.Note, err = whatCatalogKnows(ctx, cat, vol, x); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

// whatCatalogKnows says why tape file x is no live copy on vol.
func whatCatalogKnows(ctx context.Context, cat catalog.Catalog, vol catalog.Volume, x verifyExtra) (kind, note string, err error) {
	id, perr := strconv.ParseInt(x.FileID, 10, 64)
	if perr == nil {
		copies, err := cat.Copies(ctx, id)
		switch {
		case err == nil:
			var where []string
			for _, c := range copies {
				where = append(where, fmt.Sprintf("copy %d on %s fseq %d", c.CopyNo, c.Volume, c.FileSeq))
			}
			if len(where) == 0 {
				where = append(where, "no copies")
			}
			return "live-elsewhere", fmt.Sprintf("file %d is live with %s (an older or relocated copy)", id, strings.Join(where, ", ")), nil
		case !errors.Is(err, catalog.ErrNotFound):
			return "", "", err
		}
		del, err := cat.Deleted(ctx, id)
		switch {
		case err == nil:
			return "deleted", fmt.Sprintf("file %d was deleted %s (%s)", id, del.DeletedAt.UTC().Format(time.RFC3339), del.Reason), nil
		case !errors.Is(err, catalog.ErrNotFound):
			return "", "", err
		}
	}
	if x.FSeq > vol.LastFileSeq {
		return "unknown", fmt.Sprintf("written after the catalog's last committed file (%d): never committed, or the catalog lost it", vol.LastFileSeq), nil
	}
	return "unknown", fmt.Sprintf("the catalog has no file %q (purged from the recycle log, or lost)", x.FileID), nil
}
