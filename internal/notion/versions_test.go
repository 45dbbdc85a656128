package notion

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/time/rate"

	"github.com/lukhas/notion-sync-action/internal/notion/emulator"
	"github.com/lukhas/notion-sync-action/internal/secret"
)

// The client against the emulator under each Notion-Version
// (notion-api.md §8): which routes it calls, what it sends, what it reads.

// sent is one request as it reached the emulator.
type sent struct {
	Method, Path, Version, Body string
}

// wire records every request in front of an emulator.
type wire struct {
	mu   sync.Mutex
	reqs []sent
}

func (w *wire) all() []sent {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]sent(nil), w.reqs...)
}

func (w *wire) reset() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.reqs = nil
}

// fakeClock is a clock the client's Sleep advances, shared with the emulator,
// so waits are exact and no test waits for real.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.waits = append(c.waits, d)
	return nil
}

// versionRig is a client of version v on an emulator with the default schema
// and a recorder of the wire in between.
type versionRig struct {
	c     *Client
	srv   *emulator.Server
	db    string
	wire  *wire
	clock *fakeClock
}

func newVersionRig(t *testing.T, v Version, eopts emulator.Options, mod func(*Options)) *versionRig {
	t.Helper()
	clk := &fakeClock{now: testNow()}
	eopts.Now = clk.Now
	srv := emulator.New(eopts)
	w := &wire{}
	ts := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.mu.Lock()
		w.reqs = append(w.reqs, sent{r.Method, r.URL.Path, r.Header.Get("Notion-Version"), string(b)})
		w.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(b))
		srv.ServeHTTP(rw, r)
	}))
	t.Cleanup(ts.Close)
	db, err := srv.CreateDatabase(emulator.DefaultSchema())
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Version: v, BaseURL: ts.URL, Rate: float64(rate.Inf), Sleep: clk.Sleep, Now: clk.Now}
	if mod != nil {
		mod(&opts)
	}
	return &versionRig{c: New(secret.Token(srv.Token()), opts), srv: srv, db: db, wire: w, clock: clk}
}

var allVersions = []Version{Version20220628, Version20250903, Version20260311}

func titleProp(s string) map[string]json.RawMessage {
	b, _ := json.Marshal(s)
	return map[string]json.RawMessage{"Module": json.RawMessage(`{"title":[{"text":{"content":` + string(b) + `}}]}`)}
}

func TestParseVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Version
		wantErr string
	}{
		{"2022-06-28", Version20220628, ""},
		{"2025-09-03", Version20250903, ""},
		{" 2026-03-11 ", Version20260311, ""},
		{"", DefaultVersion, ""},
		{"2024-01-01", "", `unsupported Notion version "2024-01-01": want one of 2022-06-28, 2025-09-03, 2026-03-11 (default 2025-09-03)`},
		{"latest", "", "want one of 2022-06-28, 2025-09-03, 2026-03-11"},
	}
	for _, tt := range tests {
		got, err := ParseVersion(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseVersion(%q) = %q, %v; want error containing %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseVersion(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if New(testToken, Options{}).Version() != DefaultVersion {
		t.Errorf("zero Options.Version is not DefaultVersion")
	}
	if _, err := New(testToken, Options{Version: "2021-01-01", BaseURL: "http://127.0.0.1:1"}).Me(t.Context()); err == nil ||
		!strings.Contains(err.Error(), "unsupported Notion version") {
		t.Errorf("client with an unsupported version: Me error = %v", err)
	}
}

// TestVersionLifecycle runs the calls of a sync under each version and checks
// the wire: the Notion-Version header on every request, the routes (database
// under 2022-06-28, data source from 2025-09-03; §8), the create parent and the
// trash flag (archived under 2022-06-28, in_trash from 2025-09-03; §2.7, §8).
func TestVersionLifecycle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v          Version
		queryRoute string
		parentKey  string
		trashBody  string
	}{
		{Version20220628, "/v1/databases/", `"parent":{"database_id":`, `{"archived":true}`},
		{Version20250903, "/v1/data_sources/", `"parent":{"data_source_id":`, `{"in_trash":true}`},
		{Version20260311, "/v1/data_sources/", `"parent":{"data_source_id":`, `{"in_trash":true}`},
	}
	for _, tt := range tests {
		t.Run(string(tt.v), func(t *testing.T) {
			t.Parallel()
			r := newVersionRig(t, tt.v, emulator.Options{}, nil)
			ctx := t.Context()
			tg, err := r.c.Resolve(ctx, r.db, "")
			if err != nil {
				t.Fatal(err)
			}
			if tt.v.DataSources() != (tg.DataSourceID != "") {
				t.Errorf("target %+v: data source id set = %t, want %t", tg, tg.DataSourceID != "", tt.v.DataSources())
			}
			if _, err := r.c.Me(ctx); err != nil {
				t.Fatal(err)
			}
			db, err := r.c.Schema(ctx, tg)
			if err != nil || db.Properties["Module"].Type != "title" || db.Title != "Modules" {
				t.Fatalf("schema = %+v, %v", db, err)
			}
			created, err := r.c.CreatePage(ctx, tg, titleProp("core"))
			if err != nil {
				t.Fatal(err)
			}
			if !tg.Owns(created) || !SameID(created.ParentID(), tg.ID()) || !SameID(created.DatabaseID, r.db) {
				t.Errorf("created page %+v is not a row of %s", created, tg)
			}
			found, err := r.c.Query(ctx, tg, json.RawMessage(`{"property":"Module","title":{"equals":"core"}}`))
			if err != nil || len(found) != 1 || found[0].ID != created.ID {
				t.Fatalf("query = %+v, %v", found, err)
			}
			if _, err := r.c.UpdateSchema(ctx, tg, map[string]json.RawMessage{"Owner": json.RawMessage(`{"rich_text":{}}`)}); err != nil {
				t.Fatal(err)
			}
			if _, err := r.c.UpdatePage(ctx, created.ID, map[string]json.RawMessage{"Owner": json.RawMessage(`{"rich_text":[{"text":{"content":"ops"}}]}`)}); err != nil {
				t.Fatal(err)
			}
			trashed, err := r.c.TrashPage(ctx, created.ID, true)
			if err != nil || !trashed.InTrash {
				t.Fatalf("trash = %+v, %v", trashed, err)
			}
			if p, err := r.c.Page(ctx, created.ID); err != nil || !p.InTrash || !tg.Owns(p) {
				t.Errorf("page after trash = %+v, %v", p, err)
			}
			if left, err := r.c.Query(ctx, tg, nil); err != nil || len(left) != 0 {
				t.Errorf("query after trash = %d pages, %v", len(left), err)
			}
			restored, err := r.c.TrashPage(ctx, created.ID, false)
			if err != nil || restored.InTrash {
				t.Errorf("restore = %+v, %v", restored, err)
			}

			var queries, creates, trashes int
			for _, s := range r.wire.all() {
				if s.Version != string(tt.v) {
					t.Errorf("%s %s sent Notion-Version %q, want %s", s.Method, s.Path, s.Version, tt.v)
				}
				switch {
				case strings.HasSuffix(s.Path, "/query"):
					queries++
					if !strings.HasPrefix(s.Path, tt.queryRoute) {
						t.Errorf("query went to %s, want %s…", s.Path, tt.queryRoute)
					}
				case s.Method == "POST" && s.Path == "/v1/pages":
					creates++
					if !strings.Contains(s.Body, tt.parentKey) && !strings.Contains(s.Body, strings.Replace(tt.parentKey, `{"`, `{"type":"data_source_id","`, 1)) {
						t.Errorf("create body %s lacks %s", s.Body, tt.parentKey)
					}
				case s.Method == "PATCH" && s.Body == tt.trashBody:
					trashes++
				}
			}
			if queries != 2 || creates != 1 || trashes != 1 {
				t.Errorf("saw %d queries, %d creates, %d trash PATCHes %s; want 2, 1, 1", queries, creates, trashes, tt.trashBody)
			}
		})
	}
}

// TestNoOpCallBudget: reading everything a no-op sync needs costs at most
// ceil(N/100)+2 calls under every version (issue #7): Resolve (none under
// 2022-06-28, GET database after), the schema, and the queries.
func TestNoOpCallBudget(t *testing.T) {
	t.Parallel()
	const n = 230
	for _, v := range allVersions {
		t.Run(string(v), func(t *testing.T) {
			t.Parallel()
			r := newVersionRig(t, v, emulator.Options{}, nil)
			for i := range n {
				if _, err := r.srv.SeedPage(r.db, mustJSON(t, titleProp("m"+strings.Repeat("x", i%7)+string(rune('a'+i%26))))); err != nil {
					t.Fatal(err)
				}
			}
			tg, err := r.c.Resolve(t.Context(), r.db, "")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.c.Schema(t.Context(), tg); err != nil {
				t.Fatal(err)
			}
			pages, err := r.c.Query(t.Context(), tg, nil)
			if err != nil || len(pages) != n {
				t.Fatalf("query = %d pages, %v", len(pages), err)
			}
			want := 4 // schema + 3 queries
			if v.DataSources() {
				want = 5 // + GET database in Resolve
			}
			if got := len(r.wire.all()); got != want || got > (n+99)/100+2 {
				t.Errorf("%d calls, want %d (budget %d)", got, want, (n+99)/100+2)
			}
		})
	}
}

