package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/tapekit/tapekit/scsi"
)

func init() {
	register(&command{name: "sense", usage: "[-json] HEX...", summary: "decode raw SCSI sense bytes like sg_decode_sense (reads stdin when no HEX is given)", run: runSense})
}

func runSense(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("sense", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	asJSON := fs.Bool("json", false, "print the decoded sense as JSON")
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	text := strings.Join(fs.Args(), " ")
	if fs.NArg() == 0 {
		b, err := io.ReadAll(io.LimitReader(e.stdin, maxSenseText+1))
		if err != nil {
			return fmt.Errorf("reading standard input: %w", err)
		}
		if len(b) > maxSenseText {
			return usagef("standard input holds more than %d KiB: sense data is at most 252 bytes; give only the sense bytes", maxSenseText>>10)
		}
		text = string(b)
	}
	raw, err := parseHexBytes(text)
	if err != nil {
		return usagef("%v", err)
	}
	if len(raw) == 0 {
		return usagef("no sense bytes given")
	}
	s, err := scsi.DecodeSense(raw)
	if err != nil {
		return fmt.Errorf("cannot decode %d sense bytes: %w", len(raw), err)
	}
	if *asJSON {
		return printSenseJSON(e.stdout, s)
	}
	printSense(e.stdout, s)
	return nil
}

// maxSenseText bounds the text read from standard input: 252 bytes of
// sense data in hex, however spaced, are far less. Text past it is refused
// rather than dropped, so nothing is decoded from part of what was given.
const maxSenseText = 64 << 10

// parseHexBytes accepts bytes as separate tokens ("70 00 03", "0x70,0x0"),
// as one run ("700003…"), or a mix. A one-digit token is one byte.
func parseHexBytes(s string) ([]byte, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == ','
	})
	var out []byte
	for _, f := range fields {
		tok := f
		if len(tok) > 2 && (tok[:2] == "0x" || tok[:2] == "0X") {
			tok = tok[2:]
		}
		if len(tok) == 1 {
			tok = "0" + tok
		}
		if len(tok)%2 != 0 {
			return nil, fmt.Errorf("odd number of hex digits in %q", f)
		}
		b, err := hex.DecodeString(tok)
		if err != nil {
			return nil, fmt.Errorf("%q is not hexadecimal", f)
		}
		out = append(out, b...)
	}
	return out, nil
}

func printSense(w io.Writer, s *scsi.Sense) {
	fmt.Fprintf(w, "%s: %s (%02x/%02x)\n", s.Key, scsi.ASCText(s.ASC, s.ASCQ), s.ASC, s.ASCQ)
	format := "fixed"
	if s.Descriptor {
		format = "descriptor"
	}
	when := "current"
	if s.Deferred {
		when = "deferred"
	}
	fmt.Fprintf(w, "  format:            %s, %s (response code %02xh)\n", format, when, s.ResponseCode)
	fmt.Fprintf(w, "  sense key:         %s (%xh)\n", s.Key, byte(s.Key))
	fmt.Fprintf(w, "  additional sense:  %s (ASC %02xh, ASCQ %02xh)\n", scsi.ASCText(s.ASC, s.ASCQ), s.ASC, s.ASCQ)
	var flags []string
	for _, f := range []struct {
		on   bool
		name string
	}{{s.Filemark, "FILEMARK"}, {s.EOM, "EOM"}, {s.ILI, "ILI"}} {
		if f.on {
			flags = append(flags, f.name)
		}
	}
	if len(flags) > 0 {
		fmt.Fprintf(w, "  stream flags:      %s\n", strings.Join(flags, " "))
	}
	if s.InfoValid {
		fmt.Fprintf(w, "  information:       0x%x (residue %d)\n", s.Information, s.Residue())
	}
	if s.CommandSpecificValid && s.CommandSpecific != 0 {
		fmt.Fprintf(w, "  command specific:  0x%x\n", s.CommandSpecific)
	}
	if s.FRU != 0 {
		fmt.Fprintf(w, "  FRU code:          %02xh\n", s.FRU)
	}
	if inCDB, bitValid, bit, field, ok := s.FieldPointer(); ok {
		where := "parameter data"
		if inCDB {
			where = "CDB"
		}
		fmt.Fprintf(w, "  field pointer:     %s byte %d", where, field)
		if bitValid {
			fmt.Fprintf(w, " bit %d", bit)
		}
		fmt.Fprintln(w)
	} else if done, ok := s.Progress(); ok {
		fmt.Fprintf(w, "  progress:          %.1f%%\n", float64(done)*100/65536)
	} else if s.SKSV {
		fmt.Fprintf(w, "  sense key specific: %x\n", s.SenseKeySpecific)
	}
	for _, d := range s.Descriptors {
		fmt.Fprintf(w, "  descriptor %02xh:    % x\n", d[0], d)
	}
	if s.Truncated {
		fmt.Fprintf(w, "  note: the bytes end before the additional sense length says; fields past the end are missing\n")
	}
}

type senseJSON struct {
	Key          string `json:"key"`
	KeyCode      uint8  `json:"key_code"`
	ASC          uint8  `json:"asc"`
	ASCQ         uint8  `json:"ascq"`
	Text         string `json:"text"`
	ResponseCode uint8  `json:"response_code"`
	Descriptor   bool   `json:"descriptor_format"`
	Deferred     bool   `json:"deferred"`
	Filemark     bool   `json:"filemark"`
	EOM          bool   `json:"eom"`
	ILI          bool   `json:"ili"`
	Information  *int64 `json:"information,omitempty"`
	Truncated    bool   `json:"truncated"`
}

func printSenseJSON(w io.Writer, s *scsi.Sense) error {
	j := senseJSON{Key: s.Key.String(), KeyCode: uint8(s.Key), ASC: s.ASC, ASCQ: s.ASCQ, Text: scsi.ASCText(s.ASC, s.ASCQ),
		ResponseCode: s.ResponseCode, Descriptor: s.Descriptor, Deferred: s.Deferred,
		Filemark: s.Filemark, EOM: s.EOM, ILI: s.ILI, Truncated: s.Truncated}
	if s.InfoValid {
		r := s.Residue()
		j.Information = &r
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(j)
}
