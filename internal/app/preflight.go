package app

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	gonotion "github.com/dstotijn/go-notion"

	"github.com/lukhas/notion-sync-action/internal/config"
	"github.com/lukhas/notion-sync-action/internal/property"
)

// schemaProblems compares the database's properties with the config: every
// managed property must exist with the configured type, and every status value
// the manifests use must be an option already (Notion never creates status
// options from a page write, and the 2022-06-28 API cannot add them).
func schemaProblems(db gonotion.Database, w *workspace) []string {
	var out []string
	cfg := w.cfg
	check := func(name string, want property.Type) {
		p, ok := db.Properties[name]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("property %q is missing: add it as %s in Notion, or remove it from %s", name, want, configName(cfg)))
		case property.Type(p.Type) != want:
			out = append(out, fmt.Sprintf("property %q is %s in Notion but %s in %s: change one of them", name, p.Type, want, configName(cfg)))
		}
	}
	check(cfg.Key.Property, property.Title)
	for _, p := range cfg.Properties {
		check(p.Name, p.Type)
		if p.Type != property.Status {
			continue
		}
		schema, ok := db.Properties[p.Name]
		if !ok || schema.Status == nil {
			continue
		}
		var have []string
		for _, o := range schema.Status.Options {
			have = append(have, o.Name)
		}
		missing := map[string]bool{}
		for _, m := range w.modules {
			if v := m.Props[p.Name]; v.Text != "" && !slices.Contains(have, v.Text) {
				missing[v.Text] = true
			}
		}
		for _, name := range slices.Sorted(maps.Keys(missing)) {
			out = append(out, fmt.Sprintf("status %q of property %q is not an option in Notion: add it in the Notion UI (the API cannot add status options)", name, p.Name))
		}
	}
	return out
}

func configName(cfg *config.Config) string {
	if cfg.File == "" {
		return "the built-in config"
	}
	return cfg.File
}

// checkSchema fails a sync early, before any write, when the database cannot take
// what the config sends.
func checkSchema(ctx context.Context, db *database, w *workspace) error {
	schema, err := db.c.Database(ctx, db.id)
	if err != nil {
		return fmt.Errorf("read database %s: %w", db.id, err)
	}
	if problems := schemaProblems(schema, w); len(problems) > 0 {
		return usagef("the database does not match the config:\n  - %s\nrun 'notion-sync preflight' for the whole check", strings.Join(problems, "\n  - "))
	}
	return nil
}

func runPreflight(ctx context.Context, e *env, args []string) error {
	var client clientFlags
	fs := newFlagSet(e, "preflight", "preflight [flags]")
	client.register(fs)
	repo := fs.String("repo", ".", "repository root holding the manifests")
	configPath := fs.String("config", "", "config file (default .github/notion-sync.yml, else the built-in config)")
	offline := fs.Bool("offline", false, "skip the Notion checks even when a token is set")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	out := e.stdout
	fmt.Fprintln(out, "🔍 Pre-flight: config, manifests, hydration, database")
	w, err := e.openWorkspace(*repo, *configPath, time.Now().UTC())
	if err != nil {
		fmt.Fprintf(out, "❌ Config: %v\n", err)
		return err
	}
	ok := localChecks(out, w)
	if *offline {
		fmt.Fprintln(out, "⏭️  Notion checks skipped (--offline)")
	} else if e.token() == "" {
		fmt.Fprintln(out, "⚠️  No NOTION_API_TOKEN: database checks skipped")
	} else {
		ok = notionChecks(ctx, out, e, client, w) && ok
	}
	if !ok {
		return errProblems
	}
	fmt.Fprintln(out, "✅ Pre-flight passed")
	return nil
}

// listCap is how many items of one kind preflight lists before it counts the rest.
const listCap = 20

