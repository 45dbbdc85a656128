package restore

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/lukhas/notion-sync-action/internal/gitdiff"
	"github.com/lukhas/notion-sync-action/internal/property"
	"github.com/lukhas/notion-sync-action/internal/report"
)

// Result is what one restore found and did, for WriteText and WriteJSON. The
// caller fills it in as the restore goes: Cut and Warnings from FindCutoff, Read
// and Plan, Steps from Prepare, LedgerErr from Apply.
type Result struct {
	// Cut is the sync gone back to.
	Cut Cutoff
	// Confirm is true when the writes were made; false for a dry run.
	Confirm bool
	// Steps is one per page the undo touches, newest write first.
	Steps []*Step
	// Warnings is about the whole restore rather than one page.
	Warnings []string
	// LedgerErr is the ledger append that failed while writing: the run stopped
	// there.
	LedgerErr error
	// Next is the commands that verify Notion against the restored commit,
	// printed only after a complete confirmed restore.
	Next []string
}

// Writes is the number of writes the steps need (or made, once confirmed).
func (r Result) Writes() int {
	n := 0
	for _, s := range r.Steps {
		n += len(s.writes())
	}
	return n
}

// Failed is the number of pages that could not be restored.
func (r Result) Failed() int {
	n := 0
	for _, s := range r.Steps {
		if s.failure() != nil {
			n++
		}
	}
	return n
}

// shown renders a value for one line of output: control characters dropped,
// long text cut, text quoted; numbers and checkboxes bare, as the plan shows them.
func shown(v property.Value) string {
	if v.IsEmpty() && v.Type != property.Checkbox {
		return "(empty)"
	}
	s := report.Sanitize(v.String())
	if r := []rune(s); len(r) > 60 {
		s = string(r[:59]) + "…"
	}
	if v.Type == property.Number || v.Type == property.Checkbox {
		return s
	}
	return fmt.Sprintf("%q", s)
}

func (s *Step) label() string {
	if s.u.module != "" {
		return report.Sanitize(s.u.module)
	}
	return s.u.pageID
}

