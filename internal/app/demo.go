package app

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/lukhas/notion-sync-action/internal/engine"
	"github.com/lukhas/notion-sync-action/internal/ledger"
	"github.com/lukhas/notion-sync-action/internal/manifest"
	"github.com/lukhas/notion-sync-action/internal/notion"
	"github.com/lukhas/notion-sync-action/internal/notion/emulator"
	"github.com/lukhas/notion-sync-action/internal/reconcile"
	"github.com/lukhas/notion-sync-action/internal/report"
	"github.com/lukhas/notion-sync-action/internal/secret"
)

// runDemo shows the whole pipeline without a Notion account: it starts the
// emulator in-process with Notion's latency and rate limit, syncs the example
// manifests, syncs again to show that nothing is written twice, edits one
// manifest and syncs once more to show a single update. Each step checks its own
// outcome, so the demo fails loudly if the product misbehaves.
func runDemo(ctx context.Context, e *env, args []string) error {
	fset := newFlagSet(e, "demo", "demo [--example DIR] [--out DIR]")
	example := fset.String("example", filepath.Join("testdata", "example"), "folder of example manifests to sync")
	outDir := fset.String("out", "", "folder for the demo repository and its artifacts (default: a new temporary folder)")
	fast := fset.Bool("fast", false, "no emulated latency or rate limit (for tests)")
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if _, err := os.Stat(*example); err != nil {
		return usagef("example manifests not found at %s: run the demo from the repository root, or pass --example DIR", *example)
	}
	dir := *outDir
	if dir == "" {
		d, err := os.MkdirTemp("", "notion-sync-demo-")
		if err != nil {
			return fmt.Errorf("create demo folder: %w", err)
		}
		dir = d
	}
	repo := filepath.Join(dir, "repo")
	if err := copyTree(*example, repo); err != nil {
		return fmt.Errorf("copy example manifests: %w", err)
	}

	opts := emulator.Options{Latency: 250 * time.Millisecond, Jitter: 100 * time.Millisecond, RateLimit: 3, Burst: 10, Seed: 1}
	rate := 3.0
	if *fast {
		opts = emulator.Options{}
		rate = 1000
	}
	srv := emulator.New(opts)
	parent := srv.CreateParentPage("Engineering")
	l, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("start emulator: %w", err)
	}
	defer l.Close(ctx)
	base := l.URL()

	artifacts := filepath.Join(dir, "artifacts")
	// The demo's own settings: nothing of the environment reaches the emulator.
	settings := engine.Settings{
		Token:    secret.Token(srv.Token()),
		Client:   notion.Options{BaseURL: base, Rate: rate},
		Apply:    reconcile.ApplyOptions{Concurrency: reconcile.DefaultConcurrency},
		Repo:     repo,
		Plan:     filepath.Join(artifacts, "notion_sync_plan.json"),
		Ledger:   filepath.Join(artifacts, "notion_sync_ledger.jsonl"),
		AuditLog: filepath.Join(artifacts, "notion_api_audit.log"),
		RunID:    ledger.NewRunID("", ""),
		Log:      e.log,
		Progress: e.stderr,
	}
	fmt.Fprintf(e.stdout, "🧪 Demo: Notion emulator at %s (250 ms latency, 3 requests/s)\n", base)
	fmt.Fprintf(e.stdout, "📁 Example repository: %s\n\n", repo)

	// What `notion-sync init --parent PAGE` does: a database with every property
	// of the built-in config, so the rows show everything the manifests hold.
	fmt.Fprintln(e.stdout, "━━ 0/3 Set up: notion-sync init creates the database under a page")
	w, err := engine.Open(settings, time.Now().UTC())
	if err != nil {
		return err
	}
	plan := engine.PlanSchema(notion.Database{}, w)
	t, err := engine.CreateDatabase(ctx, settings, parent, "Modules", plan)
	if err != nil {
		return fmt.Errorf("demo set-up: %w", err)
	}
	settings.DatabaseID, settings.DataSourceID = t.DatabaseID, t.DataSourceID
	fmt.Fprintf(e.stdout, "✅ Database %s with %d properties (Notion-Version %s)\n\n", t.DatabaseID, len(plan.Add), notion.DefaultVersion)

	steps := []struct {
		title  string
		before func() error
		check  func(report.Summary) error
	}{
		{"1/3 First sync: every module is new", nil, func(s report.Summary) error {
			if s.Create == 0 || s.Error > 0 {
				return fmt.Errorf("first sync created %d pages with %d errors", s.Create, s.Error)
			}
			return nil
		}},
		{"2/3 Second sync of the same manifests: nothing to write", nil, func(s report.Summary) error {
			if s.Create+s.Update+s.Archive > 0 {
				return fmt.Errorf("second sync wrote %d pages, want none", s.Create+s.Update+s.Archive)
			}
			return nil
		}},
		{"3/3 One manifest edited (memory's description): one update", func() error {
			return editDescription(repo, "memory/module.manifest.json", "Fold-based memory with cascade prevention, emotional context and replay.")
		}, func(s report.Summary) error {
			if s.Update != 1 || s.Create+s.Archive > 0 {
				return fmt.Errorf("after one edit: %d updates, %d creates, %d archives; want exactly one update", s.Update, s.Create, s.Archive)
			}
			return nil
		}},
	}
	for _, step := range steps {
		fmt.Fprintf(e.stdout, "━━ %s\n", step.title)
		if step.before != nil {
			if err := step.before(); err != nil {
				return err
			}
		}
		res, err := engine.Sync(ctx, settings, engine.SyncRequest{All: true})
		if err != nil {
			return err
		}
		if err := report.WriteText(e.stdout, res.Plan, res.Stats); err != nil {
			return fmt.Errorf("print result: %w", err)
		}
		if err := step.check(res.Plan.Summary); err != nil {
			return fmt.Errorf("demo step %q: %w", step.title, err)
		}
		if step.before == nil && res.Plan.Summary.Create > 0 {
			showRow(e.stdout, srv, t.DatabaseID, "memory")
		}
		fmt.Fprintln(e.stdout)
	}
	fmt.Fprintf(e.stdout, "📂 Plan, ledger and API audit log: %s\n", artifacts)
	return nil
}

// showRow prints the values one module's row holds in the emulated database,
// as the Notion UI would show them: what the built-in config fills in.
func showRow(out io.Writer, srv *emulator.Server, dbID, key string) {
	for _, p := range srv.Pages(dbID) {
		if p.PlainText("Module") != key || p.Archived {
			continue
		}
		fmt.Fprintf(out, "🔎 %s's row in Notion:\n", key)
		for _, name := range slices.Sorted(maps.Keys(p.Properties)) {
			if v := p.PlainText(name); v != "" && name != "Module" {
				fmt.Fprintf(out, "   %-20s %s\n", name, report.Sanitize(v))
			}
		}
	}
}

// editDescription changes one manifest's description in place, as a developer would.
func editDescription(root, path, desc string) error {
	m, err := manifest.Load(root, path)
	if err != nil {
		return fmt.Errorf("edit %s: %w", path, err)
	}
	out, err := manifest.SetField(m.Raw, "description", desc)
	if err != nil {
		return fmt.Errorf("edit %s: %w", path, err)
	}
	return manifest.WriteFile(root, path, out)
}

// copyTree copies the files under src to dst, which must not exist yet.
func copyTree(src, dst string) error {
	if _, err := os.Stat(dst); err == nil {
		return fmt.Errorf("%s already exists; choose an empty --out folder", dst)
	}
	return os.CopyFS(dst, os.DirFS(src))
}
