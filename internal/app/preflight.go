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

	"github.com/lukhas/notion-sync-action/internal/engine"
	"github.com/lukhas/notion-sync-action/internal/report"
)

func runPreflight(ctx context.Context, e *env, args []string) error {
	var f settingsFlags
	fs := newFlagSet(e, "preflight", "preflight [flags]")
	f.client(fs)
	f.manifests(fs)
	offline := fs.Bool("offline", false, "skip the Notion checks even when a token is set")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	s, err := e.settings(f)
	if err != nil {
		return err
	}
	return preflight(ctx, e.stdout, s, *offline)
}

// preflight is the core of `preflight` (and of the Action's preflight mode):
// the checks go to out; errProblems when one fails.
func preflight(ctx context.Context, out io.Writer, s engine.Settings, offline bool) error {
	fmt.Fprintln(out, "🔍 Pre-flight: config, manifests, hydration, database")
	w, err := engine.Open(s, time.Now().UTC())
	if err != nil {
		fmt.Fprintf(out, "❌ Config: %v\n", err)
		return errUsageReported
	}
	ok := localChecks(out, w)
	if offline {
		fmt.Fprintln(out, "⏭️  Notion checks skipped (--offline)")
	} else if s.Token == "" {
		fmt.Fprintln(out, "⚠️  No NOTION_API_TOKEN: database checks skipped")
	} else {
		ok = notionChecks(ctx, out, s, w) && ok
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
func localChecks(out io.Writer, w *engine.Workspace) bool {
	ok := true
	fmt.Fprintf(out, "✅ Config: %s\n", engine.ConfigName(w.Config))
	total := len(w.Modules) + len(w.Failed)
	if len(w.Failed) == 0 {
		fmt.Fprintf(out, "✅ %d manifests parsed\n", total)
	} else {
		ok = false
		fmt.Fprintf(out, "❌ %d of %d manifests cannot be synced:\n", len(w.Failed), total)
		for i, p := range w.Failed {
			if i == listCap {
				fmt.Fprintf(out, "  ... and %d more\n", len(w.Failed)-listCap)
				break
			}
			fmt.Fprintf(out, "  - %s\n", report.Sanitize(p.Error()))
		}
	}
	for _, p := range w.Warnings {
		fmt.Fprintf(out, "⚠️  %s\n", report.Sanitize(p.Error()))
	}
	dups := w.Duplicates()
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
	if w.Config.RequireHydration && w.Config.Hydrate != "" {
		var missing []string
		for _, m := range w.Modules {
			if !m.Hydrated {
				missing = append(missing, m.Path)
			}
		}
		sort.Strings(missing)
		if len(missing) == 0 {
			fmt.Fprintf(out, "✅ All manifests have %s hydrated\n", w.Config.Hydrate)
		} else {
			ok = false
			fmt.Fprintf(out, "❌ %d manifests missing %s:\n", len(missing), w.Config.Hydrate)
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
func notionChecks(ctx context.Context, out io.Writer, s engine.Settings, w *engine.Workspace) bool {
	db, err := engine.Connect(s)
	if err != nil {
		fmt.Fprintf(out, "❌ Notion: %v\n", err)
		return false
	}
	defer db.Close()
	me, err := db.Client().Me(ctx)
	if err != nil {
		fmt.Fprintf(out, "❌ Notion API: %v\nFix: check NOTION_API_TOKEN\n", err)
		return false
	}
	fmt.Fprintf(out, "✅ Notion API: Reachable (integration %q)\n", report.Sanitize(me.Name))
	schema, err := db.Schema(ctx)
	if err != nil {
		fmt.Fprintf(out, "❌ Database: %v%s\n", err, engine.DatabaseFix(err))
		return false
	}
	fmt.Fprintf(out, "✅ Database ID: Valid (%s)\n", db.ID())
	r := engine.CheckSchema(schema, w)
	for _, a := range r.Absent {
		fmt.Fprintf(out, "⚠️  %s\n", report.Sanitize(a.Note))
	}
	problems, missing := r.Problems, r.MissingStatus
	for _, prop := range slices.Sorted(maps.Keys(missing)) {
		for _, name := range slices.Sorted(maps.Keys(missing[prop])) {
			problems = append(problems, fmt.Sprintf("status %q of property %q is not an option in Notion: add it in the Notion UI (the API cannot add status options)", name, prop))
		}
	}
	if len(problems) == 0 {
		fmt.Fprintf(out, "✅ Schema matches the config (%d properties)\n", len(w.Config.Properties)+1)
		return true
	}
	fmt.Fprintf(out, "❌ Schema: %d problems\n", len(problems))
	for _, p := range problems {
		fmt.Fprintf(out, "  - %s\n", p)
	}
	return false
}
