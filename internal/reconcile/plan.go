// Package reconcile decides what a sync must write and writes it. Plan compares the
// desired rows (one per manifest) with the pages the database holds and yields one
// Change per row: create, update (only the properties that differ), archive or
// noop, plus the findings people must act on (duplicate keys, duplicate pages,
// orphans, broken manifests). Apply carries the writes out with a bounded number of
// workers and crash-safe creates, and reports every write to a Recorder (the
// ledger) so that any sync can be undone.
//
// The package knows nothing of HTTP, files or git: it talks to Notion through the
// small Notion interface below, which the app satisfies with internal/notion.
package reconcile

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/lukhas/notion-sync-action/internal/property"
	"github.com/lukhas/notion-sync-action/internal/report"
)

// Page is a database row as reconcile sees it: its id, the database it belongs to
// ("" when unknown), when it was created (the oldest of several pages with one key
// is the one kept), and the values of its properties keyed by property name.
type Page struct {
	ID       string
	Database string
	Created  time.Time
	Archived bool
	Props    map[string]property.Value
}

// Desired is the row one manifest asks for. Err is set when the manifest could not
// be read or resolved: that module fails alone, and its page is left as it is.
type Desired struct {
	Key      string
	Path     string
	PageID   string // notion_page_id from the manifest, "" when absent
	Props    map[string]property.Value
	Warnings []string
	Err      error
}

// Action is what a Change does: the plan file's vocabulary (report.Action),
// under short names for the planner. The first four are the plan of DESIGN.md;
// the others are findings that write nothing.
type Action = report.Action

// Actions, as report defines them.
const (
	Create    = report.ActionCreate
	Update    = report.ActionUpdate
	Archive   = report.ActionArchive
	Noop      = report.ActionNoop
	Error     = report.ActionError
	Duplicate = report.ActionDuplicate
	Orphan    = report.ActionOrphan
)

// Diff is one property's value before and after the change.
type Diff struct {
	Before, After property.Value
}

// Change is one row of the plan.
type Change struct {
	Action   Action
	Key      string
	Path     string
	PageID   string
	Diffs    map[string]Diff           // the properties that differ (every non-empty one for a create)
	Write    map[string]property.Value // what to send: Diffs' after values plus the volatile ones
	Before   map[string]property.Value // the page's values of the Write properties, for undo
	Desired  map[string]property.Value // every managed value, to create the page again if it vanished
	Warnings []string
	Err      error
}

// Writes reports whether applying c calls Notion.
func (c Change) Writes() bool { return c.Action == Create || c.Action == Update || c.Action == Archive }

// Options tell Plan how to read the config and how far the sync reaches.
type Options struct {
	KeyProperty   string          // the title property that holds the key
	OwnerProperty string          // set on pages the sync created ($path); "" = none
	Volatile      map[string]bool // properties written only together with a real change
	// Database is the database being synced. A page of another database (read by
	// a notion_page_id) is never written.
	Database string
	// Full means the desired rows are every manifest of the repository, so a page
	// whose key has no manifest is gone from the repository.
	Full bool
	// Deleted are manifest paths removed by the diff of a partial sync; pages whose
	// owner property names one of them are archived unless a manifest claims them.
	Deleted []string
	// KnownKeys are the keys of every manifest of the repository, in scope or not.
	// A partial sync never archives a page whose key one of them still uses.
	KnownKeys map[string]bool
	// Archive allows archiving (on_delete: archive); otherwise such pages are orphans.
	Archive bool
	// Dedupe archives the younger pages of a key that has several.
	Dedupe bool
	// CreateIfMissing creates a page for a manifest whose notion_page_id is stale.
	CreateIfMissing bool
	// Offline means no pages were read (a dry run without a token): page ids are
	// unknown rather than stale, and every row plans as a create.
	Offline bool
}

