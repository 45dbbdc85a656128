package app

import (
	"context"
	"fmt"
	"io"

	"github.com/lukhas/notion-sync-action/internal/engine"
	"github.com/lukhas/notion-sync-action/internal/report"
)

// schemaApply is the core of `schema apply` and of the Action's schema-apply
// mode: it adds to the database every configured property it lacks and every
// option the manifests use, and prints what it added (or, with dryRun, what
// it would add). A property of the wrong type stops it before any write, and
// what only the Notion UI can add (status properties and options) is listed
// with where to add it: both are errProblems.
func schemaApply(ctx context.Context, out io.Writer, s engine.Settings, dryRun bool) error {
	w, db, plan, err := engine.OpenSchema(ctx, s)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(out, "🔧 Schema of database %s against %s\n", db.ID(), engine.ConfigName(w.Config))
	if len(plan.Problems) > 0 {
		io.WriteString(out, report.SchemaProblemsText(plan.View()))
		return errProblems
	}
	left := plan
	switch {
	case len(plan.Add) == 0:
		fmt.Fprintln(out, "✅ The database has every configured property and every option the manifests use")
	case dryRun:
		fmt.Fprintln(out, "📋 Would add (dry run, nothing written):")
		io.WriteString(out, report.SchemaAdditionsText(plan.View().Add))
		fmt.Fprintln(out, "Run without --dry-run to add them.")
	default:
		if left, err = db.ApplySchema(ctx, w, plan); err != nil {
			return err
		}
		fmt.Fprintln(out, "✅ Added:")
		io.WriteString(out, report.SchemaAdditionsText(plan.View().Add))
		if len(left.Add) > 0 {
			// Notion answered 200 without taking everything: say so rather than
			// let the next sync fail on it.
			fmt.Fprintln(out, "❌ Notion did not take all of it; still missing:")
			io.WriteString(out, report.SchemaAdditionsText(left.View().Add))
			return errProblems
		}
	}
	if len(left.Manual) > 0 {
		io.WriteString(out, report.SchemaManualText(left.View().Manual))
		return errProblems
	}
	return nil
}
