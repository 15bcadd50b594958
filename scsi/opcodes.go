package scsi

import (
	"encoding/binary"
	"time"
)

// SupportedCommand is one command descriptor of REPORT SUPPORTED OPERATION
// CODES (all_commands format).
type SupportedCommand struct {
	Opcode           byte
	ServiceAction    uint16
	HasServiceAction bool // SERVACTV
	CDBLength        uint16
	// Timeouts are present when the command was sent with RCTD set and
	// the device reported a command timeouts descriptor (CTDP).
	HasTimeouts        bool
	NominalTimeout     time.Duration
	RecommendedTimeout time.Duration
}

// ParseSupportedOpcodes decodes REPORT SUPPORTED OPERATION CODES data in
// the all_commands format (reporting options 000b). The device's
// recommended timeouts are what a driver should use for long commands.
func ParseSupportedOpcodes(b []byte) ([]SupportedCommand, error) {
	const what = "REPORT SUPPORTED OPERATION CODES data"
	if len(b) < 4 {
		return nil, truncated(what, len(b))
	}
	end := 4 + int(binary.BigEndian.Uint32(b))
	if end < 4 || end > len(b) {
		return nil, truncated(what, len(b))
	}
	var cs []SupportedCommand
	for off := 4; off < end; {
		if off+8 > end {
			return nil, malformed(what, off, "command descriptor crosses the data end")
		}
		d := b[off:]
		c := SupportedCommand{
			Opcode:           d[0],
			ServiceAction:    binary.BigEndian.Uint16(d[2:]),
			HasServiceAction: d[5]&0x01 != 0,
			CDBLength:        binary.BigEndian.Uint16(d[6:]),
		}
		off += 8
		if d[5]&0x02 != 0 { // CTDP: a 12-byte command timeouts descriptor follows
			if off+12 > end {
				return nil, malformed(what, off, "command timeouts descriptor crosses the data end")
			}
			t := b[off:]
			c.HasTimeouts = true
			c.NominalTimeout = time.Duration(binary.BigEndian.Uint32(t[4:])) * time.Second
			c.RecommendedTimeout = time.Duration(binary.BigEndian.Uint32(t[8:])) * time.Second
			off += 12
		}
		cs = append(cs, c)
	}
	return cs, nil
}
