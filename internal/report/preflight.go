package report

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Preflight is what `preflight` found: engine.Preflight makes it from the
// workspace and, with a token, from Notion; PreflightText shows it.
type Preflight struct {
	Config     string              // the config's name
	Manifests  int                 // manifests found, broken ones included
	Failed     []string            // the manifests that cannot be synced, one problem each
	Warnings   []string            // manifests skipped with a warning
	Duplicates map[string][]string // key → the manifests that use it, when more than one
	Hydrate    string              // the field the config requires hydrated, or ""
	Unhydrated []string            // the manifests missing Hydrate, sorted

	Offline bool // the Notion checks were skipped on request
	NoToken bool // the Notion checks were skipped for want of a token
	// The Notion checks, in order; each stops the ones after it when it fails.
	ConnectErr error  // the client could not be made (a bad database id)
	APIErr     error  // GET /v1/users/me failed
	Bot        string // the integration's name
	DBErr      error  // the database could not be read
	DBFix      string // "\nFix: ..." for DBErr, or ""
	DatabaseID string
	API        API      // the Notion-Version and data source the checks used
	Absent     []string // notes on the optional properties the database lacks
	Problems   []string // schema problems, missing status options included
	Properties int      // properties the config manages, the key's included
}

// OK is the verdict: nothing failed.
func (p Preflight) OK() bool {
	return p.Manifests > 0 && len(p.Failed) == 0 && len(p.Duplicates) == 0 && len(p.Unhydrated) == 0 &&
		p.ConnectErr == nil && p.APIErr == nil && p.DBErr == nil && len(p.Problems) == 0
}

// listCap is how many items of one kind a report lists before it
// counts the rest.
const listCap = 20

// PreflightText is the check, one line per step, a fix under each failure. The
// header and the config line come first; "✅ Pre-flight passed" only when p.OK().
func PreflightText(p Preflight) string {
	var b strings.Builder
	list := func(items []string, line func(string) string) {
		for i, s := range items {
			if i == listCap {
				fmt.Fprintf(&b, "  ... and %d more\n", len(items)-listCap)
				break
			}
			b.WriteString("  - " + line(s) + "\n")
		}
	}
	fmt.Fprintf(&b, "✅ Config: %s\n", p.Config)
	switch {
	case p.Manifests == 0:
		b.WriteString("❌ No manifest found: a sync would see every module as deleted\nFix: check --repo (the Action's workspace) and manifests.include in the config\n")
	case len(p.Failed) == 0:
		fmt.Fprintf(&b, "✅ %d manifests parsed\n", p.Manifests)
	default:
		fmt.Fprintf(&b, "❌ %d of %d manifests cannot be synced:\n", len(p.Failed), p.Manifests)
		list(p.Failed, Sanitize)
	}
	for _, w := range p.Warnings {
		fmt.Fprintf(&b, "⚠️  %s\n", Sanitize(w))
	}
	if len(p.Duplicates) > 0 {
		fmt.Fprintf(&b, "❌ %d keys are used by more than one manifest:\n", len(p.Duplicates))
		list(slices.Sorted(maps.Keys(p.Duplicates)), func(k string) string {
			return Sanitize(k) + ": " + strings.Join(p.Duplicates[k], ", ")
		})
		b.WriteString("Fix: exclude one of the folders in manifests.exclude, or key by $path (key.from)\n")
	}
	if p.Hydrate != "" {
		if len(p.Unhydrated) == 0 {
			fmt.Fprintf(&b, "✅ All manifests have %s hydrated\n", p.Hydrate)
		} else {
			fmt.Fprintf(&b, "❌ %d manifests missing %s:\n", len(p.Unhydrated), p.Hydrate)
			list(p.Unhydrated, Sanitize)
			b.WriteString("\nRun: notion-sync backfill --apply\n")
		}
	}
	writeNotionChecks(&b, p)
	if p.OK() {
		b.WriteString("✅ Pre-flight passed\n")
	}
	return b.String()
}

// writeNotionChecks writes the lines of the checks that need the token.
func writeNotionChecks(b *strings.Builder, p Preflight) {
	switch {
	case p.Offline:
		b.WriteString("⏭️  Notion checks skipped (--offline)\n")
		return
	case p.NoToken:
		b.WriteString("⚠️  No NOTION_API_TOKEN: database checks skipped\n")
		return
	case p.ConnectErr != nil:
		fmt.Fprintf(b, "❌ Notion: %v\n", p.ConnectErr)
		return
	case p.APIErr != nil:
		fmt.Fprintf(b, "❌ Notion API: %v\nFix: check NOTION_API_TOKEN\n", p.APIErr)
		return
	}
	fmt.Fprintf(b, "✅ Notion API: Reachable (integration %q)\n", Sanitize(p.Bot))
	if p.DBErr != nil {
		fmt.Fprintf(b, "❌ Database: %v%s\n", p.DBErr, p.DBFix)
		return
	}
	fmt.Fprintf(b, "✅ Database ID: Valid (%s)\n", p.DatabaseID)
	if api := p.API.String(); api != "" {
		fmt.Fprintf(b, "🔗 %s\n", api)
	}
	for _, a := range p.Absent {
		fmt.Fprintf(b, "⚠️  %s\n", Sanitize(a))
	}
	if len(p.Problems) == 0 {
		fmt.Fprintf(b, "✅ Schema matches the config (%d properties)\n", p.Properties)
		return
	}
	fmt.Fprintf(b, "❌ Schema: %d problems\n", len(p.Problems))
	for _, s := range p.Problems {
		fmt.Fprintf(b, "  - %s\n", s)
	}
}
