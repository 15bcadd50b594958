package sqlite

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
)

// VolumeChunk reads a chunk of a volume listing from the driver directly.
// database/sql's per-row locking, reflection and conversions cost about a
// quarter of a listing's time on modernc.org/sqlite, and the listing is
// the recall path, read for every tape mounted.
func (b *backend) VolumeChunk(ctx context.Context, barcode string, after int64, limit int,
	fn func(fileID, copyNo, fileSeq, blockID, formatID, size int64)) error {
	conn, err := b.r.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		q, ok := dc.(driver.QueryerContext)
		if !ok {
			return errors.New("catalog/sqlite: driver connection cannot run queries")
		}
		rows, err := q.QueryContext(ctx, `SELECT file_id, copy_no, file_seq, block_id, format_id, size FROM copies
			WHERE volume = $1 AND file_seq > $2 ORDER BY file_seq LIMIT $3`,
			[]driver.NamedValue{{Ordinal: 1, Value: barcode}, {Ordinal: 2, Value: after}, {Ordinal: 3, Value: int64(limit)}})
		if err != nil {
			return err
		}
		defer rows.Close()
		dest := make([]driver.Value, 6)
		var v [6]int64
		for {
			if err := rows.Next(dest); err == io.EOF {
				return nil
			} else if err != nil {
				return err
			}
			for i, d := range dest {
				n, ok := d.(int64)
				if !ok {
					return fmt.Errorf("catalog/sqlite: copies column %d holds %T, want an integer", i, d)
				}
				v[i] = n
			}
			fn(v[0], v[1], v[2], v[3], v[4], v[5])
		}
	})
}
