package sqlcat

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/tapekit/tapekit/catalog"
)

var _ catalog.Queue = (*Engine)(nil)

const queueCols = `id, kind, grp, file_id, path, size, storage_class, copy_no, pool, requester, activity,
	priority, created, state, reason, started, ended, attempts, volume, host, relocate`

// notEnded is the SQL test for an entry that has not ended; the partial
// indexes of the queue table use the same expression.
const notEnded = `state IN ('queued', 'running')`

func scanQueueEntry(s scanner) (catalog.QueueEntry, error) {
	var e catalog.QueueEntry
	var prio, attempts, created, started, ended int64
	err := s.Scan(&e.ID, &e.Kind, &e.Group, &e.FileID, &e.Path, &e.Size, &e.StorageClass, &e.CopyNo, &e.Pool,
		&e.Requester, &e.Activity, &prio, &created, &e.State, &e.Reason, &started, &ended, &attempts, &e.Volume, &e.Host, &e.Relocate)
	e.Priority, e.Attempts = int(prio), int(attempts)
	e.Created, e.Started, e.Ended = fromNanos(created), fromNanos(started), fromNanos(ended)
	return e, err
}

// Enqueue implements catalog.Queue.
func (e *Engine) Enqueue(ctx context.Context, entries []catalog.QueueEntry) ([]catalog.QueueEntry, error) {
	for i, q := range entries {
		if err := catalog.ValidateQueueEntry(q); err != nil {
			return nil, catalog.WithIndex(err, "entries", i)
		}
	}
	out := slices.Clone(entries)
	err := e.write(ctx, func(tx Tx) error {
		for i := range out {
			q := &out[i]
			q.State = catalog.QueueQueued
			err := tx.QueryRow(ctx, `INSERT INTO queue (kind, grp, file_id, path, size, storage_class, copy_no, pool,
				requester, activity, priority, created, state, reason, started, ended, attempts, volume, host, relocate)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) RETURNING id`,
				q.Kind, q.Group, q.FileID, q.Path, q.Size, q.StorageClass, q.CopyNo, q.Pool,
				q.Requester, q.Activity, int64(q.Priority), toNanos(q.Created), q.State, q.Reason,
				toNanos(q.Started), int64(unsetNanos), int64(q.Attempts), q.Volume, "", q.Relocate).Scan(&q.ID)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range out {
		// Return what a read gives back: times in UTC.
		out[i].Created, out[i].Started = fromNanos(toNanos(out[i].Created)), fromNanos(toNanos(out[i].Started))
	}
	return out, nil
}

// idChunks calls fn with the distinct positive ids in increasing order, at
// most inChunk at a time.
func idChunks(ids []int64, fn func([]int64) error) error {
	s := slices.Clone(ids)
	slices.Sort(s)
	s = slices.Compact(s)
	s = slices.DeleteFunc(s, func(id int64) bool { return id <= 0 })
	for len(s) > 0 {
		n := min(len(s), inChunk)
		if err := fn(s[:n]); err != nil {
			return err
		}
		s = s[n:]
	}
	return nil
}

// Claim implements catalog.Queue. One UPDATE … WHERE state = 'queued'
// decides: PostgreSQL re-checks the condition on a row another
// transaction changed meanwhile, and SQLite has one writer, so a second
// claim of an entry finds it running and skips it.
func (e *Engine) Claim(ctx context.Context, host, volume string, ids []int64, now time.Time) ([]int64, error) {
	if err := catalog.ValidateQueueHost(host); err != nil {
		return nil, err
	}
	if err := catalog.ValidateText("volume", volume); err != nil {
		return nil, err
	}
	if err := catalog.ValidateTime("now", now); err != nil {
		return nil, err
	}
	var claimed []int64
	err := e.write(ctx, func(tx Tx) error {
		claimed = claimed[:0]
		return idChunks(ids, func(chunk []int64) error {
			args := append([]any{host, volume, toNanos(now), int64(unsetNanos)}, anys(chunk)...)
			rows, err := tx.Query(ctx, `UPDATE queue SET state = 'running', host = $1, volume = $2,
				started = CASE WHEN started = $4 THEN $3 ELSE started END, attempts = attempts + 1
				WHERE state = 'queued' AND id IN (`+placeholders(5, len(chunk))+`) RETURNING id`, args...)
			if err != nil {
				return err
			}
			got, err := collect(rows, func(s scanner) (int64, error) {
				var id int64
				err := s.Scan(&id)
				return id, err
			})
			claimed = append(claimed, got...)
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(claimed)
	return claimed, nil
}

// Requeue implements catalog.Queue.
func (e *Engine) Requeue(ctx context.Context, host string, ids []int64, reason string) error {
	if err := catalog.ValidateQueueHost(host); err != nil {
		return err
	}
	if err := catalog.ValidateText("reason", reason); err != nil {
		return err
	}
	return e.write(ctx, func(tx Tx) error {
		return idChunks(ids, func(chunk []int64) error {
			args := append([]any{host, reason}, anys(chunk)...)
			_, err := tx.Exec(ctx, `UPDATE queue SET state = 'queued', host = '', reason = $2
				WHERE state = 'running' AND host = $1 AND id IN (`+placeholders(3, len(chunk))+`)`, args...)
			return err
		})
	})
}

// Finish implements catalog.Queue.
func (e *Engine) Finish(ctx context.Context, id int64, state, reason string, now time.Time) (bool, error) {
	if err := catalog.ValidateQueueFinish(state, reason, now); err != nil {
		return false, err
	}
	var ended bool
	err := e.write(ctx, func(tx Tx) error {
		n, err := tx.Exec(ctx, `UPDATE queue SET state = $2, reason = $3, ended = $4
			WHERE id = $1 AND `+notEnded, id, state, reason, toNanos(now))
		if err != nil {
			return err
		}
		if ended = n > 0; ended {
			return nil
		}
		var one int64
		err = tx.QueryRow(ctx, `SELECT 1 FROM queue WHERE id = $1`, id).Scan(&one)
		if e.b.IsNoRows(err) {
			return fmt.Errorf("%w: queue entry %d", catalog.ErrNotFound, id)
		}
		return err
	})
	return ended, err
}

// QueueEntry implements catalog.Queue.
func (e *Engine) QueueEntry(ctx context.Context, id int64) (catalog.QueueEntry, error) {
	q, err := e.reader()
	if err != nil {
		return catalog.QueueEntry{}, err
	}
	ent, err := scanQueueEntry(q.QueryRow(ctx, `SELECT `+queueCols+` FROM queue WHERE id = $1`, id))
	if e.b.IsNoRows(err) {
		return catalog.QueueEntry{}, fmt.Errorf("%w: queue entry %d", catalog.ErrNotFound, id)
	}
	return ent, err
}

// PendingEntries implements catalog.Queue.
func (e *Engine) PendingEntries(ctx context.Context, after int64, limit int) ([]catalog.QueueEntry, error) {
	q, err := e.reader()
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > catalog.QueuePageMax {
		limit = catalog.QueuePageMax
	}
	rows, err := q.Query(ctx, `SELECT `+queueCols+` FROM queue WHERE `+notEnded+` AND id > $1 ORDER BY id LIMIT $2`,
		after, int64(limit))
	if err != nil {
		return nil, err
	}
	return collect(rows, scanQueueEntry)
}

// GroupEntries implements catalog.Queue.
func (e *Engine) GroupEntries(ctx context.Context, group string) ([]catalog.QueueEntry, error) {
	q, err := e.reader()
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT `+queueCols+` FROM queue WHERE grp = $1 ORDER BY id`, group)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanQueueEntry)
}

// RecoverHost implements catalog.Queue.
func (e *Engine) RecoverHost(ctx context.Context, host, reason string) (int64, error) {
	if err := catalog.ValidateQueueHost(host); err != nil {
		return 0, err
	}
	if err := catalog.ValidateText("reason", reason); err != nil {
		return 0, err
	}
	var n int64
	err := e.write(ctx, func(tx Tx) error {
		var err error
		n, err = tx.Exec(ctx, `UPDATE queue SET state = 'queued', host = '', reason = $2
			WHERE state = 'running' AND host = $1`, host, reason)
		return err
	})
	return n, err
}

// PurgeEnded implements catalog.Queue.
func (e *Engine) PurgeEnded(ctx context.Context, before time.Time) (int64, error) {
	if err := catalog.ValidateTime("before", before); err != nil {
		return 0, err
	}
	var n int64
	err := e.write(ctx, func(tx Tx) error {
		var err error
		n, err = tx.Exec(ctx, `DELETE FROM queue WHERE state NOT IN ('queued', 'running') AND ended < $1`, toNanos(before))
		return err
	})
	return n, err
}
