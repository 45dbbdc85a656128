package app

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"github.com/lukhas/notion-sync-action/internal/gitdiff"
	"github.com/lukhas/notion-sync-action/internal/ledger"
	"github.com/lukhas/notion-sync-action/internal/manifest"
	"github.com/lukhas/notion-sync-action/internal/property"
	"github.com/lukhas/notion-sync-action/internal/reconcile"
	"github.com/lukhas/notion-sync-action/internal/report"
)

// syncFlags are the flags of `notion-sync sync`, as DESIGN.md and the runbook name them.
type syncFlags struct {
	client                                  clientFlags
	repo, config                            string
	all, changed                            bool
	module, since                           string
	dryRun, createIfMissing, updateManifest bool
	dedupe, autoBackfill, async, json       bool
	committedOnly                           bool
	retryOnRateLimit                        bool
	batchSize                               int
	batchDelay                              time.Duration
	planPath, ledgerPath                    string

	// changes, when not nil, is the diff --changed syncs instead of diffing
	// --since..HEAD and the working tree: Action mode computes it (before..after
	// of a push, or a pull request's files from GitHub's API).
	changes []gitdiff.Change
	// onDelete, when not "", overrides the config's on_delete (the Action's
	// on-delete input).
	onDelete string
}

func (f *syncFlags) register(e *env, name string) *flag.FlagSet {
	fs := newFlagSet(e, name, "sync --all | --module NAME | --changed [--since REV] [flags]")
	f.client.register(fs)
	fs.StringVar(&f.repo, "repo", ".", "repository root holding the manifests")
	fs.StringVar(&f.config, "config", "", "config file (default .github/notion-sync.yml, else the built-in config)")
	fs.BoolVar(&f.all, "all", false, "sync every manifest (archives pages whose manifest is gone)")
	fs.StringVar(&f.module, "module", "", "sync the one module with this key")
	fs.BoolVar(&f.changed, "changed", false, "sync the manifests changed since --since (and uncommitted edits)")
	fs.StringVar(&f.since, "since", "HEAD~1", "with --changed: the revision to diff from")
	fs.BoolVar(&f.dryRun, "dry-run", false, "read Notion and write the plan, but write nothing to Notion")
	fs.BoolVar(&f.createIfMissing, "create-if-missing", false, "create a page when the manifest's notion_page_id is gone")
	fs.BoolVar(&f.updateManifest, "update-manifest", false, "write notion_page_id back into manifests (only that field changes)")
	fs.BoolVar(&f.dedupe, "dedupe", false, "archive the younger pages of a key that has several")
	fs.BoolVar(&f.autoBackfill, "auto-backfill", false, "hydrate notion_database_options into manifests first (like backfill --apply)")
	fs.BoolVar(&f.async, "async", false, "run the sync in the background and return at once (for git hooks)")
	fs.BoolVar(&f.committedOnly, "committed-only", false, "with --changed: leave uncommitted edits out (the post-commit hook syncs what was committed)")
	fs.BoolVar(&f.json, "json", false, "print the result as JSON")
	fs.BoolVar(&f.retryOnRateLimit, "retry-on-rate-limit", true, "wait and retry on 429 (always on; kept for the runbook's command lines)")
	fs.IntVar(&f.batchSize, "batch-size", 0, "writes per batch (0: one batch)")
	fs.DurationVar(&f.batchDelay, "batch-delay", 0, "pause between batches, e.g. 10s (a bare number means seconds)")
	fs.StringVar(&f.planPath, "plan", "artifacts/notion_sync_plan.json", "where to write the plan")
	fs.StringVar(&f.ledgerPath, "ledger", "artifacts/notion_sync_ledger.jsonl", "the append-only ledger")
	return fs
}

