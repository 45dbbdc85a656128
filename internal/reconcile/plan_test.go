package reconcile

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lukhas/notion-sync-action/internal/property"
)

func text(s string) property.Value  { return property.TextValue(property.RichText, s) }
func title(s string) property.Value { return property.TextValue(property.Title, s) }

// row builds the desired row of a manifest at path with key and a description.
func row(key, path, desc string) Desired {
	return Desired{Key: key, Path: path, Props: map[string]property.Value{
		"Module":      title(key),
		"Description": text(desc),
		"Manifest":    text(path),
		"Updated At":  property.TextValue(property.Date, "2026-11-26T10:00:00Z"),
	}}
}

func page(id, key, path, desc string, age int) Page {
	return Page{ID: id, Created: time.Date(2026, 1, 1, 0, age, 0, 0, time.UTC), Props: map[string]property.Value{
		"Module":      title(key),
		"Description": text(desc),
		"Manifest":    text(path),
		"Updated At":  property.TextValue(property.Date, "2026-01-01"),
	}}
}

// summary reduces a plan to "action key page" lines, enough to read a test.
func summary(changes []Change) []string {
	var out []string
	for _, c := range changes {
		line := string(c.Action) + " " + c.Key + " " + c.PageID
		var diffs []string
		for _, name := range slices.Sorted(maps.Keys(c.Write)) {
			diffs = append(diffs, name)
		}
		if len(diffs) > 0 {
			line += " [" + strings.Join(diffs, ",") + "]"
		}
		out = append(out, strings.TrimSpace(line))
	}
	return out
}

