package checksum

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// A minimal parser of RFC 9651 (formerly 8941) Structured Field
// Dictionaries, enough for the digest fields of RFC 9530: every syntax of
// the RFC is recognised so that valid fields parse, but only the value types
// the digest fields use are kept. Unknown parameters are parsed and dropped.

type sfKind int

const (
	sfInteger sfKind = iota
	sfDecimal
	sfString
	sfToken
	sfBytes
	sfBoolean
	sfDate
	sfInnerList
)

var sfKindNames = [...]string{"integer", "decimal", "string", "token", "byte sequence", "boolean", "date", "inner list"}

func (k sfKind) String() string { return sfKindNames[k] }

type sfItem struct {
	kind sfKind
	num  int64 // integer, date, boolean (0/1)
	str  string
	b    []byte
}

type sfMember struct {
	key    string
	offset int // where the key starts, for errors
	val    sfItem
}

type sfParser struct {
	field string // field name, for errors
	s     string
	i     int
}

func (p *sfParser) fail(reason string) error {
	return &HeaderError{Field: p.field, Offset: p.i, Reason: reason}
}

func (p *sfParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *sfParser) skipSP() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *sfParser) skipOWS() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

// parseSFDictionary parses a whole field value as a Dictionary. A key given
// twice keeps its first position and its last value, as the RFC says.
func parseSFDictionary(field, s string) ([]sfMember, error) {
	p := &sfParser{field: field, s: s}
	p.skipSP()
	var out []sfMember
	if p.i == len(p.s) {
		return out, nil
	}
	for {
		off := p.i
		key, err := p.key()
		if err != nil {
			return nil, err
		}
		var v sfItem
		if p.peek() == '=' {
			p.i++
			if v, err = p.member(); err != nil {
				return nil, err
			}
		} else {
			v = sfItem{kind: sfBoolean, num: 1}
			if err := p.params(); err != nil {
				return nil, err
			}
		}
		replaced := false
		for j := range out {
			if out[j].key == key {
				out[j].val, replaced = v, true
			}
		}
		if !replaced {
			out = append(out, sfMember{key: key, offset: off, val: v})
		}
		p.skipOWS()
		if p.i == len(p.s) {
			return out, nil
		}
		if p.peek() != ',' {
			return nil, p.fail("expected ',' between members")
		}
		p.i++
		p.skipOWS()
		if p.i == len(p.s) {
			return nil, p.fail("trailing ','")
		}
	}
}

