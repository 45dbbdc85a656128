package engine

import (
	"testing"

	"github.com/lukhas/notion-sync-action/internal/notion"
	"github.com/lukhas/notion-sync-action/internal/reconcile"
)

// TestForeignPages: a page is the target's row only when its parent is the
// target's collection; a page of another data source, of another database, or
// with no database at all (a wiki page named by a notion_page_id) is foreign
// and never written (notion-api.md §8, §10).
func TestForeignPages(t *testing.T) {
	t.Parallel()
	const db, ds, other = "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222", "33333333-3333-3333-3333-333333333333"
	target := notion.Target{DatabaseID: db, DataSourceID: ds}
	tests := []struct {
		name    string
		page    notion.Page
		foreign bool
	}{
		{"row of the data source", notion.Page{ID: "p1", DatabaseID: db, DataSourceID: ds}, false},
		{"row of another data source of the database", notion.Page{ID: "p2", DatabaseID: db, DataSourceID: other}, true},
		{"page under a page", notion.Page{ID: "p3"}, true},
	}
	for _, tt := range tests {
		desired := []reconcile.Desired{{Key: "m", Path: "m/module.manifest.json", PageID: tt.page.ID}}
		changes := reconcile.Plan(desired, []reconcile.Page{fromNotion(tt.page)}, reconcile.Options{KeyProperty: "Module", Database: target.ID()})
		foreign := len(changes) == 1 && changes[0].Action == reconcile.Error
		if foreign != tt.foreign {
			t.Errorf("%s: plan %+v, want foreign %v", tt.name, changes, tt.foreign)
		}
	}
}
