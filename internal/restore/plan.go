package restore

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/lukhas/notion-sync-action/internal/gitdiff"
	"github.com/lukhas/notion-sync-action/internal/ledger"
	"github.com/lukhas/notion-sync-action/internal/reconcile"
	"github.com/lukhas/notion-sync-action/internal/report"
)

// Plan collapses the sync writes recorded after the cutoff in recs (the records
// FindCutoff searched) into one PageUndo per page, newest first, and returns the
// warnings about what it cannot undo: failed creates without a page id, and
// restores to another sha since, whose writes stay.
func Plan(recs []ledger.Record, cut Cutoff) ([]*PageUndo, []string) {
	after := recs[cut.Index+1:]
	undo, warnings := undoPlan(after)
	return undo, append(warnings, laterRestores(after, cut.SHA)...)
}

// PageUndo is what the ledger says it takes to undo the writes made to one page
// after the cutoff. Several writes collapse: each property goes back to the value
// it had before its first write, and the page's trash flag to what it was before
// the first create or archive. Plan makes them; only this package reads their
// fields, so callers pass them on to Prepare as they are.
type PageUndo struct {
	pageID, module, path string
	newest               int  // index of the page's newest write, to list the newest first
	writes               int  // ledger writes undone
	failed               int  // of which recorded as failed: they may have reached Notion anyway
	created              bool // the page did not exist at the cutoff: archive it
	// unsure: the page is known only from a create recorded as failed, so it is
	// archived only if it still has the module's key.
	unsure   bool
	archived bool // the page was live at the cutoff and a sync archived it
	// intent is when a create was sent that no record answers (the run was
	// killed mid-create): pageID is "" and the page, if Notion stored it,
	// is looked up by its key (KeyFinder) among pages created since.
	intent time.Time
	before map[string]json.RawMessage
	// after holds every value the writes set on each property, oldest first: a
	// failed write may or may not have set its value.
	after    map[string][]json.RawMessage
	noBefore []string // changed properties with no recorded before-value
}

// undoPlan collapses the sync writes recorded after the cutoff into one PageUndo
// per page, newest first. Writes recorded as failed count too: a write answered
// with a 502 or a timeout may have reached Notion, and restore compares every page
// with its target before writing, so undoing one that did not is a no-op. A
// failed create without a page id cannot be undone: it is returned as a warning.
// A restore's own writes are not undone (that would redo what an earlier restore
// undid).
func undoPlan(after []ledger.Record) ([]*PageUndo, []string) {
	byPage := map[string]*PageUndo{}
	var (
		out      []*PageUndo
		warnings []string
	)
	for i, r := range after {
		if r.Action != "create" && r.Action != "update" && r.Action != "archive" || r.Status == ledger.StatusIntent {
			continue // an intent counts only when nothing answers it: see below
		}
		ok := r.Status == "ok"
		if r.PageID == "" {
			if r.Action == "create" && !ok {
				warnings = append(warnings, fmt.Sprintf("the sync's create of %s failed (%s); if Notion stored the page anyway, restore cannot tell which page it is: look in the database for a page with the key %q and archive it by hand",
					orUnknown(r.Module), cutShown(oneLineText(r.Error), 200), r.Module))
			}
			continue
		}
		id := reconcile.NormID(r.PageID)
		u := byPage[id]
		if u == nil {
			u = &PageUndo{pageID: r.PageID, before: map[string]json.RawMessage{}, after: map[string][]json.RawMessage{}}
			byPage[id] = u
			out = append(out, u)
		}
		u.newest = i
		u.writes++
		if !ok {
			u.failed++
		}
		if r.Module != "" {
			u.module = r.Module
		}
		if r.Path != "" {
			u.path = r.Path
		}
		if ok && r.Action != "create" {
			// A successful write to the page proves it exists: a failed create
			// before it stored it after all.
			u.unsure = false
		}
		switch r.Action {
		case "create":
			if u.writes == 1 {
				u.created, u.unsure = true, !ok
			}
		case "archive":
			if !u.created {
				u.archived = true
			}
		case "update":
			for _, name := range slices.Sorted(maps.Keys(r.Before)) {
				if _, seen := u.before[name]; !seen {
					u.before[name] = r.Before[name]
				}
			}
			for _, name := range r.Changed {
				if _, ok := r.Before[name]; !ok && !slices.Contains(u.noBefore, name) {
					u.noBefore = append(u.noBefore, name)
				}
			}
			for _, name := range slices.Sorted(maps.Keys(r.After)) {
				u.after[name] = append(u.after[name], r.After[name])
			}
		}
	}
	for _, i := range ledger.PendingCreates(after) {
		r := after[i]
		out = append(out, &PageUndo{module: r.Module, path: r.Path, newest: i, writes: 1, failed: 1, created: true, unsure: true,
			intent: r.Timestamp, before: map[string]json.RawMessage{}, after: map[string][]json.RawMessage{}})
	}
	slices.SortStableFunc(out, func(a, b *PageUndo) int { return b.newest - a.newest })
	return out, warnings
}

func orUnknown(module string) string {
	if module == "" {
		return "a module"
	}
	return report.Sanitize(module)
}

// laterRestores warns about restores to another sha after the cutoff: their
// writes are not undone, so the pages they touched keep what they wrote.
func laterRestores(after []ledger.Record, sha string) []string {
	pages := map[string]map[string]bool{}
	for _, r := range after {
		if r.Action == "restore" && r.Status == "ok" && r.SHA != sha {
			if pages[r.SHA] == nil {
				pages[r.SHA] = map[string]bool{}
			}
			pages[r.SHA][reconcile.NormID(r.PageID)] = true
		}
	}
	var out []string
	for _, other := range slices.Sorted(maps.Keys(pages)) {
		out = append(out, fmt.Sprintf("a restore to sha %s after this sync changed %d pages; restore does not redo it, so those pages keep what it wrote: to go forward, check out %s and run notion-sync sync --all", other, len(pages[other]), gitdiff.ShortSHA(sha)))
	}
	return out
}
