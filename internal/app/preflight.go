package app

import (
	"context"
	"fmt"
	"io"

	"github.com/lukhas/notion-sync-action/internal/engine"
	"github.com/lukhas/notion-sync-action/internal/report"
)

func runPreflight(ctx context.Context, e *env, args []string) error {
	var f settingsFlags
	fs := newFlagSet(e, "preflight", "preflight [flags]")
	f.client(fs)
	f.manifests(fs)
	offline := fs.Bool("offline", false, "skip the Notion checks even when a token is set")
	s, err := e.parseSettings(fs, &f, args)
	if err != nil {
		return err
	}
	return preflight(ctx, e.stdout, s, *offline)
}

// preflight is the core of `preflight` (and of the Action's preflight mode):
// the checks go to out; errProblems when one fails.
func preflight(ctx context.Context, out io.Writer, s engine.Settings, offline bool) error {
	fmt.Fprintln(out, "🔍 Pre-flight: config, manifests, hydration, database")
	p, err := engine.Preflight(ctx, s, offline)
	if err != nil {
		fmt.Fprintf(out, "❌ Config: %v\n", err)
		return errUsageReported
	}
	if _, err := io.WriteString(out, report.PreflightText(p)); err != nil {
		return fmt.Errorf("print result: %w", err)
	}
	if !p.OK() {
		return errProblems
	}
	return nil
}
