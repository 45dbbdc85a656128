package app

import (
	"strings"
	"testing"

	"github.com/lukhas/notion-sync-action/internal/notion"
	"github.com/lukhas/notion-sync-action/internal/notion/emulator"
	"github.com/lukhas/notion-sync-action/internal/report"
)

// TestSyncUnderEachVersion: a first sync creates every page and a second writes
// nothing, under every Notion-Version the client speaks; the second costs at most
// the rows' pages plus two calls (notion-api.md §8: a data source is resolved
// first from 2025-09-03).
func TestSyncUnderEachVersion(t *testing.T) {
	t.Parallel()
	for _, v := range notion.Versions() {
		t.Run(string(v), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, emulator.Options{})
			if code, out, errOut := h.run("sync", "--all", "--notion-version", string(v)); code != ExitOK {
				t.Fatalf("first sync exit %d\n%s\n%s", code, out, errOut)
			}
			before := len(h.srv.Requests())
			code, out, errOut := h.run("sync", "--all", "--notion-version", string(v))
			if code != ExitOK {
				t.Fatalf("second sync exit %d\n%s\n%s", code, out, errOut)
			}
			plan := h.readPlan()
			if w := plan.Summary.Create + plan.Summary.Update + plan.Summary.Archive; w != 0 {
				t.Errorf("second sync wrote %d pages, want none", w)
			}
			if plan.NotionVersion != string(v) {
				t.Errorf("plan notion_version = %q, want %s", plan.NotionVersion, v)
			}
			if n := len(h.srv.Requests()) - before; n > 1+2 {
				t.Errorf("second sync of %d rows made %d calls, want at most ceil(N/100)+2 = 3", len(h.live()), n)
			}
		})
	}
}

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
