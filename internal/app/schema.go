package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"

	"github.com/lukhas/notion-sync-action/internal/engine"
	"github.com/lukhas/notion-sync-action/internal/report"
)

// schemaUsage is how `schema` is used; dump is its only subcommand for now.
const schemaUsage = "schema dump [--output F] [flags]"

// runSchema runs `schema dump`: it writes the database object exactly as Notion
// sends it (every field, also those the sync does not read), indented, so that the
// runbook's `jq '.properties' artifacts/notion_schema.json` works. Flags may come
// before or after the subcommand.
func runSchema(ctx context.Context, e *env, args []string) error {
	var f settingsFlags
	fs := newFlagSet(e, "schema", schemaUsage)
	f.client(fs)
	fs.String("repo", ".", "accepted for symmetry with the other commands; the dump reads no manifest")
	output := fs.String("output", "artifacts/notion_schema.json", "where to write the database object")
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
	if rest[0] != "dump" {
		return usagef("unknown subcommand %q: use 'notion-sync %s'", report.Sanitize(rest[0]), schemaUsage)
	}
	if err := parseFlags(fs, rest[1:]); err != nil {
		return err
	}
	s, err := e.settings(f)
	if err != nil {
		return err
	}
	db, err := engine.Connect(s)
	if err != nil {
		return err
	}
	defer db.Close()
	raw, err := db.SchemaRaw(ctx)
	if err != nil {
		return fmt.Errorf("dump schema: %w%s", err, engine.DatabaseFix(err))
	}
	var obj struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil || obj.Properties == nil {
		// Without read content capability Notion answers with a partial object.
		return fmt.Errorf("dump schema: the database object of %s has no properties; give the integration read content capability", db.ID())
	}
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		return fmt.Errorf("dump schema: %w", err)
	}
	out.WriteByte('\n')
	if err := report.WriteArtifactIn(s.Root(*output), *output, out.Bytes()); err != nil {
		return fmt.Errorf("write schema: %w", err)
	}
	n := len(obj.Properties)
	fmt.Fprintf(e.stdout, "✅ Schema of %s written to %s (%d %s)\n", db.ID(), *output, n, report.PluralWord(n, "property", "properties"))
	return nil
}
