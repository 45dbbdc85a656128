package engine

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lukhas/notion-sync-action/internal/report"
)

// TestVerdict: each plan action becomes its verify result, an action this version
// does not know is an error (never a match), and only drift, missing, error and
// extra make a mismatch.
func TestVerdict(t *testing.T) {
	t.Parallel()
	diff := map[string]report.Diff{"MQI": {Before: 50.0, After: 92.3}}
	plan := report.Plan{DatabaseID: "db", SHA: "abc", Changes: []report.Change{
		{Module: "a", Action: report.ActionNoop, PageID: "p1"},
		{Module: "b", Action: report.ActionUpdate, PageID: "p2", Properties: diff},
		{Module: "c", Action: report.ActionCreate},
		{Module: "d", Action: report.ActionArchive, PageID: "p4"},
		{Module: "e", Action: report.ActionDuplicate, PageID: "p5", Warnings: []string{"same key"}},
		{Module: "f", Action: report.ActionOrphan, PageID: "p6"},
		{Module: "g", Action: report.ActionError, Error: "bad manifest"},
		{Module: "h", Action: "teleport"},
	}}
	got := verdict(plan)
	var results []string
	for _, r := range got.Results {
		results = append(results, r.Module+" "+r.Result)
	}
	want := []string{"a match", "b drift", "c missing", "d extra", "e duplicate", "f orphan", "g error", "h error"}
	if d := cmp.Diff(want, results); d != "" {
		t.Errorf("results mismatch (-want +got):\n%s", d)
	}
	wantSummary := report.VerifySummary{Modules: 5, Match: 1, Drift: 1, Missing: 1, Error: 2, Extra: 1, Duplicate: 1, Orphan: 1}
	if d := cmp.Diff(wantSummary, got.Summary); d != "" {
		t.Errorf("summary mismatch (-want +got):\n%s", d)
	}
	if got.Status != "mismatch" || got.DatabaseID != "db" || got.SHA != "abc" {
		t.Errorf("status %q, database %q, sha %q", got.Status, got.DatabaseID, got.SHA)
	}
	if d := cmp.Diff(diff, got.Results[1].Properties); d != "" {
		t.Errorf("drift properties mismatch (-want +got):\n%s", d)
	}
	if got.Results[7].Error != "cannot be compared: plan action teleport" {
		t.Errorf("unknown action: error %q", got.Results[7].Error)
	}
	if v := verdict(report.Plan{Changes: plan.Changes[:1]}); v.Status != report.VerifyMatch || v.Summary.Mismatches() != 0 {
		t.Errorf("one noop: status %q, %d mismatches; want match, 0", v.Status, v.Summary.Mismatches())
	}
}
