package catalogtest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tapekit/tapekit/catalog"
)

// exactTimes compares times as the catalog must return them: the same
// instant, to the nanosecond, in UTC. Wanted times are built in UTC.
var exactTimes = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) && a.Location() == b.Location() })

// epoch is the Unix epoch: files with mtime 0 have it.
var epoch = time.Unix(0, 0).UTC()

// storableTimes are times a catalog must keep exactly: the epoch and its
// neighbours, both ends of the range and their neighbours, times far in
// the past and the future, and full nanosecond precision, given in other
// zones than UTC.
func storableTimes() []time.Time {
	return []time.Time{
		epoch,
		epoch.Add(-time.Nanosecond),
		epoch.Add(time.Nanosecond),
		catalog.MinTime,
		catalog.MinTime.Add(time.Nanosecond),
		catalog.MaxTime,
		catalog.MaxTime.Add(-time.Nanosecond),
		time.Date(1700, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Date(2262, 1, 1, 0, 0, 0, 999_999_999, time.UTC),
		time.Date(1969, 12, 31, 19, 0, 0, 0, time.FixedZone("EST", -5*3600)), // the epoch again
		time.Date(2026, 3, 4, 5, 6, 7, 123_456_789, time.FixedZone("CET", 3600)),
		time.Now(), // with a monotonic clock reading
	}
}

// unstorableTimes are non-zero times outside [catalog.MinTime,
// catalog.MaxTime], which a catalog must refuse.
func unstorableTimes() []time.Time {
	return []time.Time{
		catalog.MinTime.Add(-time.Nanosecond),
		catalog.MaxTime.Add(time.Nanosecond),
		time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Time{}.Add(time.Nanosecond),
		time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
	}
}

// utc is t in UTC without a monotonic reading: what a catalog returns.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// checkTimes: times at the epoch, around it, far from it and at the ends
// of the range round-trip exactly through files (created, read, listed,
// deleted, undeleted) and volumes, and a zero time stays distinct from
// all of them.
func checkTimes(ctx context.Context, c catalog.Catalog) error {
	if err := setup(ctx, c, 0); err != nil {
		return err
	}
	ts := storableTimes()
	n := len(ts)
	var in, want []catalog.File
	for i, t := range ts {
		f := file(fmt.Sprintf("/t/%02d", i), int64(i))
		f.Created, f.Modified = t, ts[(i+1)%n]
		in = append(in, f)
	}
	// A Modified at the epoch is kept, not taken for unset.
	epochMtime := file("/t/epoch-mtime", 1)
	epochMtime.Created, epochMtime.Modified = time.Time{}, epoch
	in = append(in, epochMtime)
	out, err := c.CreateFiles(ctx, in)
	if err != nil {
		return fmt.Errorf("CreateFiles: %w", err)
	}
	if len(out) != len(in) {
		return fmt.Errorf("CreateFiles returned %d files for %d", len(out), len(in))
	}
	for i, f := range in {
		w := f
		w.ID, w.Created, w.Modified = out[i].ID, utc(f.Created), utc(f.Modified)
		if f.Created.IsZero() {
			if out[i].Created.IsZero() || out[i].Created.Equal(epoch) {
				return fmt.Errorf("CreateFiles(%s): Created %v; want the catalog's clock", f.Path, out[i].Created)
			}
			w.Created = out[i].Created
		}
		want = append(want, w)
	}
	if err := diff("CreateFiles result", want, out, emptyMaps, exactTimes); err != nil {
		return err
	}
	for _, w := range want {
		byID, err := c.File(ctx, w.ID)
		if err != nil {
			return fmt.Errorf("File(%d): %w", w.ID, err)
		}
		byPath, err := c.FileByPath(ctx, w.Path)
		if err != nil {
			return fmt.Errorf("FileByPath(%q): %w", w.Path, err)
		}
		if err := first(diff("File", w, byID, emptyMaps, exactTimes), diff("FileByPath", w, byPath, emptyMaps, exactTimes)); err != nil {
			return err
		}
	}
	listed, err := allFiles(ctx, c, "/t/", 5)
	if err != nil {
		return err
	}
	if err := diff("List", want, listed, emptyMaps, exactTimes); err != nil {
		return err
	}

	// The recycle log keeps the times, and Undelete brings them back.
	for _, w := range want {
		if err := c.Delete(ctx, w.ID, "times"); err != nil {
			return fmt.Errorf("Delete: %w", err)
		}
		d, err := c.Deleted(ctx, w.ID)
		if err != nil {
			return fmt.Errorf("Deleted(%d): %w", w.ID, err)
		}
		if err := diff("Deleted", w, d.File, emptyMaps, exactTimes); err != nil {
			return err
		}
	}
	log, err := allDeleted(ctx, c, 4)
	if err != nil {
		return err
	}
	var logged []catalog.File
	for _, d := range log {
		logged = append(logged, d.File)
	}
	if err := diff("DeletedFiles", want, logged, emptyMaps, exactTimes); err != nil {
		return err
	}
	for _, w := range want {
		back, err := c.Undelete(ctx, w.ID)
		if err != nil {
			return fmt.Errorf("Undelete(%d): %w", w.ID, err)
		}
		got, err := c.File(ctx, w.ID)
		if err != nil {
			return fmt.Errorf("File(%d) after Undelete: %w", w.ID, err)
		}
		if err := first(diff("Undelete", w, back, emptyMaps, exactTimes), diff("File after Undelete", w, got, emptyMaps, exactTimes)); err != nil {
			return err
		}
	}

	// Volumes: every time field takes every time, and a volume added
	// without LastMounted and LastWritten reads back without them.
	for i, t := range ts {
		v := volume(fmt.Sprintf("T%02d", i), "p1")
		v.Created, v.StateChanged, v.LastMounted, v.LastWritten = t, ts[(i+1)%n], ts[(i+2)%n], ts[(i+3)%n]
		if err := c.AddVolume(ctx, v); err != nil {
			return fmt.Errorf("AddVolume(%s): %w", v.Barcode, err)
		}
		got, err := c.Volume(ctx, v.Barcode)
		if err != nil {
			return fmt.Errorf("Volume(%s): %w", v.Barcode, err)
		}
		v.Created, v.StateChanged, v.LastMounted, v.LastWritten = utc(v.Created), utc(v.StateChanged), utc(v.LastMounted), utc(v.LastWritten)
		if err := diff("Volume "+v.Barcode, v, got, exactTimes); err != nil {
			return err
		}
	}
	unset := volume("TUNSET", "p1")
	unset.Created = epoch
	if err := c.AddVolume(ctx, unset); err != nil {
		return fmt.Errorf("AddVolume(TUNSET): %w", err)
	}
	got, err := c.Volume(ctx, unset.Barcode)
	if err != nil {
		return fmt.Errorf("Volume(TUNSET): %w", err)
	}
	switch {
	case !got.LastMounted.IsZero() || !got.LastWritten.IsZero():
		return fmt.Errorf("Volume added unmounted and unwritten: LastMounted %v, LastWritten %v; want zero", got.LastMounted, got.LastWritten)
	case !got.Created.Equal(epoch) || got.Created.Location() != time.UTC:
		return fmt.Errorf("Volume added at the epoch: Created %v; want %v", got.Created, epoch)
	case got.StateChanged.IsZero() || got.StateChanged.Equal(epoch):
		return fmt.Errorf("Volume added without StateChanged: %v; want the catalog's clock", got.StateChanged)
	}
	return nil
}

// checkBadTimes: a time the catalog cannot store is refused with a
// *catalog.ValidationError wrapping ErrInvalid and naming the field, and
// changes nothing, in files and volumes alike.
func checkBadTimes(ctx context.Context, c catalog.Catalog) error {
	if err := setup(ctx, c, 0); err != nil {
		return err
	}
	if _, err := create(ctx, c, "/exists"); err != nil {
		return err
	}
	before, err := allFiles(ctx, c, "", 0)
	if err != nil {
		return err
	}
	fileFields := []struct {
		field string
		set   func(*catalog.File, time.Time)
	}{
		{"created", func(f *catalog.File, t time.Time) { f.Created = t }},
		{"modified", func(f *catalog.File, t time.Time) { f.Modified = t }},
	}
	volumeFields := []struct {
		field string
		set   func(*catalog.Volume, time.Time)
	}{
		{"created", func(v *catalog.Volume, t time.Time) { v.Created = t }},
		{"state_changed", func(v *catalog.Volume, t time.Time) { v.StateChanged = t }},
		{"last_mounted", func(v *catalog.Volume, t time.Time) { v.LastMounted = t }},
		{"last_written", func(v *catalog.Volume, t time.Time) { v.LastWritten = t }},
	}
	for _, t := range unstorableTimes() {
		for _, ff := range fileFields {
			bad := file("/bad", 1)
			ff.set(&bad, t)
			// The bad file comes last so that a good file before it would
			// be visible if the batch were not all or nothing.
			_, err := c.CreateFiles(ctx, []catalog.File{file("/good1", 1), file("/good2", 2), bad})
			if err := wantField(fmt.Sprintf("CreateFiles with %s %v", ff.field, t), err, catalog.ErrInvalid, ff.field); err != nil {
				return err
			}
		}
		for _, vf := range volumeFields {
			v := volume("BADTIME1", "p1")
			vf.set(&v, t)
			err := c.AddVolume(ctx, v)
			if err := wantField(fmt.Sprintf("AddVolume with %s %v", vf.field, t), err, catalog.ErrInvalid, vf.field); err != nil {
				return err
			}
			if _, err := c.Volume(ctx, v.Barcode); !errorsIs(err, catalog.ErrUnknownVolume) {
				return fmt.Errorf("volume added with %s %v exists after AddVolume failed: %v", vf.field, t, err)
			}
		}
	}
	after, err := allFiles(ctx, c, "", 0)
	if err != nil {
		return err
	}
	return diff("files after rejected batches", before, after, emptyMaps)
}

// wantField checks that err is a *catalog.ValidationError matching target
// whose Field names field (after a batch index, if any).
func wantField(what string, err, target error, field string) error {
	if err := wantValidation(what, err, target); err != nil {
		return err
	}
	var ve *catalog.ValidationError
	errors.As(err, &ve)
	if ve.Field != field && !strings.HasSuffix(ve.Field, "."+field) {
		return fmt.Errorf("%s: error names field %q, want %q", what, ve.Field, field)
	}
	return nil
}