// planner holds the indexes one Plan call works from.
type planner struct {
	opts    Options
	live    map[string][]Page // key → live pages of this database, oldest first
	byID    map[string]Page   // live pages of this database
	foreign map[string]string // page id → database, for pages of other databases
	claimed map[string]bool   // pages some manifest maps to, or that must stay as they are
	rowKeys map[string]bool   // keys of the rows being synced
}

// Plan compares desired rows with the pages of the database. It is pure: the same
// inputs always give the same plan, ordered by key.
//
// Matching goes in three passes, so that no page is claimed twice: first every
// notion_page_id that names a live page of this database, then the oldest
// unclaimed page with the row's key, then (for a module whose key changed) the
// unclaimed page whose owner property names the manifest's path.
func Plan(desired []Desired, pages []Page, opts Options) []Change {
	pl := newPlanner(pages, opts)
	var changes []Change
	var rows []Desired
	for _, d := range desired {
		if d.Err != nil {
			changes = append(changes, failed(d, d.Err))
			pl.keep(d.Key, d.PageID) // a module that fails keeps its pages as they are
			continue
		}
		rows = append(rows, d)
	}
	rows, errs := pl.dropClashes(rows)
	changes = append(changes, errs...)
	for _, d := range rows {
		pl.rowKeys[d.Key] = true
	}

	targets := make([]*Page, len(rows))
	for i, d := range rows {
		if p, ok := pl.byID[d.PageID]; ok && d.PageID != "" {
			targets[i] = &p
			pl.claimed[p.ID] = true
		}
	}
	for i := range rows {
		if targets[i] == nil {
			if p := pl.byKey(rows[i].Key); p != nil {
				targets[i] = p
				pl.claimed[p.ID] = true
				if rows[i].PageID != "" {
					rows[i].Warnings = append(rows[i].Warnings, fmt.Sprintf("notion_page_id %s is stale; matched the page by key instead", rows[i].PageID))
				}
			}
		}
	}
	for i := range rows {
		if targets[i] == nil {
			if p := pl.byOwner(rows[i].Path); p != nil {
				targets[i] = p
				pl.claimed[p.ID] = true
				rows[i].Warnings = append(rows[i].Warnings, fmt.Sprintf("key changed from %q; the page of %s keeps its history", p.Props[opts.KeyProperty].Text, rows[i].Path))
			}
		}
	}
	for i, d := range rows {
		if targets[i] != nil {
			changes = append(changes, diff(d, *targets[i], opts))
			continue
		}
		changes = append(changes, pl.unmatched(d))
	}
	changes = append(changes, pl.duplicatePages(rows, targets)...)
	changes = append(changes, pl.unclaimed(desired)...)
	sort.SliceStable(changes, func(i, j int) bool {
		if changes[i].Key != changes[j].Key {
			return changes[i].Key < changes[j].Key
		}
		return changes[i].Path < changes[j].Path
	})
	return changes
}

func newPlanner(pages []Page, opts Options) *planner {
	pl := &planner{opts: opts, live: map[string][]Page{}, byID: map[string]Page{}, foreign: map[string]string{},
		claimed: map[string]bool{}, rowKeys: map[string]bool{}}
	for _, p := range pages {
		if opts.Database != "" && p.Database != "" && !sameID(p.Database, opts.Database) {
			pl.foreign[p.ID] = p.Database
			continue
		}
		if p.Archived {
			continue
		}
		pl.byID[p.ID] = p
		k := p.Props[opts.KeyProperty].Text
		pl.live[k] = append(pl.live[k], p)
	}
	for _, ps := range pl.live {
		sort.Slice(ps, func(i, j int) bool {
			if !ps[i].Created.Equal(ps[j].Created) {
				return ps[i].Created.Before(ps[j].Created)
			}
			return ps[i].ID < ps[j].ID
		})
	}
	return pl
}

// NormID is a Notion id in one form, undashed and lower case: Notion writes ids
// dashed or not, in either case, and a map or a comparison must not care.
func NormID(id string) string { return strings.ToLower(strings.ReplaceAll(id, "-", "")) }

