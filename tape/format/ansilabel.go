package format

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The ANSI labels (ANSI X3.27 / ECMA-13 as CASTOR and CTA fill them) are
// 80-byte ASCII records, each written as one 80-byte block. Fields are
// fixed columns; text is left-aligned and space-padded, numbers are
// zero-padded decimal, right-aligned.

const ansiLabelSize = 80

// systemCode is what CTA writes in the HDR1/EOF1 system code field. tapekit
// writes the same so CTA and CASTOR tools take its tapes for their own.
const systemCode = "CASTOR 2.1.15"

// VOL1 is the volume label at the beginning of an ANSI tape.
//
//	cols  0-3  "VOL1"
//	      4-9  volume serial (VSN)
//	     10    accessibility (space)
//	     11-23 reserved
//	     24-36 implementation identifier (spaces)
//	     37-50 owner identifier ("CASTOR")
//	     51-76 reserved
//	     77-78 logical block protection method, CASTOR's extension ("00")
//	     79    label standard level ('3')
type VOL1 struct {
	VSN       string
	OwnerID   string
	LBPMethod string // two hex digits, or blank; "00" when empty
	Standard  byte   // '3' when zero
}

// Marshal encodes the label as its 80 bytes.
func (v VOL1) Marshal() []byte {
	b := blankLabel("VOL1")
	putText(b, 4, 6, v.VSN)
	putText(b, 37, 14, v.OwnerID)
	lbp := v.LBPMethod
	if lbp == "" {
		lbp = "00"
	}
	putText(b, 77, 2, lbp)
	b[79] = '3'
	if v.Standard != 0 {
		b[79] = v.Standard
	}
	return b
}

// ParseVOL1 decodes a VOL1 label.
func ParseVOL1(b []byte) (VOL1, error) {
	if err := checkLabel(b, "VOL1"); err != nil {
		return VOL1{}, err
	}
	v := VOL1{VSN: text(b, 4, 6), OwnerID: text(b, 37, 14), LBPMethod: text(b, 77, 2), Standard: b[79]}
	if v.VSN == "" {
		return v, fmt.Errorf("%w: VOL1 without a volume serial", ErrBadMetadata)
	}
	if v.Standard < '1' || v.Standard > '4' {
		return v, fmt.Errorf("%w: VOL1 label standard %q", ErrBadMetadata, v.Standard)
	}
	return v, nil
}

// HDR1 is the first file header label (HDR1) or trailer label (EOF1).
//
//	cols  0-3  "HDR1" or "EOF1"
//	      4-20 file identifier: CTA's archive file id in upper-case hex,
//	           or "PRELABEL" in the label file
//	     21-26 file set identifier: the VSN
//	     27-30 file section number ("0001")
//	     31-34 file sequence number modulo 10000 (UHL1 has it whole)
//	     35-38 generation number ("0001")
//	     39-40 generation version ("00")
//	     41-46 creation date, cyyddd (c: space 19xx, '0' 20xx)
//	     47-52 expiration date, cyyddd
//	     53    accessibility (space)
//	     54-59 block count: 0 in HDR1, the data blocks (mod 10^6) in EOF1
//	     60-72 system code ("CASTOR 2.1.15")
//	     73-79 reserved
type HDR1 struct {
	EOF        bool // an EOF1 trailer label
	FileID     string
	VSN        string
	FSeq       int64 // written modulo 10000
	Created    time.Time
	Expires    time.Time
	BlockCount int64 // written modulo 1000000
	SystemCode string
}

// Marshal encodes the label as its 80 bytes.
func (h HDR1) Marshal() []byte {
	b := blankLabel("HDR1")
	if h.EOF {
		copy(b, "EOF1")
	}
	putText(b, 4, 17, h.FileID)
	putText(b, 21, 6, h.VSN)
	putNum(b, 27, 4, 1)
	putNum(b, 31, 4, h.FSeq)
	putNum(b, 35, 4, 1)
	putNum(b, 39, 2, 0)
	putDate(b, 41, h.Created)
	exp := h.Expires
	if exp.IsZero() {
		exp = h.Created
	}
	putDate(b, 47, exp)
	putNum(b, 54, 6, h.BlockCount)
	putText(b, 60, 13, h.SystemCode)
	return b
}

// ParseHDR1 decodes an HDR1 or EOF1 label.
func ParseHDR1(b []byte) (HDR1, error) {
	if len(b) == ansiLabelSize && bytes.HasPrefix(b, []byte("EOF1")) {
		h, err := parseHDR1(b, "EOF1")
		h.EOF = true
		return h, err
	}
	return parseHDR1(b, "HDR1")
}

