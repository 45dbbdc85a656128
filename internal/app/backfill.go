package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/lukhas/notion-sync-action/internal/engine"
	"github.com/lukhas/notion-sync-action/internal/manifest"
	"github.com/lukhas/notion-sync-action/internal/module"
	"github.com/lukhas/notion-sync-action/internal/property"
	"github.com/lukhas/notion-sync-action/internal/report"
)

func runBackfill(ctx context.Context, e *env, args []string) error {
	var f settingsFlags
	fs := newFlagSet(e, "backfill", "backfill [--apply] [--options] [flags]")
	f.client(fs)
	f.manifests(fs)
	apply := fs.Bool("apply", false, "write the changes (without it, only list them)")
	options := fs.Bool("options", false, "add the select and multi-select options the manifests use to the database schema instead")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	s, err := e.settings(f)
	if err != nil {
		return err
	}
	if *options {
		return backfillOptions(ctx, s, *apply, e.stdout)
	}
	broken, err := backfillManifests(s, *apply, e.stdout)
	if err == nil && broken > 0 {
		return errProblems
	}
	return err
}

// backfillManifests writes every resolved value into the hydrate object of each
// manifest, editing only that object, and reports to out. It returns how many
// manifests could not be read; those are listed, and the others still written.
func backfillManifests(s engine.Settings, apply bool, out io.Writer) (int, error) {
	w, err := engine.Open(s, time.Now().UTC())
	if err != nil {
		return 0, err
	}
	if w.Config.Hydrate == "" {
		return 0, usagef("the config has no hydrate object to backfill (set hydrate: notion_database_options)")
	}
	var changed []string
	for _, mod := range w.Modules {
		m := w.Manifests[mod.Path]
		out, diff, err := module.Backfill(w.Config, m, mod)
		if err != nil {
			return 0, fmt.Errorf("backfill %s: %w", mod.Path, err)
		}
		if !diff {
			continue
		}
		changed = append(changed, mod.Path)
		if apply {
			if err := manifest.WriteFile(w.Root, mod.Path, out); err != nil {
				return 0, fmt.Errorf("backfill %s: %w", mod.Path, err)
			}
		}
	}
	switch {
	case len(changed) == 0:
		fmt.Fprintf(out, "✅ All manifests have %s hydrated\n", w.Config.Hydrate)
	case apply:
		fmt.Fprintf(out, "✅ Backfilled %s for %d modules\n📝 Updated manifests:\n", w.Config.Hydrate, len(changed))
	default:
		fmt.Fprintf(out, "📋 %d manifests would get %s (run with --apply to write them):\n", len(changed), w.Config.Hydrate)
	}
	for _, p := range changed {
		fmt.Fprintf(out, "  - %s\n", p)
	}
	for _, p := range w.Failed {
		fmt.Fprintf(out, "❌ %s\n", report.Sanitize(p.Error()))
	}
	return len(w.Failed), nil
}

// backfillOptions adds the select and multi_select options the manifests use but
// the database lacks. A schema PATCH replaces the option list, so the request
// carries every existing option (by id) plus the new ones.
func backfillOptions(ctx context.Context, s engine.Settings, apply bool, stdout io.Writer) error {
	w, err := engine.Open(s, time.Now().UTC())
	if err != nil {
		return err
	}
	db, err := engine.Connect(s)
	if err != nil {
		return err
	}
	defer db.Close()
	schema, err := db.Schema(ctx)
	if err != nil {
		return fmt.Errorf("read database %s: %w", db.ID(), err)
	}
	patch := map[string]json.RawMessage{}
	for _, p := range w.Config.Properties {
		if p.Type != property.Select && p.Type != property.MultiSelect {
			continue
		}
		sp, ok := schema.Properties[p.Name]
		if !ok || property.Type(sp.Type) != p.Type {
			continue // preflight reports it
		}
		existing := sp.Options
		var names []string
		for _, o := range existing {
			names = append(names, o.Name)
		}
		var added []string
		for _, m := range w.Modules {
			v := m.Props[p.Name]
			for _, n := range append([]string{v.Text}, v.Names...) {
				if n != "" && !slices.Contains(names, n) && !slices.Contains(added, n) {
					added = append(added, n)
				}
			}
		}
		if len(added) == 0 {
			continue
		}
		slices.Sort(added)
		fmt.Fprintf(stdout, "➕ %s: %d new options: %s\n", p.Name, len(added), report.Sanitize(fmt.Sprint(added)))
		opts := make([]map[string]string, 0, len(existing)+len(added))
		for _, o := range existing {
			opts = append(opts, map[string]string{"id": o.ID, "name": o.Name})
		}
		for _, n := range added {
			opts = append(opts, map[string]string{"name": n})
		}
		raw, err := json.Marshal(map[string]any{string(p.Type): map[string]any{"options": opts}})
		if err != nil {
			return fmt.Errorf("encode options of %s: %w", p.Name, err)
		}
		patch[p.Name] = raw
	}
	switch {
	case len(patch) == 0:
		fmt.Fprintln(stdout, "✅ The database has every option the manifests use")
		return nil
	case !apply:
		fmt.Fprintln(stdout, "📋 Run with --apply to add them to the database")
		return nil
	}
	if _, err := db.UpdateSchema(ctx, patch); err != nil {
		return fmt.Errorf("add options to database %s: %w", db.ID(), err)
	}
	fmt.Fprintf(stdout, "✅ Added options to %d properties\n", len(patch))
	return nil
}
