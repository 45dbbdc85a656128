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
)

// Page is a database row as reconcile sees it: its id, when it was created (the
// oldest of several pages with one key is the one kept), and the values of its
// properties keyed by property name.
type Page struct {
	ID       string
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

// Action is what a Change does. The first four are the plan of DESIGN.md; the
// others are findings that write nothing.
type Action string

// Actions, as they appear in the plan file.
const (
	Create    Action = "create"
	Update    Action = "update"
	Archive   Action = "archive"
	Noop      Action = "noop"
	Error     Action = "error"     // the module cannot be synced (broken manifest, duplicate key, page not found)
	Duplicate Action = "duplicate" // a second page with a key that already has one
	Orphan    Action = "orphan"    // a page with no manifest that the sync did not create
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
	// Full means the desired rows are every manifest of the repository, so a page
	// whose key has no manifest is gone from the repository.
	Full bool
	// Deleted are manifest paths removed by the diff of a partial sync; pages whose
	// owner property names one of them are archived unless a manifest claims them.
	Deleted []string
	// Archive allows archiving (on_delete: archive); otherwise such pages are orphans.
	Archive bool
	// Dedupe archives the younger pages of a key that has several.
	Dedupe bool
	// CreateIfMissing creates a page for a manifest whose notion_page_id is stale.
	CreateIfMissing bool
}

// Plan compares desired rows with the pages of the database. It is pure: the same
// inputs always give the same plan, ordered by key.
func Plan(desired []Desired, pages []Page, opts Options) []Change {
	var changes []Change
	byKey := map[string][]Desired{}
	for _, d := range desired {
		if d.Err != nil {
			changes = append(changes, Change{Action: Error, Key: d.Key, Path: d.Path, PageID: d.PageID, Warnings: d.Warnings, Err: d.Err})
			continue
		}
		byKey[d.Key] = append(byKey[d.Key], d)
	}

	live := map[string][]Page{} // key → pages, oldest first
	byID := map[string]Page{}
	for _, p := range pages {
		if p.Archived {
			continue
		}
		byID[p.ID] = p
		k := p.Props[opts.KeyProperty].Text
		live[k] = append(live[k], p)
	}
	for _, ps := range live {
		sort.Slice(ps, func(i, j int) bool {
			if !ps[i].Created.Equal(ps[j].Created) {
				return ps[i].Created.Before(ps[j].Created)
			}
			return ps[i].ID < ps[j].ID
		})
	}

	claimed := map[string]bool{} // page ids some manifest maps to
	for _, d := range desired {
		if d.Err != nil && d.Key != "" {
			// A module that fails keeps its pages as they are.
			for _, p := range live[d.Key] {
				claimed[p.ID] = true
			}
		}
	}
	for key, ds := range byKey {
		if len(ds) > 1 {
			changes = append(changes, duplicateKeys(key, ds)...)
			// The pages of this key stay claimed: they are not orphans.
			for _, p := range live[key] {
				claimed[p.ID] = true
			}
			continue
		}
		d := ds[0]
		target, c := match(&d, live[key], byID, opts)
		if c != nil {
			changes = append(changes, *c)
			if target.ID != "" {
				claimed[target.ID] = true
			}
			continue
		}
		claimed[target.ID] = true
		changes = append(changes, diff(d, target, opts))
		for _, extra := range live[key] {
			if extra.ID == target.ID {
				continue
			}
			claimed[extra.ID] = true
			changes = append(changes, duplicatePage(key, extra, target, opts))
		}
	}

	changes = append(changes, unclaimed(desired, live, claimed, opts)...)
	sort.SliceStable(changes, func(i, j int) bool {
		if changes[i].Key != changes[j].Key {
			return changes[i].Key < changes[j].Key
		}
		return changes[i].Path < changes[j].Path
	})
	return changes
}

// match finds the page for d: the manifest's notion_page_id when it names a live
// page, else the oldest page with d's key. When it returns a Change, that change
// is the whole outcome for d (a create, or an error for a stale page id).
func match(d *Desired, sameKey []Page, byID map[string]Page, opts Options) (Page, *Change) {
	if d.PageID != "" {
		if p, ok := byID[d.PageID]; ok {
			return p, nil
		}
		if len(sameKey) > 0 {
			d.Warnings = append(d.Warnings, fmt.Sprintf("notion_page_id %s is stale; matched the page by key instead", d.PageID))
			return sameKey[0], nil
		}
		if !opts.CreateIfMissing {
			return Page{}, &Change{Action: Error, Key: d.Key, Path: d.Path, PageID: d.PageID, Warnings: d.Warnings,
				Err: fmt.Errorf("Page not found (page_id: %s); remove notion_page_id from %s or sync with --create-if-missing", d.PageID, d.Path)}
		}
		d.Warnings = append(d.Warnings, fmt.Sprintf("notion_page_id %s not found; creating a new page (--create-if-missing)", d.PageID))
	}
	if len(sameKey) == 0 {
		c := create(*d, opts)
		return Page{}, &c
	}
	return sameKey[0], nil
}

func create(d Desired, opts Options) Change {
	c := Change{Action: Create, Key: d.Key, Path: d.Path, Diffs: map[string]Diff{}, Write: map[string]property.Value{}, Warnings: d.Warnings}
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
	c := Change{Action: Noop, Key: d.Key, Path: d.Path, PageID: p.ID, Diffs: map[string]Diff{}, Write: map[string]property.Value{}, Warnings: d.Warnings}
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
		if opts.Volatile[name] {
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

func duplicateKeys(key string, ds []Desired) []Change {
	paths := make([]string, len(ds))
	for i, d := range ds {
		paths[i] = d.Path
	}
	var out []Change
	for _, d := range ds {
		others := slices.DeleteFunc(slices.Clone(paths), func(p string) bool { return p == d.Path })
		out = append(out, Change{Action: Error, Key: key, Path: d.Path, PageID: d.PageID, Warnings: d.Warnings,
			Err: fmt.Errorf("duplicate key %q: also used by %s; exclude one folder in manifests.exclude, or key by $path", key, strings.Join(others, ", "))})
	}
	return out
}

func duplicatePage(key string, extra, kept Page, opts Options) Change {
	c := Change{Action: Duplicate, Key: key, PageID: extra.ID, Path: extra.Props[opts.OwnerProperty].Text,
		Warnings: []string{fmt.Sprintf("another page (%s) has key %q; the oldest (%s) is the one synced; run with --dedupe to archive this one", extra.ID, key, kept.ID)}}
	if opts.Dedupe {
		c.Action = Archive
		c.Warnings = []string{fmt.Sprintf("duplicate of %s archived (--dedupe)", kept.ID)}
	}
	return c
}

// unclaimed handles live pages no manifest maps to. In a full sync they are gone
// from the repository; in a partial sync only the deleted paths are known.
func unclaimed(desired []Desired, live map[string][]Page, claimed map[string]bool, opts Options) []Change {
	failed := map[string]bool{} // paths of broken manifests: their pages are kept
	for _, d := range desired {
		if d.Err != nil {
			failed[d.Path] = true
		}
	}
	deleted := map[string]bool{}
	for _, p := range opts.Deleted {
		deleted[p] = true
	}
	var out []Change
	for key, ps := range live {
		for _, p := range ps {
			if claimed[p.ID] {
				continue
			}
			owner := p.Props[opts.OwnerProperty].Text
			if failed[owner] || (!opts.Full && !deleted[owner]) {
				continue
			}
			c := Change{Action: Orphan, Key: key, Path: owner, PageID: p.ID}
			switch {
			case owner == "":
				c.Warnings = []string{"page has no manifest and was not created by the sync; left alone"}
			case !opts.Archive:
				c.Warnings = []string{fmt.Sprintf("manifest %s is gone; on_delete is ignore, so the page stays", owner)}
			default:
				c.Action = Archive
			}
			out = append(out, c)
		}
	}
	return out
}