func runSync(ctx context.Context, e *env, args []string) error {
	var f syncFlags
	fs := f.register(e, "sync")
	if err := parseFlags(fs, secondsArgs(args, "batch-delay", "backoff")); err != nil {
		return err
	}
	modes := 0
	for _, on := range []bool{f.all, f.module != "", f.changed} {
		if on {
			modes++
		}
	}
	if modes != 1 {
		return usagef("choose one of --all, --module NAME or --changed")
	}
	if f.async {
		// Refuse here what the background run would only write to its log.
		if err := e.ready(f); err != nil {
			return err
		}
		return e.startAsync(args)
	}
	if f.autoBackfill {
		if f.dryRun {
			e.log.Info("--auto-backfill skipped: a dry run changes no manifest")
		} else {
			out := e.stdout
			if f.json {
				out = e.stderr // stdout carries the JSON result alone
			}
			// Broken manifests are reported again, module by module, by the sync.
			if _, err := e.backfillManifests(f.repo, f.config, true, out); err != nil {
				return err
			}
		}
	}
	res, err := e.sync(ctx, f)
	if err != nil {
		return err
	}
	if f.json {
		err = report.WriteJSON(e.stdout, res.plan, res.stats)
	} else {
		err = report.WriteText(e.stdout, res.plan, res.stats)
	}
	if err != nil {
		return fmt.Errorf("print result: %w", err)
	}
	if res.plan.Summary.Error > 0 {
		return errProblems
	}
	return nil
}

// syncResult is what one sync did (or, in a dry run, would do).
type syncResult struct {
	plan  report.Plan
	stats report.Stats
}

// sync runs one sync: read the manifests, read what Notion has, plan, and unless
// dry-running, write, record and report.
func (e *env) sync(ctx context.Context, f syncFlags) (syncResult, error) {
	start := time.Now()
	w, err := e.openWorkspace(f.repo, f.config, start.UTC())
	if err != nil {
		return syncResult{}, err
	}
	for _, p := range w.warnings {
		e.log.Warn("skipped", "problem", p.Error())
	}
	sel, err := e.selection(w, f)
	if err != nil {
		return syncResult{}, err
	}
	desired := w.desired(sel.keep)
	opts := reconcile.Options{
		KeyProperty:     w.cfg.Key.Property,
		OwnerProperty:   w.cfg.OwnerProperty,
		Volatile:        w.volatile(),
		Full:            sel.full,
		Deleted:         sel.deleted,
		Archive:         cmp.Or(f.onDelete, w.cfg.OnDelete) == "archive",
		Dedupe:          f.dedupe,
		CreateIfMissing: f.createIfMissing,
	}
	if !sel.full {
		opts.KnownKeys = w.keys()
	}
	if f.dryRun && e.token() == "" {
		// A fork's pull request gets no secrets: plan from the manifests alone.
		e.log.Warn("no Notion token: the dry-run plan shows the manifests' values only, as if the database were empty")
		opts.Offline = true
		plan := toPlan(w.commit, "", true, reconcile.Plan(desired, nil, opts))
		if err := writePlan(f.planPath, plan); err != nil {
			return syncResult{}, err
		}
		return syncResult{plan: plan, stats: report.Stats{Duration: time.Since(start)}}, nil
	}
	db, closer, err := e.connect(f.client)
	if err != nil {
		return syncResult{}, err
	}
	defer closer.Close()
	opts.Database = db.id
	if !f.dryRun {
		// Two syncs planning at once would both create the same new pages.
		unlock, err := lockRun(f.ledgerPath+".lock", e.log)
		if err != nil {
			return syncResult{}, err
		}
		defer unlock()
	}
	missing, err := checkSchema(ctx, db, w)
	if err != nil {
		return syncResult{}, err
	}
	failStatuses(desired, missing)
	pages, err := reconcile.Load(ctx, db, w.cfg.Key.Property, w.cfg.OwnerProperty, sel.scope(desired))
	if err != nil {
		return syncResult{}, fmt.Errorf("read database: %w", err)
	}
	if extra := adopters(w, sel, desired, pages); len(extra) > 0 {
		// A deleted manifest's page whose key another manifest still has belongs to
		// that manifest now: sync it too, so the page's path is brought up to date.
		desired = w.desired(func(path, key string) bool { return sel.keep(path, key) || extra[key] })
		failStatuses(desired, missing)
	}
	changes := reconcile.Plan(desired, pages, opts)
	if !f.dryRun {
		changes, err = e.apply(ctx, db, w, f, changes)
		if err != nil {
			return syncResult{}, err
		}
	}
	plan := toPlan(w.commit, db.id, f.dryRun, changes)
	if err := writePlan(f.planPath, plan); err != nil {
		return syncResult{}, err
	}
	st := db.c.Stats()
	return syncResult{plan: plan, stats: report.Stats{
		Duration: time.Since(start), APICalls: st.Calls, RateLimited: st.RateLimited, Retries: st.Retries, Waited: st.Waited,
	}}, nil
}

