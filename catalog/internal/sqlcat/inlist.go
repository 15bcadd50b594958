package sqlcat

import (
	"fmt"
	"strings"
)

// inChunk is the most values one IN list carries: far below SQLite's
// 32,766 parameters and PostgreSQL's 65,535, and small enough that a
// statement stays cheap to parse.
const inChunk = 500

// placeholders returns "$from, $from+1, …", n of them.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", from+i)
	}
	return b.String()
}

// anys converts query arguments.
func anys(v []int64) []any {
	out := make([]any, len(v))
	for i, x := range v {
		out[i] = x
	}
	return out
}
