package engine

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/lukhas/notion-sync-action/internal/report"
)

// Preflight checks the config, the manifests (broken, duplicate keys, not
// hydrated) and, unless offline or without a token, Notion: the token, the
// database and its schema against the config. What fails is in the result; the
// error is a config that cannot be loaded, which stops every other check.
func Preflight(ctx context.Context, s Settings, offline bool) (report.Preflight, error) {
	w, err := Open(s, time.Now().UTC())
	if err != nil {
		return report.Preflight{}, err
	}
	p := report.Preflight{Config: ConfigName(w.Config), Manifests: len(w.Modules) + len(w.Failed),
		Duplicates: w.Duplicates(), Offline: offline, NoToken: !offline && s.Token == ""}
	for _, f := range w.Failed {
		p.Failed = append(p.Failed, f.Error())
	}
	for _, f := range w.Warnings {
		p.Warnings = append(p.Warnings, f.Error())
	}
	if w.Config.RequireHydration && w.Config.Hydrate != "" {
		p.Hydrate = w.Config.Hydrate
		for _, m := range w.Modules {
			if !m.Hydrated {
				p.Unhydrated = append(p.Unhydrated, m.Path)
			}
		}
		sort.Strings(p.Unhydrated)
	}
	if !p.Offline && !p.NoToken {
		preflightNotion(ctx, s, w, &p)
	}
	return p, nil
}

// preflightNotion runs the checks that need the token, each only when the one
// before passed.
func preflightNotion(ctx context.Context, s Settings, w *Workspace, p *report.Preflight) {
	db, err := Connect(s)
	if err != nil {
		p.ConnectErr = err
		return
	}
	defer db.Close()
	me, err := db.Client().Me(ctx)
	if err != nil {
		p.APIErr = err
		return
	}
	p.Bot = me.Name
	schema, err := db.Schema(ctx)
	if err != nil {
		p.DBErr, p.DBFix = err, DatabaseFix(err)
		return
	}
	p.DatabaseID, p.API = db.ID(), api(ctx, db)
	r := CheckSchema(schema, w)
	for _, a := range r.Absent {
		p.Absent = append(p.Absent, a.Note)
	}
	p.Problems = r.Problems
	for _, prop := range slices.Sorted(maps.Keys(r.MissingStatus)) {
		for _, name := range slices.Sorted(maps.Keys(r.MissingStatus[prop])) {
			p.Problems = append(p.Problems, fmt.Sprintf("status %q of property %q is not an option in Notion: add it in the Notion UI (the API cannot add status options)", name, prop))
		}
	}
	p.Properties = len(w.Config.Properties) + 1
}
