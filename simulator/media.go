package simulator

import (
	"fmt"
	"sort"
	"time"
)

// MediaType describes a cartridge type and how a drive of its generation
// moves it: capacity, native rate, mechanical timings and the serpentine
// geometry that makes read order matter.
//
// The LTO-7 to LTO-9 timings are vendor figures; LTO-5, LTO-6, LTO-10 and the
// 3592 media are derived from vendor data sheets where those give no figure
// (see the package documentation). Define your own for tests, such as a tiny
// cartridge to reach early warning quickly.
type MediaType struct {
	Name        string // "LTO-9"
	Family      string // "LTO" or "3592": drives read and write only their family
	Generation  int    // LTO generation, or 3592 media generation order
	Suffix      string // barcode suffix, "L9"
	DensityCode uint8

	Capacity int64 // native bytes
	Rate     int64 // native bytes per second
	// EarlyWarning is how many bytes before the end the early-warning zone
	// starts.
	EarlyWarning int64

	Load, Unload time.Duration
	// AvgLocate and AvgRewind are the average times over uniformly random
	// positions; the geometry is calibrated to reproduce them.
	AvgLocate, AvgRewind time.Duration

	Wraps  int     // serpentine wraps (tracks groups traversed end to end)
	Bands  int     // data bands
	Length float64 // tape length in metres
}

const (
	kb = 1000
	mb = 1000 * kb
	gb = 1000 * mb
	tb = 1000 * gb
)

// Standard media types.
var (
	LTO5      = &MediaType{Name: "LTO-5", Family: "LTO", Generation: 5, Suffix: "L5", DensityCode: 0x58, Capacity: 1500 * gb, Rate: 140 * mb, Load: 12 * time.Second, Unload: 17 * time.Second, AvgLocate: 60 * time.Second, AvgRewind: 60 * time.Second, Wraps: 80, Bands: 4, Length: 846}
	LTO6      = &MediaType{Name: "LTO-6", Family: "LTO", Generation: 6, Suffix: "L6", DensityCode: 0x5a, Capacity: 2500 * gb, Rate: 160 * mb, Load: 12 * time.Second, Unload: 17 * time.Second, AvgLocate: 50 * time.Second, AvgRewind: 50 * time.Second, Wraps: 136, Bands: 4, Length: 846}
	LTO7      = &MediaType{Name: "LTO-7", Family: "LTO", Generation: 7, Suffix: "L7", DensityCode: 0x5c, Capacity: 6 * tb, Rate: 300 * mb, Load: 15 * time.Second, Unload: 20 * time.Second, AvgLocate: 56 * time.Second, AvgRewind: 60 * time.Second, Wraps: 112, Bands: 4, Length: 960}
	LTO8      = &MediaType{Name: "LTO-8", Family: "LTO", Generation: 8, Suffix: "L8", DensityCode: 0x5e, Capacity: 12 * tb, Rate: 360 * mb, Load: 15 * time.Second, Unload: 24 * time.Second, AvgLocate: 59 * time.Second, AvgRewind: 59 * time.Second, Wraps: 208, Bands: 4, Length: 960}
	LTO9      = &MediaType{Name: "LTO-9", Family: "LTO", Generation: 9, Suffix: "L9", DensityCode: 0x60, Capacity: 18 * tb, Rate: 400 * mb, Load: 17 * time.Second, Unload: 30 * time.Second, AvgLocate: 45 * time.Second, AvgRewind: 55 * time.Second, Wraps: 280, Bands: 4, Length: 1035}
	LTO10     = &MediaType{Name: "LTO-10", Family: "LTO", Generation: 10, Suffix: "LA", DensityCode: 0x62, Capacity: 30 * tb, Rate: 400 * mb, Load: 12 * time.Second, Unload: 27 * time.Second, AvgLocate: 65 * time.Second, AvgRewind: 62 * time.Second, Wraps: 336, Bands: 4, Length: 1060}
	IBM3592JE = &MediaType{Name: "3592-JE", Family: "3592", Generation: 1, Suffix: "JE", DensityCode: 0x58, Capacity: 20 * tb, Rate: 400 * mb, Load: 13 * time.Second, Unload: 23 * time.Second, AvgLocate: 60 * time.Second, AvgRewind: 60 * time.Second, Wraps: 272, Bands: 4, Length: 1100}
	IBM3592JF = &MediaType{Name: "3592-JF", Family: "3592", Generation: 2, Suffix: "JF", DensityCode: 0x60, Capacity: 50 * tb, Rate: 400 * mb, Load: 13 * time.Second, Unload: 23 * time.Second, AvgLocate: 70 * time.Second, AvgRewind: 70 * time.Second, Wraps: 384, Bands: 4, Length: 1100}
)

var standardMedia = []*MediaType{LTO5, LTO6, LTO7, LTO8, LTO9, LTO10, IBM3592JE, IBM3592JF}

func init() {
	for _, m := range standardMedia {
		if m.EarlyWarning == 0 {
			m.EarlyWarning = m.Capacity / 200
		}
	}
}

