package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"time"

	"github.com/lukhas/notion-sync-action/internal/gitdiff"
	"github.com/lukhas/notion-sync-action/internal/ledger"
	"github.com/lukhas/notion-sync-action/internal/manifest"
	"github.com/lukhas/notion-sync-action/internal/notion"
	"github.com/lukhas/notion-sync-action/internal/property"
	"github.com/lukhas/notion-sync-action/internal/reconcile"
	"github.com/lukhas/notion-sync-action/internal/report"
)

// SyncRequest is which manifests one sync covers and how it treats them: the
// choices of `notion-sync sync` or of the Action's mode. Exactly one of All,
// Module and Changed is set.
type SyncRequest struct {
	All     bool   // every manifest: pages whose manifest is gone are archived
	Module  string // the one module with this key
	Changed bool   // the manifests changed since Since, plus uncommitted edits
	Since   string // with Changed: the revision to diff from
	// CommittedOnly leaves uncommitted edits out of Changed.
	CommittedOnly bool
	// Changes, when not nil, is the diff Changed syncs instead of diffing
	// Since..HEAD and the working tree: the Action computes it (before..after of
	// a push, or a pull request's files from GitHub's API).
	Changes []gitdiff.Change

	DryRun          bool   // read Notion and plan, write nothing
	Offline         bool   // with DryRun: plan from the manifests alone, without reading Notion
	CreateIfMissing bool   // create a page when a manifest's notion_page_id is gone
	UpdateManifest  bool   // write notion_page_id back into manifests
	Dedupe          bool   // archive the younger pages of a key that has several
	OnDelete        string // overrides the config's on_delete when not ""
}

// Result is what one sync did (or, in a dry run, would do).
type Result struct {
	Plan  report.Plan
	Stats report.Stats
	// Refusal is, for a dry run, the *reconcile.MassArchiveError a real sync of
	// the same plan would stop with; nil otherwise. A pull request's preview
	// says so before the merge's sync is refused.
	Refusal error
}

// Sync runs one sync: read the manifests, read what Notion has, plan, and unless
// dry-running, write, record and report. The plan is written to s.Plan.
func Sync(ctx context.Context, s Settings, f SyncRequest) (Result, error) {
	start := time.Now()
	if err := s.checkOutputs(); err != nil {
		return Result{}, err
	}
	w, err := OpenContext(ctx, s, start.UTC())
	if err != nil {
		return Result{}, err
	}
	for _, p := range w.Warnings {
		s.Log.Warn("skipped", "problem", p.Error())
	}
	sel, err := selectManifests(w, f, s)
	if err != nil {
		return Result{}, err
	}
	desired := w.Desired(sel.keep)
	opts := reconcile.Options{
		KeyProperty:     w.Config.Key.Property,
		OwnerProperty:   w.Config.OwnerProperty,
		Volatile:        w.Volatile(),
		Full:            sel.full,
		Deleted:         sel.deleted,
		Archive:         cmp.Or(f.OnDelete, w.Config.OnDelete) == "archive",
		Dedupe:          f.Dedupe,
		CreateIfMissing: f.CreateIfMissing,
	}
	if !sel.full {
		opts.KnownKeys = w.Keys()
	}
	if f.DryRun && (f.Offline || s.Token == "") {
		// A fork's pull request gets no secrets: plan from the manifests alone.
		if !f.Offline {
			s.Log.Warn("no Notion token: the dry-run plan shows the manifests' values only, as if the database were empty")
		}
		opts.Offline = true
		plan := toPlan(w.Commit, "", true, reconcile.Plan(desired, nil, opts))
		if err := writePlan(s, plan); err != nil {
			return Result{}, err
		}
		return Result{Plan: plan, Stats: report.Stats{Duration: time.Since(start)}}, nil
	}
	db, err := Connect(s)
	if err != nil {
		return Result{}, err
	}
	defer db.Close()
	if !f.DryRun {
		// Two syncs planning at once would both create the same new pages.
		unlock, err := ledger.Lock(ctx, s.Root(s.Ledger), s.Ledger+".lock", s.Log)
		if err != nil {
			return Result{}, err
		}
		defer unlock()
	}
	schema, err := checkSchema(ctx, db, w)
	if err != nil {
		return Result{}, err
	}
	// The rows' collection: the data source under 2025-09-03 and later. A page
	// of another database, or of another data source, is never written.
	opts.Database = db.t.ID()
	for _, a := range schema.Absent {
		s.Log.Warn(a.Note)
	}
	missing := schema.MissingStatus
	desired = reconcile.Omit(desired, schema.AbsentNames())
	failStatuses(desired, missing)
	pages, err := reconcile.Load(ctx, db, w.Config.Key.Property, w.Config.OwnerProperty, sel.scope(desired))
	if err != nil {
		return Result{}, fmt.Errorf("read database: %w", err)
	}
	if extra := adopters(w, sel, desired, pages); len(extra) > 0 {
		// A deleted manifest's page whose key another manifest still has belongs to
		// that manifest now: sync it too, so the page's path is brought up to date.
		desired = reconcile.Omit(w.Desired(func(path, key string) bool { return sel.keep(path, key) || extra[key] }), schema.AbsentNames())
		failStatuses(desired, missing)
	}
	changes := reconcile.Plan(desired, pages, opts)
	manifests := len(w.Modules) + len(w.Failed)
	size := live(pages)
	if !sel.full {
		// A partial sync reads only the pages in scope. The database holds
		// about one page per manifest, and one per manifest the diff deleted.
		size = max(size, manifests+len(sel.deleted))
	}
	refusal := reconcile.CheckMassArchive(changes, reconcile.ArchiveGuard{Full: sel.full, Manifests: manifests, Pages: size,
		MaxShare: s.MaxArchiveShare, Allow: s.AllowMassArchive})
	if !f.DryRun {
		if refusal != nil {
			return Result{}, &UsageError{refusal}
		}
		changes, err = apply(ctx, db, w, s, f, changes)
		if err != nil {
			return Result{}, err
		}
	}
	plan := toPlan(w.Commit, db.id, f.DryRun, changes)
	plan.NotionVersion, plan.DataSourceID, plan.DataSourceName = db.c.Version().String(), db.t.DataSourceID, db.t.DataSourceName
	if err := writePlan(s, plan); err != nil {
		return Result{}, err
	}
	st := db.c.Stats()
	return Result{Plan: plan, Refusal: refusal, Stats: report.Stats{
		Duration: time.Since(start), APICalls: st.Calls, RateLimited: st.RateLimited, Retries: st.Retries, Waited: st.Waited,
		RateLimitReasons: st.RateLimitReasons,
	}}, nil
}