func mustJSON(t *testing.T, m map[string]json.RawMessage) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestResolveDataSources: a database with two data sources (§8). Unset, the
// choice is an error listing both as "name (id)"; a chosen id (in any form)
// gives its data source; an id that is not one of them is an error too. Under
// 2022-06-28 the database itself is refused by Notion.
func TestResolveDataSources(t *testing.T) {
	t.Parallel()
	r := newVersionRig(t, Version20250903, emulator.Options{}, nil)
	second, err := r.srv.AddDataSource(r.db, "Archive", nil)
	if err != nil {
		t.Fatal(err)
	}
	sources := r.srv.DataSources(r.db)
	if len(sources) != 2 {
		t.Fatalf("emulator lists %d data sources", len(sources))
	}
	first := sources[0]
	ctx := t.Context()

	_, err = r.c.Resolve(ctx, r.db, "")
	var multi *MultipleDataSourcesError
	if !errors.As(err, &multi) {
		t.Fatalf("Resolve with no choice: %v, want *MultipleDataSourcesError", err)
	}
	wantRefs := []DataSourceRef{{ID: first.ID, Name: "Modules"}, {ID: second, Name: "Archive"}}
	if diff := cmp.Diff(wantRefs, multi.DataSources); diff != "" {
		t.Errorf("listed data sources (-want +got):\n%s", diff)
	}
	for _, w := range []string{"multiple data sources", "Modules (" + first.ID + ")", "Archive (" + second + ")"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}

	tg, err := r.c.Resolve(ctx, strings.ReplaceAll(r.db, "-", ""), strings.ToUpper(strings.ReplaceAll(second, "-", "")))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Target{DatabaseID: r.db, DataSourceID: second, DataSourceName: "Archive"}, tg); diff != "" {
		t.Errorf("chosen target (-want +got):\n%s", diff)
	}
	if tg.ID() != second || !strings.Contains(tg.String(), `"Archive" (`+second+`) of database `+r.db) {
		t.Errorf("target ID %q, String %q", tg.ID(), tg)
	}

	const stranger = "0123456789abcdef0123456789abcdef"
	_, err = r.c.Resolve(ctx, r.db, stranger)
	var nf *DataSourceNotFoundError
	if !errors.As(err, &nf) || len(nf.DataSources) != 2 || !strings.Contains(err.Error(), "Archive ("+second+")") {
		t.Errorf("Resolve with a stranger id: %v, want *DataSourceNotFoundError listing both", err)
	}

	// The database is learnt from the data source when only that is given.
	r.wire.reset()
	tg, err = r.c.Resolve(ctx, "", second)
	if err != nil || tg.DatabaseID != r.db || tg.DataSourceID != second {
		t.Errorf("Resolve by data source only = %+v, %v", tg, err)
	}
	if calls := r.wire.all(); len(calls) != 1 || calls[0].Path != "/v1/data_sources/"+second {
		t.Errorf("Resolve by data source only made %+v", calls)
	}

	old := newVersionRig(t, Version20220628, emulator.Options{}, nil)
	old.srv.SetMultiSource(old.db, true)
	if _, err := old.c.Resolve(ctx, old.db, second); !errors.Is(err, ErrDataSourceVersion) {
		t.Errorf("2022-06-28 Resolve with a data source: %v, want ErrDataSourceVersion", err)
	}
	tg, err = old.c.Resolve(ctx, old.db, "")
	if err != nil || len(old.wire.all()) != 0 {
		t.Fatalf("2022-06-28 Resolve = %v, %d calls; want no call", err, len(old.wire.all()))
	}
	_, err = old.c.Schema(ctx, tg)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 400 || ae.Message != "Databases with multiple data sources are not supported in this API version." {
		t.Errorf("2022-06-28 schema of a multi-source database: %v", err)
	}
}

