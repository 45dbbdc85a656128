package engine

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/lukhas/notion-sync-action/internal/notion"
	"github.com/lukhas/notion-sync-action/internal/reconcile"
	"github.com/lukhas/notion-sync-action/internal/report"
)

// Audit lists every discrepancy between the whole database and every manifest,
// generated at now. It writes nothing: a full dry-run sync plans exactly what
// differs, and the plan is classified into the audit's kinds.
func Audit(ctx context.Context, s Settings, now time.Time) (report.Audit, error) {
	if s.Token == "" {
		return report.Audit{}, ErrNoToken
	}
	s.Plan = ""
	res, err := Sync(ctx, s, SyncRequest{All: true, DryRun: true})
	if err != nil {
		return report.Audit{}, err
	}
	// The dry run's workspace and client stay inside Sync: the manifests are read
	// again (local files, cheap), and Notion is connected to again only if a page
	// must be read, which most audits never need.
	w, err := Open(s, now)
	if err != nil {
		return report.Audit{}, err
	}
	pages := &lazyPages{s: s}
	defer pages.Close()
	found, err := auditPlan(ctx, pages.Page, notion.IsNotFound, w, res.Plan)
	if err != nil {
		return report.Audit{}, err
	}
	a := report.Audit{GeneratedAt: now.Format("2006-01-02T15:04:05.000Z07:00"), SHA: res.Plan.SHA,
		DatabaseID: res.Plan.DatabaseID, Discrepancies: found, Manifests: len(w.Modules) + len(w.Failed)}
	for _, d := range found {
		a.Summary.Add(d.Kind)
	}
	return a, nil
}

// lazyPages reads pages through a client made on the first read: audit reads a
// page only for a notion_page_id the database query could not return.
type lazyPages struct {
	s   Settings
	db  *Database
	err error
}

// Page reads one page, archived or not, connecting first if need be.
func (l *lazyPages) Page(ctx context.Context, id string) (reconcile.Page, error) {
	if l.db == nil && l.err == nil {
		l.db, l.err = Connect(l.s)
	}
	if l.err != nil {
		return reconcile.Page{}, l.err
	}
	return l.db.Page(ctx, id)
}

// Close flushes the audit log of the client, if one was made.
func (l *lazyPages) Close() error {
	if l.db == nil {
		return nil
	}
	return l.db.Close()
}

