package sqlite

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strconv"
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
		rows, err := q.QueryContext(ctx, `SELECT file_seq, coalesce(nullif(rec, ''),
				printf('%d,%d,%d,%d,%d', file_id, copy_no, block_id, format_id, size)) FROM copies
			WHERE volume = ? AND file_seq > ? ORDER BY file_seq LIMIT ?`,
			[]driver.NamedValue{{Ordinal: 1, Value: barcode}, {Ordinal: 2, Value: after}, {Ordinal: 3, Value: int64(limit)}})
		if err != nil {
			return err
		}
		defer rows.Close()
		dest := make([]driver.Value, 2)
		var v [5]int64
		for {
			if err := rows.Next(dest); err == io.EOF {
				return nil
			} else if err != nil {
				return err
			}
			seq, ok := dest[0].(int64)
			if !ok {
				return fmt.Errorf("catalog/sqlite: copies.file_seq holds %T, want an integer", dest[0])
			}
			if err := parseRec(dest[1], &v); err != nil {
				return fmt.Errorf("catalog/sqlite: copy at file %d on %s: %w", seq, barcode, err)
			}
			fn(v[0], v[1], seq, v[2], v[3], v[4])
		}
	})
}

// appendRec encodes the rec column that parseRec decodes.
func appendRec(b []byte, fileID, copyNo, blockID, formatID, size int64) []byte {
	for i, v := range [5]int64{fileID, copyNo, blockID, formatID, size} {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, v, 10)
	}
	return b
}

// parseRec decodes the rec column: five comma-separated decimal integers
// (file_id, copy_no, block_id, format_id, size).
func parseRec(d driver.Value, v *[5]int64) error {
	var s []byte
	switch r := d.(type) {
	case string:
		s = []byte(r)
	case []byte:
		s = r
	default:
		return fmt.Errorf("rec holds %T, want text", d)
	}
	i := 0
	for k := range v {
		neg := i < len(s) && s[i] == '-'
		if neg {
			i++
		}
		start := i
		var n int64
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			n = n*10 + int64(s[i]-'0')
		}
		if i == start || i-start > 19 {
			return fmt.Errorf("rec %q: field %d is not a number", s, k)
		}
		if neg {
			n = -n
		}
		v[k] = n
		if k < len(v)-1 {
			if i >= len(s) || s[i] != ',' {
				return fmt.Errorf("rec %q: want 5 fields", s)
			}
			i++
		}
	}
	if i != len(s) {
		return fmt.Errorf("rec %q: trailing bytes", s)
	}
	return nil
}
