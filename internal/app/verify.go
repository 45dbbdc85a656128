package app

import (
	"context"
	"fmt"
	"io"

	"github.com/lukhas/notion-sync-action/internal/engine"
	"github.com/lukhas/notion-sync-action/internal/report"
)

// verifyOptions are verify's own choices, besides the Settings.
type verifyOptions struct {
	module  string // the one module to check, or "" with all
	all     bool
	verbose bool // show both values of each differing property, and warnings
	json    bool
}

// runVerify runs `verify`: a dry-run sync with no plan file, read as a verdict, so
// that verify compares exactly as the sync does and never writes.
func runVerify(ctx context.Context, e *env, args []string) error {
	var f settingsFlags
	var o verifyOptions
	fs := newFlagSet(e, "verify", "verify --module NAME | --all [--verbose] [--json] [flags]")
	f.client(fs)
	f.manifests(fs)
	fs.StringVar(&o.module, "module", "", "check the one module with this key")
	fs.BoolVar(&o.all, "all", false, "check every manifest, and the pages no manifest has")
	fs.BoolVar(&o.verbose, "verbose", false, "show Notion's and the manifest's value of each property that differs, and warnings")
	fs.BoolVar(&o.json, "json", false, "print the result as JSON")
	s, err := e.parseSettings(fs, &f, args)
	if err != nil {
		return err
	}
	_, err = verify(ctx, e.stdout, s, o)
	return err
}

// verify is the core of `verify` (and of the Action's verify mode): it prints the
// verdict to out and returns the number of mismatches, with errProblems when
// there are any.
func verify(ctx context.Context, out io.Writer, s engine.Settings, o verifyOptions) (int, error) {
	if o.all == (o.module != "") {
		return 0, usagef("choose one of --all or --module NAME")
	}
	v, err := engine.Verify(ctx, s, o.module)
	if err != nil {
		return 0, err
	}
	if o.json {
		err = report.WriteDocument(out, v)
	} else if _, err = io.WriteString(out, report.VerifyText(v, o.module, o.verbose)); err != nil {
		err = fmt.Errorf("print result: %w", err)
	}
	if err != nil {
		return 0, err
	}
	n := v.Summary.Mismatches()
	if n > 0 {
		return n, errProblems
	}
	return 0, nil
}
