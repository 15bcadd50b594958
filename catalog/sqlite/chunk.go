package sqlite

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// VolumeChunk reads a chunk of a volume listing from the driver directly,
// as one text value: the rec columns of the chunk's copies, joined by
// SQLite. database/sql's per-row locking, reflection and conversions, and
// the driver's locks for every step and column, cost more than SQLite's
// own work on modernc.org/sqlite; the listing is the recall path, read for
// every tape mounted. rec is written by InsertCopies; rows written by
// other paths (undelete) leave it empty and get it computed here.
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
		// One row per chunk: SQLite joins the records itself, so the
		// driver steps, locks and converts once per chunk, not per copy.
		rows, err := q.QueryContext(ctx, `SELECT group_concat(r, ';') FROM (
				SELECT file_seq, coalesce(nullif(rec, ''),
					printf('%d,%d,%d,%d,%d,%d', file_seq, file_id, copy_no, block_id, format_id, size)) AS r
				FROM copies WHERE volume = ? AND file_seq > ? ORDER BY file_seq LIMIT ?)`,
			[]driver.NamedValue{{Ordinal: 1, Value: barcode}, {Ordinal: 2, Value: after}, {Ordinal: 3, Value: int64(limit)}})
		if err != nil {
			return err
		}
		defer rows.Close()
		dest := make([]driver.Value, 1)
		if err := rows.Next(dest); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		var s string
		switch r := dest[0].(type) {
		case nil: // no copies after this one
			return nil
		case string:
			s = r
		case []byte:
			s = string(r)
		default:
			return fmt.Errorf("catalog/sqlite: listing %s: records are %T, want text", barcode, dest[0])
		}
		// SQLite feeds the aggregate in the subquery's order but does not
		// promise to (asking it to sorts every chunk again, which triples
		// the listing's cost); the engine puts a chunk in order.
		var v [6]int64
		for len(s) > 0 {
			rec := s
			if i := strings.IndexByte(s, ';'); i >= 0 {
				rec, s = s[:i], s[i+1:]
			} else {
				s = ""
			}
			if err := parseRec(rec, &v); err != nil {
				return fmt.Errorf("catalog/sqlite: listing %s after file %d: %w", barcode, after, err)
			}
			fn(v[1], v[2], v[0], v[3], v[4], v[5])
		}
		return nil
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

// parseRec decodes one record of the rec column into its six integers.
func parseRec(s string, v *[6]int64) error {
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
