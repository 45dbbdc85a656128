package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lukhas/notion-sync-action/internal/engine"
	"github.com/lukhas/notion-sync-action/internal/property"
	"github.com/lukhas/notion-sync-action/internal/report"
)

// Results of verify, one per module or page. A module matches, drifts, has no page
// or cannot be compared; a page may also be extra (no manifest, and the next full
// sync archives it), a duplicate of a module's page, or an orphan the sync leaves
// alone.
const (
	verifyMatch     = "match"
	verifyDrift     = "drift"
	verifyMissing   = "missing"
	verifyError     = "error"
	verifyExtra     = "extra"
	verifyDuplicate = "duplicate"
	verifyOrphan    = "orphan"
)

// verifyRow is one module's (or one page's) verdict; its JSON is one entry of the
// "results" of `verify --json`.
type verifyRow struct {
	Module string `json:"module"`
	Path   string `json:"path"`
	PageID string `json:"page_id"`
	Result string `json:"result"`
	// Properties are the properties that differ: before is Notion's value, after
	// the manifest's, as in the plan file.
	Properties map[string]report.Diff `json:"properties"`
	Warnings   []string               `json:"warnings"`
	Error      string                 `json:"error,omitempty"`
}

// verifySummary counts the rows by result; Modules counts the manifests checked.
type verifySummary struct {
	Modules   int `json:"modules"`
	Match     int `json:"match"`
	Drift     int `json:"drift"`
	Missing   int `json:"missing"`
	Error     int `json:"error"`
	Extra     int `json:"extra"`
	Duplicate int `json:"duplicate"`
	Orphan    int `json:"orphan"`
}

// mismatches is the number of rows that make verify fail: what the next sync would
// write, and what it cannot sync. Duplicates and orphans are reported but, as in
// sync, do not fail: a sync leaves them as they are.
func (s verifySummary) mismatches() int { return s.Drift + s.Missing + s.Error + s.Extra }

// verifyResult is the --json document of verify.
type verifyResult struct {
	Status     string        `json:"status"` // "match" or "mismatch"
	DatabaseID string        `json:"database_id"`
	SHA        string        `json:"sha"`
	Summary    verifySummary `json:"summary"`
	Results    []verifyRow   `json:"results"`
}

// verifyOptions are verify's own choices, besides the Settings.
type verifyOptions struct {
	module  string // the one module to check, or "" with all
	all     bool
	verbose bool // show both values of each differing property, and warnings
	json    bool
}

// runVerify runs `verify`: a dry-run sync with no plan file, read as a verdict, so
// that verify compares exactly as the sync does and never writes.
func runVerify(ctx context.Context, e *env, args []string) error {
	var f settingsFlags
	var o verifyOptions
	fs := newFlagSet(e, "verify", "verify --module NAME | --all [--verbose] [--json] [flags]")
	f.client(fs)
	f.manifests(fs)
	fs.StringVar(&o.module, "module", "", "check the one module with this key")
	fs.BoolVar(&o.all, "all", false, "check every manifest, and the pages no manifest has")
	fs.BoolVar(&o.verbose, "verbose", false, "show Notion's and the manifest's value of each property that differs, and warnings")
	fs.BoolVar(&o.json, "json", false, "print the result as JSON")
	if err := parseFlags(fs, secondsArgs(args, "backoff")); err != nil {
		return err
	}
	s, err := e.settings(f)
	if err != nil {
		return err
	}
	_, err = verify(ctx, e.stdout, s, o)
	return err
}

