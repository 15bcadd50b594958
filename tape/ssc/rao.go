package ssc

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/tapekit/tapekit/scsi"
	"github.com/tapekit/tapekit/tape"
)

var _ tape.RAOer = (*Drive)(nil)

// RecommendedAccessOrder implements tape.RAOer with GENERATE and RECEIVE
// RECOMMENDED ACCESS ORDER. Each segment's ID travels in its UDS name (two
// zero bytes, then the ID big-endian), so the order comes back with the
// caller's IDs whatever the drive does with names. A drive without RAO
// gives an error wrapping errors.ErrUnsupported.
func (d *Drive) RecommendedAccessOrder(ctx context.Context, segs []tape.Segment) ([]tape.Segment, error) {
	const op = "recommended access order"
	if len(segs) == 0 {
		return nil, nil
	}
	uds := make([]scsi.UDS, len(segs))
	byID := make(map[uint64]tape.Segment, len(segs))
	for i, s := range segs {
		if s.FirstBlock < 0 || s.LastBlock < s.FirstBlock || s.Partition < 0 || s.Partition > 0xFF {
			return nil, &tape.Error{Op: op, Err: fmt.Errorf("%w: segment %d: partition %d blocks %d..%d", tape.ErrIllegalRequest, s.ID, s.Partition, s.FirstBlock, s.LastBlock)}
		}
		if _, dup := byID[s.ID]; dup {
			return nil, &tape.Error{Op: op, Err: fmt.Errorf("%w: segment id %d given twice", tape.ErrIllegalRequest, s.ID)}
		}
		byID[s.ID] = s
		binary.BigEndian.PutUint64(uds[i].Name[2:], s.ID)
		uds[i].Partition, uds[i].Begin, uds[i].End = byte(s.Partition), uint64(s.FirstBlock), uint64(s.LastBlock)
	}
	params, err := scsi.AppendRAOParams(nil, uds)
	if err != nil {
		return nil, &tape.Error{Op: op, Err: fmt.Errorf("%w: %w", tape.ErrIllegalRequest, err)}
	}
	gen := &scsi.Command{CDB: scsi.GenerateRAO(scsi.RAOProcessGenerate, 0, uint32(len(params))), Direction: scsi.DirOut, Data: params, Timeout: d.long}
	if _, err := d.do(ctx, op, gen); err != nil {
		return nil, raoUnsupported(op, err)
	}
	buf := make([]byte, 8+len(segs)*scsi.UDSDescriptorLen)
	rcv := &scsi.Command{CDB: scsi.ReceiveRAO(false, 0, uint32(len(buf)), 0), Direction: scsi.DirIn, Data: buf, Timeout: d.short}
	res, err := d.do(ctx, op, rcv)
	if err != nil {
		return nil, raoUnsupported(op, err)
	}
	list, err := scsi.ParseRAOList(buf[:res.Transferred(rcv)])
	if err != nil {
		return nil, &tape.Error{Op: op, Err: err}
	}
	out := make([]tape.Segment, 0, len(segs))
	for _, u := range list.Segments {
		s, ok := byID[binary.BigEndian.Uint64(u.Name[2:])]
		if !ok {
			return nil, &tape.Error{Op: op, Err: fmt.Errorf("%w: the drive returned a segment it was not given", scsi.ErrMalformed)}
		}
		delete(byID, s.ID)
		out = append(out, s)
	}
	if len(byID) != 0 {
		return nil, &tape.Error{Op: op, Err: fmt.Errorf("%w: the drive left out %d segments", scsi.ErrMalformed, len(byID))}
	}
	return out, nil
}

// raoUnsupported reports an invalid operation code or service action as
// errors.ErrUnsupported, and other failures as they are.
func raoUnsupported(op string, err error) error {
	var se *scsi.SenseError
	if errors.As(err, &se) && se.Sense.Key == scsi.KeyIllegalRequest && se.Sense.ASC == 0x20 {
		return &tape.Error{Op: op, Err: fmt.Errorf("%w: the drive has no recommended access order: %w", errors.ErrUnsupported, err)}
	}
	return fail(op, err)
}
