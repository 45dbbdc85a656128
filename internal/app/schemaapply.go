package app

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

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
	w, err := engine.Open(s, time.Now().UTC())
	if err != nil {
		return err
	}
	db, schema, err := engine.ConnectSchema(ctx, s)
	if err != nil {
		return err
	}
	defer db.Close()
	plan := engine.PlanSchema(schema, w)
	fmt.Fprintf(out, "🔧 Schema of database %s against %s\n", db.ID(), engine.ConfigName(w.Config))
	if len(plan.Problems) > 0 {
		fmt.Fprintf(out, "❌ %d %s of the wrong type:\n", len(plan.Problems), report.PluralWord(len(plan.Problems), "property", "properties"))
		for _, p := range plan.Problems {
			fmt.Fprintf(out, "  - %s\n", report.Sanitize(p))
		}
		if len(plan.Add) > 0 {
			fmt.Fprintln(out, "Once they are fixed, schema apply will add:")
			printAdditions(out, plan.Add)
		}
		printManual(out, plan.Manual)
		fmt.Fprintln(out, "Nothing was changed.")
		return errProblems
	}
	left := plan
	switch {
	case len(plan.Add) == 0:
		fmt.Fprintln(out, "✅ The database has every configured property and every option the manifests use")
	case dryRun:
		fmt.Fprintln(out, "📋 Would add (dry run, nothing written):")
		printAdditions(out, plan.Add)
		fmt.Fprintln(out, "Run without --dry-run to add them.")
	default:
		if left, err = db.ApplySchema(ctx, w, plan); err != nil {
			return err
		}
		fmt.Fprintln(out, "✅ Added:")
		printAdditions(out, plan.Add)
		if len(left.Add) > 0 {
			// Notion answered 200 without taking everything: say so rather than
			// let the next sync fail on it.
			fmt.Fprintln(out, "❌ Notion did not take all of it; still missing:")
			printAdditions(out, left.Add)
			return errProblems
		}
	}
	if printManual(out, left.Manual) {
		return errProblems
	}
	return nil
}

// printAdditions lists the changes, one property a line.
func printAdditions(out io.Writer, add []engine.SchemaChange) {
	for _, c := range add {
		name := report.Sanitize(c.Property)
		switch {
		case c.New && len(c.Options) > 0:
			fmt.Fprintf(out, "  ➕ %s (%s, %d %s: %s)\n", name, c.Type, len(c.Options), report.PluralWord(len(c.Options), "option", "options"), optionList(c.Options))
		case c.New:
			fmt.Fprintf(out, "  ➕ %s (%s)\n", name, c.Type)
		default:
			fmt.Fprintf(out, "  ➕ %s: %d new %s: %s\n", name, len(c.Options), report.PluralWord(len(c.Options), "option", "options"), optionList(c.Options))
		}
	}
}

// printManual lists what only the Notion UI can add, and where; it reports
// whether there was any.
func printManual(out io.Writer, manual []engine.SchemaChange) bool {
	if len(manual) == 0 {
		return false
	}
	fmt.Fprintln(out, "✋ The API cannot create status properties or status options: add these in Notion, then run schema apply or preflight again:")
	for _, c := range manual {
		name := report.Sanitize(c.Property)
		if c.New {
			fmt.Fprintf(out, "  - %s: add a Status property named %q (the database's ••• menu → Properties → New property → Status)", name, name)
			if len(c.Options) > 0 {
				fmt.Fprintf(out, " with the options %s", optionList(c.Options))
			}
			fmt.Fprintln(out)
			continue
		}
		fmt.Fprintf(out, "  - %s: add the options %s (the %s column's menu → Edit property → add an option)\n", name, optionList(c.Options), name)
	}
	return true
}

// optionList quotes up to report.ListCap option names and counts the rest.
func optionList(names []string) string {
	quoted := make([]string, 0, min(len(names), report.ListCap))
	for i, n := range names {
		if i == report.ListCap {
			return strings.Join(quoted, ", ") + fmt.Sprintf(" and %d more", len(names)-report.ListCap)
		}
		quoted = append(quoted, fmt.Sprintf("%q", report.Sanitize(n)))
	}
	return strings.Join(quoted, ", ")
}