func parseHDR1(b []byte, id string) (HDR1, error) {
	if err := checkLabel(b, id); err != nil {
		return HDR1{}, err
	}
	h := HDR1{FileID: text(b, 4, 17), VSN: text(b, 21, 6), SystemCode: text(b, 60, 13)}
	var err error
	if h.FSeq, err = num(b, id+" file sequence", 31, 4); err != nil {
		return h, err
	}
	if h.BlockCount, err = num(b, id+" block count", 54, 6); err != nil {
		return h, err
	}
	if sec, err := num(b, id+" file section", 27, 4); err != nil || sec != 1 {
		return h, fmt.Errorf("%w: %s file section %q: multi-volume files are not supported", ErrBadMetadata, id, b[27:31])
	}
	if h.Created, err = date(b, id+" creation date", 41); err != nil {
		return h, err
	}
	if h.Expires, err = date(b, id+" expiration date", 47); err != nil {
		return h, err
	}
	if h.FileID == "" || h.VSN == "" {
		return h, fmt.Errorf("%w: %s without file identifier or volume serial", ErrBadMetadata, id)
	}
	return h, nil
}

// HDR2 is the second file header label (HDR2) or trailer label (EOF2).
//
//	cols  0-3  "HDR2" or "EOF2"
//	      4    record format ('F')
//	      5-9  block length; "00000" when 100000 or more
//	     10-14 record length; likewise
//	     15    density (unused)
//	     16-33 reserved
//	     34-35 recording technique ("P " with drive compression)
//	     36-49 reserved
//	     50-51 buffer offset, CASTOR's AUL marker ("00")
//	     52-79 reserved
type HDR2 struct {
	EOF          bool
	RecordFormat byte // 'F' when zero
	BlockLength  int  // 0 when ≥ 100000 (the real size is in UHL1)
	Compression  bool
}

// Marshal encodes the label as its 80 bytes.
func (h HDR2) Marshal() []byte {
	b := blankLabel("HDR2")
	if h.EOF {
		copy(b, "EOF2")
	}
	b[4] = 'F'
	if h.RecordFormat != 0 {
		b[4] = h.RecordFormat
	}
	bl := int64(h.BlockLength)
	if bl >= 100000 {
		bl = 0
	}
	putNum(b, 5, 5, bl)
	putNum(b, 10, 5, bl)
	if h.Compression {
		putText(b, 34, 2, "P")
	}
	putText(b, 50, 2, "00")
	return b
}

// ParseHDR2 decodes an HDR2 or EOF2 label.
func ParseHDR2(b []byte) (HDR2, error) {
	id := "HDR2"
	if len(b) == ansiLabelSize && bytes.HasPrefix(b, []byte("EOF2")) {
		id = "EOF2"
	}
	if err := checkLabel(b, id); err != nil {
		return HDR2{}, err
	}
	h := HDR2{EOF: id == "EOF2", RecordFormat: b[4], Compression: b[34] == 'P'}
	bl, err := num(b, id+" block length", 5, 5)
	if err != nil {
		return h, err
	}
	h.BlockLength = int(bl)
	if h.RecordFormat != 'F' {
		return h, fmt.Errorf("%w: %s record format %q, want F", ErrBadMetadata, id, h.RecordFormat)
	}
	return h, nil
}

// UHL1 is CASTOR's user header label (UHL1) or user trailer label (UTL1):
// the whole file sequence number and block size, and where the file was
// written.
//
//	cols  0-3  "UHL1" or "UTL1"
//	      4-13 file sequence number
//	     14-23 block size
//	     24-33 record length (the block size)
//	     34-41 site
//	     42-51 mover host name, upper case
//	     52-59 drive vendor
//	     60-67 drive model
//	     68-79 drive serial number
type UHL1 struct {
	Trailer     bool // a UTL1
	FSeq        int64
	BlockSize   int
	Site, Host  string
	DriveVendor string
	DriveModel  string
	DriveSerial string
}

// Marshal encodes the label as its 80 bytes.
func (u UHL1) Marshal() []byte {
	b := blankLabel("UHL1")
	if u.Trailer {
		copy(b, "UTL1")
	}
	putNum(b, 4, 10, u.FSeq)
	putNum(b, 14, 10, int64(u.BlockSize))
	putNum(b, 24, 10, int64(u.BlockSize))
	putText(b, 34, 8, u.Site)
	putText(b, 42, 10, strings.ToUpper(u.Host))
	putText(b, 52, 8, u.DriveVendor)
	putText(b, 60, 8, u.DriveModel)
	putText(b, 68, 12, u.DriveSerial)
	return b
}