// localChecks are the checks that need no token: config, manifests, keys, hydration.
func localChecks(out io.Writer, w *workspace) bool {
	ok := true
	fmt.Fprintf(out, "✅ Config: %s\n", configName(w.cfg))
	total := len(w.modules) + len(w.failed)
	if len(w.failed) == 0 {
		fmt.Fprintf(out, "✅ %d manifests parsed\n", total)
	} else {
		ok = false
		fmt.Fprintf(out, "❌ %d of %d manifests cannot be synced:\n", len(w.failed), total)
		for _, p := range w.failed {
			fmt.Fprintf(out, "  - %s\n", sanitize(p.Error()))
		}
	}
	for _, p := range w.warnings {
		fmt.Fprintf(out, "⚠️  %s\n", sanitize(p.Error()))
	}
	dups := w.duplicates()
	if len(dups) > 0 {
		ok = false
		fmt.Fprintf(out, "❌ %d keys are used by more than one manifest:\n", len(dups))
		for i, k := range slices.Sorted(maps.Keys(dups)) {
			if i == listCap {
				fmt.Fprintf(out, "  ... and %d more\n", len(dups)-listCap)
				break
			}
			fmt.Fprintf(out, "  - %s: %s\n", sanitize(k), strings.Join(dups[k], ", "))
		}
		fmt.Fprintln(out, "Fix: exclude one of the folders in manifests.exclude, or key by $path (key.from)")
	}
	if w.cfg.RequireHydration && w.cfg.Hydrate != "" {
		var missing []string
		for _, m := range w.modules {
			if !m.Hydrated {
				missing = append(missing, m.Path)
			}
		}
		sort.Strings(missing)
		if len(missing) == 0 {
			fmt.Fprintf(out, "✅ All manifests have %s hydrated\n", w.cfg.Hydrate)
		} else {
			ok = false
			fmt.Fprintf(out, "❌ %d manifests missing %s:\n", len(missing), w.cfg.Hydrate)
			for i, p := range missing {
				if i == listCap {
					fmt.Fprintf(out, "  ... and %d more\n", len(missing)-listCap)
					break
				}
				fmt.Fprintf(out, "  - %s\n", p)
			}
			fmt.Fprintln(out, "\nRun: notion-sync backfill --apply")
		}
	}
	return ok
}

// notionChecks are the checks that need the token: reachability, the database,
// and its schema against the config.
func notionChecks(ctx context.Context, out io.Writer, e *env, client clientFlags, w *workspace) bool {
	client.auditPath = ""
	db, closer, err := e.connect(client)
	if err != nil {
		fmt.Fprintf(out, "❌ Notion: %v\n", err)
		return false
	}
	defer closer.Close()
	me, err := db.c.Me(ctx)
	if err != nil {
		fmt.Fprintf(out, "❌ Notion API: %v\nFix: check NOTION_API_TOKEN\n", err)
		return false
	}
	fmt.Fprintf(out, "✅ Notion API: Reachable (integration %q)\n", sanitize(me.Name))
	schema, err := db.c.Database(ctx, db.id)
	if err != nil {
		fmt.Fprintf(out, "❌ Database: %v\nFix: check NOTION_DATABASE_ID and share the database with the integration (••• → Connections)\n", err)
		return false
	}
	fmt.Fprintf(out, "✅ Database ID: Valid (%s)\n", db.id)
	problems := schemaProblems(schema, w)
	if len(problems) == 0 {
		fmt.Fprintf(out, "✅ Schema matches the config (%d properties)\n", len(w.cfg.Properties)+1)
		return true
	}
	fmt.Fprintf(out, "❌ Schema: %d problems\n", len(problems))
	for _, p := range problems {
		fmt.Fprintf(out, "  - %s\n", p)
	}
	return false
}

// sanitize drops control characters from text that came from a manifest, so it
// cannot move the cursor or colour the terminal.
func sanitize(s string) string {
	b := []rune{}
	for _, r := range s {
		if r < 0x20 && r != '\t' || r == 0x7f {
			r = ' '
		}
		b = append(b, r)
	}
	return string(b)
}
