package format

// BatchBytes exposes the writer's batch size to the black-box tests.
const BatchBytes = batchBytes

// SetReadAhead turns reading ahead on or off for the Files, copies and
// scans started afterwards, and returns the previous setting: the tests
// compare what the drive gets with and without it.
func SetReadAhead(on bool) (was bool) {
	was, noReadAhead = !noReadAhead, !on
	return was
}
