package changer

import (
	"fmt"
	"strings"
)

// Address is an element address as the library numbers it (SMC). Drivers
// that number elements otherwise (mtx counts slots from 1) document their
// mapping.
type Address uint16

// ElementType is the kind of an element, with the SMC element type codes.
type ElementType uint8

const (
	Transport    ElementType = 1 // medium transport element: the robot's hand
	Storage      ElementType = 2 // a storage slot
	ImportExport ElementType = 3 // an I/E (mail) slot, reached by the operator too
	DataTransfer ElementType = 4 // a tape drive
)

func (t ElementType) String() string {
	switch t {
	case Transport:
		return "transport"
	case Storage:
		return "slot"
	case ImportExport:
		return "ie"
	case DataTransfer:
		return "drive"
	}
	return fmt.Sprintf("ElementType(%d)", uint8(t))
}

// Element is one element of a library as READ ELEMENT STATUS reports it.
type Element struct {
	Type    ElementType
	Address Address
	Full    bool
	// Barcode and AltBarcode are the primary and alternate volume tags, with
	// the padding removed; empty when there is no cartridge or no label, or
	// the label could not be read (then Exception is usually set).
	Barcode    string
	AltBarcode string
	// Source is the element the cartridge came from, when SourceValid.
	Source      Address
	SourceValid bool
	// Exception reports an abnormal element state, with its additional
	// sense code and qualifier (for example 0x83/0x00 "barcode label
	// unreadable").
	Exception bool
	ASC, ASCQ uint8
	// Accessible reports that the robot can reach the element.
	Accessible bool
	// DriveSerial is the serial number of the drive at a data transfer
	// element, when the library reports device identifiers.
	DriveSerial string
}

func (e Element) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %d: ", e.Type, e.Address)
	if !e.Full {
		b.WriteString("empty")
	} else {
		b.WriteString("full")
		if e.Barcode != "" {
			fmt.Fprintf(&b, " %s", e.Barcode)
		}
		if e.SourceValid {
			fmt.Fprintf(&b, " (from %d)", e.Source)
		}
	}
	if e.Exception {
		fmt.Fprintf(&b, " [exception %02X/%02X]", e.ASC, e.ASCQ)
	}
	return b.String()
}

// Inventory is the state of every element of a library, in the order the
// library reports them: transports, storage, I/E ports, drives, each by
// ascending address.
type Inventory []Element

// OfType returns the elements of one type, in order.
func (inv Inventory) OfType(t ElementType) []Element {
	var out []Element
	for _, e := range inv {
		if e.Type == t {
			out = append(out, e)
		}
	}
	return out
}

// Element returns the element at addr.
func (inv Inventory) Element(addr Address) (Element, bool) {
	for _, e := range inv {
		if e.Address == addr {
			return e, true
		}
	}
	return Element{}, false
}

// Find returns the element holding the cartridge with this primary barcode.
func (inv Inventory) Find(barcode string) (Element, bool) {
	for _, e := range inv {
		if e.Full && e.Barcode == barcode {
			return e, true
		}
	}
	return Element{}, false
}

// FirstEmpty returns the lowest-addressed empty, accessible element of a type.
func (inv Inventory) FirstEmpty(t ElementType) (Element, bool) {
	for _, e := range inv {
		if e.Type == t && !e.Full && e.Accessible {
			return e, true
		}
	}
	return Element{}, false
}
