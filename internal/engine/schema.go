package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/lukhas/notion-sync-action/internal/config"
	"github.com/lukhas/notion-sync-action/internal/notion"
	"github.com/lukhas/notion-sync-action/internal/property"
)

// SchemaProblems compares the database's properties with the config: every
// managed property must exist with the configured type. It also returns, per
// status property, the values the manifests use that are not options yet: Notion
// never creates a status option from a page write, and the 2022-06-28 API cannot
// add one, so only the modules that use them fail.
func SchemaProblems(db notion.Database, w *Workspace) (problems []string, missing map[string]map[string]bool) {
	cfg := w.Config
	missing = map[string]map[string]bool{}
	check := func(name string, want property.Type) {
		p, ok := db.Properties[name]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("property %q is missing: add it as %s in Notion, or remove it from %s", name, want, ConfigName(cfg)))
		case property.Type(p.Type) != want:
			problems = append(problems, fmt.Sprintf("property %q is %s in Notion but %s in %s: change one of them", name, p.Type, want, ConfigName(cfg)))
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
		for _, m := range w.Modules {
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

func ConfigName(cfg *config.Config) string {
	if cfg.File == "" {
		return "the built-in config"
	}
	return cfg.File
}

// checkSchema fails a sync early, before any write, when the database cannot take
// what the config sends. It returns the status values the database lacks.
func checkSchema(ctx context.Context, db *Database, w *Workspace) (map[string]map[string]bool, error) {
	schema, err := db.Schema(ctx)
	if err != nil {
		return nil, fmt.Errorf("read database %s: %w%s", db.id, err, DatabaseFix(err))
	}
	problems, missing := SchemaProblems(schema, w)
	if len(problems) > 0 {
		return nil, usagef("the database does not match the config:\n  - %s\nrun 'notion-sync preflight' for the whole check", strings.Join(problems, "\n  - "))
	}
	return missing, nil
}

// DatabaseFix says what to do about a database that cannot be read.
func DatabaseFix(err error) string {
	switch {
	case strings.Contains(err.Error(), "multiple data sources"):
		return "\nFix: the database has several data sources, which Notion-Version 2022-06-28 cannot address: remove the extra data source in Notion, or point NOTION_DATABASE_ID at a single-source database"
	case notion.IsNotFound(err):
		return "\nFix: check NOTION_DATABASE_ID and share the database with the integration (••• → Connections)"
	}
	return ""
}
