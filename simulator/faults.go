package simulator

import (
	"context"
	"fmt"

	"github.com/tapekit/tapekit/changer"
)

// stopAll waits for the robot and every drive to finish what they are
// doing and holds them, taking the locks in the order every path follows
// (robot, drives, library); the returned func releases them.
func (l *Library) stopAll() (release func()) {
	ctx := context.Background()
	for range l.cfg.Robots {
		l.robots.Acquire(ctx)
	}
	for _, d := range l.drives {
		d.op.Acquire(ctx)
	}
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		for _, d := range l.drives {
			d.op.Release(ctx)
		}
		for range l.cfg.Robots {
			l.robots.Release(ctx)
		}
	}
}

// exclusive runs fn with the whole library stopped: no move and no drive
// operation runs meanwhile. Fault injection and operator actions use it.
func (l *Library) exclusive(fn func() error) error {
	defer l.stopAll()()
	if l.closed {
		return ErrClosed
	}
	if err := fn(); err != nil {
		return err
	}
	for _, d := range l.drives {
		d.snapshot()
	}
	return l.saveLocked(true)
}

func (l *Library) cartridge(barcode string) (*cartridge, error) {
	c := l.carts[barcode]
	if c == nil {
		return nil, fmt.Errorf("%w: %q", ErrNoCartridge, barcode)
	}
	return c, nil
}

func (l *Library) drive(i int) (*driveState, error) {
	if i < 0 || i >= len(l.drives) {
		return nil, fmt.Errorf("%w: %d", ErrNoDrive, i)
	}
	return l.drives[i], nil
}

// PowerLoss cuts the power of every drive: what each drive had buffered
// since its last synchronisation (a synchronising WriteFilemarks, a
// repositioning or an unload) is lost, and every drive needs a Load before
// it reads or writes again. Cartridges stay where they are.
func (l *Library) PowerLoss() error {
	return l.exclusive(func() error {
		for _, d := range l.drives {
			if c := d.cart(); c != nil && c.media != nil {
				l.powerLoss(c)
				if d.threaded {
					d.powerLost = c.barcode
				}
			}
			d.threaded, d.pos, d.debt, d.stopped = false, 0, 0, false
			d.poweredOn = true
		}
		return nil
	})
}

// InjectMediaError makes reads (FaultRead) and/or writes (FaultWrite) of the
// logical objects first..last of a cartridge fail with tape.ErrMediumError.
func (l *Library) InjectMediaError(barcode string, first, last int64, op FaultOp) error {
	return l.exclusive(func() error {
		c, err := l.cartridge(barcode)
		if err != nil {
			return err
		}
		if first < 0 || last < first || op&(FaultRead|FaultWrite) == 0 {
			return fmt.Errorf("%w: media error over %d..%d, op %d", ErrConfig, first, last, op)
		}
		c.faults = append(c.faults, mediaFault{first: first, last: last, op: op})
		return nil
	})
}

// ClearMediaErrors removes the media errors injected on a cartridge.
func (l *Library) ClearMediaErrors(barcode string) error {
	return l.exclusive(func() error {
		c, err := l.cartridge(barcode)
		if err != nil {
			return err
		}
		c.faults = nil
		return nil
	})
}

// FailDrive makes drive i fail every operation with tape.ErrHardwareError
// (and raise TapeAlert 30), or repairs it.
func (l *Library) FailDrive(i int, failed bool) error {
	return l.exclusive(func() error {
		d, err := l.drive(i)
		if err != nil {
			return err
		}
		d.failed = failed
		return nil
	})
}

// FailRobot makes every move fail with changer.ErrRobotFailure, or repairs
// the robot. Cartridges stay where they are.
func (l *Library) FailRobot(failed bool) error {
	return l.exclusive(func() error {
		l.robotFailed = failed
		return nil
	})
}

// SetBarcodeUnreadable makes the library report a cartridge without a
// barcode, with an exception (ASC 0x83, as many libraries report an
// unreadable label).
func (l *Library) SetBarcodeUnreadable(barcode string, unreadable bool) error {
	return l.exclusive(func() error {
		c, err := l.cartridge(barcode)
		if err != nil {
			return err
		}
		c.unreadable = unreadable
		return nil
	})
}

// SetWriteProtected sets a cartridge's write-protect tab.
func (l *Library) SetWriteProtected(barcode string, wp bool) error {
	return l.exclusive(func() error {
		c, err := l.cartridge(barcode)
		if err != nil {
			return err
		}
		c.wp = wp
		return nil
	})
}

