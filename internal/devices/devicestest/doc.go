// Package devicestest builds the host-side fixtures the tests of device
// code need: a sysfs tree laid out as Linux lays out its SCSI devices, so
// that sgio.Discover, the mapping of /dev/nstN to /dev/sgN and the search
// of a drive by serial number run without SCSI hardware.
package devicestest
