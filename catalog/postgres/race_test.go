//go:build race

package postgres_test

import "flag"

// Under the race detector the model test looks for data races, which a
// few histories find as well as many, and modernc's transpiled C runs
// about ten times slower: fewer rapid checks keep CI fast unless the
// caller asked for a number.
func init() {
	raceChecks = func() {
		set := false
		flag.Visit(func(f *flag.Flag) { set = set || f.Name == "rapid.checks" })
		if !set {
			flag.Set("rapid.checks", "25")
		}
	}
}