// TestForeignDataSource: a page of the other data source of the same database
// is not a row of the target (§8): Owns says no, queries do not return it.
func TestForeignDataSource(t *testing.T) {
	t.Parallel()
	for _, v := range []Version{Version20250903, Version20260311} {
		t.Run(string(v), func(t *testing.T) {
			t.Parallel()
			r := newVersionRig(t, v, emulator.Options{}, nil)
			other, err := r.srv.AddDataSource(r.db, "Other", nil)
			if err != nil {
				t.Fatal(err)
			}
			ctx := t.Context()
			mine, err := r.c.Resolve(ctx, r.db, r.srv.DataSources(r.db)[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			theirs, err := r.c.Resolve(ctx, r.db, other)
			if err != nil {
				t.Fatal(err)
			}
			foreign, err := r.c.CreatePage(ctx, theirs, titleProp("core"))
			if err != nil {
				t.Fatal(err)
			}
			own, err := r.c.CreatePage(ctx, mine, titleProp("core"))
			if err != nil {
				t.Fatal(err)
			}
			read, err := r.c.Page(ctx, foreign.ID)
			if err != nil {
				t.Fatal(err)
			}
			if mine.Owns(read) || !theirs.Owns(read) || read.ParentID() != other || !SameID(read.DatabaseID, r.db) {
				t.Errorf("foreign page %+v: mine owns %t, theirs owns %t", read, mine.Owns(read), theirs.Owns(read))
			}
			if !mine.Owns(own) || own.ParentID() != mine.ID() {
				t.Errorf("own page %+v not owned by %s", own, mine)
			}
			rows, err := r.c.Query(ctx, mine, nil)
			if err != nil || len(rows) != 1 || rows[0].ID != own.ID {
				t.Errorf("query of my data source = %+v, %v; want only my page", rows, err)
			}
		})
	}
}

// TestBlockLimit: a create refused for the workspace block limit (§4
// "Workspace-level", C7) is a *BlockLimitError, never retried, with words
// saying what to do; it reaches the caller whether the emulator's limit or a
// scripted fault refuses it.
func TestBlockLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		opts  emulator.Options
		fault bool
	}{
		{"lifetime limit", emulator.Options{BlockLimit: 1}, false},
		{"scripted fault", emulator.Options{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newVersionRig(t, DefaultVersion, tt.opts, nil)
			tg, err := r.c.Resolve(t.Context(), r.db, "")
			if err != nil {
				t.Fatal(err)
			}
			if tt.fault {
				r.srv.FailNext(1, emulator.Fault{Route: "POST /v1/pages", BlockLimit: true})
			} else if _, err := r.c.CreatePage(t.Context(), tg, titleProp("first")); err != nil {
				t.Fatal(err)
			}
			r.wire.reset()
			_, err = r.c.CreatePage(t.Context(), tg, titleProp("second"))
			var be *BlockLimitError
			if !IsBlockLimit(err) || !errors.As(err, &be) || IsAmbiguous(err) {
				t.Fatalf("create over the limit: %v; want a *BlockLimitError, not ambiguous", err)
			}
			for _, w := range []string{"block limit", "paid plan", "existing rows can still be updated"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if n := len(r.wire.all()); n != 1 {
				t.Errorf("%d attempts, want 1 (never retried)", n)
			}
			if st := r.c.Stats(); st.Retries != 0 || len(r.clock.waits) != 0 {
				t.Errorf("retries %d, waits %v; want none", st.Retries, r.clock.waits)
			}
		})
	}
}

// TestRateLimitReasons: 429s are counted by additional_data.rate_limit_reason
// (§6), and a Retry-After above 60 s (the per-workspace limit) is honoured as
// sent, on the injected clock.
func TestRateLimitReasons(t *testing.T) {
	t.Parallel()
	r := newVersionRig(t, DefaultVersion, emulator.Options{WindowBudget: 2, Window: 2 * time.Minute}, nil)
	tg, err := r.c.Resolve(t.Context(), r.db, "") // 1 of the window's 2
	if err != nil {
		t.Fatal(err)
	}
	r.srv.FailNext(1, emulator.Fault{Route: "/v1/data_sources/{id}", Status: 429, RetryAfter: 90 * time.Second, Reason: "workspace_limit"})
	// The injected 429 (a per-workspace limit, Retry-After 90 s), then the schema
	// read (2 of 2), then the query meets the window budget: 429 with the
	// time left in the window, then passes.
	if _, err := r.c.Schema(t.Context(), tg); err != nil {
		t.Fatal(err)
	}
	if _, err := r.c.Query(t.Context(), tg, nil); err != nil {
		t.Fatal(err)
	}
	st := r.c.Stats()
	if diff := cmp.Diff(map[string]int{"workspace_limit": 1, "connection_window_budget": 1}, st.RateLimitReasons); diff != "" {
		t.Errorf("RateLimitReasons (-want +got):\n%s", diff)
	}
	if st.RateLimited != 2 {
		t.Errorf("RateLimited = %d, want 2", st.RateLimited)
	}
	// 90 s as sent; then the rest of the 2-minute window that began at the
	// Resolve (2 min - 90 s = 30 s).
	if diff := cmp.Diff([]time.Duration{90 * time.Second, 30 * time.Second}, r.clock.waits); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
}

// TestCreateDatabase: POST /v1/databases under a page (issue #9): the schema
// goes in properties under 2022-06-28 and in initial_data_source after (§8);
// the new database resolves to the target returned. A page the integration
// cannot reach is an *UnreachablePageError that says to share it.
func TestCreateDatabase(t *testing.T) {
	t.Parallel()
	props := map[string]json.RawMessage{"Module": json.RawMessage(`{"title":{}}`), "Lane": json.RawMessage(`{"select":{"options":[]}}`)}
	for _, v := range allVersions {
		t.Run(string(v), func(t *testing.T) {
			t.Parallel()
			r := newVersionRig(t, v, emulator.Options{}, nil)
			parent := r.srv.CreateParentPage("Engineering")
			tg, err := r.c.CreateDatabase(t.Context(), strings.ReplaceAll(parent, "-", ""), "Modules", props)
			if err != nil {
				t.Fatal(err)
			}
			again, err := r.c.Resolve(t.Context(), tg.DatabaseID, "")
			if err != nil || again != tg {
				t.Errorf("Resolve(new database) = %+v, %v; want %+v", again, err, tg)
			}
			db, err := r.c.Schema(t.Context(), tg)
			if err != nil || db.Title != "Modules" || db.Properties["Lane"].Type != "select" {
				t.Errorf("schema of the new database = %+v, %v", db, err)
			}
			key := `"properties":`
			if v.DataSources() {
				key = `"initial_data_source":{"properties":`
			}
			if body := r.wire.all()[0].Body; !strings.Contains(body, key) {
				t.Errorf("create body %s lacks %s", body, key)
			}

			r.srv.SetShared(parent, false)
			_, err = r.c.CreateDatabase(t.Context(), parent, "Modules", props)
			var up *UnreachablePageError
			if !errors.As(err, &up) || !IsNotFound(err) || !strings.Contains(err.Error(), "share the page with the integration") {
				t.Errorf("create under an unshared page: %v", err)
			}
		})
	}
}

// TestQueryResultLimit: from 2025-09-03 a data source query ends at Notion's
// result limit with request_status "incomplete" (notion-api.md §7); Query then
// returns an error rather than a partial list, which would make the rows past
// the limit look missing. 2022-06-28's database query has no such limit here.
func TestQueryResultLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		version Version
		rows    int
		wantErr bool
	}{
		{Version20220628, 250, false},
		{Version20250903, 200, false},
		{Version20250903, 250, true},
		{Version20260311, 250, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.version, tt.rows), func(t *testing.T) {
			t.Parallel()
			r := newVersionRig(t, tt.version, emulator.Options{QueryResultLimit: 200}, nil)
			for i := range tt.rows {
				props, _ := json.Marshal(map[string]any{"Module": map[string]any{"title": []any{map[string]any{"text": map[string]any{"content": fmt.Sprintf("m%03d", i)}}}}})
				if _, err := r.srv.SeedPage(r.db, props); err != nil {
					t.Fatal(err)
				}
			}
			target, err := r.c.Resolve(t.Context(), r.db, "")
			if err != nil {
				t.Fatal(err)
			}
			pages, err := r.c.Query(t.Context(), target, nil)
			var ie *IncompleteError
			switch {
			case tt.wantErr && (!errors.As(err, &ie) || pages != nil):
				t.Errorf("Query() = %d pages, %v; want an *IncompleteError and no pages", len(pages), err)
			case !tt.wantErr && (err != nil || len(pages) != tt.rows):
				t.Errorf("Query() = %d pages, %v; want %d", len(pages), err, tt.rows)
			}
		})
	}
}
