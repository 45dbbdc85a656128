package report

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestAuditText: the summary line counts each kind in the file's order, and an
// unknown kind counts as an error; an audit without discrepancies says so.
func TestAuditText(t *testing.T) {
	t.Parallel()
	a := Audit{DatabaseID: "0123456789abcdef0123456789abcdef", Manifests: 1}
	if diff := cmp.Diff("🔍 Audit of 1 manifest against database 01234567…\n"+
		"✅ No discrepancies: Notion matches every manifest\n"+
		"📄 Written to a.json (review: jq '.discrepancies' a.json)\n", AuditText(a, "a.json")); diff != "" {
		t.Errorf("no discrepancies (-want +got):\n%s", diff)
	}
	a.Manifests = 12
	for _, k := range []string{KindTrashed, KindMissing, KindMissing, "unknown", KindDrift} {
		a.Summary.Add(k)
	}
	if diff := cmp.Diff(AuditSummary{Missing: 2, Drift: 1, Trashed: 1, Error: 1}, a.Summary); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff("🔍 Audit of 12 manifests against database 01234567…\n"+
		"📊 5 discrepancies: 2 missing · 1 drift · 1 trashed · 1 error\n"+
		"📄 Written to a.json (review: jq '.discrepancies' a.json)\n", AuditText(a, "a.json")); diff != "" {
		t.Errorf("discrepancies (-want +got):\n%s", diff)
	}
}
