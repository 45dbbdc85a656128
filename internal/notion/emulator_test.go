package notion

import (
	"encoding/json"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lukhas/notion-sync-action/internal/property"
	"github.com/lukhas/notion-sync-action/internal/secret"
	"golang.org/x/time/rate"

	"github.com/lukhas/notion-sync-action/internal/notion/emulator"
	"github.com/lukhas/notion-sync-action/internal/notion/notiontest"
)

// newEmulatorClient returns a Client on a fresh emulator with the default
// schema, no pacing and recorded (not real) waits.
func newEmulatorClient(t *testing.T, opts emulator.Options) (*Client, *emulator.Server, string, *recorder) {
	t.Helper()
	srv := notiontest.NewServer(t, opts)
	db, err := srv.CreateDatabase(emulator.DefaultSchema())
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	c := New(secret.Token(srv.Token()), Options{BaseURL: srv.URL(), Rate: float64(rate.Inf), Sleep: rec.sleep, Now: testNow})
	return c, srv, db, rec
}

// resolve returns where database db's rows live, for c's version.
func resolve(t *testing.T, c *Client, db string) Target {
	t.Helper()
	tg, err := c.Resolve(t.Context(), db, "")
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func plainTitle(p Page, prop string) string {
	v, _ := property.Decode(p.Properties[prop])
	return v.Text
}

// TestEmulatorLifecycle runs the calls reconcile makes against the emulator:
// create, query by key, update with a null and [] clear, archive.
func TestEmulatorLifecycle(t *testing.T) {
	t.Parallel()
	c, srv, db, _ := newEmulatorClient(t, emulator.Options{})
	ctx := t.Context()

	if _, err := c.Me(ctx); err != nil {
		t.Fatalf("me: %v", err)
	}
	if _, err := c.Schema(ctx, resolve(t, c, db)); err != nil {
		t.Fatalf("database: %v", err)
	}
	created, err := c.CreatePage(ctx, resolve(t, c, db), map[string]json.RawMessage{
		"Module": json.RawMessage(`{"title":[{"text":{"content":"core"}}]}`),
		"MQI":    json.RawMessage(`{"number":87.5}`),
		"Tags":   json.RawMessage(`{"multi_select":[{"name":"api"},{"name":"go"}]}`),
		"Lane":   json.RawMessage(`{"select":{"name":"L2"}}`),
	})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	found, err := c.Query(ctx, resolve(t, c, db), json.RawMessage(`{"property":"Module","title":{"equals":"core"}}`))
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
	if p, err := c.TrashPage(ctx, created.ID, true); err != nil || !p.InTrash {
		t.Fatalf("archive: %v (archived %v)", err, p.InTrash)
	}
	all, err := c.Query(ctx, resolve(t, c, db), nil)
	if err != nil {
		t.Fatalf("query all: %v", err)
	}
	if len(all) != 0 {
		t.Errorf("query after archive returned %d pages, want 0", len(all))
	}
	if p, err := c.TrashPage(ctx, created.ID, false); err != nil || p.InTrash {
		t.Fatalf("restore: %v (archived %v)", err, p.InTrash)
	}
}

// TestEmulatorPagination creates more than one query page of rows.
func TestEmulatorPagination(t *testing.T) {
	t.Parallel()
	c, srv, db, _ := newEmulatorClient(t, emulator.Options{})
	const n = 230
	for i := range n {
		props := json.RawMessage(`{"Module":{"title":[{"text":{"content":"m` + string(rune('a'+i%26)) + `"}}]}}`)
		if _, err := srv.SeedPage(db, props); err != nil {
			t.Fatal(err)
		}
	}
	pages, err := c.Query(t.Context(), resolve(t, c, db), nil)
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
	if got := srv.Count("POST", "/v1/data_sources/{id}/query"); got != 3 {
		t.Errorf("%d query calls, want 3 (100 + 100 + 30)", got)
	}
}

// TestEmulatorShortPages: Notion may answer fewer rows than page_size while
// has_more is true (notion-api.md §7, §12.6); Query must follow next_cursor
// and not stop at the first short page.
func TestEmulatorShortPages(t *testing.T) {
	t.Parallel()
	c, srv, db, _ := newEmulatorClient(t, emulator.Options{ShortPages: true, Seed: 5})
	const n = 230
	want := map[string]bool{}
	for i := range n {
		id, err := srv.SeedPage(db, json.RawMessage(`{"Module":{"title":[{"text":{"content":"m`+strconv.Itoa(i)+`"}}]}}`))
		if err != nil {
			t.Fatal(err)
		}
		want[id] = true
	}
	pages, err := c.Query(t.Context(), resolve(t, c, db), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, p := range pages {
		got[p.ID] = true
	}
	if len(pages) != n {
		t.Errorf("query returned %d pages, want %d", len(pages), n)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pages (-want +got):\n%s", diff)
	}
	// 230 rows in pages of 100 take 3 calls; short pages take more.
	if calls := srv.Count("POST", "/v1/data_sources/{id}/query"); calls <= 3 {
		t.Errorf("%d query calls: no short page happened", calls)
	}
}

// TestEmulatorFaults: the emulator's commit-then-fail create is reported as
// ambiguous and not retried (so no duplicate), and its 429 is honoured.
func TestEmulatorFaults(t *testing.T) {
	t.Parallel()
	c, srv, db, rec := newEmulatorClient(t, emulator.Options{})
	ctx := t.Context()
	props := map[string]json.RawMessage{"Module": json.RawMessage(`{"title":[{"text":{"content":"core"}}]}`)}

	srv.FailNext(1, emulator.Fault{Route: "POST /v1/pages", Status: 502, Commit: true})
	_, err := c.CreatePage(ctx, resolve(t, c, db), props)
	if !IsAmbiguous(err) {
		t.Fatalf("create after commit-then-502: err = %v, want ambiguous", err)
	}
	if got := len(srv.Pages(db)); got != 1 {
		t.Errorf("%d pages stored, want exactly 1 (no client retry)", got)
	}

	srv.FailNext(1, emulator.Fault{Route: "POST /v1/pages", Partial: true})
	_, err = c.CreatePage(ctx, resolve(t, c, db), map[string]json.RawMessage{"Module": json.RawMessage(`{"title":[{"text":{"content":"api"}}]}`)})
	var de *DecodeError
	if !errors.As(err, &de) || !IsAmbiguous(err) || de.ID == "" {
		t.Fatalf("create with partial page: err = %v, want an ambiguous *DecodeError with the id", err)
	}

	srv.FailNext(1, emulator.Fault{Route: "GET /v1/pages/{id}", Status: 429, RetryAfter: 2 * time.Second})
	if _, err := c.Page(ctx, de.ID); err != nil {
		t.Fatalf("page after 429: %v", err)
	}
	if diff := cmp.Diff([]time.Duration{2 * time.Second}, rec.got()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}

	srv.FailNext(1, emulator.Fault{Route: "PATCH /v1/pages/{id}", Status: 503, HTML: true})
	if _, err := c.UpdatePage(ctx, de.ID, map[string]json.RawMessage{"MQI": json.RawMessage(`{"number":1}`)}); err != nil {
		t.Fatalf("update after an HTML 503: %v", err)
	}
	if st := c.Stats(); st.RateLimited != 1 || st.Retries != 2 {
		t.Errorf("stats = %+v, want 1 rate limited and 2 retries", st)
	}
}

// TestArchiveAfterCommitThenFail: the first PATCH is stored but answered with a
// 502/504/409 (commit-then-fail, notion-api.md §5.2, §6, §12.1), so the retry
// meets an archived page and Notion refuses it with 400 "Can't edit block that
// is archived" (§2.7). The archive did happen, so ArchivePage must report
// success, found by reading the page back; the same when every retry failed.
func TestArchiveAfterCommitThenFail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		faults   []emulator.Fault
		opts     func(*Options)
		archived bool // the request: archive (true) or restore (false)
	}{
		{name: "502 then the archived 400", faults: []emulator.Fault{{Route: "PATCH", Status: 502, Commit: true}}, archived: true},
		{name: "504 HTML then the archived 400", faults: []emulator.Fault{{Route: "PATCH", Status: 504, Commit: true, HTML: true}}, archived: true},
		{name: "409 then the archived 400", faults: []emulator.Fault{{Route: "PATCH", Status: 409, Commit: true}}, archived: true},
		{name: "committed 502 and no retries left", faults: []emulator.Fault{{Route: "PATCH", Status: 502, Commit: true}},
			opts: func(o *Options) { o.MaxRetries = -1 }, archived: true},
		{name: "committed reset, retry refused", faults: []emulator.Fault{{Route: "PATCH", Reset: true, Commit: true}}, archived: true},
		{name: "restore after a committed 502", faults: []emulator.Fault{{Route: "PATCH", Status: 502, Commit: true}}, archived: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := notiontest.NewServer(t, emulator.Options{})
			db, err := srv.CreateDatabase(emulator.DefaultSchema())
			if err != nil {
				t.Fatal(err)
			}
			opts := Options{BaseURL: srv.URL(), Rate: float64(rate.Inf), Sleep: (&recorder{}).sleep, Now: testNow}
			if tt.opts != nil {
				tt.opts(&opts)
			}
			c := New(secret.Token(srv.Token()), opts)
			id, err := srv.SeedPage(db, json.RawMessage(`{"Module":{"title":[{"text":{"content":"core"}}]}}`))
			if err != nil {
				t.Fatal(err)
			}
			if !tt.archived {
				if _, err := c.TrashPage(t.Context(), id, true); err != nil {
					t.Fatal(err)
				}
			}
			for _, f := range tt.faults {
				srv.FailNext(1, f)
			}
			p, err := c.TrashPage(t.Context(), id, tt.archived)
			if err != nil {
				t.Fatalf("ArchivePage(%v) = %v, want success: the change was stored", tt.archived, err)
			}
			if p.ID != id || p.InTrash != tt.archived {
				t.Errorf("returned page %s archived %v, want %s archived %v", p.ID, p.InTrash, id, tt.archived)
			}
			if got, _ := srv.Page(id); got.Archived != tt.archived {
				t.Errorf("stored page archived = %v, want %v", got.Archived, tt.archived)
			}
		})
	}
}

// TestArchiveRefusedWithoutAmbiguity: a page archived by someone else is not
// ours to "archive" again; without an ambiguous attempt the 400 of §2.7 stands.
func TestArchiveRefusedWithoutAmbiguity(t *testing.T) {
	t.Parallel()
	c, srv, db, _ := newEmulatorClient(t, emulator.Options{})
	id, err := srv.SeedPage(db, json.RawMessage(`{"Module":{"title":[{"text":{"content":"core"}}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.TrashPage(t.Context(), id, true); err != nil {
		t.Fatal(err)
	}
	srv.ResetRequests()
	_, err = c.TrashPage(t.Context(), id, true)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 400 || ae.Code != "validation_error" {
		t.Fatalf("second archive = %v, want the 400 validation_error", err)
	}
	if n := srv.Count("GET", "/v1/pages/{id}"); n != 0 {
		t.Errorf("%d verifying GETs, want none", n)
	}
}