// sameID compares two Notion ids, dashed or not.
func sameID(a, b string) bool { return NormID(a) == NormID(b) }

func failed(d Desired, err error) Change {
	return Change{Action: Error, Key: d.Key, Path: d.Path, PageID: d.PageID, Warnings: d.Warnings, Err: err}
}

// keep claims the pages of a module that cannot be synced, so none is archived.
func (pl *planner) keep(key, pageID string) {
	if key != "" {
		for _, p := range pl.live[key] {
			pl.claimed[p.ID] = true
		}
	}
	if pageID != "" {
		pl.claimed[pageID] = true
	}
}

// dropClashes fails the rows that share a key or a notion_page_id with another:
// either would make two manifests write one page.
func (pl *planner) dropClashes(rows []Desired) ([]Desired, []Change) {
	byKey, byPage := map[string][]string{}, map[string][]string{}
	for _, d := range rows {
		byKey[d.Key] = append(byKey[d.Key], d.Path)
		if d.PageID != "" {
			byPage[d.PageID] = append(byPage[d.PageID], d.Path)
		}
	}
	var ok []Desired
	var errs []Change
	for _, d := range rows {
		switch {
		case len(byKey[d.Key]) > 1:
			errs = append(errs, failed(d, fmt.Errorf("duplicate key %q: also used by %s; exclude one folder in manifests.exclude, or key by $path",
				d.Key, others(byKey[d.Key], d.Path))))
		case d.PageID != "" && len(byPage[d.PageID]) > 1:
			errs = append(errs, failed(d, fmt.Errorf("notion_page_id %s is also in %s; remove it from the manifest that does not own the page",
				d.PageID, others(byPage[d.PageID], d.Path))))
		default:
			ok = append(ok, d)
			continue
		}
		pl.keep(d.Key, d.PageID)
	}
	return ok, errs
}

func others(paths []string, self string) string {
	return strings.Join(slices.DeleteFunc(slices.Clone(paths), func(p string) bool { return p == self }), ", ")
}

// byKey returns the oldest unclaimed live page with key, or nil.
func (pl *planner) byKey(key string) *Page {
	for _, p := range pl.live[key] {
		if !pl.claimed[p.ID] {
			return &p
		}
	}
	return nil
}

// byOwner returns the unclaimed page the sync created for the manifest at path
// whose key no manifest uses any more: the module's key was renamed.
func (pl *planner) byOwner(path string) *Page {
	if pl.opts.OwnerProperty == "" {
		return nil
	}
	for _, ps := range pl.live {
		for _, p := range ps {
			key := p.Props[pl.opts.KeyProperty].Text
			if !pl.claimed[p.ID] && p.Props[pl.opts.OwnerProperty].Text == path && !pl.rowKeys[key] && !pl.opts.KnownKeys[key] {
				return &p
			}
		}
	}
	return nil
}

// unmatched is the change for a row no page matched: a create, unless its
// notion_page_id says the page should exist.
func (pl *planner) unmatched(d Desired) Change {
	switch {
	case d.PageID == "" || pl.opts.Offline:
	case pl.foreign[d.PageID] != "":
		return failed(d, fmt.Errorf("notion_page_id %s is a page of database %s, not of %s; remove notion_page_id from %s or sync that database",
			d.PageID, pl.foreign[d.PageID], pl.opts.Database, d.Path))
	case !pl.opts.CreateIfMissing:
		return failed(d, fmt.Errorf("Page not found (page_id: %s); remove notion_page_id from %s or sync with --create-if-missing", d.PageID, d.Path))
	default:
		d.Warnings = append(d.Warnings, fmt.Sprintf("notion_page_id %s not found; creating a new page (--create-if-missing)", d.PageID))
	}
	return create(d, pl.opts)
}

