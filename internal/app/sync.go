package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
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
	"github.com/lukhas/notion-sync-action/internal/module"
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
	retryOnRateLimit                        bool
	batchSize                               int
	batchDelay                              time.Duration
	planPath, ledgerPath                    string
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
		return e.startAsync(args)
	}
	if f.autoBackfill {
		if err := e.backfillManifests(f.repo, f.config, true); err != nil {
			return err
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
	scope, keep, deleted, err := e.scope(w, f)
	if err != nil {
		return syncResult{}, err
	}
	desired := w.desired(keep)
	opts := reconcile.Options{
		KeyProperty:     w.cfg.Key.Property,
		OwnerProperty:   w.cfg.OwnerProperty,
		Volatile:        w.volatile(),
		Full:            f.all,
		Deleted:         deleted,
		Archive:         w.cfg.OnDelete == "archive",
		Dedupe:          f.dedupe,
		CreateIfMissing: f.createIfMissing,
	}
	if f.dryRun && e.token() == "" {
		// A fork's pull request gets no secrets: plan from the manifests alone.
		e.log.Warn("no Notion token: the dry-run plan shows the manifests' values only, as if the database were empty")
		plan := toPlan(w.commit, "", true, reconcile.Plan(desired, nil, opts))
		if err := report.WritePlan(f.planPath, plan); err != nil {
			return syncResult{}, fmt.Errorf("write plan: %w", err)
		}
		return syncResult{plan: plan, stats: report.Stats{Duration: time.Since(start)}}, nil
	}
	db, closer, err := e.connect(f.client)
	if err != nil {
		return syncResult{}, err
	}
	defer closer.Close()
	if err := checkSchema(ctx, db, w); err != nil {
		return syncResult{}, err
	}
	for _, d := range desired {
		scope.Keys = append(scope.Keys, d.Key)
		scope.PageIDs = append(scope.PageIDs, d.PageID)
	}
	pages, err := reconcile.Load(ctx, db, w.cfg.Key.Property, w.cfg.OwnerProperty, scope)
	if err != nil {
		return syncResult{}, fmt.Errorf("read database: %w", err)
	}
	changes := reconcile.Plan(desired, pages, opts)
	if !f.dryRun {
		changes, err = e.apply(ctx, db, w, f, changes)
		if err != nil {
			return syncResult{}, err
		}
	}
	plan := toPlan(w.commit, db.id, f.dryRun, changes)
	if err := report.WritePlan(f.planPath, plan); err != nil {
		return syncResult{}, fmt.Errorf("write plan: %w", err)
	}
	st := db.c.Stats()
	return syncResult{plan: plan, stats: report.Stats{
		Duration: time.Since(start), APICalls: st.Calls, RateLimited: st.RateLimited, Retries: st.Retries, Waited: st.Waited,
	}}, nil
}

// scope turns --all, --module and --changed into what to read from Notion and
// which manifests to sync.
func (e *env) scope(w *workspace, f syncFlags) (reconcile.Scope, func(path, key string) bool, []string, error) {
	switch {
	case f.all:
		return reconcile.Scope{All: true}, nil, nil, nil
	case f.module != "":
		found := slices.ContainsFunc(w.modules, func(m module.Module) bool { return m.Key == f.module })
		if !found {
			return reconcile.Scope{}, nil, nil, usagef("no manifest has the key %q (keys come from %v)", f.module, w.cfg.Key.From)
		}
		return reconcile.Scope{}, func(_, key string) bool { return key == f.module }, nil, nil
	}
	repo, err := gitdiff.Open(w.root)
	if err != nil {
		return reconcile.Scope{}, nil, nil, usagef("--changed needs a git repository: %v", err)
	}
	match := func(p string) bool { return manifest.Match(w.cfg.Include, w.cfg.Exclude, p) }
	changes, err := repo.Changed(f.since, "", match)
	if errors.Is(err, gitdiff.ErrNoBase) {
		e.log.Warn("cannot diff; syncing everything instead", "since", f.since, "reason", err)
		return reconcile.Scope{All: true}, nil, nil, nil
	}
	if err != nil {
		return reconcile.Scope{}, nil, nil, fmt.Errorf("diff %s: %w", f.since, err)
	}
	working, err := repo.WorkingChanges(match)
	if err != nil {
		return reconcile.Scope{}, nil, nil, fmt.Errorf("read uncommitted changes: %w", err)
	}
	inScope := map[string]bool{}
	var deleted []string
	for _, c := range append(changes, working...) {
		switch c.Kind {
		case gitdiff.Deleted:
			deleted = append(deleted, c.Path)
		case gitdiff.Renamed:
			inScope[c.Path] = true
			deleted = append(deleted, c.OldPath) // kept if the key still matches
		default:
			inScope[c.Path] = true
		}
	}
	// A manifest deleted and then re-added in the working tree is not deleted.
	deleted = slices.DeleteFunc(deleted, func(p string) bool { return inScope[p] })
	return reconcile.Scope{Deleted: deleted}, func(path, _ string) bool { return inScope[path] }, deleted, nil
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
	if err != nil {
		return nil, fmt.Errorf("apply plan: %w", err)
	}
	totals := map[string]int{}
	for _, c := range out {
		if c.Err != nil {
			totals["failed"]++
		} else {
			totals[string(c.Action)]++
		}
	}
	if err := lw.Append(ledger.Record{RunID: rec.runID, SHA: w.commit, Action: "run", Status: "ok",
		Totals: totals, DurationMS: time.Since(start).Milliseconds()}); err != nil {
		return nil, fmt.Errorf("write ledger run record: %w", err)
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
		if mod.Path == c.Path && mod.PageID == c.PageID {
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
		Before: plainValues(ev.Before), After: plainValues(ev.After),
	}
	if !ev.OK {
		rec.Status = "error"
		rec.Error = ev.Err.Error()
		rec.RequestID = requestID(ev.Err)
	}
	return r.w.Append(rec)
}

func plainValues(m map[string]property.Value) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(m))
	for name, v := range m {
		raw, err := json.Marshal(v)
		if err != nil {
			raw = json.RawMessage("null")
		}
		out[name] = raw
	}
	return out
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

// startAsync re-runs the same command in the background, for git hooks that must
// not wait for Notion. Its output goes to artifacts/notion_sync_async.log.
func (e *env) startAsync(args []string) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own binary: %w", err)
	}
	rest := slices.DeleteFunc(slices.Clone(args), func(a string) bool { return a == "--async" || a == "-async" })
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
