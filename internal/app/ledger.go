package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"

	"github.com/lukhas/notion-sync-action/internal/engine"
	"github.com/lukhas/notion-sync-action/internal/ledger"
)

// ledgerUsage is how `ledger` is used; verify is its only subcommand.
const ledgerUsage = "ledger verify [FILE]"

// runLedger runs `ledger verify [FILE]`: the ledger's hash chain and the shape
// of every record, so a ledger is checked before restore trusts it. Exit 1
// names the first bad line.
func runLedger(_ context.Context, e *env, args []string) error {
	flags := newFlagSet(e, "ledger", ledgerUsage)
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &engine.UsageError{Err: err}
	}
	rest := flags.Args()
	if len(rest) == 0 || rest[0] != "verify" || len(rest) > 2 {
		return usagef("use 'notion-sync %s' (FILE defaults to %s)", ledgerUsage, defaultLedger)
	}
	path := defaultLedger
	if len(rest) == 2 {
		path = rest[1]
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return usagef("no ledger at %s: give the file the syncs wrote", path)
	}
	if err != nil {
		return fmt.Errorf("open ledger: %w", err)
	}
	defer f.Close()
	if err := ledger.Check(f); err != nil {
		var shape *ledger.ShapeError
		var chain *ledger.ChainError
		if errors.As(err, &shape) || errors.As(err, &chain) {
			fmt.Fprintf(e.stdout, "❌ %s: %v\nFix: the ledger was edited or is not one notion-sync wrote; restore it from the CI artifact, or pass restore --force to use it anyway\n", path, err)
			return errProblems
		}
		return fmt.Errorf("read ledger %s: %w", path, err)
	}
	fmt.Fprintf(e.stdout, "✅ %s: the hash chain and every record verify\n", path)
	return nil
}
