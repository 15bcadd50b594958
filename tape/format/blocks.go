package format

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/tapekit/tapekit/tape"
)

// blockWriter cuts a byte stream into fixed-size blocks and writes each
// full block to the drive. It has two buffers of a batch of blocks each:
// while the drive writes one batch (on its own goroutine), the caller fills
// the next one from its reader and checksums it, so reading, checksumming
// and writing overlap and memory stays two batches whatever the file size.
// Handing the drive a batch rather than a block amortises the hand-over
// between goroutines, which on a fast drive (or the simulator) costs as
// much as writing a block.
//
// The writing goroutine goes on to the next batch by itself when the
// caller has handed it over before the current one is written (the usual
// case: filling a batch is faster than writing it), so the drive does not
// wait for a goroutine to be woken or started between batches; otherwise
// it ends, and the next batch starts a new one. It stops at the first
// batch that fails, and the batch handed over after it is not written: the
// drive gets exactly what it would if every batch waited for the one
// before. The drive is never used by two goroutines at once: every other
// drive call waits for the batches in flight first (wait). It is an
// io.Writer for the tar headers; data goes straight into free() to save a
// copy.
type blockWriter struct {
	d    tape.Drive
	ctx  context.Context // of the Writer call in progress
	size int             // block size
	bufs [2][]byte
	buf  []byte // bufs[cur], being filled
	cur  int
	n    int
	// limit is where the batch being filled is full: one block for the
	// first batch of a file, twice as much for each next one, up to the
	// whole buffer. The drive starts as soon as the first block is ready
	// instead of after a whole batch (4 MiB to read and checksum: 7 ms
	// with md5), and the next batch is filled while it works.
	limit int
	// done receives the result of each batch written, in order; inflight
	// counts the batches handed over whose result has not been taken.
	done     chan batchResult
	inflight int
	// started counts the blocks of the current tape file handed to the
	// drive, blocks those it accepted; warned records an early warning
	// from any of them.
	started, blocks int64
	warned          bool
	q               *batchQueue
}

// batchQueue is what the caller and the writing goroutine share.
type batchQueue struct {
	mu      sync.Mutex
	running bool   // a writing goroutine exists
	next    *batch // handed over, not yet taken by the goroutine
	halted  bool   // a batch failed: the goroutine takes no more
}

// batch is blocks to write, with the context of the call that filled them.
type batch struct {
	p   []byte
	ctx context.Context
}

type batchResult struct {
	accepted int64 // blocks written, early warning or not
	warned   bool
	err      error // the first error other than early warning
}

// batchBytes is about how much a batch holds: 16 blocks of the default
// size, one block of 4 MiB or more. Measured on the simulator, batches of
// 1 MiB left a quarter of the time in goroutine wake-ups; 4 MiB hides
// checksumming behind the drive's writes.
const batchBytes = 4 << 20

func newBlockWriter(d tape.Drive, size int) blockWriter {
	k := max(1, batchBytes/size)
	b := blockWriter{d: d, size: size, bufs: [2][]byte{make([]byte, k*size), make([]byte, k*size)}, done: make(chan batchResult, 2), q: &batchQueue{}}
	b.buf, b.limit = b.bufs[0], size
	return b
}

func (b *blockWriter) Write(p []byte) (int, error) {
	done := 0
	for len(p) > 0 {
		k := copy(b.buf[b.n:b.limit], p)
		p, done = p[k:], done+k
		if err := b.commit(k); err != nil {
			return done, err
		}
	}
	return done, nil
}

// free is the unfilled part of the current batch.
func (b *blockWriter) free() []byte { return b.buf[b.n:b.limit] }

// commit accounts for k bytes put into free() and hands the batch to the
// drive when it is full.
func (b *blockWriter) commit(k int) error {
	b.n += k
	if b.n == b.limit {
		return b.flush()
	}
	return nil
}

// flush hands what the batch holds to the drive, as full blocks and, at
// the end of a file, one short block. Before the other buffer is filled,
// the batch it holds must be written: flush waits for it and returns its
// error (the batch just handed over is then not written).
func (b *blockWriter) flush() error {
	if b.n == 0 {
		return nil
	}
	b.hand(&batch{p: b.buf[:b.n], ctx: b.ctx})
	b.started += int64((b.n + b.size - 1) / b.size)
	b.cur ^= 1
	b.buf, b.n = b.bufs[b.cur], 0
	b.limit = min(2*b.limit, len(b.buf))
	if b.inflight > 1 {
		return b.waitOne()
	}
	return nil
}

// hand gives a batch to the writing goroutine, starting one if none runs.
// After a failure the batch waits, unwritten, for waitOne to drop it.
func (b *blockWriter) hand(bt *batch) {
	b.inflight++
	q := b.q
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.running || q.halted {
		q.next = bt
		return
	}
	q.running = true
	go b.write(bt)
}

