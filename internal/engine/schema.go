package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/lukhas/notion-sync-action/internal/config"
	"github.com/lukhas/notion-sync-action/internal/notion"
	"github.com/lukhas/notion-sync-action/internal/property"
)

// SchemaReport is how a database's schema fits the config.
type SchemaReport struct {
	// Problems are properties missing or of another type: nothing can sync
	// until they are fixed.
	Problems []string
	// MissingStatus maps each status property to the values the manifests use
	// that are not options yet: Notion never creates a status option from a page
	// write, and the API cannot add one, so only the modules that use them fail.
	MissingStatus map[string]map[string]bool
	// Absent are the optional properties the database lacks: the sync leaves
	// them out and says how to add them.
	Absent []config.Absent
}

// AbsentNames are the names of the absent optional properties.
func (r SchemaReport) AbsentNames() []string {
	out := make([]string, len(r.Absent))
	for i, a := range r.Absent {
		out[i] = a.Name
	}
	return out
}

// CheckSchema compares the database's properties with the config: every
// managed property must exist with the configured type, unless it is optional
// and absent.
func CheckSchema(db notion.Database, w *Workspace) SchemaReport {
	cfg := w.Config
	have := make(map[string]property.Type, len(db.Properties))
	for name, p := range db.Properties {
		have[name] = property.Type(p.Type)
	}
	r := SchemaReport{MissingStatus: map[string]map[string]bool{}, Absent: cfg.Absent(have)}
	absent := map[string]bool{}
	for _, a := range r.Absent {
		absent[a.Name] = true
	}
	missing := r.MissingStatus
	var problems []string
	check := func(name string, want property.Type) {
		if absent[name] {
			return
		}
		p, ok := db.Properties[name]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("property %q is missing: add it as %s in Notion (notion-sync schema apply adds it), or remove it from %s", name, want, ConfigName(cfg)))
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
	r.Problems = problems
	return r
}

// ConfigName names the config a workspace was read with, for messages.
func ConfigName(cfg *config.Config) string {
	if cfg.File == "" {
		return "the built-in config"
	}
	return cfg.File
}

// checkSchema fails a sync early, before any write, when the database cannot take
// what the config sends.
func checkSchema(ctx context.Context, db *Database, w *Workspace) (SchemaReport, error) {
	schema, err := db.Schema(ctx)
	if err != nil {
		return SchemaReport{}, fmt.Errorf("read database %s: %w%s", db.id, err, DatabaseFix(err))
	}
	r := CheckSchema(schema, w)
	if problems := r.Problems; len(problems) > 0 {
		return SchemaReport{}, usagef("the database does not match the config:\n  - %s\nrun 'notion-sync preflight' for the whole check", strings.Join(problems, "\n  - "))
	}
	return r, nil
}

// DatabaseFix says what to do about a database that cannot be read.
// A usage error already carries its own fix.
func DatabaseFix(err error) string {
	var apiErr *notion.APIError
	var usage *UsageError
	switch {
	case errors.As(err, &usage):
		return ""
	case errors.As(err, &apiErr) && apiErr.Code == "validation_error" && strings.Contains(apiErr.Message, "not supported in this API version"):
		// Notion's answer under 2022-06-28 for a database with several data
		// sources (notion-api.md §8).
		return "\nFix: the database has several data sources, which Notion-Version 2022-06-28 cannot address: use --notion-version 2025-09-03 (the default) and choose one with --data-source-id"
	case notion.IsNotFound(err):
		return "\nFix: check NOTION_DATABASE_ID and share the database with the integration (••• → Connections)"
	}
	return ""
}
