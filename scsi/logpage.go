package scsi

import "encoding/binary"

// Log page codes (SPC-5, SSC-5) a tape system reads.
const (
	LogPageSupported   = 0x00
	LogPageWriteErrors = 0x02
	LogPageReadErrors  = 0x03
	LogPageSequential  = 0x0C
	LogPageTapeAlert   = 0x2E
)

// LogPage is one LOG SENSE page: header and parameters.
type LogPage struct {
	Page    byte // page code, 6 bits
	Subpage byte
	// SPF reports that the page has a subpage format (Subpage meaningful).
	SPF bool
	// DS (disable save) is the header bit of the same name.
	DS     bool
	Params []LogParameter
}

// LogParameter is one log parameter: code, control byte and value bytes.
type LogParameter struct {
	Code    uint16
	Control byte // DU, TSD, ETC, TMC and FORMAT AND LINKING bits
	Value   []byte
}

// Uint returns the value as a big-endian unsigned counter, as SPC formats
// the counters of the error counter pages; ok is false if the value is
// empty or longer than 8 bytes.
func (p LogParameter) Uint() (v uint64, ok bool) {
	if len(p.Value) == 0 || len(p.Value) > 8 {
		return 0, false
	}
	for _, b := range p.Value {
		v = v<<8 | uint64(b)
	}
	return v, true
}

// Param returns the parameter with the given code, if present.
func (lp *LogPage) Param(code uint16) (LogParameter, bool) {
	for _, p := range lp.Params {
		if p.Code == code {
			return p, true
		}
	}
	return LogParameter{}, false
}

const logWhat = "log page"

// ParseLogPage decodes a LOG SENSE response in the general parameter
// format. The page length must fit in b (allocate enough: a truncated page
// is ErrTruncated), and every parameter must fit in the page.
// Page 00h (supported pages) has no parameters: use ParseSupportedLogPages.
func ParseLogPage(b []byte) (*LogPage, error) {
	if len(b) < 4 {
		return nil, truncated(logWhat, len(b))
	}
	lp := &LogPage{Page: b[0] & 0x3F, DS: b[0]&0x80 != 0, SPF: b[0]&0x40 != 0, Subpage: b[1]}
	end := 4 + int(binary.BigEndian.Uint16(b[2:4]))
	if end > len(b) {
		return nil, truncated(logWhat, len(b))
	}
	for off := 4; off < end; {
		if off+4 > end {
			return nil, malformed(logWhat, off, "parameter header crosses the page end")
		}
		n := int(b[off+3])
		if off+4+n > end {
			return nil, malformed(logWhat, off, "parameter %#04x of %d bytes crosses the page end", binary.BigEndian.Uint16(b[off:]), n)
		}
		lp.Params = append(lp.Params, LogParameter{
			Code:    binary.BigEndian.Uint16(b[off:]),
			Control: b[off+2],
			Value:   b[off+4 : off+4+n : off+4+n],
		})
		off += 4 + n
	}
	return lp, nil
}

// ParseSupportedLogPages decodes page 00h: the page codes the device
// supports, in its order.
func ParseSupportedLogPages(b []byte) ([]byte, error) {
	const what = "supported log pages"
	if len(b) < 4 {
		return nil, truncated(what, len(b))
	}
	if b[0]&0x3F != LogPageSupported {
		return nil, malformed(what, 0, "page code %#02x, want 00h", b[0]&0x3F)
	}
	end := 4 + int(binary.BigEndian.Uint16(b[2:4]))
	if end > len(b) {
		return nil, truncated(what, len(b))
	}
	pages := make([]byte, 0, end-4)
	for _, p := range b[4:end] {
		pages = append(pages, p&0x3F)
	}
	return pages, nil
}

// ErrorCounters are the standard parameters of the write (02h) and read
// (03h) error counter log pages. A counter the device does not report is
// absent from Present.
type ErrorCounters struct {
	Page byte // LogPageWriteErrors or LogPageReadErrors
	// CorrectedNoDelay (0000h): errors corrected without substantial delay.
	CorrectedNoDelay uint64
	// CorrectedDelayed (0001h): errors corrected with possible delays.
	CorrectedDelayed uint64
	// Retries (0002h): total rewrites or rereads.
	Retries uint64
	// Corrected (0003h): total errors corrected.
	Corrected uint64
	// AlgorithmInvocations (0004h): times the correction algorithm ran.
	AlgorithmInvocations uint64
	// Bytes (0005h): total bytes processed.
	Bytes uint64
	// Uncorrected (0006h): total uncorrected errors.
	Uncorrected uint64
	// Present has bit c set when parameter code c (0..6) was reported.
	Present uint8
}

// ParseErrorCounters decodes a write or read error counter page.
func ParseErrorCounters(b []byte) (*ErrorCounters, error) {
	const what = "error counter log page"
	lp, err := ParseLogPage(b)
	if err != nil {
		return nil, err
	}
	if lp.Page != LogPageWriteErrors && lp.Page != LogPageReadErrors {
		return nil, malformed(what, 0, "page code %#02x, want 02h or 03h", lp.Page)
	}
	ec := &ErrorCounters{Page: lp.Page}
	fields := [...]*uint64{&ec.CorrectedNoDelay, &ec.CorrectedDelayed, &ec.Retries, &ec.Corrected, &ec.AlgorithmInvocations, &ec.Bytes, &ec.Uncorrected}
	for _, p := range lp.Params {
		if int(p.Code) >= len(fields) {
			continue // vendor-specific parameters
		}
		v, ok := p.Uint()
		if !ok {
			return nil, malformed(what, 0, "parameter %#04x has a %d-byte value", p.Code, len(p.Value))
		}
		*fields[p.Code] = v
		ec.Present |= 1 << p.Code
	}
	return ec, nil
}
