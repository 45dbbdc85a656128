package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"

	"github.com/lukhas/notion-sync-action/internal/report"
)

// schemaUsage is how `schema` is used; dump is its only subcommand for now.
const schemaUsage = "schema dump [--output F] [flags]"

// runSchema runs `schema dump`: it writes the database object exactly as Notion
// sends it (go-notion would drop fields it does not know), indented, so that the
// runbook's `jq '.properties' artifacts/notion_schema.json` works. Flags may come
// before or after the subcommand.
func runSchema(ctx context.Context, e *env, args []string) error {
	var client clientFlags
	fs := newFlagSet(e, "schema", schemaUsage)
	client.register(fs)
	fs.String("repo", ".", "accepted for symmetry with the other commands; the dump reads no manifest")
	output := fs.String("output", "artifacts/notion_schema.json", "where to write the database object")
	if err := fs.Parse(secondsArgs(args, "backoff")); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
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
	db, closer, err := e.connect(client)
	if err != nil {
		return err
	}
	defer closer.Close()
	if err := db.resolve(ctx); err != nil {
		return fmt.Errorf("read database %s: %w%s", db.id, err, databaseFix(err))
	}
	raw, err := db.c.SchemaRaw(ctx, db.t)
	if err != nil {
		return fmt.Errorf("dump schema: %w%s", err, databaseFix(err))
	}
	var obj struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil || obj.Properties == nil {
		// Without read content capability Notion answers with a partial object.
		return fmt.Errorf("dump schema: the database object of %s has no properties; give the integration read content capability", db.id)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		return fmt.Errorf("dump schema: %w", err)
	}
	out.WriteByte('\n')
	if err := report.WriteArtifact(*output, out.Bytes()); err != nil {
		return fmt.Errorf("write schema: %w", err)
	}
	n := len(obj.Properties)
	fmt.Fprintf(e.stdout, "✅ Schema of %s written to %s (%d %s)\n", db.id, *output, n, pluralWord(n, "property", "properties"))
	return nil
}