// writePlan writes the plan file, unless s.Plan is "" (read-only commands).
func writePlan(s Settings, p report.Plan) error {
	if s.Plan == "" {
		return nil
	}
	return report.WritePlanIn(s.Root(s.Plan), s.Plan, p)
}

// live counts the pages not in the trash.
func live(pages []reconcile.Page) int {
	n := 0
	for _, p := range pages {
		if !p.Archived {
			n++
		}
	}
	return n
}

// failStatuses fails the modules whose status value the database lacks: Notion
// never creates a status option from a page write, so their writes would fail.
func failStatuses(desired []reconcile.Desired, missing map[string]map[string]bool) {
	for i, d := range desired {
		if d.Err != nil {
			continue
		}
		for prop, names := range missing {
			if v := d.Props[prop]; names[v.Text] {
				desired[i].Err = fmt.Errorf("status %q of property %q is not an option in Notion: add it in the Notion UI (the API cannot add status options)", v.Text, prop)
			}
		}
	}
}

// adopters are the keys of manifests out of scope whose page the diff's deleted
// paths point at.
func adopters(w *Workspace, sel selection, desired []reconcile.Desired, pages []reconcile.Page) map[string]bool {
	if sel.full || len(sel.deleted) == 0 {
		return nil
	}
	inScope := map[string]bool{}
	for _, d := range desired {
		inScope[d.Key] = true
	}
	known := w.Keys()
	out := map[string]bool{}
	for _, p := range pages {
		key := p.Props[w.Config.Key.Property].Text
		if slices.Contains(sel.deleted, p.Props[w.Config.OwnerProperty].Text) && known[key] && !inScope[key] {
			out[key] = true
		}
	}
	return out
}

// selection is which manifests one sync covers.
type selection struct {
	full    bool                        // every manifest: pages without one are gone
	keep    func(path, key string) bool // the manifests in scope, when not full
	deleted []string                    // manifest paths the diff removed
}

