package cache

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
)

// The index on disk is a snapshot plus a journal of the changes since it,
// both sequences of framed records: a 4-byte length, a 4-byte CRC-32C of the
// payload, the payload. A journal record is fsynced before the change it
// describes is acknowledged; replay stops at the first torn or damaged
// record (the tail a kill -9 may leave) and cuts the file there.

const (
	recPut byte = iota + 1
	recState
	recDel
	recPin
	recUnpin
	recEnd // closes a snapshot; carries the entry count in size
)

const (
	snapMagic    = "TKCSNAP1"
	journalMagic = "TKCJRNL1"
	maxRecord    = 1 << 20
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

type record struct {
	typ     byte
	state   State
	name    string
	tmp     string // put: the temporary file that becomes the data
	class   string
	sums    string // encoded as in entry.key
	size    int64
	created int64
	atime   int64
	pins    []Pin // put: the pins the file carries
	owner   string
	id      string
	expires int64
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func (r *record) appendFrame(b []byte) []byte {
	start := len(b)
	b = append(b, 0, 0, 0, 0, 0, 0, 0, 0)
	b = append(b, r.typ)
	b = appendString(b, r.name)
	switch r.typ {
	case recPut:
		b = append(b, byte(r.state))
		b = appendString(b, r.tmp)
		b = appendString(b, r.class)
		b = appendString(b, r.sums)
		b = binary.AppendVarint(b, r.size)
		b = binary.AppendVarint(b, r.created)
		b = binary.AppendVarint(b, r.atime)
		b = binary.AppendUvarint(b, uint64(len(r.pins)))
		for _, p := range r.pins {
			b = appendString(b, p.Owner)
			b = appendString(b, p.ID)
			b = binary.AppendVarint(b, p.Expires.UnixNano())
		}
	case recState:
		b = append(b, byte(r.state))
	case recPin:
		b = appendString(b, r.owner)
		b = appendString(b, r.id)
		b = binary.AppendVarint(b, r.expires)
	case recUnpin:
		b = appendString(b, r.id)
	case recEnd:
		b = binary.AppendVarint(b, r.size)
	}
	payload := b[start+8:]
	binary.LittleEndian.PutUint32(b[start:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(b[start+4:], crc32.Checksum(payload, crcTable))
	return b
}

var errBadRecord = errors.New("bad record")

type decoder struct {
	b   []byte
	err bool
}

func (d *decoder) byte() byte {
	if len(d.b) < 1 {
		d.err = true
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.err = true
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func decodeRecord(p []byte, r *record) error {
	d := decoder{b: p}
	*r = record{typ: d.byte()}
	r.name = d.string()
	switch r.typ {
	case recPut:
		r.state = State(d.byte())
		r.tmp = d.string()
		r.class = d.string()
		r.sums = d.string()
		r.size = d.varint()
		r.created = d.varint()
		r.atime = d.varint()
		n := d.uvarint()
		for i := uint64(0); i < n && !d.err; i++ {
			p := Pin{Owner: d.string(), ID: d.string()}
			p.Expires = unixTime(d.varint())
			r.pins = append(r.pins, p)
		}
		if r.state != Precious && r.state != Online {
			d.err = true
		}
	case recState:
		r.state = State(d.byte())
	case recDel:
	case recPin:
		r.owner = d.string()
		r.id = d.string()
		r.expires = d.varint()
	case recUnpin:
		r.id = d.string()
	case recEnd:
		r.size = d.varint()
	default:
		d.err = true
	}
	if d.err || len(d.b) != 0 {
		return errBadRecord
	}
	return nil
}

// frameReader reads framed records; it reports how many bytes of good
// records it consumed, so that a torn tail can be cut off.
type frameReader struct {
	r    *bufio.Reader
	good int64
	buf  []byte
}

func (f *frameReader) next(r *record) error {
	var hdr [8]byte
	if _, err := io.ReadFull(f.r, hdr[:]); err != nil {
		if err == io.EOF {
			return io.EOF
		}
		return errBadRecord
	}
	n := binary.LittleEndian.Uint32(hdr[:])
	if n == 0 || n > maxRecord {
		return errBadRecord
	}
	if cap(f.buf) < int(n) {
		f.buf = make([]byte, n)
	}
	p := f.buf[:n]
	if _, err := io.ReadFull(f.r, p); err != nil {
		return errBadRecord
	}
	if crc32.Checksum(p, crcTable) != binary.LittleEndian.Uint32(hdr[4:]) {
		return errBadRecord
	}
	if err := decodeRecord(p, r); err != nil {
		return err
	}
	f.good += 8 + int64(n)
	return nil
}

// journal is the append-only change log after snapshot generation gen.
type journal struct {
	f       *os.File
	gen     uint64
	records int
	buf     []byte
}

func journalPath(dir string, gen uint64) string {
	return filepath.Join(dir, fmt.Sprintf("journal-%016x", gen))
}

// createJournal makes an empty, durable journal for generation gen.
func createJournal(dir string, gen uint64) (*journal, error) {
	f, err := os.OpenFile(journalPath(dir, gen), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	hdr := binary.LittleEndian.AppendUint64([]byte(journalMagic), gen)
	if _, err := f.Write(hdr); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	if err := syncDir(dir); err != nil {
		f.Close()
		return nil, err
	}
	return &journal{f: f, gen: gen}, nil
}

// append writes records and makes them durable before returning.
func (j *journal) append(recs ...record) error {
	j.buf = j.buf[:0]
	for i := range recs {
		j.buf = recs[i].appendFrame(j.buf)
	}
	if _, err := j.f.Write(j.buf); err != nil {
		return err
	}
	if err := j.f.Sync(); err != nil {
		return err
	}
	j.records += len(recs)
	return nil
}

func (j *journal) close() error { return j.f.Close() }

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
