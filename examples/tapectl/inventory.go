package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/tapekit/tapekit/changer"
)

func init() {
	register(&command{
		name:    "inventory",
		usage:   "[-json]",
		summary: "list drives, slots and I/E ports and their cartridges (mtx status)",
		run:     runInventory,
	})
}

// elementJSON is one element in `inventory -json`. Number is the operator's
// number (drives from 0, slots and I/E ports from 1); Source is the number
// of the element a cartridge came from, of type SourceType.
type elementJSON struct {
	Type       string `json:"type"`
	Address    int    `json:"address"`
	Number     int    `json:"number"`
	Full       bool   `json:"full"`
	Barcode    string `json:"barcode"`
	AltBarcode string `json:"alt_barcode"`
	Source     *int   `json:"source,omitempty"`
	SourceType string `json:"source_type,omitempty"`
	Serial     string `json:"serial,omitempty"`
	Accessible bool   `json:"accessible"`
	// Exception is the element's ASC/ASCQ in hex, "83/00", when it has one.
	Exception string `json:"exception,omitempty"`
}

// shown is the order elements are listed in: drives first, as mtx does.
var shown = []changer.ElementType{changer.Transport, changer.DataTransfer, changer.Storage, changer.ImportExport}

func runInventory(ctx context.Context, e *env, args []string) (err error) {
	fs := flag.NewFlagSet("inventory", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print a JSON array, one element object per line")
	args, err = parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(args, 0, 0); err != nil {
		return err
	}
	lib, err := openLibrary(ctx, e)
	if err != nil {
		return err
	}
	defer closeLibrary(lib, &err)
	inv, err := lib.changer.Inventory(ctx)
	if err != nil {
		return fmt.Errorf("reading the inventory: %w", err)
	}
	if *asJSON {
		return writeInventoryJSON(e.stdout, inv)
	}
	return writeInventoryText(e.stdout, lib.name, inv)
}

func inventoryJSON(inv changer.Inventory) []elementJSON {
	var out []elementJSON
	for _, t := range shown {
		for i, el := range ofType(inv, t) {
			j := elementJSON{
				Type: t.String(), Address: int(el.Address), Number: firstNumber(t) + i,
				Full: el.Full, Barcode: el.Barcode, AltBarcode: el.AltBarcode,
				Serial: el.DriveSerial, Accessible: el.Accessible,
			}
			if el.Full && el.SourceValid {
				if st, n, ok := numberOf(inv, el.Source); ok {
					j.Source, j.SourceType = &n, st.String()
				}
			}
			if el.Exception {
				j.Exception = fmt.Sprintf("%02X/%02X", el.ASC, el.ASCQ)
			}
			out = append(out, j)
		}
	}
	return out
}

// writeInventoryJSON writes one JSON array with an element per line: a
// whole document for json.Unmarshal and jq, and still one line per element
// for grep.
func writeInventoryJSON(w io.Writer, inv changer.Inventory) error {
	var b strings.Builder
	b.WriteString("[\n")
	els := inventoryJSON(inv)
	for i, j := range els {
		line, err := json.Marshal(j)
		if err != nil {
			return err
		}
		b.Write(line)
		if i < len(els)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("]\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func writeInventoryText(w io.Writer, name string, inv changer.Inventory) error {
	var b strings.Builder
	drives, slots, ports := inv.OfType(changer.DataTransfer), inv.OfType(changer.Storage), inv.OfType(changer.ImportExport)
	carts := 0
	for _, el := range inv {
		if el.Full {
			carts++
		}
	}
	fmt.Fprintf(&b, "%s: %d drives, %d slots, %d I/E ports, %d cartridges\n", name, len(drives), len(slots), len(ports), carts)
	for _, t := range shown {
		label := map[changer.ElementType]string{changer.Transport: "Transport", changer.DataTransfer: "Drive", changer.Storage: "Slot", changer.ImportExport: "Port"}[t]
		for i, el := range ofType(inv, t) {
			if t == changer.Transport && !el.Full {
				continue // mtx shows no robot; one holding a cartridge matters
			}
			fmt.Fprintf(&b, "%s %d: %s\n", label, firstNumber(t)+i, elementState(inv, el))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// elementState is what an inventory line says of an element:
// "Empty", "Full TK0001L9", "Full (Slot 1 Loaded) TK0001L9".
func elementState(inv changer.Inventory, el changer.Element) string {
	s := "Empty"
	if el.Full {
		s = "Full"
	}
	if el.Full && el.Type == changer.DataTransfer && el.SourceValid {
		if t, n, ok := numberOf(inv, el.Source); ok {
			src := "Slot"
			if t == changer.ImportExport {
				src = "Port"
			}
			s += fmt.Sprintf(" (%s %d Loaded)", src, n)
		}
	}
	if el.Barcode != "" {
		s += " " + el.Barcode
	}
	if el.Exception {
		s += fmt.Sprintf(" [exception %02X/%02X]", el.ASC, el.ASCQ)
		if el.ASC == 0x83 {
			s += " barcode unreadable"
		}
	}
	if !el.Accessible {
		s += " [not accessible]"
	}
	return s
}
