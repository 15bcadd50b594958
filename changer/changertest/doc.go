// Package changertest checks that a changer.Changer honours the contract
// written on the changer package: moves between every kind of element,
// source-element tracking, the errors for an empty source, a full
// destination, an unknown element and an incompatible cartridge, the
// Load/Unload/Import/Export conveniences, and that no cartridge is ever
// duplicated or lost.
//
// Like testing/fstest.TestFS, TestChanger returns an error rather than
// needing a *testing.T, so it runs under go test against the simulator and
// from tapectl against a real library. It moves cartridges, and after each
// check it puts every cartridge back where it found it.
package changertest
