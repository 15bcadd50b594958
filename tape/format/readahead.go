package format

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/tapekit/tapekit/tape"
)

// readAhead reads the blocks of one tape file for one consumer, one object
// (block or filemark) ahead of it: while the consumer copies and hashes
// block k, a goroutine reads block k+1 into the other of two buffers, so
// the drive works while the CPU does, as the st driver's buffering gives dd.
//
// Three rules keep it invisible to the tape:
//
//   - The drive is read by at most one goroutine at a time, and by none
//     once next has returned an object that ends the file (a filemark,
//     end of data, an error, an empty block) or stop has returned: the
//     caller may then use the drive itself.
//   - It reads the same objects in the same order as a reader without
//     read-ahead, and never past the object that ends the file, so a file
//     read to its end gets exactly the commands it got before.
//   - It is at most one object ahead of the block the consumer holds.
//     When the consumer stops before the end, stop gives that object back
//     (see undo), so the drive is where a reader without read-ahead would
//     have left it.
//
// A reading goroutine exists only while a read is in flight: it goes on
// to the next block without waking anyone when the consumer has already
// handed back its buffer (so the drive does not wait for a goroutine to
// be scheduled), and otherwise ends. A consumer that never calls stop
// leaks nothing: the goroutine ends after its read.
type readAhead struct {
	d     tape.Drive
	ctx   context.Context
	bufs  *readBuffers
	ahead bool // read ahead; until enable, next reads on the caller's goroutine
	// next0 is the position of the first block read since enable, when
	// known (nextKnown); delivered counts the blocks next returned since.
	next0     tape.Position
	nextKnown bool
	delivered int64

	// The consumer's side: cur is the buffer of the object next returned
	// last, idle[:nidle] the buffers nobody uses; withReader counts the
	// buffers handed to the reader (in flight, spare or in results).
	cur        []byte
	idle       [2][]byte
	nidle      int
	withReader int
	both       bool // the second buffer is in use
	ended      bool // next returned an object that ends the file, or stop ran

	// block is the longest block read so far: reads ask for that much
	// (see readBlock). Whichever goroutine reads sets it.
	block atomic.Int64

	mu      sync.Mutex
	running bool   // a reading goroutine exists
	spare   []byte // a buffer for the goroutine's next read
	halt    bool   // read no more: the goroutine read the end of the file
	results chan readResult
	wg      sync.WaitGroup
}

// readBuffers are the two read buffers of a readAhead, both size bytes,
// the second allocated only when a file has more than one block to read
// ahead. Scan keeps one pair from file to file.
type readBuffers struct {
	size int
	b    [2][]byte
}

func newReadBuffers(size int) *readBuffers { return &readBuffers{size: size} }

func (r *readBuffers) get(i int) []byte {
	if r.b[i] == nil {
		r.b[i] = make([]byte, r.size)
	}
	return r.b[i]
}

// readResult is one object read: a block (buf[:n]) or the error that ends
// the file.
type readResult struct {
	buf []byte
	n   int
	err error
}

// last says whether r ends what may be read of the file: a reader without
// read-ahead stops there too (an empty block is a broken driver's).
func (r readResult) last() bool { return r.err != nil || r.n == 0 }

func newReadAhead(ctx context.Context, d tape.Drive, bufs *readBuffers) *readAhead {
	s := &readAhead{d: d, ctx: ctx, bufs: bufs, results: make(chan readResult, 2)}
	s.idle[0], s.nidle = bufs.get(0), 1
	return s
}

// enable starts reading ahead from the next call of next on. next is the
// position of the block next reads then, when known: it lets stop locate
// back when the block read ahead could not be read.
func (s *readAhead) enable(next tape.Position, known bool) {
	if noReadAhead {
		return
	}
	s.ahead, s.next0, s.nextKnown, s.delivered = true, next, known, 0
}

// noReadAhead turns reading ahead off: the tests compare the commands the
// drive gets with and without it.
var noReadAhead bool

// scratch is a buffer for the caller's own reads (ANSI labels), valid
// while nothing is read ahead: before enable, and after the file ended.
func (s *readAhead) scratch() []byte { return s.bufs.get(0) }

// next returns the next object of the file: a block, valid until the next
// call, or the drive's error (tape.ErrFilemark, tape.ErrEndOfData, …). It
// must not be called again after an object that ends the file.
func (s *readAhead) next() ([]byte, error) {
	if s.ended {
		return nil, fmt.Errorf("format: read past the end of a tape file (a bug)")
	}
	if s.cur != nil {
		s.idle[s.nidle], s.nidle, s.cur = s.cur, s.nidle+1, nil
	}
	var r readResult
	if s.withReader == 0 {
		// Nothing read ahead: the first read, or no read-ahead.
		s.nidle--
		r.buf, s.idle[s.nidle] = s.idle[s.nidle], nil
		r.n, r.err = s.readBlock(r.buf)
	} else {
		// Hand back the buffer first, so that the goroutine goes on to
		// the block after the one it is reading without waiting for us.
		s.feed()
		r = <-s.results
		s.withReader--
	}
	s.cur = r.buf
	if r.last() {
		s.finish()
		return r.buf[:r.n], r.err
	}
	s.delivered++
	if s.ahead {
		if !s.both {
			// The first block since enable, read here into the first
			// buffer: the second one now reads the block after it.
			s.idle[s.nidle], s.nidle, s.both = s.bufs.get(1), s.nidle+1, true
		}
		// The buffer handed back above stayed here if the goroutine had
		// not yet taken the one before: hand it now.
		s.feed()
	}
	return r.buf[:r.n], nil
}

