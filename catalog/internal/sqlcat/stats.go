package sqlcat

import (
	"context"

	"github.com/tapekit/tapekit/catalog"
)

// PoolStats implements catalog.Catalog. Sums are cast to BIGINT because
// PostgreSQL sums bigints into numeric.
func (e *Engine) PoolStats(ctx context.Context) ([]catalog.PoolStats, error) {
	q, err := e.reader()
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT p.name,
		(SELECT COUNT(*) FROM volumes v WHERE v.pool = p.name),
		(SELECT COUNT(*) FROM volumes v WHERE v.pool = p.name AND v.state = 'active'),
		(SELECT CAST(COALESCE(SUM(v.capacity), 0) AS BIGINT) FROM volumes v WHERE v.pool = p.name),
		(SELECT CAST(COALESCE(SUM(v.bytes_used), 0) AS BIGINT) FROM volumes v WHERE v.pool = p.name),
		(SELECT COUNT(*) FROM copies c JOIN volumes v ON v.barcode = c.volume WHERE v.pool = p.name),
		(SELECT CAST(COALESCE(SUM(f.size), 0) AS BIGINT) FROM copies c JOIN volumes v ON v.barcode = c.volume
			JOIN files f ON f.id = c.file_id WHERE v.pool = p.name)
		FROM pools p ORDER BY p.name`)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(s scanner) (catalog.PoolStats, error) {
		var p catalog.PoolStats
		err := s.Scan(&p.Pool, &p.Volumes, &p.Writable, &p.Capacity, &p.BytesUsed, &p.Copies, &p.CopyBytes)
		return p, err
	})
}

// VolumeStats implements catalog.Catalog.
func (e *Engine) VolumeStats(ctx context.Context, barcode string) (catalog.VolumeStats, error) {
	var s catalog.VolumeStats
	q, err := e.reader()
	if err != nil {
		return s, err
	}
	if _, err := e.volume(ctx, q, barcode, ""); err != nil {
		return s, err
	}
	err = q.QueryRow(ctx, `SELECT COUNT(*), CAST(COALESCE(SUM(f.size), 0) AS BIGINT)
		FROM copies c JOIN files f ON f.id = c.file_id WHERE c.volume = $1`, barcode).Scan(&s.Copies, &s.CopyBytes)
	return s, err
}

// Check implements catalog.Catalog.
func (e *Engine) Check(ctx context.Context) (catalog.Report, error) {
	var r catalog.Report
	q, err := e.reader()
	if err != nil {
		return r, err
	}
	rows, err := q.Query(ctx, `SELECT `+copyJoin+` FROM copies c JOIN formats f ON f.id = c.format_id
		WHERE NOT EXISTS (SELECT 1 FROM volumes v WHERE v.barcode = c.volume) ORDER BY c.volume, c.file_seq`)
	if err != nil {
		return r, err
	}
	if r.OrphanCopies, err = collect(rows, scanCopy); err != nil {
		return r, err
	}
	rows, err = q.Query(ctx, `SELECT `+copyJoin+` FROM copies c JOIN formats f ON f.id = c.format_id
		WHERE NOT EXISTS (SELECT 1 FROM files x WHERE x.id = c.file_id) ORDER BY c.volume, c.file_seq`)
	if err != nil {
		return r, err
	}
	if r.FilelessCopies, err = collect(rows, scanCopy); err != nil {
		return r, err
	}
	rows, err = q.Query(ctx, `SELECT id, path, storage_class, want, have FROM (
		SELECT f.id, f.path, f.storage_class,
			(SELECT COUNT(*) FROM storage_class_pools s WHERE s.class = f.storage_class) AS want,
			(SELECT COUNT(*) FROM copies c WHERE c.file_id = f.id) AS have
		FROM files f) t WHERE have < want ORDER BY id`)
	if err != nil {
		return r, err
	}
	r.Underreplicated, err = collect(rows, func(s scanner) (catalog.Shortfall, error) {
		var x catalog.Shortfall
		err := s.Scan(&x.FileID, &x.Path, &x.Class, &x.Want, &x.Have)
		return x, err
	})
	return r, err
}