// scope is what Load must read for the rows of desired.
func (s selection) scope(desired []reconcile.Desired) reconcile.Scope {
	sc := reconcile.Scope{All: s.full, Deleted: s.deleted}
	for _, d := range desired {
		if d.Key != "" && !slices.Contains(sc.Keys, d.Key) {
			sc.Keys = append(sc.Keys, d.Key)
		}
		if d.PageID != "" {
			sc.PageIDs = append(sc.PageIDs, d.PageID)
		}
	}
	return sc
}

// selectManifests turns All, Module and Changed into the manifests to sync.
func selectManifests(w *Workspace, f SyncRequest, s Settings) (selection, error) {
	all := selection{full: true, keep: func(string, string) bool { return true }}
	switch {
	case f.All:
		return all, nil
	case f.Module != "":
		if !w.Keys()[f.Module] && !slices.Contains(slices.Collect(maps.Values(w.FailedKeys)), f.Module) {
			return selection{}, usagef("no manifest has the key %q (keys come from %v)", f.Module, w.Config.Key.From)
		}
		return selection{keep: func(_, key string) bool { return key == f.Module }}, nil
	case !f.Changed:
		return selection{}, usagef("choose one of --all, --module NAME or --changed")
	}
	changes := f.Changes
	if changes == nil {
		repo, err := gitdiff.Open(w.Root)
		if err != nil {
			return selection{}, usagef("--changed needs a git repository: %v", err)
		}
		match := func(p string) bool { return manifest.Match(w.Config.Include, w.Config.Exclude, p) }
		committed, err := repo.Changed(f.Since, "", match)
		if errors.Is(err, gitdiff.ErrNoBase) {
			s.Log.Warn("cannot diff; syncing every manifest instead", "since", f.Since, "reason", err)
			return all, nil
		}
		if err != nil {
			return selection{}, fmt.Errorf("diff %s: %w", f.Since, err)
		}
		changes = committed
		if !f.CommittedOnly {
			working, err := repo.WorkingChanges(match)
			if err != nil {
				return selection{}, fmt.Errorf("read uncommitted changes: %w", err)
			}
			changes = append(changes, working...)
		}
	}
	broken := map[string]bool{}
	for _, p := range w.Failed {
		broken[p.File] = true
	}
	inScope := map[string]bool{}
	var deleted []string
	for _, c := range changes {
		switch c.Kind {
		case gitdiff.Deleted:
			deleted = append(deleted, c.Path)
		case gitdiff.Renamed:
			inScope[c.Path] = true
			if !broken[c.Path] {
				// The old path's page is archived only if no manifest keeps its key;
				// a moved manifest that does not parse keeps it for now.
				deleted = append(deleted, c.OldPath)
			}
		default:
			inScope[c.Path] = true
		}
	}
	// A manifest deleted and then re-added in the working tree is not deleted.
	deleted = slices.DeleteFunc(deleted, func(p string) bool { return inScope[p] })
	return selection{keep: func(path, _ string) bool { return inScope[path] }, deleted: deleted}, nil
}