// write is the writing goroutine: it writes batches until none is waiting
// or one fails.
func (b *blockWriter) write(bt *batch) {
	q := b.q
	for {
		var r batchResult
		for off := 0; off < len(bt.p); off += b.size {
			err := b.d.Write(bt.ctx, bt.p[off:min(off+b.size, len(bt.p))])
			if errors.Is(err, tape.ErrEarlyWarning) {
				r.warned, err = true, nil
			}
			if err != nil {
				r.err = err
				break
			}
			r.accepted++
		}
		// The result is sent under the lock, so that whoever takes it and
		// then locks sees what the goroutine decided.
		q.mu.Lock()
		b.done <- r // never blocks: it holds one per buffer
		bt, q.next = q.next, nil
		if r.err != nil {
			q.halted = true
		}
		if q.halted || bt == nil {
			if bt != nil {
				q.next = bt // not written: waitOne drops it
			}
			q.running = false
			q.mu.Unlock()
			return
		}
		q.mu.Unlock()
	}
}

// waitOne waits for the oldest batch handed over and returns its error as
// a *driveError (an early warning is no error: it is recorded in warned).
// After an error, a batch handed over since is dropped, unwritten.
func (b *blockWriter) waitOne() error {
	r := <-b.done
	b.inflight--
	b.blocks += r.accepted
	b.warned = b.warned || r.warned
	if r.err == nil {
		return nil
	}
	q := b.q
	q.mu.Lock()
	if q.next != nil {
		b.started -= int64((len(q.next.p) + b.size - 1) / b.size)
		q.next = nil
		b.inflight--
	}
	q.halted = false
	q.mu.Unlock()
	return &driveError{r.err}
}

// wait waits for every batch handed over and returns the first error.
func (b *blockWriter) wait() error {
	var first error
	for b.inflight > 0 {
		if err := b.waitOne(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// finish writes the last, short block and waits until the drive has taken
// every block of the file.
func (b *blockWriter) finish() error {
	if err := b.flush(); err != nil {
		return err
	}
	return b.wait()
}

// zeros writes n zero bytes (tar padding).
func (b *blockWriter) zeros(n int) error {
	for n > 0 {
		f := b.free()
		k := min(n, len(f))
		clear(f[:k])
		n -= k
		if err := b.commit(k); err != nil {
			return err
		}
	}
	return nil
}

// startFile resets the per-file counters; a tape file always starts a new
// block. Nothing is in flight between files.
func (b *blockWriter) startFile() {
	b.n, b.limit, b.started, b.blocks, b.warned = 0, b.size, 0, 0, false
}

// blockReader reads the blocks of one tape file as a byte stream, up to the
// filemark that ends it, reading one block ahead once enabled (see
// readAhead).
type blockReader struct {
	src *readAhead
	cur []byte // the unread part of the current block
	// blocks counts the blocks read; filemark and eod say how the file
	// ended once Read returned io.EOF.
	blocks        int64
	filemark, eod bool
	err           error
}

func newBlockReader(ctx context.Context, d tape.Drive, bufs *readBuffers) *blockReader {
	return &blockReader{src: newReadAhead(ctx, d, bufs)}
}

func (b *blockReader) Read(p []byte) (int, error) {
	for len(b.cur) == 0 {
		if b.err != nil {
			return 0, b.err
		}
		blk, err := b.src.next()
		switch {
		case err == nil && len(blk) == 0:
			// No block is empty; a driver saying so would loop forever.
			b.err = fmt.Errorf("%w: the drive returned an empty block", ErrWrongFormat)
		case err == nil:
			b.cur = blk
			b.blocks++
		case errors.Is(err, tape.ErrFilemark):
			b.filemark, b.err = true, io.EOF
		case errors.Is(err, tape.ErrEndOfData):
			b.eod, b.err = true, io.EOF
		case errors.Is(err, tape.ErrBlockTooLong):
			b.err = fmt.Errorf("%w: a block is larger than the %d-byte read buffer (raise ReaderOptions.MaxBlockSize): %w", ErrWrongFormat, b.src.bufs.size, err)
		default:
			b.err = err
		}
	}
	k := copy(p, b.cur)
	b.cur = b.cur[k:]
	return k, nil
}

// stop stops reading ahead and puts the drive back where a reader without
// read-ahead would be (readAhead.stop).
func (b *blockReader) stop() error {
	if b.err == nil {
		b.err = errors.New("format: reading of the tape file was stopped")
	}
	return b.src.stop()
}

// drain reads to the end of the tape file, reporting whether anything but
// zeros (tar padding) was left.
func (b *blockReader) drain() (extra bool, err error) {
	var tmp [32 << 10]byte
	for {
		n, err := b.Read(tmp[:])
		for _, c := range tmp[:n] {
			if c != 0 {
				extra = true
				break
			}
		}
		if err == io.EOF {
			return extra, nil
		}
		if err != nil {
			return extra, err
		}
	}
}
