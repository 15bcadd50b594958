package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/tapekit/tapekit/catalog"
)

func init() {
	register(&command{
		name:    "check",
		usage:   "-catalog CATALOG [-json]",
		summary: "check the catalog's consistency (catalog.Check): orphan copies, copies without a file, files short of copies",
		run:     runCheck,
	})
}

// checkReport is catalog.Report with the snake_case names the other
// commands' -json uses, and empty lists as [] so scripts need not test
// for null.
type checkReport struct {
	OrphanCopies    []checkCopy      `json:"orphan_copies"`
	FilelessCopies  []checkCopy      `json:"fileless_copies"`
	Underreplicated []checkShortfall `json:"underreplicated"`
	Problems        int              `json:"problems"`
}

type checkCopy struct {
	FileID  int64  `json:"file_id"`
	CopyNo  int64  `json:"copy"`
	Volume  string `json:"volume"`
	FileSeq int64  `json:"fseq"`
	BlockID int64  `json:"block"`
}

type checkShortfall struct {
	FileID int64  `json:"file_id"`
	Path   string `json:"path"`
	Class  string `json:"storage_class"`
	Want   int64  `json:"want"`
	Have   int64  `json:"have"`
}

func checkCopies(cs []catalog.Copy) []checkCopy {
	out := make([]checkCopy, 0, len(cs))
	for _, c := range cs {
		out = append(out, checkCopy{FileID: c.FileID, CopyNo: c.CopyNo, Volume: c.Volume, FileSeq: c.FileSeq, BlockID: c.BlockID})
	}
	return out
}

func runCheck(ctx context.Context, e *env, args []string) (err error) {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	catName, asJSON := catalogFlags(fs)
	args, err = parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(args, 0, 0); err != nil {
		return err
	}
	cat, closeCat, err := openCatalog(ctx, *catName)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := closeCat(); err == nil {
			err = cerr
		}
	}()
	rep, err := cat.Check(ctx)
	if err != nil {
		return err
	}
	out := checkReport{
		OrphanCopies:    checkCopies(rep.OrphanCopies),
		FilelessCopies:  checkCopies(rep.FilelessCopies),
		Underreplicated: make([]checkShortfall, 0, len(rep.Underreplicated)),
	}
	for _, s := range rep.Underreplicated {
		out.Underreplicated = append(out.Underreplicated, checkShortfall(s))
	}
	out.Problems = len(out.OrphanCopies) + len(out.FilelessCopies) + len(out.Underreplicated)
	if *asJSON {
		if err := printJSON(e.stdout, out); err != nil {
			return err
		}
	} else {
		for _, c := range out.OrphanCopies {
			fmt.Fprintf(e.stdout, "orphan copy: file %d copy %d on unknown volume %s\n", c.FileID, c.CopyNo, c.Volume)
		}
		for _, c := range out.FilelessCopies {
			fmt.Fprintf(e.stdout, "copy without a live file: file %d copy %d on %s fseq %d\n", c.FileID, c.CopyNo, c.Volume, c.FileSeq)
		}
		for _, s := range out.Underreplicated {
			fmt.Fprintf(e.stdout, "short of copies: file %d %s (class %s) has %d of %d\n", s.FileID, s.Path, s.Class, s.Have, s.Want)
		}
		fmt.Fprintf(e.stdout, "catalog check: %d problems\n", out.Problems)
	}
	if !rep.OK() {
		return fmt.Errorf("the catalog check found %d problems", out.Problems)
	}
	return nil
}
