package report

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Results of verify, one per module or page. A module matches, drifts, has no page
// or cannot be compared; a page may also be extra (no manifest, and the next full
// sync archives it), a duplicate of a module's page, or an orphan the sync leaves
// alone.
const (
	VerifyMatch     = "match"
	VerifyDrift     = "drift"
	VerifyMissing   = "missing"
	VerifyError     = "error"
	VerifyExtra     = "extra"
	VerifyDuplicate = "duplicate"
	VerifyOrphan    = "orphan"
)

// Verdict is what verify found, and its --json document. engine.Verify makes it
// from a dry-run plan, as the plan file is made from a sync.
type Verdict struct {
	Status     string        `json:"status"` // "match" or "mismatch"
	DatabaseID string        `json:"database_id"`
	SHA        string        `json:"sha"`
	Summary    VerifySummary `json:"summary"`
	Results    []VerifyRow   `json:"results"`
	// Values are, when one module was checked and matches, its select, status
	// and number values in config order (the 📋 line of the text); not in the JSON.
	Values []Field `json:"-"`
}

// Field is one named property value, as the text shows it.
type Field struct{ Name, Value string }

// VerifyRow is one module's (or one page's) verdict; its JSON is one entry of the
// "results" of `verify --json`.
type VerifyRow struct {
	Module string `json:"module"`
	Path   string `json:"path"`
	PageID string `json:"page_id"`
	Result string `json:"result"`
	// Properties are the properties that differ: before is Notion's value, after
	// the manifest's, as in the plan file.
	Properties map[string]Diff `json:"properties"`
	Warnings   []string        `json:"warnings"`
	Error      string          `json:"error,omitempty"`
}

// VerifySummary counts the rows by result; Modules counts the manifests checked.
type VerifySummary struct {
	Modules   int `json:"modules"`
	Match     int `json:"match"`
	Drift     int `json:"drift"`
	Missing   int `json:"missing"`
	Error     int `json:"error"`
	Extra     int `json:"extra"`
	Duplicate int `json:"duplicate"`
	Orphan    int `json:"orphan"`
}

// Add counts one row of result; an unknown result counts as an error.
func (s *VerifySummary) Add(result string) {
	switch result {
	case VerifyMatch:
		s.Match++
	case VerifyDrift:
		s.Drift++
	case VerifyMissing:
		s.Missing++
	case VerifyExtra:
		s.Extra++
	case VerifyDuplicate:
		s.Duplicate++
	case VerifyOrphan:
		s.Orphan++
	default:
		s.Error++
	}
}

// Mismatches is the number of rows that make verify fail: what the next sync
// would write, and what it cannot sync. Duplicates and orphans are reported but,
// as in sync, do not fail: a sync leaves them as they are.
func (s VerifySummary) Mismatches() int { return s.Drift + s.Missing + s.Error + s.Extra }

// maxShownValue caps one value on a line of verify's output, in characters.
const maxShownValue = 60

// VerifyText is the runbook-style report. For one module (module != "") a match
// reads like the runbook's "✅ consciousness synced to Notion (page_id: 12ab…)"
// followed by v.Values (the 📋 line); for --all a count line comes first, then one
// line per row that is not a match.
func VerifyText(v Verdict, module string, verbose bool) string {
	var b strings.Builder
	s := v.Summary
	if module == "" {
		// The count line is about the modules; pages without a manifest fail on
		// their own line below, so "✅ 11/11" stays true when only they fail.
		mark := "✅"
		if s.Match < s.Modules {
			mark = "❌"
		}
		fmt.Fprintf(&b, "%s %d/%d modules match Notion\n", mark, s.Match, s.Modules)
		if s.Extra > 0 {
			fmt.Fprintf(&b, "❌ %s without a manifest\n", plural(s.Extra, "page", "pages"))
		}
	}
	for _, r := range v.Results {
		writeVerifyRow(&b, r, module != "", verbose)
		if r.Result == VerifyMatch && module != "" && len(v.Values) > 0 {
			parts := make([]string, len(v.Values))
			for i, f := range v.Values {
				value, _ := cutRunes(Sanitize(f.Value), maxShownValue)
				parts[i] = Sanitize(f.Name) + ": " + value
			}
			b.WriteString("📋 " + strings.Join(parts, " | ") + "\n")
		}
	}
	if s.Drift+s.Missing+s.Extra > 0 {
		if module != "" {
			fmt.Fprintf(&b, "Run: notion-sync sync --module %s\n", Sanitize(module))
		} else {
			b.WriteString("Run: notion-sync sync --all\n")
		}
	}
	return b.String()
}

