package scsi

import "fmt"

// Severity is a TapeAlert flag's severity as the TapeAlert specification
// (SSC Annex) assigns it.
type Severity int

const (
	SeverityInformation Severity = iota // I: for the record
	SeverityWarning                     // W: not optimal; act soon
	SeverityCritical                    // C: failed or about to; act now
)

func (s Severity) String() string {
	switch s {
	case SeverityInformation:
		return "information"
	case SeverityWarning:
		return "warning"
	case SeverityCritical:
		return "critical"
	}
	return fmt.Sprintf("Severity(%d)", int(s))
}

// TapeAlertInfo names one TapeAlert flag.
type TapeAlertInfo struct {
	Flag     int // 1..64
	Name     string
	Severity Severity
}

// TapeAlertFlag returns the name and severity of flag n (1..64); ok is
// false for numbers outside that range. Reserved flags are named
// "Reserved"; flags 40-46 were defined for autoloaders and are obsolete in
// SSC-4 but keep their names, as drives still raise them.
func TapeAlertFlag(n int) (info TapeAlertInfo, ok bool) {
	if n < 1 || n > 64 {
		return TapeAlertInfo{}, false
	}
	f := tapeAlertTable[n-1]
	if f.name == "" {
		return TapeAlertInfo{Flag: n, Name: "Reserved", Severity: SeverityInformation}, true
	}
	return TapeAlertInfo{Flag: n, Name: f.name, Severity: f.sev}, true
}

var tapeAlertTable = [64]struct {
	name string
	sev  Severity
}{
	0:  {"Read warning", SeverityWarning},
	1:  {"Write warning", SeverityWarning},
	2:  {"Hard error", SeverityWarning},
	3:  {"Media", SeverityCritical},
	4:  {"Read failure", SeverityCritical},
	5:  {"Write failure", SeverityCritical},
	6:  {"Media life", SeverityWarning},
	7:  {"Not data grade", SeverityWarning},
	8:  {"Write protect", SeverityCritical},
	9:  {"No removal", SeverityInformation},
	10: {"Cleaning media", SeverityInformation},
	11: {"Unsupported format", SeverityInformation},
	12: {"Recoverable mechanical cartridge failure", SeverityCritical},
	13: {"Unrecoverable mechanical cartridge failure", SeverityCritical},
	14: {"Memory chip in cartridge failure", SeverityWarning},
	15: {"Forced eject", SeverityCritical},
	16: {"Read only format", SeverityWarning},
	17: {"Tape directory corrupted on load", SeverityWarning},
	18: {"Nearing media life", SeverityInformation},
	19: {"Clean now", SeverityCritical},
	20: {"Clean periodic", SeverityWarning},
	21: {"Expired cleaning media", SeverityCritical},
	22: {"Invalid cleaning tape", SeverityCritical},
	23: {"Retension requested", SeverityWarning},
	24: {"Dual-port interface error", SeverityWarning},
	25: {"Cooling fan failure", SeverityWarning},
	26: {"Power supply failure", SeverityWarning},
	27: {"Power consumption", SeverityWarning},
	28: {"Drive maintenance", SeverityWarning},
	29: {"Hardware A", SeverityCritical},
	30: {"Hardware B", SeverityCritical},
	31: {"Interface", SeverityWarning},
	32: {"Eject media", SeverityCritical},
	33: {"Microcode update fail", SeverityWarning},
	34: {"Drive humidity", SeverityWarning},
	35: {"Drive temperature", SeverityWarning},
	36: {"Drive voltage", SeverityWarning},
	37: {"Predictive failure", SeverityCritical},
	38: {"Diagnostics required", SeverityWarning},
	39: {"Loader hardware A", SeverityCritical},
	40: {"Loader stray tape", SeverityWarning},
	41: {"Loader hardware B", SeverityWarning},
	42: {"Loader door", SeverityCritical},
	43: {"Loader hardware C", SeverityCritical},
	44: {"Loader magazine", SeverityCritical},
	45: {"Loader predictive failure", SeverityWarning},
	49: {"Lost statistics", SeverityWarning},
	50: {"Tape directory invalid at unload", SeverityWarning},
	51: {"Tape system area write failure", SeverityCritical},
	52: {"Tape system area read failure", SeverityCritical},
	53: {"No start of data", SeverityCritical},
	54: {"Loading failure", SeverityCritical},
	55: {"Unrecoverable unload failure", SeverityCritical},
	56: {"Automation interface failure", SeverityCritical},
	57: {"Firmware failure", SeverityWarning},
	58: {"WORM medium - integrity check failed", SeverityWarning},
	59: {"WORM medium - overwrite attempted", SeverityWarning},
}

// TapeAlertsFromLog decodes LOG SENSE page 2Eh into a bit set where flag n
// (parameter code n, 1..64) is bit n-1: the layout of tape.TapeAlertFlags,
// so tape.TapeAlertFlags(v) converts it. A flag is set when bit 0 of its
// one-byte value is set. Parameter codes outside 1..64 are ignored
// (vendor-specific); a parameter of a known flag with no value is malformed.
func TapeAlertsFromLog(b []byte) (uint64, error) {
	const what = "TapeAlert log page"
	lp, err := ParseLogPage(b)
	if err != nil {
		return 0, err
	}
	if lp.Page != LogPageTapeAlert {
		return 0, malformed(what, 0, "page code %#02x, want 2Eh", lp.Page)
	}
	var flags uint64
	for _, p := range lp.Params {
		if p.Code < 1 || p.Code > 64 {
			continue
		}
		if len(p.Value) == 0 {
			return 0, malformed(what, 0, "flag %d has no value", p.Code)
		}
		if p.Value[len(p.Value)-1]&1 != 0 {
			flags |= 1 << (p.Code - 1)
		}
	}
	return flags, nil
}
