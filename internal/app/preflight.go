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

	"github.com/lukhas/notion-sync-action/internal/config"
	"github.com/lukhas/notion-sync-action/internal/notion"
	"github.com/lukhas/notion-sync-action/internal/property"
	"github.com/lukhas/notion-sync-action/internal/report"
)

// schemaProblems compares the database's properties with the config: every
// managed property must exist with the configured type. It also returns, per
// status property, the values the manifests use that are not options yet: Notion
// never creates a status option from a page write, and the 2022-06-28 API cannot
// add one, so only the modules that use them fail.
func schemaProblems(db notion.Database, w *workspace) (problems []string, missing map[string]map[string]bool) {
	cfg := w.cfg
	missing = map[string]map[string]bool{}
	check := func(name string, want property.Type) {
		p, ok := db.Properties[name]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("property %q is missing: add it as %s in Notion, or remove it from %s", name, want, configName(cfg)))
		case property.Type(p.Type) != want:
			problems = append(problems, fmt.Sprintf("property %q is %s in Notion but %s in %s: change one of them", name, p.Type, want, configName(cfg)))
		}
	}
	check(cfg.Key.Property, property.Title)
	for _, p := range cfg.Properties {
		check(p.Name, p.Type)
		schema, ok := db.Properties[p.Name]
		if p.Type != property.Status || !ok || property.Type(schema.Type) != property.Status {
			continue
		}
		have := map[string]bool{}
		for _, o := range schema.Options {
			have[o.Name] = true
		}
		for _, m := range w.modules {
			if v := m.Props[p.Name]; v.Text != "" && !have[v.Text] {
				if missing[p.Name] == nil {
					missing[p.Name] = map[string]bool{}
				}
				missing[p.Name][v.Text] = true
			}
		}
	}
	return problems, missing
}

func configName(cfg *config.Config) string {
	if cfg.File == "" {
		return "the built-in config"
	}
	return cfg.File
}

// checkSchema fails a sync early, before any write, when the database cannot take
// what the config sends. It returns the status values the database lacks.
func checkSchema(ctx context.Context, db *database, w *workspace) (map[string]map[string]bool, error) {
	schema, err := db.schema(ctx)
	if err != nil {
		return nil, fmt.Errorf("read database %s: %w%s", db.id, err, databaseFix(err))
	}
	problems, missing := schemaProblems(schema, w)
	if len(problems) > 0 {
		return nil, usagef("the database does not match the config:\n  - %s\nrun 'notion-sync preflight' for the whole check", strings.Join(problems, "\n  - "))
	}
	return missing, nil
}

// databaseFix says what to do about a database that cannot be read.
func databaseFix(err error) string {
	switch {
	case strings.Contains(err.Error(), "multiple data sources"):
		return "\nFix: the database has several data sources, which Notion-Version 2022-06-28 cannot address: remove the extra data source in Notion, or point NOTION_DATABASE_ID at a single-source database"
	case notion.IsNotFound(err):
		return "\nFix: check NOTION_DATABASE_ID and share the database with the integration (••• → Connections)"
	}
	return ""
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
		return errUsageReported
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
		for i, p := range w.failed {
			if i == listCap {
				fmt.Fprintf(out, "  ... and %d more\n", len(w.failed)-listCap)
				break
			}
			fmt.Fprintf(out, "  - %s\n", report.Sanitize(p.Error()))
		}
	}
	for _, p := range w.warnings {
		fmt.Fprintf(out, "⚠️  %s\n", report.Sanitize(p.Error()))
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
			fmt.Fprintf(out, "  - %s: %s\n", report.Sanitize(k), strings.Join(dups[k], ", "))
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
				fmt.Fprintf(out, "  - %s\n", report.Sanitize(p))
			}
			fmt.Fprintln(out, "\nRun: notion-sync backfill --apply")
		}
	}
	return ok
}

// notionChecks are the checks that need the token: reachability, the database,
// and its schema against the config.
func notionChecks(ctx context.Context, out io.Writer, e *env, client clientFlags, w *workspace) bool {
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
	fmt.Fprintf(out, "✅ Notion API: Reachable (integration %q)\n", report.Sanitize(me.Name))
	schema, err := db.schema(ctx)
	if err != nil {
		fmt.Fprintf(out, "❌ Database: %v%s\n", err, databaseFix(err))
		return false
	}
	fmt.Fprintf(out, "✅ Database ID: Valid (%s)\n", db.id)
	problems, missing := schemaProblems(schema, w)
	for _, prop := range slices.Sorted(maps.Keys(missing)) {
		for _, name := range slices.Sorted(maps.Keys(missing[prop])) {
			problems = append(problems, fmt.Sprintf("status %q of property %q is not an option in Notion: add it in the Notion UI (the API cannot add status options)", name, prop))
		}
	}
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
