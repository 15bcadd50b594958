package simulator_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"pgregory.net/rapid"

	"github.com/tapekit/tapekit/simulator"
	"github.com/tapekit/tapekit/tape"
)

// tapeModel is the simplest description of a tape: a slice of objects and
// a position, plus how many objects a power loss keeps.
type tapeModel struct {
	objs     []modelObj
	pos      int
	synced   int
	threaded bool
}

type modelObj struct {
	mark bool
	data []byte
}

func (m *tapeModel) truncate(at int) {
	m.objs = m.objs[:at]
	m.synced = min(m.synced, at)
}

func (m *tapeModel) flush() { m.synced = len(m.objs) }

func (m *tapeModel) files(at int) int64 {
	var n int64
	for _, o := range m.objs[:at] {
		if o.mark {
			n++
		}
	}
	return n
}

// TestDriveModel drives a simulated drive and the model with the same
// random operations and checks that results, errors and positions agree.
func TestDriveModel(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		ctx := context.Background()
		var l *simulator.Library
		var err error
		if rapid.Bool().Draw(rt, "directory") {
			l, err = simulator.Open(t.TempDir(), testConfig(), nil)
		} else {
			l, err = simulator.New(testConfig(), nil)
		}
		if err != nil {
			rt.Fatal(err)
		}
		defer l.Close()
		if err := l.Changer().Move(ctx, l.SlotAddress(1), l.DriveAddress(0)); err != nil {
			rt.Fatal(err)
		}
		d, _ := l.Drive(0)
		m := &tapeModel{threaded: true}
		seq := 0

		checkPos := func(rt *rapid.T) {
			if !m.threaded {
				return
			}
			p, err := d.Position(ctx)
			if err != nil {
				rt.Fatalf("position: %v", err)
			}
			want := tape.Position{Block: int64(m.pos), File: m.files(m.pos)}
			if p != want {
				rt.Fatalf("position %v, model %v", p, want)
			}
		}
		notReady := func(rt *rapid.T, what string, err error) {
			if !errors.Is(err, tape.ErrNotReady) {
				rt.Fatalf("%s on an unloaded drive: got %v, want ErrNotReady", what, err)
			}
		}

		rt.Repeat(map[string]func(*rapid.T){
			"": func(rt *rapid.T) { checkPos(rt) },
			"write": func(rt *rapid.T) {
				n := rapid.IntRange(1, 3000).Draw(rt, "len")
				seq++
				data := bytes.Repeat([]byte{byte(seq), byte(seq >> 8), byte(n)}, n/3+1)[:n]
				err := d.Write(ctx, data)
				if !m.threaded {
					notReady(rt, "write", err)
					return
				}
				if err != nil {
					rt.Fatalf("write: %v", err)
				}
				m.truncate(m.pos)
				m.objs = append(m.objs, modelObj{data: data})
				m.pos++
			},
			"filemarks": func(rt *rapid.T) {
				n := rapid.IntRange(0, 3).Draw(rt, "count")
				sync := rapid.Bool().Draw(rt, "sync")
				err := d.WriteFilemarks(ctx, n, sync)
				if !m.threaded {
					notReady(rt, "filemarks", err)
					return
				}
				if err != nil {
					rt.Fatalf("filemarks: %v", err)
				}
				if n > 0 {
					m.truncate(m.pos)
					for range n {
						m.objs = append(m.objs, modelObj{mark: true})
					}
					m.pos += n
				}
				if sync {
					m.flush()
				}
			},
			"read": func(rt *rapid.T) {
				size := rapid.IntRange(0, 4000).Draw(rt, "buf")
				buf := make([]byte, size)
				n, err := d.Read(ctx, buf)
				if !m.threaded {
					notReady(rt, "read", err)
					return
				}
				switch {
				case m.pos == len(m.objs):
					if !errors.Is(err, tape.ErrEndOfData) || n != 0 {
						rt.Fatalf("read at EOD: %d, %v", n, err)
					}
				case m.objs[m.pos].mark:
					if !errors.Is(err, tape.ErrFilemark) || n != 0 {
						rt.Fatalf("read at filemark: %d, %v", n, err)
					}
					m.pos++
				default:
					data := m.objs[m.pos].data
					m.pos++
					want := min(len(data), size)
					if n != want || !bytes.Equal(buf[:n], data[:want]) {
						rt.Fatalf("read %d bytes, want %d of block", n, want)
					}
					if len(data) > size {
						var te *tape.Error
						if !errors.As(err, &te) || !errors.Is(err, tape.ErrBlockTooLong) || te.Residue != int64(len(data)-size) {
							rt.Fatalf("short read: %v, want ErrBlockTooLong residue %d", err, len(data)-size)
						}
					} else if err != nil {
						rt.Fatalf("read: %v", err)
					}
				}
			},
			"space": func(rt *rapid.T) {
				kind := tape.SpaceKind(rapid.IntRange(0, 2).Draw(rt, "kind"))
				count := int64(rapid.IntRange(-4, 4).Draw(rt, "count"))
				err := d.Space(ctx, kind, count)
				if !m.threaded {
					notReady(rt, "space", err)
					return
				}
				m.flush()
				want := m.space(kind, count)
				if !errors.Is(err, want) || (want == nil) != (err == nil) {
					rt.Fatalf("space %v %d: got %v, model %v", kind, count, err, want)
				}
			},
			"locate": func(rt *rapid.T) {
				b := rapid.IntRange(0, len(m.objs)+2).Draw(rt, "block")
				err := d.Locate(ctx, tape.Position{Block: int64(b)})
				if !m.threaded {
					notReady(rt, "locate", err)
					return
				}
				m.flush()
				m.pos = min(b, len(m.objs))
				if (b > len(m.objs)) != errors.Is(err, tape.ErrEndOfData) {
					rt.Fatalf("locate %d of %d: %v", b, len(m.objs), err)
				}
			},
			"rewind": func(rt *rapid.T) {
				err := d.Rewind(ctx)
				if !m.threaded {
					notReady(rt, "rewind", err)
					return
				}
				if err != nil {
					rt.Fatal(err)
				}
				m.flush()
				m.pos = 0
			},
			"unload-load": func(rt *rapid.T) {
				if err := d.Unload(ctx); err != nil {
					rt.Fatal(err)
				}
				if m.threaded {
					m.flush()
				}
				if err := d.Load(ctx); err != nil {
					rt.Fatal(err)
				}
				m.threaded, m.pos = true, 0
			},
			"power-loss": func(rt *rapid.T) {
				if err := l.PowerLoss(); err != nil {
					rt.Fatal(err)
				}
				m.objs = m.objs[:m.synced]
				m.threaded, m.pos = false, 0
			},
		})
	})
}

// space applies a space to the model, object by object, and returns the
// error the drive must give.
func (m *tapeModel) space(kind tape.SpaceKind, count int64) error {
	switch kind {
	case tape.SpaceEndOfData:
		m.pos = len(m.objs)
		return nil
	case tape.SpaceBlocks:
		for ; count > 0; count-- {
			if m.pos == len(m.objs) {
				return tape.ErrEndOfData
			}
			m.pos++
			if m.objs[m.pos-1].mark {
				return tape.ErrFilemark
			}
		}
		for ; count < 0; count++ {
			if m.pos == 0 {
				return tape.ErrBeginningOfMedium
			}
			m.pos--
			if m.objs[m.pos].mark {
				return tape.ErrFilemark
			}
		}
	case tape.SpaceFilemarks:
		for ; count > 0; count-- {
			for {
				if m.pos == len(m.objs) {
					return tape.ErrEndOfData
				}
				m.pos++
				if m.objs[m.pos-1].mark {
					break
				}
			}
		}
		for ; count < 0; count++ {
			for {
				if m.pos == 0 {
					return tape.ErrBeginningOfMedium
				}
				m.pos--
				if m.objs[m.pos].mark {
					break
				}
			}
		}
	}
	return nil
}
