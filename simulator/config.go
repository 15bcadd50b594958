package simulator

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/tapekit/tapekit/changer"
)

// Config is the shape of a library: its drives, slots, I/E ports and
// cartridges. It is saved in the state directory, so a library keeps its
// shape across restarts.
type Config struct {
	// Media adds custom media types to the standard ones, by name.
	Media []*MediaType `json:"media,omitempty"`
	// DriveTypes adds custom drive types to the standard ones, by product.
	DriveTypes []*DriveType `json:"drive_types,omitempty"`

	Drives []DriveConfig `json:"drives"`
	Slots  int           `json:"slots"`
	Ports  int           `json:"ports"` // import/export elements

	Cartridges []CartridgeConfig `json:"cartridges"`

	// RobotMove is the time of one robot move; 0 means 12 s.
	RobotMove time.Duration `json:"robot_move,omitempty"`
	// Robots is how many robots move cartridges, each one at a time;
	// moves queue for the first free robot in the order they are asked.
	// 0 means 1.
	Robots int `json:"robots,omitempty"`

	// Element addresses of the first transport, drive, storage and I/E
	// element; all zero means 1, 500, 1000 and 10, like many SCSI libraries.
	TransportBase, DriveBase, SlotBase, PortBase changer.Address `json:",omitempty"`
}

// DriveConfig is one drive of the library.
type DriveConfig struct {
	Product string `json:"product"` // a DriveType product, "ULT3580-TD9"
	Serial  string `json:"serial,omitempty"`
}

// CartridgeConfig is one cartridge placed in a storage slot (1-based) or,
// with Port set, in an I/E port (1-based).
type CartridgeConfig struct {
	Barcode string `json:"barcode"`
	// Media is a media type name; empty means the one the barcode suffix
	// names (L9 → LTO-9).
	Media          string `json:"media,omitempty"`
	Slot           int    `json:"slot,omitempty"`
	Port           int    `json:"port,omitempty"`
	WriteProtected bool   `json:"write_protected,omitempty"`
}

// DefaultConfig is a small LTO-9 library: 4 drives, 20 slots of which the
// first 16 hold data cartridges TK0001L9…TK0016L9 and slot 20 a cleaning
// cartridge CLN001L1, and 2 I/E ports.
func DefaultConfig() *Config {
	c := &Config{Slots: 20, Ports: 2}
	for i := range 4 {
		c.Drives = append(c.Drives, DriveConfig{Product: LTO9Drive.Product, Serial: fmt.Sprintf("10WT%06d", 100+i)})
	}
	for i := 1; i <= 16; i++ {
		c.Cartridges = append(c.Cartridges, CartridgeConfig{Barcode: fmt.Sprintf("TK%04dL9", i), Slot: i})
	}
	c.Cartridges = append(c.Cartridges, CartridgeConfig{Barcode: "CLN001L1", Slot: 20})
	return c
}

var barcodeRE = regexp.MustCompile(`^[A-Z0-9]{1,16}$`)

// IsCleaning reports whether a barcode names a cleaning cartridge
// (CLNnnnLn, the LTO universal cleaning cartridge convention).
func IsCleaning(barcode string) bool { return strings.HasPrefix(barcode, "CLN") }

func (c *Config) withDefaults() *Config {
	cc := *c
	if cc.RobotMove == 0 {
		cc.RobotMove = 12 * time.Second
	}
	if cc.Robots == 0 {
		cc.Robots = 1
	}
	if cc.TransportBase == 0 && cc.DriveBase == 0 && cc.SlotBase == 0 && cc.PortBase == 0 {
		cc.TransportBase, cc.DriveBase, cc.SlotBase, cc.PortBase = 1, 500, 1000, 10
	}
	return &cc
}

func (c *Config) media(name string) (*MediaType, bool) {
	for _, m := range c.Media {
		if m.Name == name {
			return m, true
		}
	}
	return LookupMedia(name)
}