// writeVerifyRow writes the lines of one row; matches only when one module is
// checked (--all lists what is wrong, the count line says the rest).
func writeVerifyRow(b *strings.Builder, r VerifyRow, single, verbose bool) {
	name := Sanitize(r.Module)
	if name == "" {
		name = "(no key)"
	}
	page := ""
	if r.PageID != "" {
		page = " (page_id: " + ShortID(r.PageID) + ")"
	}
	switch r.Result {
	case VerifyMatch:
		if !single {
			return
		}
		fmt.Fprintf(b, "✅ %s synced to Notion%s\n", name, page)
	case VerifyDrift:
		names := slices.Sorted(maps.Keys(r.Properties))
		for i, n := range names {
			names[i] = Sanitize(n)
		}
		fmt.Fprintf(b, "❌ %s: drift in %s%s\n", name, strings.Join(names, ", "), page)
		if verbose {
			for _, prop := range slices.Sorted(maps.Keys(r.Properties)) {
				d := r.Properties[prop]
				fmt.Fprintf(b, "   %s: Notion %s, manifest %s\n", Sanitize(prop), shownValue(d.Before), shownValue(d.After))
			}
		}
	case VerifyMissing:
		fmt.Fprintf(b, "❌ %s: no page in Notion\n", name)
	case VerifyExtra:
		fmt.Fprintf(b, "❌ %s: page without a manifest%s; the sync created it for %s, so the next sync --all archives it\n",
			name, page, Sanitize(r.Path))
	case VerifyDuplicate:
		fmt.Fprintf(b, "⚠️  %s: duplicate page%s; the sync keeps the oldest page of a key (sync --dedupe archives the others)\n", name, page)
	case VerifyOrphan:
		fmt.Fprintf(b, "⚠️  %s: orphan page%s; no manifest has this key and the sync did not create it, so it is left alone\n", name, page)
	default:
		where := name
		if r.Path != "" {
			where += " (" + Sanitize(r.Path) + ")"
		}
		for i, line := range strings.Split(strings.TrimSpace(r.Error), "\n") {
			if i == 0 {
				fmt.Fprintf(b, "❌ %s: %s\n", where, Sanitize(strings.TrimSpace(line)))
			} else {
				fmt.Fprintf(b, "   %s\n", Sanitize(strings.TrimSpace(line)))
			}
		}
	}
	if verbose && r.Result != VerifyDuplicate && r.Result != VerifyOrphan {
		// A duplicate's or an orphan's warning says again what its line says.
		for _, w := range r.Warnings {
			fmt.Fprintf(b, "⚠️  %s: %s\n", name, Sanitize(w))
		}
	}
}

// shownValue shows a plain property value (string, float64, []string, bool or nil,
// as the plan stores it) on one line: strings quoted, so control characters are
// escaped and an empty string is visible.
func shownValue(v any) string {
	cut := func(s string) string { s, _ = cutRunes(s, maxShownValue); return s }
	switch x := v.(type) {
	case nil:
		return "(empty)"
	case string:
		return strconv.Quote(cut(x))
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []string:
		quoted := make([]string, len(x))
		for i, s := range x {
			quoted[i] = strconv.Quote(s)
		}
		return cut("[" + strings.Join(quoted, ", ") + "]")
	case []any:
		quoted := make([]string, len(x))
		for i, s := range x {
			quoted[i] = shownValue(s)
		}
		return cut("[" + strings.Join(quoted, ", ") + "]")
	case bool:
		return strconv.FormatBool(x)
	default:
		data, err := json.Marshal(x)
		if err != nil {
			return "(unprintable)"
		}
		return cut(Sanitize(string(data)))
	}
}
