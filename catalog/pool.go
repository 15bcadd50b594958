package catalog

// Pool is a set of volumes that take the same kind of data, for example one
// per experiment and copy ("cms-1", "cms-2").
type Pool struct {
	Name        string
	Description string
}

// StorageClass says how a file is kept: how many copies, and in which pool
// each copy goes.
type StorageClass struct {
	Name string
	// Pools names the pool of copy 1, copy 2, …: len(Pools) is the number
	// of copies wanted. Every pool must exist.
	Pools []string
}

// Copies returns the number of copies the class wants.
func (c StorageClass) Copies() int { return len(c.Pools) }
