package app

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/lukhas/notion-sync-action/internal/engine"
	"github.com/lukhas/notion-sync-action/internal/report"
)

// schemaUsage is how `schema` is used.
const schemaUsage = "schema dump [--output F] | schema apply [--dry-run] [flags]"

// runSchema runs `schema dump` and `schema apply`. Flags may come before or
// after the subcommand.
//
// dump writes the database object as engine.Database.DumpSchema returns it.
func runSchema(ctx context.Context, e *env, args []string) error {
	var f settingsFlags
	fs := newFlagSet(e, "schema", schemaUsage)
	f.client(fs)
	f.manifests(fs)
	output := fs.String("output", "artifacts/notion_schema.json", "dump: where to write the database object")
	dryRun := fs.Bool("dry-run", false, "apply: only print what would be added")
	if err := fs.Parse(secondsArgs(args, "backoff")); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &engine.UsageError{Err: err}
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return usagef("missing subcommand: use 'notion-sync %s'", schemaUsage)
	}
	sub := rest[0]
	if sub != "dump" && sub != "apply" {
		return usagef("unknown subcommand %q: use 'notion-sync %s'", report.Sanitize(sub), schemaUsage)
	}
	if err := parseFlags(fs, rest[1:]); err != nil {
		return err
	}
	var misplaced error
	fs.Visit(func(fl *flag.Flag) {
		if sub == "dump" && fl.Name == "dry-run" || sub == "apply" && fl.Name == "output" {
			misplaced = usagef("--%s is not a flag of schema %s: use 'notion-sync %s'", fl.Name, sub, schemaUsage)
		}
	})
	if misplaced != nil {
		return misplaced
	}
	s, err := e.settings(f)
	if err != nil {
		return err
	}
	if sub == "apply" {
		return schemaApply(ctx, e.stdout, s, *dryRun)
	}
	db, err := engine.Connect(s)
	if err != nil {
		return err
	}
	defer db.Close()
	dump, n, err := db.DumpSchema(ctx)
	if err != nil {
		return err
	}
	if err := report.WriteArtifactIn(s.Root(*output), *output, dump); err != nil {
		return fmt.Errorf("write schema: %w", err)
	}
	fmt.Fprintf(e.stdout, "✅ Schema of %s written to %s (%d %s)\n", db.ID(), *output, n, report.PluralWord(n, "property", "properties"))
	return nil
}