func isLCAlpha(c byte) bool { return c >= 'a' && c <= 'z' }
func isAlpha(c byte) bool   { return isLCAlpha(c) || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool   { return c >= '0' && c <= '9' }

// isTChar reports an RFC 9110 token character.
func isTChar(c byte) bool {
	return isAlpha(c) || isDigit(c) || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func (p *sfParser) key() (string, error) {
	start := p.i
	if c := p.peek(); !isLCAlpha(c) && c != '*' {
		return "", p.fail("key must start with a lower-case letter or '*'")
	}
	for p.i < len(p.s) {
		c := p.s[p.i]
		if !isLCAlpha(c) && !isDigit(c) && c != '_' && c != '-' && c != '.' && c != '*' {
			break
		}
		p.i++
	}
	return p.s[start:p.i], nil
}

func (p *sfParser) member() (sfItem, error) {
	if p.peek() == '(' {
		return p.innerList()
	}
	v, err := p.bareItem()
	if err != nil {
		return sfItem{}, err
	}
	return v, p.params()
}

func (p *sfParser) innerList() (sfItem, error) {
	p.i++ // '('
	for {
		p.skipSP()
		if p.i == len(p.s) {
			return sfItem{}, p.fail("unterminated inner list")
		}
		if p.peek() == ')' {
			p.i++
			return sfItem{kind: sfInnerList}, p.params()
		}
		if _, err := p.bareItem(); err != nil {
			return sfItem{}, err
		}
		if err := p.params(); err != nil {
			return sfItem{}, err
		}
		if c := p.peek(); c != ' ' && c != ')' {
			return sfItem{}, p.fail("expected ' ' or ')' in inner list")
		}
	}
}

func (p *sfParser) params() error {
	for p.peek() == ';' {
		p.i++
		p.skipSP()
		if _, err := p.key(); err != nil {
			return err
		}
		if p.peek() == '=' {
			p.i++
			if _, err := p.bareItem(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p *sfParser) bareItem() (sfItem, error) {
	c := p.peek()
	switch {
	case c == '-' || isDigit(c):
		return p.number()
	case c == '"':
		return p.str()
	case c == '*' || isAlpha(c):
		return p.token(), nil
	case c == ':':
		return p.bytes()
	case c == '?':
		if p.i+1 < len(p.s) && (p.s[p.i+1] == '0' || p.s[p.i+1] == '1') {
			v := sfItem{kind: sfBoolean, num: int64(p.s[p.i+1] - '0')}
			p.i += 2
			return v, nil
		}
		p.i++
		return sfItem{}, p.fail("boolean must be ?0 or ?1")
	case c == '@':
		p.i++
		v, err := p.number()
		if err != nil {
			return sfItem{}, err
		}
		if v.kind != sfInteger {
			return sfItem{}, p.fail("date must be an integer")
		}
		v.kind = sfDate
		return v, nil
	case p.i == len(p.s):
		return sfItem{}, p.fail("missing value")
	default:
		return sfItem{}, p.fail("unexpected character " + strconv.QuoteRune(rune(c)))
	}
}

func (p *sfParser) number() (sfItem, error) {
	start := p.i
	if p.peek() == '-' {
		p.i++
	}
	if !isDigit(p.peek()) {
		return sfItem{}, p.fail("expected a digit")
	}
	digits, dot := 0, -1
	for p.i < len(p.s) {
		c := p.s[p.i]
		if isDigit(c) {
			digits++
		} else if c == '.' && dot < 0 {
			if digits > 12 {
				return sfItem{}, p.fail("decimal has more than 12 integer digits")
			}
			dot = digits
		} else {
			break
		}
		p.i++
		if dot < 0 && digits > 15 {
			return sfItem{}, p.fail("integer has more than 15 digits")
		}
		if dot >= 0 && digits > 15 {
			return sfItem{}, p.fail("decimal is too long")
		}
	}
	text := p.s[start:p.i]
	if dot < 0 {
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return sfItem{}, p.fail("bad integer")
		}
		return sfItem{kind: sfInteger, num: n}, nil
	}
	if frac := digits - dot; frac == 0 || frac > 3 {
		return sfItem{}, p.fail("decimal needs 1 to 3 fractional digits")
	}
	return sfItem{kind: sfDecimal, str: text}, nil
}

func (p *sfParser) str() (sfItem, error) {
	p.i++ // '"'
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		p.i++
		switch {
		case c == '\\':
			if p.i == len(p.s) || (p.s[p.i] != '"' && p.s[p.i] != '\\') {
				return sfItem{}, p.fail("bad escape in string")
			}
			b.WriteByte(p.s[p.i])
			p.i++
		case c == '"':
			return sfItem{kind: sfString, str: b.String()}, nil
		case c < 0x20 || c > 0x7e:
			p.i--
			return sfItem{}, p.fail("invalid character in string")
		default:
			b.WriteByte(c)
		}
	}
	return sfItem{}, p.fail("unterminated string")
}

func (p *sfParser) token() sfItem {
	start := p.i
	p.i++
	for p.i < len(p.s) && (isTChar(p.s[p.i]) || p.s[p.i] == ':' || p.s[p.i] == '/') {
		p.i++
	}
	return sfItem{kind: sfToken, str: p.s[start:p.i]}
}

func (p *sfParser) bytes() (sfItem, error) {
	p.i++ // ':'
	end := strings.IndexByte(p.s[p.i:], ':')
	if end < 0 {
		return sfItem{}, p.fail("unterminated byte sequence")
	}
	text := p.s[p.i : p.i+end]
	for j := 0; j < len(text); j++ {
		c := text[j]
		if !isAlpha(c) && !isDigit(c) && c != '+' && c != '/' && c != '=' {
			p.i += j
			return sfItem{}, p.fail("invalid base64 character in byte sequence")
		}
	}
	// RFC 9651 asks parsers not to insist on '=' padding.
	b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(text, "="))
	if err != nil {
		return sfItem{}, p.fail("bad base64 in byte sequence")
	}
	p.i += end + 1
	return sfItem{kind: sfBytes, b: b}, nil
}