func (c *Config) driveType(product string) (*DriveType, bool) {
	for _, d := range c.DriveTypes {
		if d.Product == product {
			return d, true
		}
	}
	return LookupDriveType(product)
}

// cartridgeMedia resolves the media of a cartridge.
func (c *Config) cartridgeMedia(cc CartridgeConfig) (*MediaType, error) {
	if cc.Media != "" {
		m, ok := c.media(cc.Media)
		if !ok {
			return nil, fmt.Errorf("%w: cartridge %s: unknown media %q", ErrConfig, cc.Barcode, cc.Media)
		}
		return m, nil
	}
	if IsCleaning(cc.Barcode) {
		return nil, nil
	}
	for _, m := range c.Media {
		if m.Suffix != "" && strings.HasSuffix(cc.Barcode, m.Suffix) {
			return m, nil
		}
	}
	m, ok := MediaForBarcode(cc.Barcode)
	if !ok {
		return nil, fmt.Errorf("%w: cartridge %s: no media type given and none matches the barcode suffix", ErrConfig, cc.Barcode)
	}
	return m, nil
}

func (c *Config) validate() error {
	for _, m := range c.Media {
		if err := m.validate(); err != nil {
			return err
		}
	}
	if len(c.Drives) == 0 && c.Slots == 0 {
		return fmt.Errorf("%w: a library needs drives or slots", ErrConfig)
	}
	if c.Robots < 0 {
		return fmt.Errorf("%w: negative robot count %d", ErrConfig, c.Robots)
	}
	if c.Slots < 0 || c.Ports < 0 {
		return fmt.Errorf("%w: negative slot or port count", ErrConfig)
	}
	for i, d := range c.Drives {
		if _, ok := c.driveType(d.Product); !ok {
			return fmt.Errorf("%w: drive %d: unknown product %q", ErrConfig, i, d.Product)
		}
	}
	// Element address ranges must not overlap.
	ranges := []struct {
		name  string
		base  changer.Address
		count int
	}{{"transport", c.TransportBase, 1}, {"drive", c.DriveBase, len(c.Drives)}, {"slot", c.SlotBase, c.Slots}, {"port", c.PortBase, c.Ports}}
	for i, a := range ranges {
		if int(a.base)+a.count > 0xFFFF {
			return fmt.Errorf("%w: %s addresses overflow", ErrConfig, a.name)
		}
		for _, b := range ranges[i+1:] {
			if a.count > 0 && b.count > 0 && int(a.base) < int(b.base)+b.count && int(b.base) < int(a.base)+a.count {
				return fmt.Errorf("%w: %s and %s element addresses overlap", ErrConfig, a.name, b.name)
			}
		}
	}
	seen := map[string]bool{}
	used := map[[2]int]bool{}
	for _, cc := range c.Cartridges {
		if !barcodeRE.MatchString(cc.Barcode) {
			return fmt.Errorf("%w: barcode %q: want 1 to 16 upper-case letters and digits", ErrConfig, cc.Barcode)
		}
		if seen[cc.Barcode] {
			return fmt.Errorf("%w: barcode %s used twice", ErrConfig, cc.Barcode)
		}
		seen[cc.Barcode] = true
		if _, err := c.cartridgeMedia(cc); err != nil {
			return err
		}
		var where [2]int
		switch {
		case cc.Slot > 0 && cc.Port == 0 && cc.Slot <= c.Slots:
			where = [2]int{0, cc.Slot}
		case cc.Port > 0 && cc.Slot == 0 && cc.Port <= c.Ports:
			where = [2]int{1, cc.Port}
		default:
			return fmt.Errorf("%w: cartridge %s: needs one slot in 1..%d or port in 1..%d", ErrConfig, cc.Barcode, c.Slots, c.Ports)
		}
		if used[where] {
			return fmt.Errorf("%w: cartridge %s: its element already holds a cartridge", ErrConfig, cc.Barcode)
		}
		used[where] = true
	}
	return nil
}
