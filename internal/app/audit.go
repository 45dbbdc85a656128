package app

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/lukhas/notion-sync-action/internal/engine"
	"github.com/lukhas/notion-sync-action/internal/notion"
	"github.com/lukhas/notion-sync-action/internal/reconcile"
	"github.com/lukhas/notion-sync-action/internal/report"
)

// Discrepancy kinds of the audit file: DESIGN.md's five, plus error for a manifest
// that cannot be compared at all (it does not parse, or its notion_page_id names a
// page of another database), so that nothing is left out of the file.
const (
	kindMissing   = "missing"   // a manifest without a page
	kindOrphan    = "orphan"    // a page without a manifest
	kindDrift     = "drift"     // a page whose values differ from its manifest's
	kindDuplicate = "duplicate" // two pages with one key, or two manifests with one key
	kindTrashed   = "trashed"   // a manifest's notion_page_id names a page in the trash
	kindError     = "error"     // a manifest that cannot be compared
)

// auditKinds is the order of the kinds in the file and in the summary line.
var auditKinds = []string{kindMissing, kindOrphan, kindDrift, kindDuplicate, kindTrashed, kindError}

// auditDoc is artifacts/notion_audit_YYYYMM.json.
type auditDoc struct {
	GeneratedAt   string        `json:"generated_at"`
	SHA           string        `json:"sha"`
	DatabaseID    string        `json:"database_id"`
	Summary       auditSummary  `json:"summary"`
	Discrepancies []discrepancy `json:"discrepancies"`
}

// auditSummary counts the discrepancies by kind; every kind is always present, so
// `jq '.summary.drift'` is a number, never null.
type auditSummary struct {
	Missing   int `json:"missing"`
	Orphan    int `json:"orphan"`
	Drift     int `json:"drift"`
	Duplicate int `json:"duplicate"`
	Trashed   int `json:"trashed"`
	Error     int `json:"error"`
}

func (s *auditSummary) add(kind string) {
	switch kind {
	case kindMissing:
		s.Missing++
	case kindOrphan:
		s.Orphan++
	case kindDrift:
		s.Drift++
	case kindDuplicate:
		s.Duplicate++
	case kindTrashed:
		s.Trashed++
	default:
		s.Error++
	}
}

func (s auditSummary) total() int {
	return s.Missing + s.Orphan + s.Drift + s.Duplicate + s.Trashed + s.Error
}

func (s auditSummary) count(kind string) int {
	return map[string]int{kindMissing: s.Missing, kindOrphan: s.Orphan, kindDrift: s.Drift,
		kindDuplicate: s.Duplicate, kindTrashed: s.Trashed, kindError: s.Error}[kind]
}

// discrepancy is one entry of .discrepancies[]. Properties holds, for drift, each
// differing property with Notion's value as before and the manifest's as after (as
// in the plan file); it is {} for the other kinds.
type discrepancy struct {
	Kind       string                 `json:"kind"`
	Module     string                 `json:"module"`
	Path       string                 `json:"path"`
	PageID     string                 `json:"page_id"`
	Properties map[string]report.Diff `json:"properties"`
	Detail     string                 `json:"detail"`
}

// defaultAuditPath is the runbook's artifacts/notion_audit_$(date +%Y%m).json, in UTC.
func defaultAuditPath(now time.Time) string {
	return filepath.Join("artifacts", "notion_audit_"+now.UTC().Format("200601")+".json")
}

// runAudit runs `audit`: every discrepancy between the database and the manifests,
// written to a JSON file for review.
func runAudit(ctx context.Context, e *env, args []string) error {
	var f settingsFlags
	var o auditOptions
	fs := newFlagSet(e, "audit", "audit [--output F] [--fail-on-discrepancy] [flags]")
	f.client(fs)
	f.manifests(fs)
	fs.StringVar(&o.output, "output", "", "where to write the report (default artifacts/notion_audit_YYYYMM.json, UTC)")
	fs.BoolVar(&o.failOn, "fail-on-discrepancy", false, "exit 1 when there is any discrepancy (default: exit 0, the file is for review)")
	if err := parseFlags(fs, secondsArgs(args, "backoff")); err != nil {
		return err
	}
	s, err := e.settings(f)
	if err != nil {
		return err
	}
	_, err = audit(ctx, e.stdout, s, o)
	return err
}