// feed hands the idle buffers to the reading goroutine, starting one if
// none is running.
func (s *readAhead) feed() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.nidle > 0 && !s.halt {
		buf := s.idle[s.nidle-1]
		switch {
		case !s.running:
			s.running = true
			s.wg.Add(1)
			go s.read(buf)
		case s.spare == nil:
			s.spare = buf
		default:
			return
		}
		s.nidle--
		s.idle[s.nidle] = nil
		s.withReader++
	}
}

// read is the reading goroutine: it reads into buf, then into the spare
// buffer while the consumer keeps handing one back in time, and stops
// after an object that ends the file.
func (s *readAhead) read(buf []byte) {
	defer s.wg.Done()
	for {
		var r readResult
		r.buf = buf
		r.n, r.err = s.readBlock(buf)
		s.results <- r // never blocks: it holds one per buffer
		s.mu.Lock()
		s.halt = s.halt || r.last()
		if s.halt || s.spare == nil {
			s.running = false
			s.mu.Unlock()
			return
		}
		buf, s.spare = s.spare, nil
		s.mu.Unlock()
	}
}

// readBlock reads the next block into buf, asking the drive for no more
// than the longest block read so far. Blocks of a tape file are all the
// same length but for a shorter last one, while buf is the largest block
// the drive and host take (often twice the file's block, or more); and a
// READ longer than its block costs, through Linux sg, a CHECK CONDITION
// (ILI) and a copy of the whole buffer for every block, a quarter of the
// time per block on the real kernel measured. A block longer than asked
// for (ErrBlockTooLong) is read again whole after spacing back over it,
// so a guess too short costs two commands, never data.
func (s *readAhead) readBlock(buf []byte) (int, error) {
	want := int(s.block.Load())
	if want <= 0 || want >= len(buf) {
		n, err := s.d.Read(s.ctx, buf)
		if err == nil {
			s.grow(n)
		}
		return n, err
	}
	n, err := s.d.Read(s.ctx, buf[:want])
	var hl *tape.HostLimitError
	if !errors.Is(err, tape.ErrBlockTooLong) || errors.As(err, &hl) {
		return n, err
	}
	if serr := s.d.Space(s.ctx, tape.SpaceBlocks, -1); serr != nil {
		return 0, fmt.Errorf("format: spacing back to read a block longer than %d bytes again: %w", want, serr)
	}
	n, err = s.d.Read(s.ctx, buf)
	if err == nil {
		s.grow(n)
	}
	return n, err
}

func (s *readAhead) grow(n int) {
	if int64(n) > s.block.Load() {
		s.block.Store(int64(n))
	}
}

// finish waits for the reading goroutine, so that the caller may use the
// drive, and takes back the spare buffer. A goroutine that has been handed
// a spare buffer reads into it first: once next has returned block k, the
// drive reads block k+1 whatever the consumer does next, so that stopping
// always finds it read and gives it back, and the commands a drive gets
// do not depend on how the goroutines were scheduled.
func (s *readAhead) finish() {
	s.ended = true
	s.wg.Wait()
	if s.spare != nil {
		s.idle[s.nidle], s.nidle, s.spare = s.spare, s.nidle+1, nil
		s.withReader--
	}
}

// stop ends the reading: it waits for the read in flight, then gives back
// the object read ahead that next did not return (undo). The drive is then
// where a reader without read-ahead would have left it, and free for the
// caller. stop after the end of the file, or a second time, does nothing.
func (s *readAhead) stop() error {
	if s.ended && s.withReader == 0 {
		return nil
	}
	s.finish()
	var ahead []readResult
	for s.withReader > 0 {
		ahead = append(ahead, <-s.results)
		s.withReader--
	}
	return s.undo(ahead)
}

// undo moves the drive back over objects read ahead and never returned,
// oldest first in ahead: over blocks and a filemark by spacing back, as
// the drive reads them again from there. A read that failed (a medium
// error, a cancelled context, a lost transport) leaves the position in
// doubt: the drive locates to the block a reader without read-ahead would
// read next, counted from where reading ahead began or, when that is not
// known (CopyTapeFile), taken from the medium error, which says where the
// unreadable block is. End of data did not move the drive.
//
// It uses a context free of the caller's cancellation: the read in flight
// could not be cancelled either, and one short move puts the drive back
// where the caller expects it.
func (s *readAhead) undo(ahead []readResult) error {
	var blocks, marks int64
	doubt := false
	var at tape.Position
	atKnown := s.nextKnown
	if atKnown {
		at = s.next0
		at.Block += s.delivered
	}
	for _, r := range ahead {
		switch {
		case r.err == nil && r.n > 0, errors.Is(r.err, tape.ErrBlockTooLong):
			blocks++
		case errors.Is(r.err, tape.ErrFilemark):
			marks++
		case errors.Is(r.err, tape.ErrEndOfData):
		default:
			doubt = true
			var te *tape.Error
			if !atKnown && errors.Is(r.err, tape.ErrMediumError) && errors.As(r.err, &te) && te.PosValid {
				at, atKnown = te.Pos, true
			}
		}
	}
	ctx := context.WithoutCancel(s.ctx)
	if doubt {
		if !atKnown {
			return fmt.Errorf("format: the block read ahead could not be read and the drive's position is unknown")
		}
		if err := s.d.Locate(ctx, at); err != nil {
			return fmt.Errorf("format: locating back to block %d after reading ahead: %w", at.Block, err)
		}
		return nil
	}
	if marks > 0 {
		if err := s.d.Space(ctx, tape.SpaceFilemarks, -marks); err != nil {
			return fmt.Errorf("format: spacing back over the filemark read ahead: %w", err)
		}
	}
	if blocks > 0 {
		if err := s.d.Space(ctx, tape.SpaceBlocks, -blocks); err != nil {
			return fmt.Errorf("format: spacing back over the block read ahead: %w", err)
		}
	}
	return nil
}
