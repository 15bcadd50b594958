// Package sgio is the Linux transport of package scsi: it sends SCSI
// commands to a tape drive or a medium changer through the SCSI generic
// driver (/dev/sgN, the SG_IO ioctl), and finds those devices in sysfs.
//
// # Sending commands
//
// Open opens /dev/sgN read-write and non-blocking (an sg device never waits
// for a medium, unlike /dev/nstN) and checks that the sg driver speaks
// version 3 of its interface. Device implements scsi.Transport:
//
//	dev, err := sgio.Open("/dev/sg3", nil)
//	...
//	res, err := scsi.Exec(ctx, dev, &scsi.Command{CDB: scsi.TestUnitReady()})
//
// Each command gets a 252-byte sense buffer, the largest sense SPC allows;
// only the bytes the driver reports written are returned. A failure of the
// host adapter or of the kernel driver (SG_IO host_status, driver_status) is
// a *scsi.TransportError, kept apart from the SCSI status the device
// returned.
//
// SG_IO cannot be interrupted: a context cancelled while a command runs
// takes effect when the command ends. Do therefore bounds each command by
// its own timeout and by the context's deadline, whichever is sooner.
//
// On systems other than Linux, Open returns an error wrapping
// errors.ErrUnsupported.
//
// # Finding devices
//
// Discover reads sysfs (normally /sys) and maps each SCSI generic device to
// its tape (/dev/nstN) or changer (/dev/schN) node, its type, vendor,
// model, revision and unit serial number, as `lsscsi -g` shows them.
package sgio