// auditOptions are audit's own choices, besides the Settings.
type auditOptions struct {
	output string // the report file; "" is the runbook's monthly file
	failOn bool   // errProblems when there is any discrepancy
}

// audit is the core of `audit` (and of the Action's audit mode): it writes the
// report, prints its summary to out and returns the number of discrepancies.
func audit(ctx context.Context, out io.Writer, s engine.Settings, o auditOptions) (int, error) {
	if s.Token == "" {
		return 0, engine.ErrNoToken
	}
	now := time.Now().UTC()
	output := o.output
	if output == "" {
		output = defaultAuditPath(now)
	}
	// The whole database against every manifest: a full dry-run sync plans exactly
	// what differs, and writes nothing.
	s.Plan = ""
	res, err := engine.Sync(ctx, s, engine.SyncRequest{All: true, DryRun: true})
	if err != nil {
		return 0, err
	}
	// The dry run's workspace and client stay inside engine.Sync: the manifests are
	// read again (local files, cheap), and Notion is connected to again only if a
	// page must be read, which most audits never need.
	w, err := engine.Open(s, now)
	if err != nil {
		return 0, err
	}
	pages := &lazyPages{s: s}
	defer pages.Close()
	found, err := auditPlan(ctx, pages.Page, notion.IsNotFound, w, res.Plan)
	if err != nil {
		return 0, err
	}
	doc := auditDoc{GeneratedAt: now.Format("2006-01-02T15:04:05.000Z07:00"), SHA: res.Plan.SHA,
		DatabaseID: res.Plan.DatabaseID, Discrepancies: found}
	for _, d := range found {
		doc.Summary.add(d.Kind)
	}
	data, err := report.EncodeJSON(doc)
	if err != nil {
		return 0, fmt.Errorf("encode audit: %w", err)
	}
	if err := report.WriteArtifactIn(s.Root(output), output, data); err != nil {
		return 0, fmt.Errorf("write audit: %w", err)
	}
	manifests := len(w.Modules) + len(w.Failed)
	fmt.Fprintf(out, "🔍 Audit of %d %s against database %s\n", manifests, report.PluralWord(manifests, "manifest", "manifests"), report.ShortID(doc.DatabaseID))
	if n := doc.Summary.total(); n == 0 {
		fmt.Fprintln(out, "✅ No discrepancies: Notion matches every manifest")
	} else {
		parts := make([]string, 0, len(auditKinds))
		for _, k := range auditKinds {
			if c := doc.Summary.count(k); c > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", c, k))
			}
		}
		fmt.Fprintf(out, "📊 %d %s: %s\n", n, report.PluralWord(n, "discrepancy", "discrepancies"), strings.Join(parts, " · "))
	}
	fmt.Fprintf(out, "📄 Written to %s (review: jq '.discrepancies' %s)\n", output, output)
	n := doc.Summary.total()
	if o.failOn && n > 0 {
		return n, errProblems
	}
	return n, nil
}

// lazyPages reads pages through a client made on the first read: audit reads a
// page only for a notion_page_id the database query could not return.
type lazyPages struct {
	s   engine.Settings
	db  *engine.Database
	err error
}

