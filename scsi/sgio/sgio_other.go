//go:build !linux

package sgio

import (
	"context"
	"errors"
	"fmt"

	"github.com/tapekit/tapekit/scsi"
)

// Open returns an error wrapping errors.ErrUnsupported: SG_IO exists only
// on Linux.
func Open(path string, o *Options) (*Device, error) {
	return nil, fmt.Errorf("sgio: open %s: SG_IO needs Linux: %w", path, errors.ErrUnsupported)
}

// Close returns ErrClosed: no Device can be opened here.
func (d *Device) Close() error { return ErrClosed }

// Do returns an error wrapping errors.ErrUnsupported.
func (d *Device) Do(ctx context.Context, cmd *scsi.Command) (scsi.Result, error) {
	return scsi.Result{}, fmt.Errorf("sgio: SG_IO needs Linux: %w", errors.ErrUnsupported)
}

// sgFile stands for the sg driver's interface, which only Linux has.
type sgFile interface{ close() error }