// apply writes the plan, records every write in the ledger, and writes page ids
// back into manifests when asked.
func apply(ctx context.Context, db *Database, w *Workspace, s Settings, f SyncRequest, changes []reconcile.Change) ([]reconcile.Change, error) {
	start := time.Now()
	lw, err := ledger.OpenIn(s.Root(s.Ledger), s.Ledger)
	if err != nil {
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	defer lw.Close()
	rec := &ledgerRecorder{w: lw, runID: s.RunID, sha: w.Commit}
	writes := 0
	for _, c := range changes {
		if c.Writes() {
			writes++
		}
	}
	progress := report.NewProgress(cmp.Or[io.Writer](s.Progress, io.Discard), "Syncing", writes, isTerminal(s.Progress), 5*time.Second, time.Now)
	ao := s.Apply
	ao.KeyProperty = w.Config.Key.Property
	ao.CreateIfMissing = f.CreateIfMissing
	ao.Recorder = rec
	ao.Progress = func() { progress.Add(1) }
	ao.Log = s.Log
	out, err := reconcile.Apply(ctx, db, changes, ao)
	progress.Done()
	totals := reconcile.Tally(out)
	run := ledger.Record{RunID: rec.runID, SHA: w.Commit, Action: "run", Status: ledger.StatusOK,
		Totals: totals, DurationMS: time.Since(start).Milliseconds(),
		NotionVersion: db.c.Version().String(), DataSourceID: db.t.DataSourceID}
	if n := totals["failed"] + totals["not_attempted"]; n > 0 {
		// A record with status error always says why (ledger verify checks it).
		run.Status = ledger.StatusError
		run.Error = fmt.Sprintf("%d failed, %d not attempted", totals["failed"], totals["not_attempted"])
	}
	if err != nil {
		run.Status, run.Error = ledger.StatusError, err.Error()
	}
	if lerr := lw.Append(run); lerr != nil && err == nil {
		err = fmt.Errorf("write ledger run record: %w", lerr)
	}
	if err != nil {
		return nil, fmt.Errorf("apply plan: %w", err)
	}
	if f.UpdateManifest {
		for i, c := range out {
			if err := w.writePageID(c); err != nil {
				out[i].Warnings = append(out[i].Warnings, err.Error())
			}
		}
	}
	return out, nil
}

// writePageID stores the page id of a synced module in its manifest, editing only
// that field.
func (w *Workspace) writePageID(c reconcile.Change) error {
	m, ok := w.Manifests[c.Path]
	if !ok || c.PageID == "" || c.Err != nil || c.Action == reconcile.Archive || c.Action == reconcile.Orphan || c.Action == reconcile.Duplicate {
		return nil
	}
	for _, mod := range w.Modules {
		if mod.Path == c.Path && notion.SameID(mod.PageID, c.PageID) {
			return nil
		}
	}
	out, err := manifest.SetField(m.Raw, "notion_page_id", c.PageID)
	if err != nil {
		return fmt.Errorf("write notion_page_id into %s: %w", c.Path, err)
	}
	if err := manifest.WriteFile(w.Root, c.Path, out); err != nil {
		return fmt.Errorf("write notion_page_id into %s: %w", c.Path, err)
	}
	return nil
}

// ledgerRecorder writes reconcile's events as ledger records.
type ledgerRecorder struct {
	w     *ledger.Writer
	runID string
	sha   string
}

// The ledger holds the intent of every create before it is sent.
var _ reconcile.IntentRecorder = (*ledgerRecorder)(nil)

func (r *ledgerRecorder) Record(ev reconcile.Event) error {
	rec := ledger.Record{
		RunID: r.runID, SHA: r.sha, Module: ev.Key, Path: ev.Path, PageID: ev.PageID,
		Action: string(ev.Action), Status: ledger.StatusOK, Changed: ev.Changed, Warnings: ev.Warnings,
		Before: property.PlainMap(ev.Before), After: property.PlainMap(ev.After),
	}
	if !ev.OK {
		rec.Status = ledger.StatusError
		rec.Error = ev.Err.Error()
		rec.RequestID = RequestID(ev.Err)
	}
	return r.w.Append(rec)
}

// RecordIntent writes a create's intent, before the create is sent: a run
// killed while it is in flight leaves the ledger naming a page that may exist.
func (r *ledgerRecorder) RecordIntent(ev reconcile.Event) error {
	return r.w.Append(ledger.Record{
		RunID: r.runID, SHA: r.sha, Module: ev.Key, Path: ev.Path,
		Action: string(ev.Action), Status: ledger.StatusIntent, After: property.PlainMap(ev.After),
	})
}

// toPlan is the plan file's view of the changes.
func toPlan(sha, dbID string, dryRun bool, changes []reconcile.Change) report.Plan {
	p := report.Plan{SHA: sha, DatabaseID: dbID, GeneratedAt: time.Now().UTC(), DryRun: dryRun, Changes: []report.Change{}}
	for _, c := range changes {
		rc := report.Change{Module: c.Key, Path: c.Path, Action: c.Action, PageID: c.PageID,
			Properties: map[string]report.Diff{}, Warnings: append([]string{}, c.Warnings...)}
		for name, d := range c.Diffs {
			rc.Properties[name] = report.Diff{Before: d.Before.Plain(), After: d.After.Plain()}
		}
		if c.Err != nil {
			rc.Action = reconcile.Error
			rc.Error = c.Err.Error()
			if p, ok := errors.AsType[*manifest.Problem](c.Err); ok {
				rc.Line, rc.Column = p.Line, p.Col
			}
		}
		p.Changes = append(p.Changes, rc)
	}
	p.Summary = report.Summarize(p.Changes)
	return p
}

// isTerminal reports whether w is a terminal, where progress is drawn as a bar.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
