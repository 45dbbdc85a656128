package app

import (
	"strings"
	"testing"

	"github.com/lukhas/notion-sync-action/internal/notion"
	"github.com/lukhas/notion-sync-action/internal/notion/emulator"
	"github.com/lukhas/notion-sync-action/internal/report"
)

// TestVersionAndDataSourceChoice: a bad version and a database with two data
// sources and no choice are usage errors (exit 2) that say what to set; with a
// data source chosen the sync writes into it alone.
func TestVersionAndDataSourceChoice(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{})
	second, err := h.srv.AddDataSource(h.db, "Archive", nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  []string
	}{
		{"unknown version", []string{"sync", "--all", "--notion-version", "2024-01-01"}, ExitUsage,
			[]string{"2022-06-28", "2025-09-03", "2026-03-11"}},
		{"two data sources, none chosen", []string{"sync", "--all"}, ExitUsage,
			[]string{"multiple data sources", "Archive (" + second, "--data-source-id"}},
		{"bad data source id", []string{"sync", "--all", "--data-source-id", "nope"}, ExitUsage,
			[]string{"--data-source-id"}},
		{"the second data source chosen", []string{"sync", "--all", "--data-source-id", second}, ExitOK, nil},
	}
	for _, tt := range tests {
		code, out, errOut := h.run(tt.args...)
		if code != tt.wantCode {
			t.Errorf("%s: exit %d, want %d\n%s\n%s", tt.name, code, tt.wantCode, out, errOut)
		}
		for _, w := range tt.wantErr {
			if !strings.Contains(errOut, w) {
				t.Errorf("%s: stderr lacks %q:\n%s", tt.name, w, errOut)
			}
		}
	}
	if plan := h.readPlan(); !notion.SameID(plan.DataSourceID, second) || plan.Summary.Create == 0 {
		t.Errorf("plan data_source_id %q with %d creates, want creates in %s", plan.DataSourceID, plan.Summary.Create, second)
	}
}

// readPlan reads the plan the last sync wrote.
func (h *harness) readPlan() report.Plan {
	h.t.Helper()
	plan, err := report.ReadPlan(h.path("plan.json"))
	if err != nil {
		h.t.Fatal(err)
	}
	return plan
}

// TestMultiSourceFix: a database with two data sources gets one fix, the one
// that fits the version in use (notion-api.md §8): choose a data source, or,
// under 2022-06-28, move to a version that can address one.
func TestMultiSourceFix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		version, wantFix string
	}{
		{"2025-09-03", "Fix: choose one with --data-source-id"},
		{"2022-06-28", "Fix: the database has several data sources, which Notion-Version 2022-06-28 cannot address: use --notion-version 2025-09-03"},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, emulator.Options{})
			if _, err := h.srv.AddDataSource(h.db, "Archive", nil); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := h.run("sync", "--all", "--notion-version", tt.version)
			if code == ExitOK || !strings.Contains(errOut, tt.wantFix) || strings.Count(errOut, "Fix:") != 1 {
				t.Errorf("exit %d; want one fix %q:\n%s\n%s", code, tt.wantFix, out, errOut)
			}
		})
	}
}
