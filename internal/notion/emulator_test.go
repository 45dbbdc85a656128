package notion

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	gonotion "github.com/dstotijn/go-notion"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/time/rate"

	"github.com/lukhas/notion-sync-action/internal/notion/notiontest"
)

// newEmulatorClient returns a Client on a fresh emulator with the default
// schema, no pacing and recorded (not real) waits.
func newEmulatorClient(t *testing.T, opts notiontest.Options) (*Client, *notiontest.Server, string, *recorder) {
	t.Helper()
	srv := notiontest.NewServer(t, opts)
	db, err := srv.CreateDatabase(notiontest.DefaultSchema())
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	c := New(Secret(srv.Token()), Options{BaseURL: srv.URL(), Rate: float64(rate.Inf), Sleep: rec.sleep, Now: testNow})
	return c, srv, db, rec
}

func plainTitle(p gonotion.Page, prop string) string {
	props, _ := p.Properties.(gonotion.DatabasePageProperties)
	var s string
	for _, rt := range props[prop].Title {
		s += rt.PlainText
	}
	return s
}

// TestEmulatorLifecycle runs the calls reconcile makes against the emulator:
// create, query by key, update with a null and [] clear, archive.
func TestEmulatorLifecycle(t *testing.T) {
	t.Parallel()
	c, srv, db, _ := newEmulatorClient(t, notiontest.Options{})
	ctx := t.Context()

	if _, err := c.Me(ctx); err != nil {
		t.Fatalf("me: %v", err)
	}
	if _, err := c.Database(ctx, db); err != nil {
		t.Fatalf("database: %v", err)
	}
	created, err := c.CreatePage(ctx, db, map[string]json.RawMessage{
		"Module": json.RawMessage(`{"title":[{"text":{"content":"core"}}]}`),
		"MQI":    json.RawMessage(`{"number":87.5}`),
		"Tags":   json.RawMessage(`{"multi_select":[{"name":"api"},{"name":"go"}]}`),
		"Lane":   json.RawMessage(`{"select":{"name":"L2"}}`),
	})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	found, err := c.Query(ctx, db, json.RawMessage(`{"property":"Module","title":{"equals":"core"}}`))
	if err != nil {
		t.Fatalf("query: %v", err)
	}
	if len(found) != 1 || found[0].ID != created.ID || plainTitle(found[0], "Module") != "core" {
		t.Fatalf("query found %+v, want the created page %s", found, created.ID)
	}
	if _, err := c.UpdatePage(ctx, created.ID, map[string]json.RawMessage{
		"MQI":  json.RawMessage(`{"number":null}`),
		"Tags": json.RawMessage(`{"multi_select":[]}`),
		"Lane": json.RawMessage(`{"select":null}`),
	}); err != nil {
		t.Fatalf("update with clears: %v", err)
	}
	stored, ok := srv.Page(created.ID)
	if !ok {
		t.Fatal("page missing from the emulator")
	}
	got := map[string]string{}
	for _, p := range []string{"Module", "MQI", "Tags", "Lane"} {
		got[p] = stored.PlainText(p)
	}
	if diff := cmp.Diff(map[string]string{"Module": "core", "MQI": "", "Tags": "", "Lane": ""}, got); diff != "" {
		t.Errorf("after clearing (-want +got):\n%s", diff)
	}
	if p, err := c.ArchivePage(ctx, created.ID, true); err != nil || !p.Archived {
		t.Fatalf("archive: %v (archived %v)", err, p.Archived)
	}
	all, err := c.Query(ctx, db, nil)
	if err != nil {
		t.Fatalf("query all: %v", err)
	}
	if len(all) != 0 {
		t.Errorf("query after archive returned %d pages, want 0", len(all))
	}
	if p, err := c.ArchivePage(ctx, created.ID, false); err != nil || p.Archived {
		t.Fatalf("restore: %v (archived %v)", err, p.Archived)
	}
}

// TestEmulatorPagination creates more than one query page of rows.
func TestEmulatorPagination(t *testing.T) {
	t.Parallel()
	c, srv, db, _ := newEmulatorClient(t, notiontest.Options{})
	const n = 230
	for i := range n {
		props := json.RawMessage(`{"Module":{"title":[{"text":{"content":"m` + string(rune('a'+i%26)) + `"}}]}}`)
		if _, err := srv.SeedPage(db, props); err != nil {
			t.Fatal(err)
		}
	}
	pages, err := c.Query(t.Context(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, p := range pages {
		ids[p.ID] = true
	}
	if len(pages) != n || len(ids) != n {
		t.Errorf("query returned %d pages (%d distinct), want %d", len(pages), len(ids), n)
	}
	if got := srv.Count("POST", "/v1/databases/{id}/query"); got != 3 {
		t.Errorf("%d query calls, want 3 (100 + 100 + 30)", got)
	}
}

// TestEmulatorFaults: the emulator's commit-then-fail create is reported as
// ambiguous and not retried (so no duplicate), and its 429 is honoured.
func TestEmulatorFaults(t *testing.T) {
	t.Parallel()
	c, srv, db, rec := newEmulatorClient(t, notiontest.Options{})
	ctx := t.Context()
	props := map[string]json.RawMessage{"Module": json.RawMessage(`{"title":[{"text":{"content":"core"}}]}`)}

	srv.FailNext(1, notiontest.Fault{Route: "POST /v1/pages", Status: 502, Commit: true})
	_, err := c.CreatePage(ctx, db, props)
	if !IsAmbiguous(err) {
		t.Fatalf("create after commit-then-502: err = %v, want ambiguous", err)
	}
	if got := len(srv.Pages(db)); got != 1 {
		t.Errorf("%d pages stored, want exactly 1 (no client retry)", got)
	}

	srv.FailNext(1, notiontest.Fault{Route: "POST /v1/pages", Partial: true})
	_, err = c.CreatePage(ctx, db, map[string]json.RawMessage{"Module": json.RawMessage(`{"title":[{"text":{"content":"api"}}]}`)})
	var de *DecodeError
	if !errors.As(err, &de) || !IsAmbiguous(err) || de.ID == "" {
		t.Fatalf("create with partial page: err = %v, want an ambiguous *DecodeError with the id", err)
	}

	srv.FailNext(1, notiontest.Fault{Route: "GET /v1/pages/{id}", Status: 429, RetryAfter: 2 * time.Second})
	if _, err := c.Page(ctx, de.ID); err != nil {
		t.Fatalf("page after 429: %v", err)
	}
	if diff := cmp.Diff([]time.Duration{2 * time.Second}, rec.got()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}

	srv.FailNext(1, notiontest.Fault{Route: "PATCH /v1/pages/{id}", Status: 503, HTML: true})
	if _, err := c.UpdatePage(ctx, de.ID, map[string]json.RawMessage{"MQI": json.RawMessage(`{"number":1}`)}); err != nil {
		t.Fatalf("update after an HTML 503: %v", err)
	}
	if st := c.Stats(); st.RateLimited != 1 || st.Retries != 2 {
		t.Errorf("stats = %+v, want 1 rate limited and 2 retries", st)
	}
}
