package smc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/tapekit/tapekit/changer"
	"github.com/tapekit/tapekit/scsi"
)

// Options configure New. A nil *Options means the defaults.
type Options struct {
	// Retries bounds the re-sends of a command answered with UNIT
	// ATTENTION or NOT READY, becoming ready (02/04/01); 0 means 5.
	Retries int
	// RetryDelay is the wait before re-sending to a library that is
	// becoming ready; 0 means 2 s.
	RetryDelay time.Duration
	// Sleep waits d or until ctx ends; nil uses a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// PageSize bounds the elements asked for in one READ ELEMENT STATUS;
	// 0 means 256. Large libraries are read in pages of this many.
	PageSize int
	// MoveTimeout bounds MOVE MEDIUM and EXCHANGE MEDIUM (0: 15 min),
	// InitTimeout INITIALIZE ELEMENT STATUS (0: 2 h), and ShortTimeout the
	// rest (0: 5 min).
	MoveTimeout, InitTimeout, ShortTimeout time.Duration
	// Logger receives retries and fallbacks; nil discards them.
	Logger *slog.Logger
}

// Changer is a SCSI medium changer (SMC-3) driven through a
// scsi.Transport. It runs one command at a time, as libraries require, and
// is safe for concurrent use.
type Changer struct {
	t     scsi.Transport
	opts  Options
	sleep func(context.Context, time.Duration) error
	log   *slog.Logger

	mu     sync.Mutex
	closed bool
	assign *AddressAssignment
	// noVolTag and noDVCID remember that the library rejected the VOLTAG
	// or DVCID bit, so later reads go without it at once.
	noVolTag, noDVCID bool
	// inq is the device's INQUIRY data, once checkDevice has read it.
	inq *scsi.InquiryData
}

var (
	_ changer.Changer       = (*Changer)(nil)
	_ changer.Reinventorier = (*Changer)(nil)
	_ changer.Exchanger     = (*Changer)(nil)
)

