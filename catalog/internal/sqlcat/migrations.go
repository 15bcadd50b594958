package sqlcat

import (
	"io/fs"
	"sort"
)

// Migrations returns the schema steps in dir of fsys (each backend's
// embedded schema/*.sql), in file-name order: step N is the file that sorts
// N-th, and brings the schema to version N. The files are embedded at
// build time, so failing to read them is a build defect and panics.
func Migrations(fsys fs.FS, dir string) []string {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		panic(err)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	var steps []string
	for _, e := range entries {
		b, err := fs.ReadFile(fsys, dir+"/"+e.Name())
		if err != nil {
			panic(err)
		}
		steps = append(steps, string(b))
	}
	return steps
}