// duplicatePages reports the pages left over with the key of a synced row.
func (pl *planner) duplicatePages(rows []Desired, targets []*Page) []Change {
	var out []Change
	for i, d := range rows {
		if targets[i] == nil {
			continue
		}
		for _, extra := range pl.live[d.Key] {
			if pl.claimed[extra.ID] {
				continue
			}
			pl.claimed[extra.ID] = true
			c := Change{Action: Duplicate, Key: d.Key, PageID: extra.ID, Path: extra.Props[pl.opts.OwnerProperty].Text,
				Warnings: []string{fmt.Sprintf("another page (%s) has key %q; %s is the one synced; run with --dedupe to archive this one", extra.ID, d.Key, targets[i].ID)}}
			if pl.opts.Dedupe {
				c.Action = Archive
				c.Warnings = []string{fmt.Sprintf("duplicate of %s archived (--dedupe)", targets[i].ID)}
			}
			out = append(out, c)
		}
	}
	return out
}

func create(d Desired, opts Options) Change {
	c := Change{Action: Create, Key: d.Key, Path: d.Path, Diffs: map[string]Diff{}, Write: map[string]property.Value{},
		Desired: d.Props, Warnings: d.Warnings}
	for name, v := range d.Props {
		if v.IsEmpty() {
			continue // a new page starts empty
		}
		c.Write[name] = v
		if !opts.Volatile[name] {
			c.Diffs[name] = Diff{Before: property.Value{Type: v.Type}, After: v}
		}
	}
	return c
}

// diff compares d with its page. Volatile properties never make a change alone.
func diff(d Desired, p Page, opts Options) Change {
	c := Change{Action: Noop, Key: d.Key, Path: d.Path, PageID: p.ID, Diffs: map[string]Diff{}, Write: map[string]property.Value{},
		Desired: d.Props, Warnings: d.Warnings}
	for name, want := range d.Props {
		if opts.Volatile[name] {
			continue
		}
		have, ok := p.Props[name]
		if !ok {
			have = property.Value{Type: want.Type}
		}
		if !property.Equal(want, have) {
			c.Diffs[name] = Diff{Before: have, After: want}
			c.Write[name] = want
		}
	}
	if len(c.Diffs) == 0 {
		c.Write = nil
		return c
	}
	c.Action = Update
	c.Before = map[string]property.Value{}
	for name, want := range d.Props {
		if opts.Volatile[name] && !want.IsEmpty() {
			// An empty volatile value ($commit outside git) never clears the page's.
			c.Write[name] = want
		}
		if _, ok := c.Write[name]; ok {
			c.Before[name] = p.Props[name]
			if c.Before[name].Type == "" {
				c.Before[name] = property.Value{Type: want.Type}
			}
		}
	}
	return c
}

// unclaimed handles live pages no manifest maps to. In a full sync they are gone
// from the repository; in a partial sync only the deleted paths are known, and a
// page whose key another manifest still uses is left for that manifest.
func (pl *planner) unclaimed(desired []Desired) []Change {
	failedPaths := map[string]bool{} // broken manifests keep their pages
	for _, d := range desired {
		if d.Err != nil {
			failedPaths[d.Path] = true
		}
	}
	deleted := map[string]bool{}
	for _, p := range pl.opts.Deleted {
		deleted[p] = true
	}
	var out []Change
	for key, ps := range pl.live {
		for _, p := range ps {
			owner := p.Props[pl.opts.OwnerProperty].Text
			if pl.claimed[p.ID] || failedPaths[owner] {
				continue
			}
			if !pl.opts.Full && (!deleted[owner] || pl.opts.KnownKeys[key]) {
				continue
			}
			c := Change{Action: Orphan, Key: key, Path: owner, PageID: p.ID}
			switch {
			case owner == "":
				c.Warnings = []string{"page has no manifest and was not created by the sync; left alone"}
			case !pl.opts.Archive:
				c.Warnings = []string{fmt.Sprintf("manifest %s is gone; on_delete is ignore, so the page stays", owner)}
			default:
				c.Action = Archive
			}
			out = append(out, c)
		}
	}
	return out
}
