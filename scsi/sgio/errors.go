package sgio

// pathError is an operating-system error on a device node.
type pathError struct {
	op, path string
	err      error
}

func (e *pathError) Error() string { return "sgio: " + e.op + " " + e.path + ": " + e.err.Error() }
func (e *pathError) Unwrap() error { return e.err }
