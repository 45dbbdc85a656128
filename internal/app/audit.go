package app

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/lukhas/notion-sync-action/internal/engine"
	"github.com/lukhas/notion-sync-action/internal/report"
)

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
	s, err := e.parseSettings(fs, &f, args)
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
	now := time.Now().UTC()
	a, err := engine.Audit(ctx, s, now)
	if err != nil {
		return 0, err
	}
	output := cmp.Or(o.output, defaultAuditPath(now))
	data, err := report.EncodeJSON(a)
	if err != nil {
		return 0, fmt.Errorf("encode audit: %w", err)
	}
	if err := report.WriteArtifactIn(s.Root(output), output, data); err != nil {
		return 0, fmt.Errorf("write audit: %w", err)
	}
	if _, err := io.WriteString(out, report.AuditText(a, output)); err != nil {
		return 0, fmt.Errorf("print result: %w", err)
	}
	n := a.Summary.Total()
	if o.failOn && n > 0 {
		return n, errProblems
	}
	return n, nil
}