// New returns a Changer sending its commands through t. It sends nothing
// until the first call, which first checks with INQUIRY that the device is
// a medium changer: every call on another kind of device (a tape drive
// given as the library's changer) fails with a *scsi.DeviceTypeError that
// says what it is.
func New(t scsi.Transport, o *Options) (*Changer, error) {
	if t == nil {
		return nil, fmt.Errorf("%w: nil transport", ErrInvalidArgument)
	}
	c := &Changer{t: t}
	if o != nil {
		c.opts = *o
	}
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	if c.opts.Retries <= 0 {
		c.opts.Retries = 5
	}
	if c.opts.PageSize <= 0 || c.opts.PageSize > 0xFFFF {
		c.opts.PageSize = 256
	}
	def(&c.opts.RetryDelay, 2*time.Second)
	def(&c.opts.MoveTimeout, 15*time.Minute)
	def(&c.opts.InitTimeout, 2*time.Hour)
	def(&c.opts.ShortTimeout, 5*time.Minute)
	c.sleep = c.opts.Sleep
	if c.sleep == nil {
		c.sleep = func(ctx context.Context, d time.Duration) error {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	c.log = c.opts.Logger
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// do runs one command, retrying unit attentions and a library becoming
// ready a bounded number of times. The caller holds c.mu.
func (c *Changer) do(ctx context.Context, cmd *scsi.Command) (scsi.Result, error) {
	if c.closed {
		return scsi.Result{}, changer.ErrClosed
	}
	for attempt := 0; ; attempt++ {
		res, err := scsi.Exec(ctx, c.t, cmd)
		var se *scsi.SenseError
		if err == nil || !errors.As(err, &se) || attempt >= c.opts.Retries {
			return res, err
		}
		switch {
		case se.Sense.Key == scsi.KeyUnitAttention:
			c.log.Debug("unit attention, retrying", "op", fmt.Sprintf("%#02x", cmd.CDB[0]), "sense", fmt.Sprintf("%02X/%02X", se.Sense.ASC, se.Sense.ASCQ))
			if se.Sense.ASC == 0x28 || se.Sense.ASC == 0x29 || se.Sense.ASC == 0x2A {
				c.assign = nil // elements may have changed: read the map again
			}
		case se.Sense.Key == scsi.KeyNotReady && se.Sense.ASC == 0x04 && se.Sense.ASCQ == 0x01:
			if err := c.sleep(ctx, c.opts.RetryDelay); err != nil {
				return res, err
			}
		default:
			return res, err
		}
	}
}

// sentinel maps a changer's sense data to the changer sentinels, or to
// errors.ErrUnsupported for a command the library does not have.
func sentinel(s *scsi.Sense) error {
	switch s.Key {
	case scsi.KeyNotReady:
		return changer.ErrNotReady
	case scsi.KeyHardwareError:
		return changer.ErrRobotFailure
	case scsi.KeyIllegalRequest:
		switch {
		case s.ASC == 0x3B && s.ASCQ == 0x0E:
			return changer.ErrSourceEmpty
		case s.ASC == 0x3B && s.ASCQ == 0x0D:
			return changer.ErrDestinationFull
		case s.ASC == 0x3B && (s.ASCQ == 0x11 || s.ASCQ == 0x12):
			return changer.ErrElementInaccessible // magazine not accessible / removed
		case s.ASC == 0x20 && s.ASCQ == 0x00:
			// Invalid operation code: the library lacks the command
			// (EXCHANGE MEDIUM, most often), as the mtx driver says too.
			return errors.ErrUnsupported
		case s.ASC == 0x21 && s.ASCQ == 0x01:
			return changer.ErrInvalidElement
		case s.ASC == 0x30:
			return changer.ErrIncompatibleMedium
		case s.ASC == 0x53 && s.ASCQ == 0x02:
			return changer.ErrDriveLoaded // medium removal prevented
		}
		return changer.ErrInvalidElement
	}
	return changer.ErrRobotFailure
}

// wrapSense returns err matching both its changer sentinel and the
// *scsi.SenseError.
func wrapSense(err error) error {
	var se *scsi.SenseError
	if errors.As(err, &se) {
		return fmt.Errorf("%w: %w", sentinel(&se.Sense), err)
	}
	return err
}

// assignment reads the element address assignment page once; the caller
// holds c.mu.
func (c *Changer) assignment(ctx context.Context) (*AddressAssignment, error) {
	if c.assign != nil {
		return c.assign, nil
	}
	buf := make([]byte, 255)
	cmd := &scsi.Command{CDB: ModeSense6CDB(PageElementAddressAssignment, 255), Direction: scsi.DirIn, Data: buf, Timeout: c.opts.ShortTimeout}
	res, err := c.do(ctx, cmd)
	ten := false
	if err != nil {
		// Some libraries take only MODE SENSE(10).
		buf = make([]byte, 512)
		cmd = &scsi.Command{CDB: ModeSense10CDB(PageElementAddressAssignment, 512), Direction: scsi.DirIn, Data: buf, Timeout: c.opts.ShortTimeout}
		if res, err = c.do(ctx, cmd); err != nil {
			return nil, fmt.Errorf("smc: reading the element address assignment page: %w", wrapSense(err))
		}
		ten = true
	}
	page, err := ModePage(buf[:res.Transferred(cmd)], ten, PageElementAddressAssignment)
	if err != nil {
		return nil, err
	}
	a, err := ParseAddressAssignment(page)
	if err != nil {
		return nil, err
	}
	c.assign = &a
	return c.assign, nil
}

// Inventory implements changer.Changer: one READ ELEMENT STATUS per element
// type and page, with volume tags and, for drives, device identifiers,
// cross-checked against the address assignment page.
func (c *Changer) Inventory(ctx context.Context) (changer.Inventory, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.checkDevice(ctx); err != nil {
		return nil, err
	}
	ds, err := c.descriptors(ctx)
	if err != nil {
		return nil, err
	}
	return Elements(ds), nil
}

func (c *Changer) descriptors(ctx context.Context) ([]Descriptor, error) {
	a, err := c.assignment(ctx)
	if err != nil {
		return nil, err
	}
	var out []Descriptor
	for _, typ := range []changer.ElementType{changer.Transport, changer.Storage, changer.ImportExport, changer.DataTransfer} {
		first, count, err := a.Range(typ)
		if err != nil {
			return nil, err
		}
		got, err := c.readType(ctx, typ, first, count)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

// readType reads the count elements of one type from first on, a page at
// a time, and checks that the library reported each address once, in its
// range.
func (c *Changer) readType(ctx context.Context, typ changer.ElementType, first changer.Address, count int) ([]Descriptor, error) {
	var out []Descriptor
	next, end := int(first), int(first)+count
	for next < end {
		n := min(end-next, c.opts.PageSize)
		page, err := c.readPage(ctx, typ, changer.Address(next), n)
		if err != nil {
			return nil, err
		}
		if len(page) == 0 {
			return nil, fmt.Errorf("%w: READ ELEMENT STATUS of %s elements from %d returned none", ErrMalformed, typ, next)
		}
		for _, d := range page {
			if d.Type != typ || int(d.Address) < next || int(d.Address) >= end {
				return nil, fmt.Errorf("%w: asked for %s elements %d..%d, got %s element %d", ErrMalformed, typ, next, end-1, d.Type, d.Address)
			}
		}
		out = append(out, page...)
		next = int(page[len(page)-1].Address) + 1
	}
	if len(out) != count {
		return nil, fmt.Errorf("%w: the library reports %d %s elements, its address assignment page %d", ErrMalformed, len(out), typ, count)
	}
	return out, nil
}

// readPage sends one READ ELEMENT STATUS, growing the allocation when the
// library has more to say, and dropping VOLTAG or DVCID when the library
// rejects them.
func (c *Changer) readPage(ctx context.Context, typ changer.ElementType, start changer.Address, n int) ([]Descriptor, error) {
	alloc := 8 + 8 + n*(baseDescLen+2*volTagLen+idHeaderLen+64)
	for range 4 {
		r := ReadElementStatus{Type: typ, Start: start, Count: uint16(n), AllocationLength: uint32(min(alloc, 0xFFFFFF)),
			VolTag: !c.noVolTag, DVCID: typ == changer.DataTransfer && !c.noDVCID}
		cdb, err := r.CDB()
		if err != nil {
			return nil, err
		}
		buf := make([]byte, r.AllocationLength)
		cmd := &scsi.Command{CDB: cdb, Direction: scsi.DirIn, Data: buf, Timeout: c.opts.ShortTimeout}
		res, err := c.do(ctx, cmd)
		var se *scsi.SenseError
		if errors.As(err, &se) && se.Sense.Key == scsi.KeyIllegalRequest && se.Sense.ASC == 0x24 {
			// INVALID FIELD IN CDB: fall back, DVCID first (newer), then
			// VOLTAG (libraries without a barcode reader).
			switch {
			case r.DVCID:
				c.noDVCID = true
				c.log.Info("library rejects DVCID; reading drives without serial numbers")
				continue
			case r.VolTag:
				c.noVolTag = true
				c.log.Info("library rejects VOLTAG; reading elements without barcodes")
				continue
			}
		}
		if err != nil {
			return nil, fmt.Errorf("smc: READ ELEMENT STATUS: %w", wrapSense(err))
		}
		ds, err := ParseElementStatus(buf[:res.Transferred(cmd)])
		var fe *FormatError
		if errors.As(err, &fe) && errors.Is(err, ErrTruncated) && fe.Need <= 0xFFFFFF {
			// Too small an allocation (ask for what the header says), or a
			// transfer cut short (ask again); the loop bounds the retries.
			alloc = max(alloc, fe.Need)
			continue
		}
		return ds, err
	}
	return nil, fmt.Errorf("%w: READ ELEMENT STATUS kept changing its length", ErrMalformed)
}

// transport returns the address of the robot to move with.
func (c *Changer) transport(ctx context.Context) (changer.Address, error) {
	a, err := c.assignment(ctx)
	if err != nil {
		return 0, err
	}
	if a.NumTransport == 0 {
		return 0, fmt.Errorf("%w: the library reports no transport element", ErrMalformed)
	}
	return a.FirstTransport, nil
}

// Move implements changer.Changer with MOVE MEDIUM through the first
// transport element.
func (c *Changer) Move(ctx context.Context, from, to changer.Address) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.checkDevice(ctx); err != nil {
		return &changer.MoveError{From: from, To: to, Err: err}
	}
	tr, err := c.transport(ctx)
	if err != nil {
		return &changer.MoveError{From: from, To: to, Err: wrapSense(err)}
	}
	_, err = c.do(ctx, &scsi.Command{CDB: MoveMediumCDB(tr, from, to, false), Timeout: c.opts.MoveTimeout})
	if err != nil {
		return &changer.MoveError{From: from, To: to, Err: wrapSense(err)}
	}
	return nil
}

// Exchange implements changer.Exchanger with EXCHANGE MEDIUM.
func (c *Changer) Exchange(ctx context.Context, src, dst1, dst2 changer.Address) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.checkDevice(ctx); err != nil {
		return &changer.MoveError{From: src, To: dst1, Err: err}
	}
	tr, err := c.transport(ctx)
	if err != nil {
		return &changer.MoveError{From: src, To: dst1, Err: wrapSense(err)}
	}
	_, err = c.do(ctx, &scsi.Command{CDB: ExchangeMediumCDB(tr, src, dst1, dst2, false, false), Timeout: c.opts.MoveTimeout})
	if err != nil {
		return &changer.MoveError{From: src, To: dst1, Err: wrapSense(err)}
	}
	return nil
}

// Reinventory implements changer.Reinventorier with INITIALIZE ELEMENT
// STATUS, which makes the robot scan every element: minutes on a large
// library.
func (c *Changer) Reinventory(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.checkDevice(ctx); err != nil {
		return err
	}
	if _, err := c.do(ctx, &scsi.Command{CDB: InitializeElementStatusCDB(), Timeout: c.opts.InitTimeout}); err != nil {
		return fmt.Errorf("smc: INITIALIZE ELEMENT STATUS: %w", wrapSense(err))
	}
	c.assign = nil
	return nil
}

// Close implements changer.Changer. It closes the transport when that is
// an io.Closer.
func (c *Changer) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	if cl, ok := c.t.(interface{ Close() error }); ok {
		return cl.Close()
	}
	return nil
}