// verify is the core of `verify` (and of the Action's verify mode): it prints the
// verdict to out and returns the number of mismatches, with errProblems when
// there are any.
func verify(ctx context.Context, out io.Writer, s engine.Settings, o verifyOptions) (int, error) {
	if o.all == (o.module != "") {
		return 0, usagef("choose one of --all or --module NAME")
	}
	if s.Token == "" {
		// Without a token a dry run plans from the manifests alone; verify must read Notion.
		return 0, engine.ErrNoToken
	}
	// A dry run with no plan file: the sync's own reading and planning, no writes.
	s.Plan = ""
	res, err := engine.Sync(ctx, s, engine.SyncRequest{All: o.all, Module: o.module, DryRun: true})
	if err != nil {
		return 0, err
	}
	v := verdict(res.Plan)
	if o.json {
		if err := writeJSONTo(out, v); err != nil {
			return 0, err
		}
	} else {
		var summary string
		if o.module != "" && v.Summary.mismatches() == 0 {
			// The values shown for a match are the manifest's, which Notion holds too.
			w, err := engine.Open(s, time.Now().UTC())
			if err != nil {
				return 0, err
			}
			summary = moduleSummary(w, o.module)
		}
		if _, err := io.WriteString(out, verifyText(v, o.module, summary, o.verbose)); err != nil {
			return 0, fmt.Errorf("print result: %w", err)
		}
	}
	n := v.Summary.mismatches()
	if n > 0 {
		return n, errProblems
	}
	return 0, nil
}

// verdict turns a dry-run plan into verify's rows: a noop is a match, an update
// is drift, a create is a missing page, an archive is an extra page.
func verdict(p report.Plan) verifyResult {
	v := verifyResult{Status: verifyMatch, DatabaseID: p.DatabaseID, SHA: p.SHA, Results: []verifyRow{}}
	for _, c := range p.Changes {
		row := verifyRow{Module: c.Module, Path: c.Path, PageID: c.PageID, Properties: map[string]report.Diff{},
			Warnings: append([]string{}, c.Warnings...), Error: c.Error}
		switch c.Action {
		case report.ActionNoop:
			row.Result = verifyMatch
			v.Summary.Match++
		case report.ActionUpdate:
			row.Result = verifyDrift
			maps.Copy(row.Properties, c.Properties)
			v.Summary.Drift++
		case report.ActionCreate:
			row.Result = verifyMissing
			v.Summary.Missing++
		case report.ActionArchive:
			row.Result = verifyExtra
			v.Summary.Extra++
		case report.ActionDuplicate:
			row.Result = verifyDuplicate
			v.Summary.Duplicate++
		case report.ActionOrphan:
			row.Result = verifyOrphan
			v.Summary.Orphan++
		default: // error, and any action this version does not know: never a match
			row.Result = verifyError
			if row.Error == "" {
				row.Error = "cannot be compared: plan action " + c.Action
			}
			v.Summary.Error++
		}
		v.Results = append(v.Results, row)
	}
	v.Summary.Modules = v.Summary.Match + v.Summary.Drift + v.Summary.Missing + v.Summary.Error
	if v.Summary.mismatches() > 0 {
		v.Status = "mismatch"
	}
	return v
}

// verifyText is the runbook-style report. For one module (module != "") a match
// reads like the runbook's "✅ consciousness synced to Notion (page_id: 12ab…)"
// followed by summary (the 📋 line); for --all a count line comes first, then one
// line per row that is not a match.
func verifyText(v verifyResult, module, summary string, verbose bool) string {
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
			fmt.Fprintf(&b, "❌ %d %s without a manifest\n", s.Extra, report.PluralWord(s.Extra, "page", "pages"))
		}
	}
	for _, r := range v.Results {
		writeVerifyRow(&b, r, module != "", verbose)
		if r.Result == verifyMatch && module != "" && summary != "" {
			b.WriteString("📋 " + summary + "\n")
		}
	}
	if s.Drift+s.Missing+s.Extra > 0 {
		if module != "" {
			fmt.Fprintf(&b, "Run: notion-sync sync --module %s\n", report.Sanitize(module))
		} else {
			b.WriteString("Run: notion-sync sync --all\n")
		}
	}
	return b.String()
}

