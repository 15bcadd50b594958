package sqlite

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// VolumeChunk reads a chunk of a volume listing from the driver directly,
// as one text value: the rec columns of the chunk's copies, joined by
// SQLite. database/sql's per-row locking, reflection and conversions, and
// the driver's locks for every step and column, cost more than SQLite's
// own work on modernc.org/sqlite; the listing is the recall path, read for
// every tape mounted. rec is written by InsertCopies; rows written by
// other paths (undelete, a hand edit) leave it empty, and a chunk with
// such a row is read again with rec computed from the other columns.
func (b *backend) VolumeChunk(ctx context.Context, barcode string, after, upto int64,
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
		args := []driver.NamedValue{{Ordinal: 1, Value: barcode}, {Ordinal: 2, Value: after}, {Ordinal: 3, Value: upto}}
		// One row per chunk, and no ORDER BY or LIMIT: SQLite joins the
		// records as it scans, and the engine puts them in order.
		s, err := queryText(ctx, q, `SELECT group_concat(rec, ';') FROM copies
			WHERE volume = ? AND file_seq > ? AND file_seq <= ?`, args)
		if err == nil && hasEmptyRec(s) {
			s, err = queryText(ctx, q, `SELECT group_concat(CASE WHEN rec <> '' THEN rec
				ELSE printf('%d,%d,%d,%d,%d,%d', file_seq, file_id, copy_no, block_id, format_id, size) END, ';')
				FROM copies WHERE volume = ? AND file_seq > ? AND file_seq <= ?`, args)
		}
		if err != nil {
			return fmt.Errorf("catalog/sqlite: listing %s after file %d: %w", barcode, after, err)
		}
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

// queryText runs a query of one text value; NULL (an aggregate over no
// rows) is "".
func queryText(ctx context.Context, q driver.QueryerContext, query string, args []driver.NamedValue) (string, error) {
	rows, err := q.QueryContext(ctx, query, args)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	dest := make([]driver.Value, 1)
	if err := rows.Next(dest); err == io.EOF {
		return "", nil
	} else if err != nil {
		return "", err
	}
	switch r := dest[0].(type) {
	case nil:
		return "", nil
	case string:
		if r == "" {
			// One row with an empty rec: keep it visible as a record.
			return ";", nil
		}
		return r, nil
	case []byte:
		if len(r) == 0 {
			return ";", nil
		}
		return string(r), nil
	}
	return "", fmt.Errorf("records are %T, want text", dest[0])
}

// hasEmptyRec reports whether a joined chunk holds an empty record.
func hasEmptyRec(s string) bool {
	return strings.HasPrefix(s, ";") || strings.HasSuffix(s, ";") || strings.Contains(s, ";;")
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
		var n uint64
		limit := uint64(math.MaxInt64)
		if neg {
			limit++ // -2^63
		}
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			d := uint64(s[i] - '0')
			if n > (limit-d)/10 {
				return fmt.Errorf("rec %q: field %d overflows an int64", s, k)
			}
			n = n*10 + d
		}
		if i == start {
			return fmt.Errorf("rec %q: field %d is not a number", s, k)
		}
		v[k] = int64(n)
		if neg {
			v[k] = -v[k] // for 2^63, int64(n) is already -2^63 and stays
		}
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
