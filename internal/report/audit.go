package report

import (
	"fmt"
	"strings"
)

// Discrepancy kinds of the audit file: DESIGN.md's five, plus error for a manifest
// that cannot be compared at all (it does not parse, or its notion_page_id names a
// page of another database), so that nothing is left out of the file.
const (
	KindMissing   = "missing"   // a manifest without a page
	KindOrphan    = "orphan"    // a page without a manifest
	KindDrift     = "drift"     // a page whose values differ from its manifest's
	KindDuplicate = "duplicate" // two pages with one key, or two manifests with one key
	KindTrashed   = "trashed"   // a manifest's notion_page_id names a page in the trash
	KindError     = "error"     // a manifest that cannot be compared
)

// AuditKinds is the order of the kinds in the file and in the summary line.
var AuditKinds = []string{KindMissing, KindOrphan, KindDrift, KindDuplicate, KindTrashed, KindError}

// Audit is artifacts/notion_audit_YYYYMM.json. engine.Audit makes it from a full
// dry-run plan, as the plan file is made from a sync.
type Audit struct {
	GeneratedAt   string        `json:"generated_at"`
	SHA           string        `json:"sha"`
	DatabaseID    string        `json:"database_id"`
	Summary       AuditSummary  `json:"summary"`
	Discrepancies []Discrepancy `json:"discrepancies"`
	// Manifests is the number of manifests compared, for the text; not in the file.
	Manifests int `json:"-"`
}

// AuditSummary counts the discrepancies by kind; every kind is always present, so
// `jq '.summary.drift'` is a number, never null.
type AuditSummary struct {
	Missing   int `json:"missing"`
	Orphan    int `json:"orphan"`
	Drift     int `json:"drift"`
	Duplicate int `json:"duplicate"`
	Trashed   int `json:"trashed"`
	Error     int `json:"error"`
}

// Add counts one discrepancy of kind; an unknown kind counts as an error.
func (s *AuditSummary) Add(kind string) {
	*s.field(kind)++
}

// Total is the number of discrepancies.
func (s AuditSummary) Total() int {
	return s.Missing + s.Orphan + s.Drift + s.Duplicate + s.Trashed + s.Error
}

func (s *AuditSummary) field(kind string) *int {
	switch kind {
	case KindMissing:
		return &s.Missing
	case KindOrphan:
		return &s.Orphan
	case KindDrift:
		return &s.Drift
	case KindDuplicate:
		return &s.Duplicate
	case KindTrashed:
		return &s.Trashed
	}
	return &s.Error
}

// Discrepancy is one entry of .discrepancies[]. Properties holds, for drift, each
// differing property with Notion's value as before and the manifest's as after (as
// in the plan file); it is {} for the other kinds.
type Discrepancy struct {
	Kind       string          `json:"kind"`
	Module     string          `json:"module"`
	Path       string          `json:"path"`
	PageID     string          `json:"page_id"`
	Properties map[string]Diff `json:"properties"`
	Detail     string          `json:"detail"`
}

// AuditText is the summary audit prints once it has written the file to output.
func AuditText(a Audit, output string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "🔍 Audit of %s against database %s\n", plural(a.Manifests, "manifest", "manifests"), ShortID(a.DatabaseID))
	if n := a.Summary.Total(); n == 0 {
		b.WriteString("✅ No discrepancies: Notion matches every manifest\n")
	} else {
		parts := make([]string, 0, len(AuditKinds))
		for _, k := range AuditKinds {
			if c := *a.Summary.field(k); c > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", c, k))
			}
		}
		fmt.Fprintf(&b, "📊 %s: %s\n", plural(n, "discrepancy", "discrepancies"), strings.Join(parts, " · "))
	}
	fmt.Fprintf(&b, "📄 Written to %s (review: jq '.discrepancies' %s)\n", output, output)
	return b.String()
}
