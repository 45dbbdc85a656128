package app

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"github.com/lukhas/notion-sync-action/internal/engine"
	"github.com/lukhas/notion-sync-action/internal/reconcile"
	"github.com/lukhas/notion-sync-action/internal/report"
	"github.com/lukhas/notion-sync-action/internal/safefile"
)

// syncFlags are the flags of `notion-sync sync`, as DESIGN.md and the runbook name them.
type syncFlags struct {
	settings         settingsFlags
	req              engine.SyncRequest
	autoBackfill     bool
	allowMassArchive bool
	maxArchiveShare  float64
	async, json      bool
	retryOnRateLimit bool
	batchSize        int
	batchDelay       time.Duration
	planPath, ledger string
}

func (f *syncFlags) register(e *env, name string) *flag.FlagSet {
	fs := newFlagSet(e, name, "sync --all | --module NAME | --changed [--since REV] [flags]")
	f.settings.client(fs)
	f.settings.manifests(fs)
	fs.BoolVar(&f.req.All, "all", false, "sync every manifest (archives pages whose manifest is gone)")
	fs.StringVar(&f.req.Module, "module", "", "sync the one module with this key")
	fs.BoolVar(&f.req.Changed, "changed", false, "sync the manifests changed since --since (and uncommitted edits)")
	fs.StringVar(&f.req.Since, "since", "HEAD~1", "with --changed: the revision to diff from")
	fs.BoolVar(&f.req.DryRun, "dry-run", false, "read Notion and write the plan, but write nothing to Notion")
	fs.BoolVar(&f.req.CreateIfMissing, "create-if-missing", false, "create a page when the manifest's notion_page_id is gone")
	fs.BoolVar(&f.req.UpdateManifest, "update-manifest", false, "write notion_page_id back into manifests (only that field changes)")
	fs.BoolVar(&f.req.Dedupe, "dedupe", false, "archive the younger pages of a key that has several")
	fs.BoolVar(&f.allowMassArchive, "allow-mass-archive", false, "let the sync archive more than --max-archive-share of the database's pages (and at least 5), as after removing many manifests")
	fs.Float64Var(&f.maxArchiveShare, "max-archive-share", reconcile.DefaultMaxArchiveShare, "the share of the database's pages one sync may archive without --allow-mass-archive (0.1 = 10%)")
	fs.BoolVar(&f.autoBackfill, "auto-backfill", false, "hydrate notion_database_options into manifests first (like backfill --apply)")
	fs.BoolVar(&f.async, "async", false, "run the sync in the background and return at once (for git hooks)")
	fs.BoolVar(&f.req.CommittedOnly, "committed-only", false, "with --changed: leave uncommitted edits out (the post-commit hook syncs what was committed)")
	fs.BoolVar(&f.json, "json", false, "print the result as JSON")
	fs.BoolVar(&f.retryOnRateLimit, "retry-on-rate-limit", true, "wait and retry on 429 (always on; kept for the runbook's command lines)")
	fs.IntVar(&f.batchSize, "batch-size", 0, "writes per batch (0: one batch)")
	fs.DurationVar(&f.batchDelay, "batch-delay", 0, "pause between batches, e.g. 10s (a bare number means seconds)")
	fs.StringVar(&f.planPath, "plan", "artifacts/notion_sync_plan.json", "where to write the plan")
	fs.StringVar(&f.ledger, "ledger", "artifacts/notion_sync_ledger.jsonl", "the append-only ledger")
	return fs
}

// build is the run's Settings: the shared flags plus sync's own.
func (f *syncFlags) build(e *env) (engine.Settings, error) {
	s, err := e.settings(f.settings)
	if err != nil {
		return s, err
	}
	s.Apply.BatchSize, s.Apply.BatchDelay = f.batchSize, f.batchDelay
	s.Plan, s.Ledger = f.planPath, f.ledger
	s.AllowMassArchive = f.allowMassArchive
	if err := reconcile.ValidateShare(f.maxArchiveShare); err != nil {
		return s, &engine.UsageError{Err: err}
	}
	s.MaxArchiveShare = f.maxArchiveShare
	if err := s.Apply.Validate(); err != nil {
		return s, &engine.UsageError{Err: err}
	}
	return s, nil
}

func runSync(ctx context.Context, e *env, args []string) error {
	var f syncFlags
	fs := f.register(e, "sync")
	if err := parseFlags(fs, secondsArgs(args, "batch-delay", "backoff")); err != nil {
		return err
	}
	modes := 0
	for _, on := range []bool{f.req.All, f.req.Module != "", f.req.Changed} {
		if on {
			modes++
		}
	}
	if modes != 1 {
		return usagef("choose one of --all, --module NAME or --changed")
	}
	s, err := f.build(e)
	if err != nil {
		return err
	}
	if f.async {
		// Refuse here what the background run would only write to its log.
		if err := ready(s, f.req); err != nil {
			return err
		}
		return e.startAsync(args)
	}
	if f.autoBackfill {
		if f.req.DryRun {
			e.log.Info("--auto-backfill skipped: a dry run changes no manifest")
		} else {
			out := e.stdout
			if f.json {
				out = e.stderr // stdout carries the JSON result alone
			}
			// Broken manifests are reported again, module by module, by the sync.
			if _, err := backfillManifests(s, true, out); err != nil {
				return err
			}
		}
	}
	res, err := engine.Sync(ctx, s, f.req)
	if err != nil {
		return err
	}
	if res.Refusal != nil {
		e.log.Warn("a real sync of this plan would stop", "reason", res.Refusal)
	}
	if f.json {
		err = report.WriteJSON(e.stdout, res.Plan, res.Stats)
	} else {
		err = report.WriteText(e.stdout, res.Plan, res.Stats)
	}
	if err != nil {
		return fmt.Errorf("print result: %w", err)
	}
	if res.Plan.Summary.Error > 0 {
		return errProblems
	}
	return nil
}

// ready checks what a sync needs before it starts: a config that loads, a token
// (unless dry-running) and a database id.
func ready(s engine.Settings, req engine.SyncRequest) error {
	if _, err := engine.Open(s, time.Now().UTC()); err != nil {
		return err
	}
	if req.DryRun {
		return nil
	}
	if s.Token == "" {
		return engine.ErrNoToken
	}
	_, err := engine.ParseDatabaseID(s.DatabaseID)
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
	logFile, err := safefile.OpenAppend(".", logPath)
	if err != nil {
		return fmt.Errorf("open the background sync's log: %w", err)
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