// ParseUHL1 decodes a UHL1 or UTL1 label.
func ParseUHL1(b []byte) (UHL1, error) {
	id := "UHL1"
	if len(b) == ansiLabelSize && bytes.HasPrefix(b, []byte("UTL1")) {
		id = "UTL1"
	}
	if err := checkLabel(b, id); err != nil {
		return UHL1{}, err
	}
	u := UHL1{Trailer: id == "UTL1", Site: text(b, 34, 8), Host: text(b, 42, 10), DriveVendor: text(b, 52, 8), DriveModel: text(b, 60, 8), DriveSerial: text(b, 68, 12)}
	var err error
	if u.FSeq, err = num(b, id+" file sequence", 4, 10); err != nil {
		return u, err
	}
	bs, err := num(b, id+" block size", 14, 10)
	if err != nil {
		return u, err
	}
	if bs <= 0 || bs > 1<<30 {
		return u, fmt.Errorf("%w: %s block size %d", ErrBadMetadata, id, bs)
	}
	u.BlockSize = int(bs)
	return u, nil
}

func blankLabel(id string) []byte {
	b := bytes.Repeat([]byte{' '}, ansiLabelSize)
	copy(b, id)
	return b
}

func putText(b []byte, at, n int, s string) {
	if len(s) > n {
		s = s[:n]
	}
	copy(b[at:at+n], s)
}

// putNum writes v zero-padded, modulo 10^n, as CASTOR does.
func putNum(b []byte, at, n int, v int64) {
	mod := int64(1)
	for range n {
		mod *= 10
	}
	s := strconv.FormatInt(((v%mod)+mod)%mod, 10)
	copy(b[at:at+n], strings.Repeat("0", n-len(s))+s)
}

func putDate(b []byte, at int, t time.Time) {
	if t.IsZero() {
		copy(b[at:at+6], "000001")
		return
	}
	c := byte(' ')
	if y := t.Year(); y >= 2000 {
		c = byte('0' + (y-2000)/100)
	}
	copy(b[at:at+6], fmt.Sprintf("%c%02d%03d", c, t.Year()%100, t.YearDay()))
}

func checkLabel(b []byte, id string) error {
	if len(b) != ansiLabelSize {
		return fmt.Errorf("%w: %s label of %d bytes, want %d", ErrWrongFormat, id, len(b), ansiLabelSize)
	}
	if string(b[:4]) != id {
		return fmt.Errorf("%w: expected a %s label, found %q", ErrWrongFormat, id, truncate(string(b[:4])))
	}
	for i, c := range b {
		if c < ' ' || c > '~' {
			return fmt.Errorf("%w: %s label: byte %d is %#02x, not printable ASCII", ErrBadMetadata, id, i, c)
		}
	}
	return nil
}

func text(b []byte, at, n int) string { return strings.TrimRight(string(b[at:at+n]), " ") }

func num(b []byte, what string, at, n int) (int64, error) {
	s := strings.TrimSpace(string(b[at : at+n]))
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 || strings.ContainsAny(s, "+-") {
		return 0, fmt.Errorf("%w: %s %q is not a number", ErrBadMetadata, what, b[at:at+n])
	}
	return v, nil
}

// date decodes cyyddd; c is space for 19xx, '0' for 20xx, '1' for 21xx.
// CASTOR writes expiration dates equal to creation dates; an all-zero or
// blank date gives the zero time.
func date(b []byte, what string, at int) (time.Time, error) {
	s := string(b[at : at+6])
	if strings.TrimSpace(s) == "" || strings.Trim(s, "0 ") == "1" || strings.Trim(s, "0 ") == "" {
		return time.Time{}, nil
	}
	century := 1900
	switch c := s[0]; {
	case c == ' ':
	case c >= '0' && c <= '9':
		century = 2000 + 100*int(c-'0')
	default:
		return time.Time{}, fmt.Errorf("%w: %s %q", ErrBadMetadata, what, s)
	}
	yy, err1 := strconv.Atoi(strings.TrimSpace(s[1:3]))
	ddd, err2 := strconv.Atoi(s[3:6])
	if err1 != nil || err2 != nil || yy < 0 || ddd < 1 || ddd > 366 {
		return time.Time{}, fmt.Errorf("%w: %s %q", ErrBadMetadata, what, s)
	}
	return time.Date(century+yy, 1, ddd, 0, 0, 0, 0, time.UTC), nil
}