// auditPlan turns a full dry-run plan into discrepancies. getPage reads one page
// (archived ones too), for the notion_page_id values the query could not return:
// a database query never returns pages in the trash.
func auditPlan(ctx context.Context, getPage func(context.Context, string) (reconcile.Page, error),
	notFound func(error) bool, w *Workspace, plan report.Plan) ([]report.Discrepancy, error) {
	pageIDs := map[string]string{} // manifest path → its notion_page_id, dashed
	pathsByID := map[string][]string{}
	for _, m := range w.Modules {
		if m.PageID == "" {
			continue
		}
		if id, err := notion.ParseDatabaseID(m.PageID); err == nil {
			pageIDs[m.Path] = id
			pathsByID[id] = append(pathsByID[id], m.Path)
		}
	}
	failed := map[string]bool{}
	for _, p := range w.Failed {
		failed[p.File] = true
	}
	dups := w.Duplicates()
	owner := w.Config.OwnerProperty

	var out []report.Discrepancy
	add := func(kind string, c report.Change, pageID, detail string) {
		out = append(out, report.Discrepancy{Kind: kind, Module: c.Module, Path: c.Path, PageID: pageID,
			Properties: map[string]report.Diff{}, Detail: detail})
	}
	for _, c := range plan.Changes {
		wantID := pageIDs[c.Path]
		switch c.Action {
		case report.ActionNoop, report.ActionUpdate:
			if c.Action == report.ActionUpdate {
				d := report.Discrepancy{Kind: report.KindDrift, Module: c.Module, Path: c.Path, PageID: c.PageID, Properties: c.Properties,
					Detail: fmt.Sprintf("Notion differs from the manifest in %s; notion-sync sync --module %s writes the manifest's values",
						strings.Join(slices.Sorted(maps.Keys(c.Properties)), ", "), c.Module)}
				out = append(out, d)
			}
			if wantID == "" || notion.SameID(wantID, c.PageID) {
				continue
			}
			// Matched by key: the manifest's own page id is stale. Say so when it
			// points at the trash, where someone may look for the module.
			p, err := getPage(ctx, wantID)
			switch {
			case notFound(err):
				continue
			case err != nil:
				return nil, fmt.Errorf("read page %s of %s: %w", wantID, c.Path, err)
			case p.Archived:
				add(report.KindTrashed, c, wantID, fmt.Sprintf("notion_page_id names a page in the trash; the sync uses the live page %s with the same key: notion-sync sync --module %s --update-manifest records it", c.PageID, c.Module))
			}
		case report.ActionCreate:
			add(report.KindMissing, c, "", fmt.Sprintf("no page has the key %q; notion-sync sync --module %s creates it", c.Module, c.Module))
		case report.ActionArchive:
			add(report.KindOrphan, c, c.PageID, fmt.Sprintf("no manifest has this key; the sync created the page (%s: %s), so the next sync --all archives it", owner, c.Path))
		case report.ActionOrphan:
			if c.Path == "" {
				add(report.KindOrphan, c, c.PageID, "no manifest has this key and the sync did not create the page; a sync leaves it alone: add a manifest or delete the page in Notion")
			} else {
				add(report.KindOrphan, c, c.PageID, fmt.Sprintf("no manifest has this key; the sync created the page (%s: %s), but on_delete is ignore, so it stays", owner, c.Path))
			}
		case report.ActionDuplicate:
			detail := "another page has the same key; the sync keeps the oldest, notion-sync sync --all --dedupe archives this one"
			if len(c.Warnings) > 0 {
				detail = c.Warnings[0]
			}
			add(report.KindDuplicate, c, c.PageID, detail)
		default:
			d, err := auditError(ctx, getPage, notFound, c, wantID, cmp.Or(plan.DataSourceID, plan.DatabaseID),
				failed[c.Path], slices.Contains(dups[c.Module], c.Path) || len(pathsByID[wantID]) > 1)
			if err != nil {
				return nil, err
			}
			out = append(out, d)
		}
	}
	order := map[string]int{}
	for i, k := range report.AuditKinds {
		order[k] = i
	}
	slices.SortStableFunc(out, func(a, b report.Discrepancy) int {
		if order[a.Kind] != order[b.Kind] {
			return order[a.Kind] - order[b.Kind]
		}
		if a.Module != b.Module {
			return strings.Compare(a.Module, b.Module)
		}
		if a.Path != b.Path {
			return strings.Compare(a.Path, b.Path)
		}
		return strings.Compare(a.PageID, b.PageID)
	})
	if out == nil {
		out = []report.Discrepancy{}
	}
	return out, nil
}

// auditError classifies a module the plan could not sync: a manifest that does not
// parse, a key or page id shared by two manifests, or a notion_page_id that names
// a page in the trash, a page that is gone, or a page of another database.
func auditError(ctx context.Context, getPage func(context.Context, string) (reconcile.Page, error), notFound func(error) bool,
	c report.Change, pageID, database string, broken, shared bool) (report.Discrepancy, error) {
	d := report.Discrepancy{Kind: report.KindError, Module: c.Module, Path: c.Path, PageID: pageID,
		Properties: map[string]report.Diff{}, Detail: c.Error}
	switch {
	case broken:
		return d, nil
	case shared:
		d.Kind = report.KindDuplicate
		return d, nil
	case pageID == "":
		return d, nil
	}
	p, err := getPage(ctx, pageID)
	switch {
	case notFound(err):
		d.Kind = report.KindMissing
		d.Detail = fmt.Sprintf("notion_page_id %s does not exist (deleted for good) or is not shared with the integration; remove notion_page_id from %s, or run notion-sync sync --module %s --create-if-missing",
			pageID, c.Path, c.Module)
	case err != nil:
		return d, fmt.Errorf("read page %s of %s: %w", pageID, c.Path, err)
	case p.Database != "" && database != "" && !notion.SameID(p.Database, database):
		// The plan's own message names the other database when it read the page.
		d.Detail = fmt.Sprintf("notion_page_id %s is a page of database %s, not of %s; remove notion_page_id from %s",
			pageID, p.Database, database, c.Path)
	case p.Archived:
		d.Kind = report.KindTrashed
		d.Detail = fmt.Sprintf("notion_page_id names a page in the trash; restore it in Notion (Trash → Restore), or remove notion_page_id from %s and run notion-sync sync --module %s --create-if-missing",
			c.Path, c.Module)
	}
	return d, nil
}