// RaiseTapeAlert sets TapeAlert flag (1..64) on drive i.
func (l *Library) RaiseTapeAlert(i, flag int) error {
	return l.exclusive(func() error {
		d, err := l.drive(i)
		if err != nil {
			return err
		}
		if flag < 1 || flag > 64 {
			return fmt.Errorf("%w: TapeAlert flag %d outside 1..64", ErrConfig, flag)
		}
		d.alerts = d.alerts.With(flag)
		return nil
	})
}

// NeedCleaning makes drive i ask for cleaning (TapeAlert 20, Clean Now)
// until a cleaning cartridge is loaded.
func (l *Library) NeedCleaning(i int) error {
	return l.exclusive(func() error {
		d, err := l.drive(i)
		if err != nil {
			return err
		}
		d.cleaningNeeded = true
		return nil
	})
}

// fillable returns the data cartridge barcode when it can be filled
// directly: it exists, is not a cleaning cartridge and is not in a drive.
// The caller holds the library exclusively.
func (l *Library) fillable(barcode string) (*cartridge, error) {
	c, err := l.cartridge(barcode)
	if err != nil {
		return nil, err
	}
	if c.media == nil {
		return nil, fmt.Errorf("%w: %s is a cleaning cartridge", ErrConfig, barcode)
	}
	for _, e := range l.elems {
		if e.cart == c && e.drive != nil {
			return nil, fmt.Errorf("%w: cartridge %s is in drive %d", ErrConfig, barcode, e.drive.index)
		}
	}
	return c, nil
}

// FillSynthetic appends files of synthetic data to a cartridge that is not
// in a drive: each file is fileSize bytes in blocks of blockSize (the last
// one shorter) followed by a filemark. Synthetic blocks take no disk space;
// reading one returns its object id repeated as little-endian 64-bit
// words. It fills cartridges for benchmarks without writing terabytes.
func (l *Library) FillSynthetic(barcode string, files int, fileSize int64, blockSize int) error {
	return l.exclusive(func() error {
		c, err := l.fillable(barcode)
		if err != nil {
			return err
		}
		if files < 0 || fileSize <= 0 || blockSize <= 0 {
			return fmt.Errorf("%w: synthetic fill of %d files of %d bytes in %d-byte blocks", ErrConfig, files, fileSize, blockSize)
		}
		perFile := fileSize + filemarkSize
		if c.content.tapeBytes()+int64(files)*perFile > c.media.Capacity {
			return fmt.Errorf("%w: %d files of %d bytes do not fit on %s", ErrConfig, files, fileSize, barcode)
		}
		full, rest := fileSize/int64(blockSize), fileSize%int64(blockSize)
		for range files {
			if full > 0 {
				c.content.appendSynthetic(full, int64(blockSize))
			}
			if rest > 0 {
				c.content.appendSynthetic(1, rest)
			}
			c.content.appendMarks(1)
		}
		c.synced = 0 // force the index out
		return l.syncCartridge(c)
	})
}

// Insert is the operator putting a cartridge into I/E port n (1-based): a
// new one, or one removed earlier, which comes back with its data.
func (l *Library) Insert(port int, cc CartridgeConfig) error {
	return l.exclusive(func() error {
		if port < 1 || port > l.cfg.Ports {
			return fmt.Errorf("%w: no I/E port %d", ErrConfig, port)
		}
		e := l.byAddr[l.PortAddress(port)]
		if e.cart != nil {
			return fmt.Errorf("I/E port %d: %w", port, changer.ErrDestinationFull)
		}
		c := l.carts[cc.Barcode]
		if c != nil {
			for _, o := range l.elems {
				if o.cart == c {
					return fmt.Errorf("%w: cartridge %s is already in the library", ErrConfig, cc.Barcode)
				}
			}
		} else {
			if !barcodeRE.MatchString(cc.Barcode) {
				return fmt.Errorf("%w: barcode %q", ErrConfig, cc.Barcode)
			}
			var err error
			if c, err = l.newCartridge(cc); err != nil {
				return err
			}
			l.carts[c.barcode] = c
		}
		e.cart, e.src, e.srcValid = c, 0, false
		return nil
	})
}

// Remove is the operator taking the cartridge out of I/E port n (1-based).
// The library remembers it, so Insert can bring it back.
func (l *Library) Remove(port int) (barcode string, err error) {
	err = l.exclusive(func() error {
		if port < 1 || port > l.cfg.Ports {
			return fmt.Errorf("%w: no I/E port %d", ErrConfig, port)
		}
		e := l.byAddr[l.PortAddress(port)]
		if e.cart == nil {
			return fmt.Errorf("I/E port %d: %w", port, changer.ErrSourceEmpty)
		}
		barcode = e.cart.barcode
		e.cart, e.srcValid = nil, false
		return nil
	})
	return barcode, err
}