// WriteText prints the plan (or, once confirmed, the outcome) in the runbook's
// style. path names the ledgers read.
func WriteText(w io.Writer, r Result, path string) error {
	var b strings.Builder
	c := r.Cut
	fmt.Fprintf(&b, "⏪ Restore to sha %s: the sync of %s (run %s)\n", c.SHA, c.Record.Timestamp.UTC().Format(time.RFC3339), c.Record.RunID)
	for _, warn := range r.Warnings {
		fmt.Fprintf(&b, "⚠️  %s\n", warn)
	}
	if len(r.Steps) == 0 {
		fmt.Fprintf(&b, "✅ Nothing to restore: %s records no sync write to a page after that sync\n", path)
		_, err := io.WriteString(w, b.String())
		return err
	}
	writes, failed, unchanged := r.Writes(), r.Failed(), 0
	for _, s := range r.Steps {
		if s.err == nil && len(s.writes()) == 0 {
			unchanged++
		}
	}
	fmt.Fprintf(&b, "📊 %d writes after it, on %d pages", sumWrites(r.Steps), len(r.Steps))
	if n := sumFailed(r.Steps); n > 0 {
		fmt.Fprintf(&b, " (%d recorded as failed: they may have reached Notion anyway, so their pages are checked too)", n)
	}
	b.WriteString("\n")
	for _, s := range r.Steps {
		writeStep(&b, s, r.Confirm, c.SHA)
	}
	switch {
	case writes == 0 && failed == 0:
		fmt.Fprintf(&b, "✅ Notion already shows sha %s: nothing to write\n", gitdiff.ShortSHA(c.SHA))
	case !r.Confirm:
		fmt.Fprintf(&b, "📋 Dry run: %d writes on %d pages, nothing written. Run again with --confirm to write them\n", writes, len(r.Steps)-unchanged-failed)
	default:
		restored := len(r.Steps) - unchanged - failed
		if r.LedgerErr != nil {
			fmt.Fprintf(&b, "❌ Stopped: the ledger could not be written (%s). A write it does not record cannot be undone later, so no page was started after that; fix the file system and run restore again\n", oneLine(r.LedgerErr))
		}
		if failed > 0 {
			fmt.Fprintf(&b, "❌ %d pages restored to sha %s, %d failed, %d already as they were\n", restored, gitdiff.ShortSHA(c.SHA), failed, unchanged)
		} else {
			fmt.Fprintf(&b, "✅ %d pages restored to sha %s, %d already as they were\n", restored, gitdiff.ShortSHA(c.SHA), unchanged)
		}
	}
	if r.Confirm && len(r.Next) > 0 && r.LedgerErr == nil {
		fmt.Fprintf(&b, "Next: verify against the manifests of %s (this working tree is still at the commit rolled back from, so verify there would report drift):\n", gitdiff.ShortSHA(c.SHA))
		for _, cmd := range r.Next {
			fmt.Fprintf(&b, "  %s\n", cmd)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func sumWrites(steps []*Step) int {
	n := 0
	for _, s := range steps {
		n += s.u.writes
	}
	return n
}

func sumFailed(steps []*Step) int {
	n := 0
	for _, s := range steps {
		n += s.u.failed
	}
	return n
}

func writeStep(b *strings.Builder, s *Step, confirm bool, sha string) {
	name := s.label()
	switch {
	case s.err != nil:
		fmt.Fprintf(b, "❌ %s: %v\n", name, s.err)
	case len(s.writes()) == 0:
		fmt.Fprintf(b, "✅ %s: already as at sha %s\n", name, gitdiff.ShortSHA(sha))
	case confirm && s.writeErr != nil:
		fmt.Fprintf(b, "❌ %s: %v\n", name, s.writeErr)
	default:
		mark, words := "↩️ ", map[string]string{"archive": "archive", "unarchive": "unarchive", "update": "update"}
		if confirm {
			mark, words = "✅", map[string]string{"archive": "archived", "unarchive": "unarchived", "update": "updated"}
		}
		for _, w := range s.writes() {
			switch w {
			case "archive":
				fmt.Fprintf(b, "%s %s: %s (the page was created after sha %s)\n", mark, name, words[w], gitdiff.ShortSHA(sha))
			case "unarchive":
				fmt.Fprintf(b, "%s %s: %s (a sync archived it after sha %s)\n", mark, name, words[w], gitdiff.ShortSHA(sha))
			case "update":
				fmt.Fprintf(b, "%s %s: %s %d properties\n", mark, name, words[w], len(s.props))
				for _, p := range slices.Sorted(maps.Keys(s.props)) {
					fmt.Fprintf(b, "     %s: %s → %s\n", report.Sanitize(p), shown(s.current[p]), shown(s.props[p]))
				}
			}
		}
	}
	for _, warn := range s.warnings {
		fmt.Fprintf(b, "⚠️  %s: %s\n", name, warn)
	}
}

// JSON is the --json form of a restore, for scripts: what WriteJSON prints.
type JSON struct {
	// SHA is the commit restored to.
	SHA string `json:"sha"`
	// Since is the sync gone back to.
	Since Since `json:"since"`
	// Confirm is false in a dry run.
	Confirm bool `json:"confirm"`
	// Summary counts the pages.
	Summary Summary `json:"summary"`
	// Changes is one per page, newest write first; [] when there is none.
	Changes []Change `json:"changes"`
	// Warnings is about the whole restore; [] when there is none.
	Warnings []string `json:"warnings"`
	// Next is the commands that verify Notion against the restored commit; [] in a dry run.
	Next []string `json:"next"`
	// Error is the ledger failure that stopped the run, when one did.
	Error string `json:"error,omitempty"`
}

// Since names the sync a restore goes back to.
type Since struct {
	Timestamp time.Time `json:"timestamp"`
	RunID     string    `json:"run_id"`
}

// Summary counts the pages of a restore: all of them, the writes they need (or
// got), the ones already as they were, and the ones that failed.
type Summary struct {
	Pages     int `json:"pages"`
	Writes    int `json:"writes"`
	Unchanged int `json:"unchanged"`
	Failed    int `json:"failed"`
}

// Change is one page of a restore: the writes, the properties written (before:
// the page's value, after: the value restored) and how it went.
type Change struct {
	Module     string                 `json:"module"`
	Path       string                 `json:"path"`
	PageID     string                 `json:"page_id"`
	Writes     []string               `json:"writes"`
	Status     string                 `json:"status"` // planned, ok, unchanged, error
	Properties map[string]report.Diff `json:"properties"`
	Warnings   []string               `json:"warnings"`
	Error      string                 `json:"error,omitempty"`
}

// WriteJSON prints r as indented JSON (see JSON), HTML left unescaped.
func WriteJSON(w io.Writer, r Result) error {
	out := JSON{SHA: r.Cut.SHA, Since: Since{r.Cut.Record.Timestamp.UTC(), r.Cut.Record.RunID},
		Confirm: r.Confirm, Changes: []Change{}, Warnings: append([]string{}, r.Warnings...), Next: []string{}}
	if r.Confirm && r.LedgerErr == nil {
		out.Next = append(out.Next, r.Next...)
	}
	if r.LedgerErr != nil {
		out.Error = r.LedgerErr.Error()
	}
	out.Summary.Pages = len(r.Steps)
	out.Summary.Writes = r.Writes()
	out.Summary.Failed = r.Failed()
	for _, s := range r.Steps {
		c := Change{Module: s.u.module, Path: s.u.path, PageID: s.u.pageID, Writes: append([]string{}, s.writes()...),
			Properties: map[string]report.Diff{}, Warnings: append([]string{}, s.warnings...)}
		for name, v := range s.props {
			c.Properties[name] = report.Diff{Before: s.current[name].Plain(), After: v.Plain()}
		}
		switch {
		case s.failure() != nil:
			c.Status, c.Error = "error", s.failure().Error()
		case len(c.Writes) == 0:
			c.Status = "unchanged"
			out.Summary.Unchanged++
		case r.Confirm:
			c.Status = "ok"
		default:
			c.Status = "planned"
		}
		out.Changes = append(out.Changes, c)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
