package restore

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lukhas/notion-sync-action/internal/ledger"
	"github.com/lukhas/notion-sync-action/internal/property"
	"github.com/lukhas/notion-sync-action/internal/reconcile"
)

// keyNotion is a fakeNotion with pages that it can find by key.
type keyNotion struct {
	fakeNotion
	pages []reconcile.Page
}

func (k *keyNotion) Page(_ context.Context, id string) (reconcile.Page, error) {
	for _, p := range k.pages {
		if p.ID == id {
			return p, nil
		}
	}
	return k.fakeNotion.Page(context.Background(), id)
}

func (k *keyNotion) FindByKey(_ context.Context, key string) ([]reconcile.Page, error) {
	var out []reconcile.Page
	for _, p := range k.pages {
		if p.Props["Module"].String() == key {
			out = append(out, p)
		}
	}
	return out, nil
}

// TestIntentWithoutOutcome is the SIGKILL case: the ledger holds the
// intent of a create and nothing after it. Restore must find the page by its
// key (created since the intent) and archive it; an answered intent is not
// looked up; an intent whose page never came is nothing to undo; a Notion
// that cannot search says to archive by hand.
func TestIntentWithoutOutcome(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 11, 1, 12, 30, 20, 0, time.UTC)
	page := func(id, key string, created time.Time) reconcile.Page {
		return reconcile.Page{ID: id, Created: created, Props: map[string]property.Value{"Module": {Type: property.Title, Text: key}}}
	}
	recs := []ledger.Record{
		{Timestamp: at, RunID: "s", Module: "done", Path: "done/m.json", Action: "create", Status: ledger.StatusIntent},
		{Timestamp: at, RunID: "s", Module: "done", Path: "done/m.json", PageID: "p-done", Action: "create", Status: ledger.StatusOK},
		{Timestamp: at, RunID: "s", Module: "killed", Path: "killed/m.json", Action: "create", Status: ledger.StatusIntent},
	}
	types := map[string]property.Type{"Module": property.Title}
	tests := []struct {
		name         string
		n            Notion
		wantArchive  []string // labels of steps that archive
		wantWarnings string   // in the killed step's warnings
	}{
		{"found by key", &keyNotion{pages: []reconcile.Page{
			page("p-done", "done", at), page("p-old", "killed", at.Add(-time.Hour)), page("p-new", "killed", at.Truncate(time.Minute)),
		}}, []string{"killed", "done"}, ""},
		{"never stored", &keyNotion{pages: []reconcile.Page{page("p-done", "done", at), page("p-old", "killed", at.Add(-time.Hour))}},
			[]string{"done"}, `no page with the key "killed" was created since, so Notion did not store it: nothing to undo`},
		{"no search", &fakeNotion{}, nil, `look in the database for a page with the key "killed" created since and archive it by hand`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			undo, warnings := undoPlan(recs)
			if len(warnings) != 0 {
				t.Errorf("undoPlan() warnings = %q, want none", warnings)
			}
			steps, err := Prepare(t.Context(), tt.n, "", types, undo, 2)
			if err != nil {
				t.Fatal(err)
			}
			var archive []string
			var killed []string
			for _, s := range steps {
				if s.setArchived != nil && *s.setArchived {
					archive = append(archive, s.label())
				}
				if s.u.module == "killed" {
					killed = s.warnings
				}
			}
			if diff := cmp.Diff(tt.wantArchive, archive); diff != "" {
				t.Errorf("pages archived (-want +got):\n%s", diff)
			}
			if tt.wantWarnings != "" && (len(killed) != 1 || !strings.Contains(killed[0], tt.wantWarnings)) {
				t.Errorf("warnings of killed = %q, want one saying %q", killed, tt.wantWarnings)
			}
		})
	}
}