// writeVerifyRow writes the lines of one row; matches only when one module is
// checked (--all lists what is wrong, the count line says the rest).
func writeVerifyRow(b *strings.Builder, r verifyRow, single, verbose bool) {
	name := report.Sanitize(r.Module)
	if name == "" {
		name = "(no key)"
	}
	page := ""
	if r.PageID != "" {
		page = " (page_id: " + report.ShortID(r.PageID) + ")"
	}
	switch r.Result {
	case verifyMatch:
		if !single {
			return
		}
		fmt.Fprintf(b, "✅ %s synced to Notion%s\n", name, page)
	case verifyDrift:
		fmt.Fprintf(b, "❌ %s: drift in %s%s\n", name, strings.Join(sanitizedNames(r.Properties), ", "), page)
		if verbose {
			for _, prop := range slices.Sorted(maps.Keys(r.Properties)) {
				d := r.Properties[prop]
				fmt.Fprintf(b, "   %s: Notion %s, manifest %s\n", report.Sanitize(prop), shownValue(d.Before), shownValue(d.After))
			}
		}
	case verifyMissing:
		fmt.Fprintf(b, "❌ %s: no page in Notion\n", name)
	case verifyExtra:
		fmt.Fprintf(b, "❌ %s: page without a manifest%s; the sync created it for %s, so the next sync --all archives it\n",
			name, page, report.Sanitize(r.Path))
	case verifyDuplicate:
		fmt.Fprintf(b, "⚠️  %s: duplicate page%s; the sync keeps the oldest page of a key (sync --dedupe archives the others)\n", name, page)
	case verifyOrphan:
		fmt.Fprintf(b, "⚠️  %s: orphan page%s; no manifest has this key and the sync did not create it, so it is left alone\n", name, page)
	default:
		where := name
		if r.Path != "" {
			where += " (" + report.Sanitize(r.Path) + ")"
		}
		for i, line := range strings.Split(strings.TrimSpace(r.Error), "\n") {
			if i == 0 {
				fmt.Fprintf(b, "❌ %s: %s\n", where, report.Sanitize(strings.TrimSpace(line)))
			} else {
				fmt.Fprintf(b, "   %s\n", report.Sanitize(strings.TrimSpace(line)))
			}
		}
	}
	if verbose && r.Result != verifyDuplicate && r.Result != verifyOrphan {
		// A duplicate's or an orphan's warning says again what its line says.
		for _, w := range r.Warnings {
			fmt.Fprintf(b, "⚠️  %s: %s\n", name, report.Sanitize(w))
		}
	}
}

func sanitizedNames(props map[string]report.Diff) []string {
	names := slices.Sorted(maps.Keys(props))
	for i, n := range names {
		names[i] = report.Sanitize(n)
	}
	return names
}

// moduleSummary is the 📋 line of one module: its select, status and number values,
// in config order, leaving out the empty ones ("Lane: L2 | Status: Active | MQI: 92.3").
func moduleSummary(w *engine.Workspace, key string) string {
	for _, m := range w.Modules {
		if m.Key != key {
			continue
		}
		var parts []string
		for _, p := range w.Config.Properties {
			v, ok := m.Props[p.Name]
			if !ok || v.IsEmpty() || (p.Type != property.Select && p.Type != property.Status && p.Type != property.Number) {
				continue
			}
			parts = append(parts, report.Sanitize(p.Name)+": "+cutShown(report.Sanitize(v.String()), maxShownValue))
		}
		return strings.Join(parts, " | ")
	}
	return ""
}

// maxShownValue caps one value on a line of output, in characters.
const maxShownValue = 60

// shownValue shows a plain property value (string, float64, []string, bool or nil,
// as the plan stores it) on one line: strings quoted, so control characters are
// escaped and an empty string is visible.
func shownValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "(empty)"
	case string:
		return strconv.Quote(cutShown(x, maxShownValue))
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []string:
		quoted := make([]string, len(x))
		for i, s := range x {
			quoted[i] = strconv.Quote(s)
		}
		return cutShown("["+strings.Join(quoted, ", ")+"]", maxShownValue)
	case []any:
		quoted := make([]string, len(x))
		for i, s := range x {
			quoted[i] = shownValue(s)
		}
		return cutShown("["+strings.Join(quoted, ", ")+"]", maxShownValue)
	case bool:
		return strconv.FormatBool(x)
	default:
		data, err := json.Marshal(x)
		if err != nil {
			return "(unprintable)"
		}
		return cutShown(report.Sanitize(string(data)), maxShownValue)
	}
}

// cutShown cuts s to limit characters, ending with "…" when it cut.
func cutShown(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	r := []rune(s)
	return string(r[:limit-1]) + "…"
}
