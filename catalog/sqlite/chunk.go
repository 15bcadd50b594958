package sqlite

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// VolumeChunk reads a chunk of a volume listing from the driver directly,
// one column per copy. database/sql's per-row locking, reflection and
// conversions, and the driver's lock for every column it reads, cost more
// than SQLite's own work on modernc.org/sqlite; the listing is the recall
// path, read for every tape mounted. The column is rec, written by
// InsertCopies; rows written by other paths (undelete) leave it empty and
// get it computed here.
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
		rows, err := q.QueryContext(ctx, `SELECT coalesce(nullif(rec, ''),
				printf('%d,%d,%d,%d,%d,%d', file_seq, file_id, copy_no, block_id, format_id, size))
			FROM copies WHERE volume = ? AND file_seq > ? ORDER BY file_seq LIMIT ?`,
			[]driver.NamedValue{{Ordinal: 1, Value: barcode}, {Ordinal: 2, Value: after}, {Ordinal: 3, Value: int64(limit)}})
		if err != nil {
			return err
		}
		defer rows.Close()
		dest := make([]driver.Value, 1)
		var v [6]int64
		last := after
		for {
			if err := rows.Next(dest); err == io.EOF {
				return nil
			} else if err != nil {
				return err
			}
			if err := parseRec(dest[0], &v); err != nil {
				return fmt.Errorf("catalog/sqlite: listing %s after file %d: %w", barcode, last, err)
			}
			if v[0] <= last {
				return fmt.Errorf("catalog/sqlite: listing %s: file %d came after file %d", barcode, v[0], last)
			}
			last = v[0]
			fn(v[1], v[2], v[0], v[3], v[4], v[5])
		}
	})
}

// appendRec encodes the rec column that parseRec decodes: file_seq,
// file_id, copy_no, block_id, format_id and size, in decimal, separated by
// commas.
func appendRec(b []byte, fileSeq, fileID, copyNo, blockID, formatID, size int64) []byte {
	for i, v := range [6]int64{fileSeq, fileID, copyNo, blockID, formatID, size} {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, v, 10)
	}
	return b
}

// parseRec decodes a rec column value into its six integers.
func parseRec(d driver.Value, v *[6]int64) error {
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
		// 18 digits always fit an int64; longer numbers are not ours.
		if i == start || i-start > 18 {
			return fmt.Errorf("rec %q: field %d is not a number", s, k)
		}
		if neg {
			n = -n
		}
		v[k] = n
		if k < len(v)-1 {
			if i >= len(s) || s[i] != ',' {
				return fmt.Errorf("rec %q: want %d fields", s, len(v))
			}
			i++
		}
	}
	if i != len(s) {
		return fmt.Errorf("rec %q: trailing bytes", s)
	}
	return nil
}
