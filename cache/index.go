package cache

import (
	"slices"
	"time"

	"github.com/tapekit/tapekit/checksum"
)

// The in-memory index is an arena of fixed-size entries addressed by int32,
// a map from name to slot, and an LRU list threaded through the online
// entries by slot number. Entries hold no pointers but two strings, so a
// million of them cost the garbage collector little and fit in well under
// 200 MB (see BenchmarkOpenMillion).

const nilSlot = -1

type entry struct {
	// key is the name followed by the encoded checksums: one allocation
	// per file, and the map key shares it.
	key        string
	nameLen    uint32
	class      uint16
	state      State
	size       int64
	created    int64 // unix nanoseconds
	atime      int64 // unix nanoseconds; the LRU order
	prev, next int32 // LRU neighbours (online entries only)
}

func (e *entry) name() string { return e.key[:e.nameLen] }

type index struct {
	slots   []entry
	free    []int32
	byName  map[string]int32
	classes []string
	classOf map[string]uint16
	// LRU of online entries: head is the least recently used.
	head, tail int32
	precious   map[int32]struct{}
}

func newIndex(n int) *index {
	return &index{
		slots:    make([]entry, 0, n),
		byName:   make(map[string]int32, n),
		classes:  []string{""},
		classOf:  map[string]uint16{"": 0},
		head:     nilSlot,
		tail:     nilSlot,
		precious: map[int32]struct{}{},
	}
}

func (x *index) classID(name string) uint16 {
	if id, ok := x.classOf[name]; ok {
		return id
	}
	id := uint16(len(x.classes))
	x.classes = append(x.classes, name)
	x.classOf[name] = id
	return id
}

func (x *index) lookup(name string) (int32, *entry) {
	i, ok := x.byName[name]
	if !ok {
		return nilSlot, nil
	}
	return i, &x.slots[i]
}

// add inserts a new entry in state st; the caller checked that the name is
// free.
func (x *index) add(name, class string, sums []checksum.Value, st State, size, created, atime int64) int32 {
	key := name + encodeSums(sums)
	e := entry{key: key, nameLen: uint32(len(name)), class: x.classID(class), size: size,
		created: created, atime: atime, prev: nilSlot, next: nilSlot}
	var i int32
	if n := len(x.free); n > 0 {
		i = x.free[n-1]
		x.free = x.free[:n-1]
		x.slots[i] = e
	} else {
		i = int32(len(x.slots))
		x.slots = append(x.slots, e)
	}
	x.byName[key[:len(name)]] = i
	x.setState(i, st)
	return i
}

// setState moves entry i to st, keeping the LRU list and the precious set.
func (x *index) setState(i int32, st State) {
	e := &x.slots[i]
	if e.state == Online {
		x.unlink(i)
	}
	if e.state == Precious {
		delete(x.precious, i)
	}
	e.state = st
	switch st {
	case Online:
		x.pushBack(i)
	case Precious:
		x.precious[i] = struct{}{}
	}
}

func (x *index) remove(i int32) {
	x.setState(i, 0)
	delete(x.byName, x.slots[i].name())
	x.slots[i] = entry{prev: nilSlot, next: nilSlot}
	x.free = append(x.free, i)
}

func (x *index) setSums(i int32, sums []checksum.Value) {
	e := &x.slots[i]
	name := e.name()
	e.key = name + encodeSums(sums)
	x.byName[e.key[:len(name)]] = i
}

func (x *index) pushBack(i int32) {
	e := &x.slots[i]
	e.prev, e.next = x.tail, nilSlot
	if x.tail != nilSlot {
		x.slots[x.tail].next = i
	} else {
		x.head = i
	}
	x.tail = i
}

func (x *index) unlink(i int32) {
	e := &x.slots[i]
	if e.prev != nilSlot {
		x.slots[e.prev].next = e.next
	} else {
		x.head = e.next
	}
	if e.next != nilSlot {
		x.slots[e.next].prev = e.prev
	} else {
		x.tail = e.prev
	}
	e.prev, e.next = nilSlot, nilSlot
}

// touch marks an online entry as just used.
func (x *index) touch(i int32, now int64) {
	e := &x.slots[i]
	e.atime = now
	if e.state == Online && x.tail != i {
		x.unlink(i)
		x.pushBack(i)
	}
}

// rebuildLRU threads the online entries in access-time order, after a load
// that added them in file order.
func (x *index) rebuildLRU() {
	var online []int32
	for i := range x.slots {
		if x.slots[i].state == Online {
			online = append(online, int32(i))
		}
	}
	slices.SortStableFunc(online, func(a, b int32) int {
		return cmpInt64(x.slots[a].atime, x.slots[b].atime)
	})
	x.head, x.tail = nilSlot, nilSlot
	for _, i := range online {
		x.pushBack(i)
	}
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// encodeSums packs checksum values as (len, algorithm, len, bytes)...
func encodeSums(sums []checksum.Value) string {
	var b []byte
	for _, v := range sums {
		b = append(b, byte(len(v.Algorithm)))
		b = append(b, v.Algorithm...)
		b = append(b, byte(len(v.Bytes)))
		b = append(b, v.Bytes...)
	}
	return string(b)
}

func decodeSums(s string) []checksum.Value {
	var out []checksum.Value
	for len(s) > 0 {
		n := int(s[0])
		if 1+n >= len(s) {
			break
		}
		alg := s[1 : 1+n]
		s = s[1+n:]
		m := int(s[0])
		if 1+m > len(s) {
			break
		}
		out = append(out, checksum.Value{Algorithm: alg, Bytes: []byte(s[1 : 1+m])})
		s = s[1+m:]
	}
	return out
}

func (e *entry) sums() []checksum.Value { return decodeSums(e.key[e.nameLen:]) }

func unixNano(t time.Time) int64 { return t.UnixNano() }
