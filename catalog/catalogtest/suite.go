package catalogtest

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/go-cmp/cmp"

	"github.com/tapekit/tapekit/catalog"
)

// check is one conformance check on a fresh empty catalog.
type check struct {
	name string
	fn   func(ctx context.Context, c catalog.Catalog) error
}

var checks = []check{
	{"PoolsAndClasses", checkPoolsAndClasses},
	{"Volumes", checkVolumes},
	{"VolumeLister", checkVolumeLister},
	{"LibraryReserver", checkLibraryReserver},
	{"StorageClassLister", checkStorageClassLister},
	{"UnstorableLookups", checkUnstorableLookups},
	{"CreateFiles", checkCreateFiles},
	{"BadFilesChangeNothing", checkBadFiles},
	{"Times", checkTimes},
	{"BadTimesChangeNothing", checkBadTimes},
	{"ListPaging", checkListPaging},
	{"ListPrefixBounds", checkListPrefixBounds},
	{"CommitCopies", checkCommitCopies},
	{"LongVolume", checkLongVolume},
	{"ExtremeValues", checkExtremeValues},
	{"BadCommitsChangeNothing", checkBadCommits},
	{"Reserve", checkReserve},
	{"ConcurrentReserve", checkConcurrentReserve},
	{"RelocateCopies", checkRelocateCopies},
	{"BadRelocationsChangeNothing", checkBadRelocations},
	{"RemoveCopy", checkRemoveCopy},
	{"DeleteUndelete", checkDeleteUndelete},
	{"DeletedFiles", checkDeletedFiles},
	{"PurgeDeleted", checkPurgeDeleted},
	{"NoIDReuseAfterPurge", checkNoIDReuseAfterPurge},
	{"Stats", checkStats},
	{"Check", checkConsistency},
	{"Closed", checkClosed},
}

// TestCatalog runs every conformance check. open must return a new, empty
// catalog each time; TestCatalog closes it. The returned error joins one
// error per failed check, each naming the check.
func TestCatalog(ctx context.Context, open func() (catalog.Catalog, error)) error {
	var errs []error
	for _, ch := range checks {
		c, err := open()
		if err != nil {
			return fmt.Errorf("catalogtest: open: %w", err)
		}
		err = ch.fn(ctx, c)
		if ch.name != "Closed" {
			if cerr := c.Close(); cerr != nil && err == nil {
				err = fmt.Errorf("Close: %w", cerr)
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("catalogtest: %s: %w", ch.name, err))
		}
	}
	return errors.Join(errs...)
}

// wantErr checks that err matches target.
func wantErr(what string, err, target error) error {
	if !errors.Is(err, target) {
		return fmt.Errorf("%s: got error %v, want %v", what, err, target)
	}
	return nil
}

// wantValidation checks that err is a *catalog.ValidationError matching
// target.
func wantValidation(what string, err, target error) error {
	if err := wantErr(what, err, target); err != nil {
		return err
	}
	var ve *catalog.ValidationError
	if !errors.As(err, &ve) {
		return fmt.Errorf("%s: error %v is not a *catalog.ValidationError", what, err)
	}
	return nil
}

// diff reports a difference between want and got.
func diff(what string, want, got any, opts ...cmp.Option) error {
	if d := cmp.Diff(want, got, opts...); d != "" {
		return fmt.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
	return nil
}

// first returns the first non-nil error.
func first(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }
