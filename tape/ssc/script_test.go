package ssc_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/tapekit/tapekit/scsi"
)

// step is one expected command and the drive's canned answer.
type step struct {
	cdb      string // expected CDB, hex
	data     string // data-in the drive returns, hex
	status   scsi.Status
	sense    string // hex
	residual int    // when zero for data-in, computed from data
	err      error  // transport failure instead of a result
}

// script is a scsi.Transport that expects its steps in order.
type script struct {
	t     testing.TB
	steps []step
	n     int
	sent  [][]byte // data-out of each command, for checks
}

func newScript(t testing.TB, steps ...step) *script { return &script{t: t, steps: steps} }

func hexb(s string) []byte {
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		panic(fmt.Sprintf("bad hex %q: %v", s, err))
	}
	return b
}

func (s *script) Do(ctx context.Context, cmd *scsi.Command) (scsi.Result, error) {
	s.t.Helper()
	got := fmt.Sprintf("% x", cmd.CDB)
	if s.n >= len(s.steps) {
		s.t.Fatalf("unexpected command %s after the script ended", got)
	}
	st := s.steps[s.n]
	s.n++
	if want := fmt.Sprintf("% x", hexb(st.cdb)); got != want {
		s.t.Fatalf("command %d: CDB %s, want %s", s.n, got, want)
	}
	if cmd.Timeout <= 0 {
		s.t.Errorf("command %s sent without a timeout", got)
	}
	if cmd.Direction == scsi.DirOut {
		s.sent = append(s.sent, append([]byte(nil), cmd.Data...))
	}
	if st.err != nil {
		return scsi.Result{}, st.err
	}
	res := scsi.Result{Status: st.status, Sense: hexb(st.sense), Residual: st.residual}
	if cmd.Direction == scsi.DirIn && st.data != "" {
		n := copy(cmd.Data, hexb(st.data))
		if res.Residual == 0 {
			res.Residual = len(cmd.Data) - n
		}
	}
	return res, nil
}

// done fails the test if steps remain.
func (s *script) done() {
	s.t.Helper()
	if s.n != len(s.steps) {
		s.t.Errorf("script: %d of %d commands sent; next expected %s", s.n, len(s.steps), s.steps[s.n].cdb)
	}
}

// Sense bytes used across the tests (fixed format).
const (
	senseFilemark    = "f0 00 80 00 00 04 00 0a 00 00 00 00 00 01 00 00 00 00" // info = 1024 requested
	senseEOD         = "f0 00 08 00 00 04 00 0a 00 00 00 00 00 05 00 00 00 00"
	senseNoMedium    = "70 00 02 00 00 00 00 0a 00 00 00 00 3a 00 00 00 00 00"
	senseBecoming    = "70 00 02 00 00 00 00 0a 00 00 00 00 04 01 00 00 00 00"
	sensePowerOn     = "70 00 06 00 00 00 00 0a 00 00 00 00 29 00 00 00 00 00"
	senseMediaChange = "70 00 06 00 00 00 00 0a 00 00 00 00 28 00 00 00 00 00"
	senseEarlyWarn   = "70 00 40 00 00 00 00 0a 00 00 00 00 00 02 00 00 00 00"
	senseOverflow    = "f0 00 4d 00 00 00 04 0a 00 00 00 00 00 02 00 00 00 00" // 4 bytes not written
	senseWP          = "70 00 07 00 00 00 00 0a 00 00 00 00 27 00 00 00 00 00"
	senseMedium      = "70 00 03 00 00 00 00 0a 00 00 00 00 11 00 00 00 00 00"
	senseWriteErr    = "70 00 03 00 00 00 00 0a 00 00 00 00 0c 00 00 00 00 00"
	senseBadField    = "70 00 05 00 00 00 00 0a 00 00 00 00 24 00 00 00 00 00"
	senseBOP         = "f0 00 40 ff ff ff fe 0a 00 00 00 00 00 04 00 00 00 00" // residue -2
	senseCleaning    = "70 00 02 00 00 00 00 0a 00 00 00 00 30 03 00 00 00 00"
)

// posLong builds a READ POSITION long form answer.
func posLong(flags byte, part uint32, block, file uint64) string {
	b := make([]byte, 32)
	b[0] = flags
	b[4], b[5], b[6], b[7] = byte(part>>24), byte(part>>16), byte(part>>8), byte(part)
	for i := 0; i < 8; i++ {
		b[8+i] = byte(block >> (56 - 8*i))
		b[16+i] = byte(file >> (56 - 8*i))
	}
	return hex.EncodeToString(b)
}

const (
	cdbTUR      = "00 00 00 00 00 00"
	cdbReadPos  = "34 06 00 00 00 00 00 00 00 00"
	cdbRewind   = "01 00 00 00 00 00"
	cdbLoad     = "1b 00 00 00 01 00"
	cdbUnload   = "1b 00 00 00 00 00"
	cdbRead1K   = "08 00 00 04 00 00"
	cdbWrite1K  = "0a 00 00 04 00 00"
	cdbWFMSync  = "10 00 00 00 01 00"
	cdbWFMImmed = "10 01 00 00 02 00"
)
