package app

import (
	"context"
	"fmt"
	"io"

	"github.com/lukhas/notion-sync-action/internal/engine"
	"github.com/lukhas/notion-sync-action/internal/report"
)

// runHealth runs `health`: whether Notion answers, takes the token and shows the
// database, and when the last sync succeeded.
func runHealth(ctx context.Context, e *env, args []string) error {
	var f settingsFlags
	fs := newFlagSet(e, "health", "health [--json] [flags]")
	f.client(fs)
	// --repo is accepted like every command's; health reads no manifest.
	fs.String("repo", ".", "accepted for symmetry with the other commands; health reads no manifest")
	ledgerPath := fs.String("ledger", "artifacts/notion_sync_ledger.jsonl", "the sync ledger, for the last successful sync")
	asJSON := fs.Bool("json", false, "print the runbook's JSON healthcheck document")
	s, err := e.parseSettings(fs, &f, args)
	if err != nil {
		return err
	}
	s.Ledger = *ledgerPath
	return health(ctx, e.stdout, e.stderr, s, *asJSON)
}

// health is the core of `health` (and of the Action's health mode): the report
// goes to out, as text or as the runbook's JSON document; with asJSON the text
// (the reasons and fixes) goes to errOut when the check fails.
func health(ctx context.Context, out, errOut io.Writer, s engine.Settings, asJSON bool) error {
	h, err := engine.Health(ctx, s)
	if err != nil {
		return err
	}
	text := report.HealthText(h)
	if asJSON {
		if err := report.WriteDocument(out, h.JSON()); err != nil {
			return err
		}
		if !h.Healthy() {
			// stdout carries the document alone; the reasons and fixes go to stderr.
			fmt.Fprint(errOut, text)
		}
	} else if _, err := io.WriteString(out, text); err != nil {
		return fmt.Errorf("print result: %w", err)
	}
	if !h.Healthy() {
		return errProblems
	}
	return nil
}
