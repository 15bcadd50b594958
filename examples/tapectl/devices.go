package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/tapekit/tapekit/scsi"
	"github.com/tapekit/tapekit/scsi/sgio"
)

func init() {
	register(&command{name: "devices", usage: "[-all] [-json] [-sysfs DIR]", summary: "list SCSI tape drives and medium changers (like lsscsi -g)", run: runDevices})
}

func runDevices(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("devices", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	all := fs.Bool("all", false, "list every SCSI generic device, not only drives and changers")
	asJSON := fs.Bool("json", false, "print JSON")
	root := fs.String("sysfs", e.sysfs, "root of the sysfs tree to read (default: the global -sysfs)")
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	if fs.NArg() != 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	devs, err := sgio.Discover(*root)
	if err != nil {
		return err
	}
	var shown []sgio.DeviceInfo
	for _, d := range devs {
		if *all || d.Type == scsi.TypeTape || d.Type == scsi.TypeMediumChanger {
			shown = append(shown, d)
		}
	}
	if *asJSON {
		type dev struct {
			HCTL     string `json:"hctl"`
			Type     string `json:"type"`
			Vendor   string `json:"vendor"`
			Model    string `json:"model"`
			Revision string `json:"revision"`
			Serial   string `json:"serial,omitempty"`
			Generic  string `json:"generic"`
			Node     string `json:"node,omitempty"`
		}
		out := make([]dev, 0, len(shown))
		for _, d := range shown {
			out = append(out, dev{d.HCTL, typeName(d.Type), d.Vendor, d.Model, d.Revision, d.Serial, d.Generic, node(d)})
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(shown) == 0 {
		fmt.Fprintln(e.stdout, "no tape drives or medium changers found")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "HCTL\tTYPE\tVENDOR\tMODEL\tREV\tSERIAL\tGENERIC\tNODE")
	for _, d := range shown {
		fmt.Fprintf(tw, "[%s]\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.HCTL, typeName(d.Type), d.Vendor, d.Model, d.Revision, dash(d.Serial), d.Generic, dash(node(d)))
	}
	return tw.Flush()
}

func typeName(t byte) string {
	switch t {
	case scsi.TypeTape:
		return "tape"
	case scsi.TypeMediumChanger:
		return "changer"
	case scsi.TypeDisk:
		return "disk"
	}
	return fmt.Sprintf("type%d", t)
}

func node(d sgio.DeviceInfo) string {
	if d.Tape != "" {
		return d.Tape
	}
	return d.Changer
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