func TestPlan(t *testing.T) {
	t.Parallel()
	opts := Options{KeyProperty: "Module", OwnerProperty: "Manifest", Volatile: map[string]bool{"Updated At": true}, Full: true, Archive: true}
	broken := row("", "bad/module.manifest.json", "")
	broken.Err = errors.New("bad/module.manifest.json:3:1: invalid JSON")
	tests := []struct {
		name    string
		desired []Desired
		pages   []Page
		opts    Options
		want    []string
	}{
		{
			name:    "new manifest creates with volatile values",
			desired: []Desired{row("core", "core/m.json", "Core")},
			want:    []string{"create core  [Description,Manifest,Module,Updated At]"},
		},
		{
			name:    "same values: noop, volatile alone is no reason to write",
			desired: []Desired{row("core", "core/m.json", "Core")},
			pages:   []Page{page("p1", "core", "core/m.json", "Core", 0)},
			want:    []string{"noop core p1"},
		},
		{
			name:    "changed description: update sends it and the volatile values only",
			desired: []Desired{row("core", "core/m.json", "New")},
			pages:   []Page{page("p1", "core", "core/m.json", "Core", 0)},
			want:    []string{"update core p1 [Description,Updated At]"},
		},
		{
			name:    "value gone from the manifest clears the property",
			desired: []Desired{row("core", "core/m.json", "")},
			pages:   []Page{page("p1", "core", "core/m.json", "Core", 0)},
			want:    []string{"update core p1 [Description,Updated At]"},
		},
		{
			name:    "page without manifest, created by the sync, is archived in a full sync",
			desired: []Desired{row("core", "core/m.json", "Core")},
			pages:   []Page{page("p1", "core", "core/m.json", "Core", 0), page("p2", "old", "old/m.json", "Old", 1)},
			want:    []string{"noop core p1", "archive old p2"},
		},
		{
			name:    "page the sync did not create is an orphan, left alone",
			desired: []Desired{row("core", "core/m.json", "Core")},
			pages:   []Page{page("p1", "core", "core/m.json", "Core", 0), page("p2", "handmade", "", "", 1)},
			want:    []string{"noop core p1", "orphan handmade p2"},
		},
		{
			name:    "on_delete ignore keeps the page and reports it",
			desired: []Desired{},
			pages:   []Page{page("p2", "old", "old/m.json", "Old", 1)},
			opts:    Options{KeyProperty: "Module", OwnerProperty: "Manifest", Full: true},
			want:    []string{"orphan old p2"},
		},
		{
			name:    "partial sync never archives what it did not read",
			desired: []Desired{row("core", "core/m.json", "Core")},
			pages:   []Page{page("p1", "core", "core/m.json", "Core", 0), page("p2", "old", "old/m.json", "Old", 1)},
			opts:    Options{KeyProperty: "Module", OwnerProperty: "Manifest", Volatile: map[string]bool{"Updated At": true}, Archive: true},
			want:    []string{"noop core p1"},
		},
		{
			name:    "partial sync archives the page of a deleted manifest",
			desired: []Desired{},
			pages:   []Page{page("p2", "old", "old/m.json", "Old", 1)},
			opts:    Options{KeyProperty: "Module", OwnerProperty: "Manifest", Archive: true, Deleted: []string{"old/m.json"}},
			want:    []string{"archive old p2"},
		},
		{
			name:    "a moved manifest keeps its page",
			desired: []Desired{row("old", "new/m.json", "Old")},
			pages:   []Page{page("p2", "old", "old/m.json", "Old", 1)},
			opts:    Options{KeyProperty: "Module", OwnerProperty: "Manifest", Volatile: map[string]bool{"Updated At": true}, Archive: true, Deleted: []string{"old/m.json"}},
			want:    []string{"update old p2 [Manifest,Updated At]"},
		},
		{
			name:    "two manifests with one key fail both, and the page stays",
			desired: []Desired{row("core", "core/m.json", "A"), row("core", "labs/core/m.json", "B")},
			pages:   []Page{page("p1", "core", "core/m.json", "A", 0)},
			want:    []string{"error core", "error core"},
		},
		{
			name:    "two pages with one key: the oldest is updated, the other reported",
			desired: []Desired{row("core", "core/m.json", "New")},
			pages:   []Page{page("p9", "core", "core/m.json", "Core", 5), page("p1", "core", "core/m.json", "Core", 0)},
			want:    []string{"update core p1 [Description,Updated At]", "duplicate core p9"},
		},
		{
			name:    "dedupe archives the younger page",
			desired: []Desired{row("core", "core/m.json", "Core")},
			pages:   []Page{page("p9", "core", "core/m.json", "Core", 5), page("p1", "core", "core/m.json", "Core", 0)},
			opts:    Options{KeyProperty: "Module", OwnerProperty: "Manifest", Volatile: map[string]bool{"Updated At": true}, Full: true, Archive: true, Dedupe: true},
			want:    []string{"noop core p1", "archive core p9"},
		},
		{
			name:    "a broken manifest fails alone and its page is not archived",
			desired: []Desired{broken},
			pages:   []Page{page("p3", "bad", "bad/module.manifest.json", "x", 0)},
			want:    []string{"error"},
		},
		{
			name:    "a module that fails with a known key keeps its page, even in a full sync",
			desired: []Desired{{Key: "core", Path: "labs/core/m.json", Err: errors.New("duplicate key")}},
			pages:   []Page{page("p1", "core", "core/m.json", "Core", 0)},
			want:    []string{"error core"},
		},
		{
			name:    "a renamed key keeps the page the sync made for that path",
			desired: []Desired{row("memory2", "memory/m.json", "Mem")},
			pages:   []Page{page("p1", "memory", "memory/m.json", "Mem", 0)},
			want:    []string{"update memory2 p1 [Module,Updated At]"},
		},
		{
			name:    "a path's old page is not taken when another manifest still has its key",
			desired: []Desired{row("memory2", "memory/m.json", "Mem"), row("memory", "labs/m.json", "Mem")},
			pages:   []Page{page("p1", "memory", "memory/m.json", "Mem", 0)},
			want:    []string{"update memory p1 [Manifest,Updated At]", "create memory2  [Description,Manifest,Module,Updated At]"},
		},
		{
			name:    "partial sync keeps a deleted path's page when another manifest has its key",
			desired: []Desired{},
			pages:   []Page{page("p2", "memory", "memory/m.json", "Mem", 1)},
			opts: Options{KeyProperty: "Module", OwnerProperty: "Manifest", Archive: true, Deleted: []string{"memory/m.json"},
				KnownKeys: map[string]bool{"memory": true}},
			want: nil,
		},
		{
			name:    "an empty volatile value never clears the page's",
			desired: []Desired{{Key: "core", Path: "core/m.json", Props: map[string]property.Value{"Module": title("core"), "Description": text("New"), "Updated At": {Type: property.Date}}}},
			pages:   []Page{page("p1", "core", "core/m.json", "Core", 0)},
			want:    []string{"update core p1 [Description]"},
		},
		{
			name:    "archived pages do not count",
			desired: []Desired{row("core", "core/m.json", "Core")},
			pages:   []Page{{ID: "p0", Archived: true, Props: map[string]property.Value{"Module": title("core")}}},
			want:    []string{"create core  [Description,Manifest,Module,Updated At]"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := opts
			if tt.opts.KeyProperty != "" {
				o = tt.opts
			}
			got := summary(Plan(tt.desired, tt.pages, o))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Plan() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

type pageIDCase struct {
	name     string
	desired  Desired
	pages    []Page
	opts     Options
	want     []string
	wantErr  string
	wantWarn string
}

func TestPlanPageID(t *testing.T) {
	t.Parallel()
	opts := Options{KeyProperty: "Module", OwnerProperty: "Manifest", Volatile: map[string]bool{"Updated At": true}, Full: true, Archive: true}
	renamed := row("core2", "core/m.json", "Core")
	renamed.PageID = "p1"
	stale := row("core", "core/m.json", "Core")
	stale.PageID = "gone"
	foreign := page("px", "core", "core/m.json", "Core", 0)
	foreign.Database = "other-db"
	pinned := row("core", "core/m.json", "Core")
	pinned.PageID = "px"
	tests := []pageIDCase{
		{name: "page id wins over key: a renamed key updates the title", desired: renamed,
			pages: []Page{page("p1", "core", "core/m.json", "Core", 0)}, opts: opts, want: []string{"update core2 p1 [Module,Updated At]"}},
		{name: "stale page id: the runbook's 404 message", desired: stale, opts: opts,
			want: []string{"error core gone"}, wantErr: "Page not found (page_id: gone)"},
		{name: "stale page id with --create-if-missing creates", desired: stale,
			opts: Options{KeyProperty: "Module", OwnerProperty: "Manifest", CreateIfMissing: true},
			want: []string{"create core  [Description,Manifest,Module,Updated At]"}},
		{name: "stale page id but a page with the key: matched by key", desired: stale,
			pages: []Page{page("p1", "core", "core/m.json", "Core", 0)}, opts: opts,
			want: []string{"noop core p1"}, wantWarn: "stale"},
		{name: "a page id of another database is never written", desired: pinned, pages: []Page{foreign},
			opts: Options{KeyProperty: "Module", Database: "this-db"}, want: []string{"error core px"}, wantErr: "is a page of database other-db"},
		{name: "offline: a page id is unknown, not stale", desired: stale,
			opts: Options{KeyProperty: "Module", Offline: true}, want: []string{"create core  [Description,Manifest,Module,Updated At]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			changes := Plan([]Desired{tt.desired}, tt.pages, tt.opts)
			if diff := cmp.Diff(tt.want, summary(changes)); diff != "" {
				t.Errorf("Plan() mismatch (-want +got):\n%s", diff)
			}
			if tt.wantErr != "" && (changes[0].Err == nil || !strings.Contains(changes[0].Err.Error(), tt.wantErr)) {
				t.Errorf("error = %v, want it to contain %q", changes[0].Err, tt.wantErr)
			}
			if tt.wantWarn != "" && !strings.Contains(strings.Join(changes[0].Warnings, "\n"), tt.wantWarn) {
				t.Errorf("warnings = %q, want one containing %q", changes[0].Warnings, tt.wantWarn)
			}
		})
	}
}

// TestPlanNoPageTwice: a page claimed by one manifest's notion_page_id is never
// matched to another manifest by key, and two manifests naming one page id both fail.
func TestPlanNoPageTwice(t *testing.T) {
	t.Parallel()
	opts := Options{KeyProperty: "Module", OwnerProperty: "Manifest", Volatile: map[string]bool{"Updated At": true}}
	x := row("new", "x/m.json", "Core")
	x.PageID = "p1"
	y := row("old", "y/m.json", "Core")
	got := summary(Plan([]Desired{x, y}, []Page{page("p1", "old", "x/m.json", "Core", 0)}, opts))
	want := []string{"update new p1 [Module,Updated At]", "create old  [Description,Manifest,Module,Updated At]"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Plan() mismatch (-want +got):\n%s", diff)
	}
	y.PageID = "p1"
	got = summary(Plan([]Desired{x, y}, []Page{page("p1", "old", "x/m.json", "Core", 0)}, opts))
	if diff := cmp.Diff([]string{"error new p1", "error old p1"}, got); diff != "" {
		t.Errorf("Plan() with one page id twice mismatch (-want +got):\n%s", diff)
	}
}