// Page reads one page, archived or not, connecting first if need be.
func (l *lazyPages) Page(ctx context.Context, id string) (reconcile.Page, error) {
	if l.db == nil && l.err == nil {
		l.db, l.err = engine.Connect(l.s)
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
	notFound func(error) bool, w *engine.Workspace, plan report.Plan) ([]discrepancy, error) {
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

	var out []discrepancy
	add := func(kind string, c report.Change, pageID, detail string) {
		out = append(out, discrepancy{Kind: kind, Module: c.Module, Path: c.Path, PageID: pageID,
			Properties: map[string]report.Diff{}, Detail: detail})
	}
	for _, c := range plan.Changes {
		wantID := pageIDs[c.Path]
		switch c.Action {
		case report.ActionNoop, report.ActionUpdate:
			if c.Action == report.ActionUpdate {
				d := discrepancy{Kind: kindDrift, Module: c.Module, Path: c.Path, PageID: c.PageID, Properties: c.Properties,
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
				add(kindTrashed, c, wantID, fmt.Sprintf("notion_page_id names a page in the trash; the sync uses the live page %s with the same key: notion-sync sync --module %s --update-manifest records it", c.PageID, c.Module))
			}
		case report.ActionCreate:
			add(kindMissing, c, "", fmt.Sprintf("no page has the key %q; notion-sync sync --module %s creates it", c.Module, c.Module))
		case report.ActionArchive:
			add(kindOrphan, c, c.PageID, fmt.Sprintf("no manifest has this key; the sync created the page (%s: %s), so the next sync --all archives it", owner, c.Path))
		case report.ActionOrphan:
			if c.Path == "" {
				add(kindOrphan, c, c.PageID, "no manifest has this key and the sync did not create the page; a sync leaves it alone: add a manifest or delete the page in Notion")
			} else {
				add(kindOrphan, c, c.PageID, fmt.Sprintf("no manifest has this key; the sync created the page (%s: %s), but on_delete is ignore, so it stays", owner, c.Path))
			}
		case report.ActionDuplicate:
			detail := "another page has the same key; the sync keeps the oldest, notion-sync sync --all --dedupe archives this one"
			if len(c.Warnings) > 0 {
				detail = c.Warnings[0]
			}
			add(kindDuplicate, c, c.PageID, detail)
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
	for i, k := range auditKinds {
		order[k] = i
	}
	slices.SortStableFunc(out, func(a, b discrepancy) int {
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
		out = []discrepancy{}
	}
	return out, nil
}

// auditError classifies a module the plan could not sync: a manifest that does not
// parse, a key or page id shared by two manifests, or a notion_page_id that names
// a page in the trash, a page that is gone, or a page of another database.
func auditError(ctx context.Context, getPage func(context.Context, string) (reconcile.Page, error), notFound func(error) bool,
	c report.Change, pageID, database string, broken, shared bool) (discrepancy, error) {
	d := discrepancy{Kind: kindError, Module: c.Module, Path: c.Path, PageID: pageID,
		Properties: map[string]report.Diff{}, Detail: c.Error}
	switch {
	case broken:
		return d, nil
	case shared:
		d.Kind = kindDuplicate
		return d, nil
	case pageID == "":
		return d, nil
	}
	p, err := getPage(ctx, pageID)
	switch {
	case notFound(err):
		d.Kind = kindMissing
		d.Detail = fmt.Sprintf("notion_page_id %s does not exist (deleted for good) or is not shared with the integration; remove notion_page_id from %s, or run notion-sync sync --module %s --create-if-missing",
			pageID, c.Path, c.Module)
	case err != nil:
		return d, fmt.Errorf("read page %s of %s: %w", pageID, c.Path, err)
	case p.Database != "" && database != "" && !notion.SameID(p.Database, database):
		// The plan's own message names the other database when it read the page.
		d.Detail = fmt.Sprintf("notion_page_id %s is a page of database %s, not of %s; remove notion_page_id from %s",
			pageID, p.Database, database, c.Path)
	case p.Archived:
		d.Kind = kindTrashed
		d.Detail = fmt.Sprintf("notion_page_id names a page in the trash; restore it in Notion (Trash → Restore), or remove notion_page_id from %s and run notion-sync sync --module %s --create-if-missing",
			c.Path, c.Module)
	}
	return d, nil
}
