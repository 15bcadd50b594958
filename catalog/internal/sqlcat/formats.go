package sqlcat

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
)

// formatCache maps format ids to names. Rows of the formats table are
// never changed or deleted, so a name once read stays true; an id missing
// from the cache (a format another handle added) triggers a reload.
type formatCache struct {
	mu    sync.RWMutex
	names map[int64]string
}

func (c *formatCache) name(ctx context.Context, q Querier, id int64) (string, error) {
	c.mu.RLock()
	n, ok := c.names[id]
	c.mu.RUnlock()
	if ok {
		return n, nil
	}
	rows, err := q.Query(ctx, `SELECT id, name FROM formats`)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.names == nil {
		c.names = map[int64]string{}
	}
	for rows.Next() {
		var i int64
		var s string
		if err := rows.Scan(&i, &s); err != nil {
			return "", err
		}
		c.names[i] = s
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	if n, ok = c.names[id]; !ok {
		return "", fmt.Errorf("catalog: copy refers to format id %d, which the formats table lacks", id)
	}
	return n, nil
}

// formatIDs returns the id of each name, adding names the formats table
// lacks. It runs inside the commit's transaction and caches nothing: a
// rolled-back id must not be remembered. New names are added in sorted
// order: an added name is held by its transaction until it ends, and two
// commits adding two names in opposite orders deadlocked on PostgreSQL.
func formatIDs(ctx context.Context, tx Tx, names []string) ([]int64, error) {
	known := map[string]int64{}
	for _, n := range names {
		known[n] = 0
	}
	for _, n := range slices.Sorted(maps.Keys(known)) {
		if _, err := tx.Exec(ctx, `INSERT INTO formats (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, n); err != nil {
			return nil, err
		}
		var id int64
		if err := tx.QueryRow(ctx, `SELECT id FROM formats WHERE name = $1`, n).Scan(&id); err != nil {
			return nil, err
		}
		known[n] = id
	}
	ids := make([]int64, len(names))
	for i, n := range names {
		ids[i] = known[n]
	}
	return ids, nil
}