// StandardMedia lists the built-in media types, by name.
func StandardMedia() []*MediaType {
	out := append([]*MediaType(nil), standardMedia...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// LookupMedia returns the built-in media type with that name.
func LookupMedia(name string) (*MediaType, bool) {
	for _, m := range standardMedia {
		if m.Name == name {
			return m, true
		}
	}
	return nil, false
}

// MediaForBarcode guesses the media type from an LTO-style barcode suffix
// ("ABC123L9" is LTO-9, "JE" suffix 3592-JE); ok is false when no built-in type
// matches.
func MediaForBarcode(barcode string) (*MediaType, bool) {
	if len(barcode) < 2 {
		return nil, false
	}
	suf := barcode[len(barcode)-2:]
	for _, m := range standardMedia {
		if m.Suffix == suf {
			return m, true
		}
	}
	return nil, false
}

func (m *MediaType) validate() error {
	switch {
	case m == nil:
		return fmt.Errorf("%w: nil media type", ErrConfig)
	case m.Name == "":
		return fmt.Errorf("%w: media type without a name", ErrConfig)
	case m.Capacity <= 0 || m.Rate <= 0:
		return fmt.Errorf("%w: media %s: capacity and rate must be positive", ErrConfig, m.Name)
	case m.EarlyWarning < 0 || m.EarlyWarning >= m.Capacity:
		return fmt.Errorf("%w: media %s: early warning zone must be within the capacity", ErrConfig, m.Name)
	case m.Wraps < 1 || m.Bands < 1 || m.Length <= 0:
		return fmt.Errorf("%w: media %s: geometry needs wraps, bands and a length", ErrConfig, m.Name)
	}
	return nil
}

// DriveType is a drive model: which media it reads and writes.
type DriveType struct {
	Vendor, Product string
	Family          string
	Generation      int
	// Reads and Writes list the media generations (of the same family) the
	// drive handles.
	Reads, Writes []int
	// MaxBlockSize is the largest block it reads or writes.
	MaxBlockSize int
}

// Standard drive types. LTO drives read two generations back up to LTO-7 and
// one back from LTO-8 on, and write one back except LTO-10 (LTO consortium
// compatibility tables).
var (
	LTO5Drive  = &DriveType{Vendor: "IBM", Product: "ULT3580-TD5", Family: "LTO", Generation: 5, Reads: []int{3, 4, 5}, Writes: []int{4, 5}, MaxBlockSize: 8 << 20}
	LTO6Drive  = &DriveType{Vendor: "IBM", Product: "ULT3580-TD6", Family: "LTO", Generation: 6, Reads: []int{4, 5, 6}, Writes: []int{5, 6}, MaxBlockSize: 8 << 20}
	LTO7Drive  = &DriveType{Vendor: "IBM", Product: "ULT3580-TD7", Family: "LTO", Generation: 7, Reads: []int{5, 6, 7}, Writes: []int{6, 7}, MaxBlockSize: 8 << 20}
	LTO8Drive  = &DriveType{Vendor: "IBM", Product: "ULT3580-TD8", Family: "LTO", Generation: 8, Reads: []int{7, 8}, Writes: []int{7, 8}, MaxBlockSize: 8 << 20}
	LTO9Drive  = &DriveType{Vendor: "IBM", Product: "ULT3580-TD9", Family: "LTO", Generation: 9, Reads: []int{8, 9}, Writes: []int{8, 9}, MaxBlockSize: 8 << 20}
	LTO10Drive = &DriveType{Vendor: "IBM", Product: "ULT3580-TD10", Family: "LTO", Generation: 10, Reads: []int{10}, Writes: []int{10}, MaxBlockSize: 8 << 20}
	TS1160     = &DriveType{Vendor: "IBM", Product: "0359260F", Family: "3592", Generation: 1, Reads: []int{1}, Writes: []int{1}, MaxBlockSize: 2 << 20}
	TS1170     = &DriveType{Vendor: "IBM", Product: "0359270F", Family: "3592", Generation: 2, Reads: []int{2}, Writes: []int{2}, MaxBlockSize: 2 << 20}
)

var standardDrives = []*DriveType{LTO5Drive, LTO6Drive, LTO7Drive, LTO8Drive, LTO9Drive, LTO10Drive, TS1160, TS1170}

// LookupDriveType returns the built-in drive type with that product name.
func LookupDriveType(product string) (*DriveType, bool) {
	for _, d := range standardDrives {
		if d.Product == product {
			return d, true
		}
	}
	return nil, false
}

// CanRead reports whether the drive reads the medium.
func (d *DriveType) CanRead(m *MediaType) bool {
	return d.Family == m.Family && contains(d.Reads, m.Generation)
}

// CanWrite reports whether the drive writes the medium.
func (d *DriveType) CanWrite(m *MediaType) bool {
	return d.Family == m.Family && contains(d.Writes, m.Generation)
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