// writePlan writes the plan file, unless path is "" (read-only commands).
func writePlan(path string, p report.Plan) error {
	if path == "" {
		return nil
	}
	if err := report.WritePlan(path, p); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	return nil
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
func adopters(w *workspace, sel selection, desired []reconcile.Desired, pages []reconcile.Page) map[string]bool {
	if sel.full || len(sel.deleted) == 0 {
		return nil
	}
	inScope := map[string]bool{}
	for _, d := range desired {
		inScope[d.Key] = true
	}
	known := w.keys()
	out := map[string]bool{}
	for _, p := range pages {
		key := p.Props[w.cfg.Key.Property].Text
		if slices.Contains(sel.deleted, p.Props[w.cfg.OwnerProperty].Text) && known[key] && !inScope[key] {
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

// selection turns --all, --module and --changed into the manifests to sync.
func (e *env) selection(w *workspace, f syncFlags) (selection, error) {
	all := selection{full: true, keep: func(string, string) bool { return true }}
	switch {
	case f.all:
		return all, nil
	case f.module != "":
		if !w.keys()[f.module] {
			return selection{}, usagef("no manifest has the key %q (keys come from %v)", f.module, w.cfg.Key.From)
		}
		return selection{keep: func(_, key string) bool { return key == f.module }}, nil
	}
	changes := f.changes
	if changes == nil {
		repo, err := gitdiff.Open(w.root)
		if err != nil {
			return selection{}, usagef("--changed needs a git repository: %v", err)
		}
		match := func(p string) bool { return manifest.Match(w.cfg.Include, w.cfg.Exclude, p) }
		committed, err := repo.Changed(f.since, "", match)
		if errors.Is(err, gitdiff.ErrNoBase) {
			e.log.Warn("cannot diff; syncing every manifest instead", "since", f.since, "reason", err)
			return all, nil
		}
		if err != nil {
			return selection{}, fmt.Errorf("diff %s: %w", f.since, err)
		}
		changes = committed
		if !f.committedOnly {
			working, err := repo.WorkingChanges(match)
			if err != nil {
				return selection{}, fmt.Errorf("read uncommitted changes: %w", err)
			}
			changes = append(changes, working...)
		}
	}
	broken := map[string]bool{}
	for _, p := range w.failed {
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
func (e *env) apply(ctx context.Context, db *database, w *workspace, f syncFlags, changes []reconcile.Change) ([]reconcile.Change, error) {
	start := time.Now()
	lw, err := ledger.Open(f.ledgerPath)
	if err != nil {
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	defer lw.Close()
	rec := &ledgerRecorder{w: lw, runID: runID(e.getenv), sha: w.commit}
	writes := 0
	for _, c := range changes {
		if c.Writes() {
			writes++
		}
	}
	progress := report.NewProgress(e.stderr, "Syncing", writes, isTerminal(e.stderr), 5*time.Second, time.Now)
	out, err := reconcile.Apply(ctx, db, changes, reconcile.ApplyOptions{
		Concurrency:     f.client.concurrency,
		BatchSize:       f.batchSize,
		BatchDelay:      f.batchDelay,
		KeyProperty:     w.cfg.Key.Property,
		CreateIfMissing: f.createIfMissing,
		Recorder:        rec,
		Progress:        func() { progress.Add(1) },
		Log:             e.log,
	})
	progress.Done()
	totals := map[string]int{}
	status := "ok"
	for _, c := range out {
		if c.Err != nil {
			totals["failed"]++
			status = "error"
		} else {
			totals[string(c.Action)]++
		}
	}
	run := ledger.Record{RunID: rec.runID, SHA: w.commit, Action: "run", Status: status,
		Totals: totals, DurationMS: time.Since(start).Milliseconds()}
	if err != nil {
		run.Status, run.Error = "error", err.Error()
	}
	if lerr := lw.Append(run); lerr != nil && err == nil {
		err = fmt.Errorf("write ledger run record: %w", lerr)
	}
	if err != nil {
		return nil, fmt.Errorf("apply plan: %w", err)
	}
	if f.updateManifest {
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
func (w *workspace) writePageID(c reconcile.Change) error {
	m, ok := w.manifests[c.Path]
	if !ok || c.PageID == "" || c.Err != nil || c.Action == reconcile.Archive || c.Action == reconcile.Orphan || c.Action == reconcile.Duplicate {
		return nil
	}
	for _, mod := range w.modules {
		if mod.Path == c.Path && sameNotionID(mod.PageID, c.PageID) {
			return nil
		}
	}
	out, err := manifest.SetField(m.Raw, "notion_page_id", c.PageID)
	if err != nil {
		return fmt.Errorf("write notion_page_id into %s: %w", c.Path, err)
	}
	if err := manifest.WriteFile(w.root, c.Path, out); err != nil {
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

func (r *ledgerRecorder) Record(ev reconcile.Event) error {
	rec := ledger.Record{
		RunID: r.runID, SHA: r.sha, Module: ev.Key, Path: ev.Path, PageID: ev.PageID,
		Action: string(ev.Action), Status: "ok", Changed: ev.Changed, Warnings: ev.Warnings,
		Before: property.PlainMap(ev.Before), After: property.PlainMap(ev.After),
	}
	if !ev.OK {
		rec.Status = "error"
		rec.Error = ev.Err.Error()
		rec.RequestID = requestID(ev.Err)
	}
	return r.w.Append(rec)
}

// runID names one run in the ledger: the Actions run when there is one.
func runID(getenv func(string) string) string {
	if id := getenv("GITHUB_RUN_ID"); id != "" {
		return id + "-" + getenv("GITHUB_RUN_ATTEMPT")
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}

// toPlan is the plan file's view of the changes.
func toPlan(sha, dbID string, dryRun bool, changes []reconcile.Change) report.Plan {
	p := report.Plan{SHA: sha, DatabaseID: dbID, GeneratedAt: time.Now().UTC(), DryRun: dryRun, Changes: []report.Change{}}
	for _, c := range changes {
		rc := report.Change{Module: c.Key, Path: c.Path, Action: string(c.Action), PageID: c.PageID,
			Properties: map[string]report.Diff{}, Warnings: append([]string{}, c.Warnings...)}
		for name, d := range c.Diffs {
			rc.Properties[name] = report.Diff{Before: d.Before.Plain(), After: d.After.Plain()}
		}
		if c.Err != nil {
			rc.Action = string(reconcile.Error)
			rc.Error = c.Err.Error()
		}
		p.Changes = append(p.Changes, rc)
	}
	p.Summary = report.Summarize(p.Changes)
	return p
}

// ready checks what a sync needs before it starts: a config that loads, a token
// (unless dry-running) and a database id.
func (e *env) ready(f syncFlags) error {
	if _, err := e.openWorkspace(f.repo, f.config, time.Now().UTC()); err != nil {
		return err
	}
	if f.dryRun {
		return nil
	}
	if e.token() == "" {
		return usageError{errNoToken}
	}
	_, err := e.databaseID(f.client)
	return err
}

// startAsync re-runs the same command in the background, for git hooks that must
// not wait for Notion. Its output goes to artifacts/notion_sync_async.log.
func (e *env) startAsync(args []string) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own binary: %w", err)
	}
	// The last value of a flag wins, so the child runs in the foreground.
	rest := append(slices.Clone(args), "--async=false")
	logPath := filepath.Join("artifacts", "notion_sync_async.log")
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return fmt.Errorf("create artifacts folder: %w", err)
	}
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("open %s: %w", logPath, err)
	}
	defer logFile.Close()
	cmd := exec.Command(self, append([]string{"sync"}, rest...)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	detach(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start background sync: %w", err)
	}
	fmt.Fprintf(e.stdout, "✅ Notion sync queued (background, pid %d, log: %s)\n", cmd.Process.Pid, logPath)
	return cmd.Process.Release()
}

// isTerminal reports whether w is a terminal, where progress is drawn as a bar.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
