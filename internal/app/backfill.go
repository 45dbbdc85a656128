package app

import (
	"context"
	"fmt"
	"io"

	"github.com/lukhas/notion-sync-action/internal/engine"
	"github.com/lukhas/notion-sync-action/internal/report"
)

func runBackfill(ctx context.Context, e *env, args []string) error {
	var f settingsFlags
	fs := newFlagSet(e, "backfill", "backfill [--apply] [--options] [flags]")
	f.client(fs)
	f.manifests(fs)
	apply := fs.Bool("apply", false, "write the changes (without it, only list them)")
	options := fs.Bool("options", false, "add the select and multi-select options the manifests use to the database schema instead")
	s, err := e.parseSettings(fs, &f, args)
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

// backfillManifests runs engine.Backfill and reports to out. It returns how many
// manifests could not be read; those are listed, and the others still written.
func backfillManifests(s engine.Settings, apply bool, out io.Writer) (int, error) {
	w, changed, err := engine.Backfill(s, apply)
	if err != nil {
		return 0, err
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
// the existing columns lack: the options part of `schema apply` (engine.PlanSchema),
// with backfill's own output. A schema PATCH replaces the option list, so the
// request carries every existing option (by id) plus the new ones.
func backfillOptions(ctx context.Context, s engine.Settings, apply bool, stdout io.Writer) error {
	w, db, plan, err := engine.OpenSchema(ctx, s)
	if err != nil {
		return err
	}
	defer db.Close()
	plan = plan.OptionsOnly()
	plan.Manual, plan.Problems = nil, nil // status options and wrong types: preflight and schema apply report them
	for _, c := range plan.Add {
		fmt.Fprintf(stdout, "➕ %s: %d new options: %s\n", report.Sanitize(c.Property), len(c.Options), report.Sanitize(fmt.Sprint(c.Options)))
	}
	switch {
	case len(plan.Add) == 0:
		fmt.Fprintln(stdout, "✅ The database has every option the manifests use")
		return nil
	case !apply:
		fmt.Fprintln(stdout, "📋 Run with --apply to add them to the database")
		return nil
	}
	if _, err := db.ApplySchema(ctx, w, plan); err != nil {
		return fmt.Errorf("add options: %w", err)
	}
	fmt.Fprintf(stdout, "✅ Added options to %d properties\n", len(plan.Add))
	return nil
}
