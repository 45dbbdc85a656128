package app

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/lukhas/notion-sync-action/internal/engine"
	"github.com/lukhas/notion-sync-action/internal/notion"
	"github.com/lukhas/notion-sync-action/internal/report"
)

// initUsage is how `init` is used.
const initUsage = "init --parent PAGE [--title T] [flags]"

// defaultTitle is the title of a database init creates without --title.
const defaultTitle = "Modules"

func runInit(ctx context.Context, e *env, args []string) error {
	var f settingsFlags
	fs := newFlagSet(e, "init", initUsage)
	f.client(fs)
	f.manifests(fs)
	parent := fs.String("parent", "", "the Notion page to create the database under: its URL (Share → Copy link) or id; share it with the integration first")
	title := fs.String("title", defaultTitle, "the new database's title")
	if err := parseFlags(fs, secondsArgs(args, "backoff")); err != nil {
		return err
	}
	if *parent == "" {
		return usagef("--parent is required: give the URL or id of a page shared with the integration ('notion-sync %s')", initUsage)
	}
	s, err := e.settings(f)
	if err != nil {
		return err
	}
	return initDatabase(ctx, e.stdout, s, *parent, *title)
}

// initDatabase is the core of `init`: it creates a database under the page
// parent with the config's title property and every configured property, with
// the options the repository's manifests use, and prints its id as the export
// lines the other commands read. What the API cannot create (status
// properties) is listed with where to add it, and is errProblems.
func initDatabase(ctx context.Context, out io.Writer, s engine.Settings, parent, title string) error {
	w, err := engine.Open(s, time.Now().UTC())
	if err != nil {
		return err
	}
	plan := engine.PlanSchema(notion.Database{}, w)
	t, err := engine.CreateDatabase(ctx, s, parent, title, plan)
	if err != nil {
		return fmt.Errorf("create database: %w", err)
	}
	n := len(plan.Add)
	fmt.Fprintf(out, "✅ Created database %q (%s) with %d %s from %s and the options of %d manifests:\n",
		report.Sanitize(title), t.DatabaseID, n, report.PluralWord(n, "property", "properties"), engine.ConfigName(w.Config), len(w.Modules))
	io.WriteString(out, report.SchemaAdditionsText(plan.View().Add))
	io.WriteString(out, report.SchemaManualText(plan.View().Manual))
	fmt.Fprintln(out, "\nUse it in this shell (or as the repository's NOTION_DATABASE_ID secret):")
	fmt.Fprintf(out, "export NOTION_DATABASE_ID=%s\n", t.DatabaseID)
	if t.DataSourceID != "" {
		fmt.Fprintf(out, "export NOTION_DATA_SOURCE_ID=%s\n", t.DataSourceID)
	}
	fmt.Fprintln(out, "Then: notion-sync sync --all")
	if len(plan.Manual) > 0 {
		return errProblems
	}
	return nil
}
