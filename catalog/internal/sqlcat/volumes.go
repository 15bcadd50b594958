package sqlcat

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/tapekit/tapekit/catalog"
)

func unknownVolume(barcode string) error {
	return &catalog.ValidationError{Field: "volume", Value: barcode, Err: catalog.ErrUnknownVolume}
}

// AddVolume implements catalog.Catalog.
func (e *Engine) AddVolume(ctx context.Context, v catalog.Volume) error {
	if err := catalog.ValidateVolume(v); err != nil {
		return err
	}
	now := e.nowNanos()
	created, changed := orNanos(v.Created, now), orNanos(v.StateChanged, now)
	return e.write(ctx, func(tx Tx) error {
		ok, err := poolExists(ctx, tx, v.Pool)
		if err != nil {
			return err
		}
		if !ok {
			return &catalog.ValidationError{Field: "pool", Value: v.Pool, Err: catalog.ErrUnknownPool}
		}
		_, err = tx.Exec(ctx, `INSERT INTO volumes (`+volumeCols+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, '', $13, $14, $15)`,
			v.Barcode, v.MediaType, v.Library, v.Pool, string(v.State), v.StateReason, changed,
			v.Capacity, v.BytesUsed, v.LastFileSeq, v.Mounts, v.Errors, created, toNanos(v.LastMounted), toNanos(v.LastWritten))
		if e.b.Classify(err) == KindBarcode {
			return &catalog.ValidationError{Field: "barcode", Value: v.Barcode, Err: catalog.ErrExists}
		}
		return err
	})
}

func (e *Engine) volume(ctx context.Context, q Querier, barcode, lock string) (catalog.Volume, error) {
	if !storable(barcode) {
		return catalog.Volume{}, unknownVolume(barcode)
	}
	v, err := scanVolume(q.QueryRow(ctx, `SELECT `+volumeCols+` FROM volumes WHERE barcode = $1`+lock, barcode))
	if e.b.IsNoRows(err) {
		return v, unknownVolume(barcode)
	}
	return v, err
}

// Volume implements catalog.Catalog.
func (e *Engine) Volume(ctx context.Context, barcode string) (catalog.Volume, error) {
	q, err := e.reader()
	if err != nil {
		return catalog.Volume{}, err
	}
	return e.volume(ctx, q, barcode, "")
}

// updateVolume runs an UPDATE of one volume and maps "no row" to
// ErrUnknownVolume.
func updateVolume(ctx context.Context, tx Tx, barcode, sql string, args ...any) error {
	if !storable(barcode) {
		return unknownVolume(barcode)
	}
	n, err := tx.Exec(ctx, sql, args...)
	if err != nil {
		return err
	}
	if n == 0 {
		return unknownVolume(barcode)
	}
	return nil
}

// SetVolumeState implements catalog.Catalog.
func (e *Engine) SetVolumeState(ctx context.Context, barcode string, state catalog.VolumeState, reason string) error {
	if !state.Valid() {
		return &catalog.ValidationError{Field: "state", Value: string(state), Err: catalog.ErrInvalid}
	}
	if err := catalog.ValidateText("reason", reason); err != nil {
		return err
	}
	return e.write(ctx, func(tx Tx) error {
		return updateVolume(ctx, tx, barcode, `UPDATE volumes SET state = $2, state_reason = $3, state_changed = $4 WHERE barcode = $1`,
			barcode, string(state), reason, e.nowNanos())
	})
}

// RecordMount implements catalog.Catalog.
func (e *Engine) RecordMount(ctx context.Context, barcode string, errors int64) error {
	if errors < 0 {
		return &catalog.ValidationError{Field: "errors", Value: fmt.Sprint(errors), Err: catalog.ErrInvalid}
	}
	return e.write(ctx, func(tx Tx) error {
		// Counters are checked before they are added to: SQLite would turn
		// an overflowing sum into a REAL that no later read can scan.
		v, err := e.volume(ctx, tx, barcode, e.d.ForUpdate)
		if err != nil {
			return err
		}
		if v.Mounts == math.MaxInt64 || errors > math.MaxInt64-v.Errors {
			return &catalog.ValidationError{Field: "errors", Value: fmt.Sprintf("%d (volume %s has %d mounts, %d errors)", errors, barcode, v.Mounts, v.Errors), Err: catalog.ErrInvalid}
		}
		return updateVolume(ctx, tx, barcode, `UPDATE volumes SET mounts = mounts + 1, errors = errors + $2, last_mounted = $3 WHERE barcode = $1`,
			barcode, errors, e.nowNanos())
	})
}

// ReserveVolume implements catalog.Catalog. The candidate row is picked
// and marked in one transaction; on PostgreSQL the SELECT locks it with
// FOR UPDATE SKIP LOCKED, so a concurrent reservation skips it instead of
// waiting and, once this one commits, sees the writer set and passes it by.
// When every fitting volume is locked, it waits, outside the transaction,
// for up to reserveWait.
func (e *Engine) ReserveVolume(ctx context.Context, pool string, minFree int64, writer string) (catalog.Volume, error) {
	return e.ReserveVolumeIn(ctx, pool, "", minFree, writer)
}

var _ catalog.LibraryReserver = (*Engine)(nil)

// ReserveVolumeIn implements catalog.LibraryReserver: ReserveVolume among
// the volumes of library ("" for any).
func (e *Engine) ReserveVolumeIn(ctx context.Context, pool, library string, minFree int64, writer string) (catalog.Volume, error) {
	if err := catalog.ValidateName("pool", pool); err != nil {
		return catalog.Volume{}, err
	}
	if library != "" {
		if err := catalog.ValidateName("library", library); err != nil {
			return catalog.Volume{}, err
		}
	}
	if err := catalog.ValidateName("writer", writer); err != nil {
		return catalog.Volume{}, err
	}
	if minFree < 0 {
		return catalog.Volume{}, &catalog.ValidationError{Field: "min_free", Value: fmt.Sprint(minFree), Err: catalog.ErrInvalidSize}
	}
	start := time.Now()
	for wait := time.Millisecond; ; wait = min(2*wait, 20*time.Millisecond) {
		patient := time.Since(start) <= reserveWait
		v, err := e.reserve(ctx, pool, library, minFree, writer, patient)
		if !errors.Is(err, errBusy) {
			return v, err
		}
		// The volume to hand out is locked for a moment (a mount being
		// recorded, a commit, another reservation): wait outside any
		// transaction, holding no lock, and look again. Once reserveWait
		// has passed, the attempt is impatient and never busy.
		select {
		case <-ctx.Done():
			return catalog.Volume{}, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// reserveWait bounds how long ReserveVolume waits for fitting volumes that
// other calls hold locked; such locks last one short transaction.
const reserveWait = 2 * time.Second

// errBusy: the volume to hand out is locked by another transaction.
var errBusy = errors.New("catalog: the fitting volume is busy")

// reserve is one attempt of ReserveVolume, in one transaction. patient
// makes it report errBusy rather than pass over a volume that is only
// locked for a moment: when every fitting volume is, or when the one the
// writer already holds is.
func (e *Engine) reserve(ctx context.Context, pool, library string, minFree int64, writer string, patient bool) (catalog.Volume, error) {
	var v catalog.Volume
	err := e.write(ctx, func(tx Tx) error {
		pick := func(lock string) (barcode, holder string, err error) {
			err = tx.QueryRow(ctx, `SELECT barcode, writer FROM volumes
				WHERE pool = $1 AND state = 'active' AND (writer = '' OR writer = $2) AND capacity - bytes_used >= $3
					AND ($4 = '' OR library = $4)
				ORDER BY CASE WHEN writer = $2 THEN 0 ELSE 1 END, bytes_used DESC, barcode
				LIMIT 1`+lock, pool, writer, minFree, library).Scan(&barcode, &holder)
			if e.b.IsNoRows(err) {
				return "", "", nil
			}
			return barcode, holder, err
		}
		barcode, _, err := pick(e.d.SkipLocked)
		if err != nil {
			return err
		}
		if patient && e.d.SkipLocked != "" {
			// SKIP LOCKED also passes over a volume that fits but is
			// locked for a moment, and would hand out another one, or
			// none. Waiting for it here, holding whatever this
			// transaction locked, deadlocked reservations with each
			// other; the caller waits instead.
			seen, holder, err := pick("")
			if err != nil {
				return err
			}
			if seen != barcode && (barcode == "" || holder == writer) {
				return errBusy
			}
		}
		if barcode == "" {
			ok, err := poolExists(ctx, tx, pool)
			if err != nil {
				return err
			}
			if !ok {
				return &catalog.ValidationError{Field: "pool", Value: pool, Err: catalog.ErrUnknownPool}
			}
			if library != "" {
				return fmt.Errorf("%w: pool %q in library %q, %d bytes free wanted", catalog.ErrNoVolume, pool, library, minFree)
			}
			return fmt.Errorf("%w: pool %q, %d bytes free wanted", catalog.ErrNoVolume, pool, minFree)
		}
		if err := updateVolume(ctx, tx, barcode, `UPDATE volumes SET writer = $2 WHERE barcode = $1`, barcode, writer); err != nil {
			return err
		}
		v, err = e.volume(ctx, tx, barcode, "")
		return err
	})
	return v, err
}

// ReleaseVolume implements catalog.Catalog.
func (e *Engine) ReleaseVolume(ctx context.Context, barcode, writer string) error {
	return e.write(ctx, func(tx Tx) error {
		v, err := e.volume(ctx, tx, barcode, e.d.ForUpdate)
		if err != nil {
			return err
		}
		if v.Writer == "" {
			return nil
		}
		if writer != "" && v.Writer != writer {
			return fmt.Errorf("%w: volume %q is held by %q, not %q", catalog.ErrReserved, barcode, v.Writer, writer)
		}
		return updateVolume(ctx, tx, barcode, `UPDATE volumes SET writer = '' WHERE barcode = $1`, barcode)
	})
}

var _ catalog.VolumeLister = (*Engine)(nil)

// Volumes implements catalog.VolumeLister.
func (e *Engine) Volumes(ctx context.Context, pool, mediaType string) ([]catalog.Volume, error) {
	q, err := e.reader()
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT `+volumeCols+` FROM volumes
		WHERE ($1 = '' OR pool = $1) AND ($2 = '' OR media_type = $2) ORDER BY barcode`, pool, mediaType)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanVolume)
}
