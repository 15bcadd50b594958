package smc_test

import (
	"fmt"

	"github.com/tapekit/tapekit/changer/smc"
)

func ExampleParseAddressAssignment() {
	// MODE SENSE(6) response of an mhvtl STK L80 (see testdata).
	resp := []byte{
		0x17, 0x00, 0x10, 0x00, // mode parameter header, no block descriptors
		0x1d, 0x12, // page 0x1D, 18 bytes
		0x00, 0x01, 0x00, 0x01, // transport: first 1, count 1
		0x03, 0xe8, 0x00, 0x28, // storage: first 1000, count 40
		0x00, 0x0a, 0x00, 0x04, // I/E: first 10, count 4
		0x01, 0xf4, 0x00, 0x04, // drives: first 500, count 4
		0x00, 0x00,
	}
	page, err := smc.ModePage(resp, false, smc.PageElementAddressAssignment)
	if err != nil {
		fmt.Println(err)
		return
	}
	a, err := smc.ParseAddressAssignment(page)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("slots %d from %d, I/E %d from %d, drives %d from %d\n",
		a.NumStorage, a.FirstStorage, a.NumImportExport, a.FirstImportExport, a.NumDataTransfer, a.FirstDataTransfer)
	// Output: slots 40 from 1000, I/E 4 from 10, drives 4 from 500
}

func ExampleParseElementStatus() {
	resp := []byte{
		0x03, 0xe8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x14, // header: first 1000, 1 element, 20 bytes
		0x02, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x0c, // storage page, 12-byte descriptors, 12 bytes
		0x03, 0xe8, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // slot 1000: FULL|ACCESS
	}
	ds, err := smc.ParseElementStatus(resp)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range smc.Elements(ds) {
		fmt.Println(e)
	}
	_, err = smc.ParseElementStatus(resp[:20])
	fmt.Println(err)
	// Output:
	// slot 1000: full
	// smc: response truncated: element status data at byte 20: byte count of report available is 20, have 12 (need 28 bytes)
}
