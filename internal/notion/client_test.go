package notion

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/time/rate"
)

// jsonValue decodes s for comparisons that ignore key order and spacing.
func jsonValue(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
	return v
}

// TestWireFormat checks the bodies and headers that reach the server, in
// particular that null and [] go out (go-notion cannot send them).
func TestWireFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		call     func(*Client) error
		wantReq  string // "METHOD path"
		wantBody string // "" = no body
	}{
		{
			name: "UpdatePage sends null and []",
			call: func(c *Client) error {
				_, err := c.UpdatePage(t.Context(), testPageID, map[string]json.RawMessage{
					"MQI":      json.RawMessage(`{"number":null}`),
					"Tags":     json.RawMessage(`{"multi_select":[]}`),
					"Lane":     json.RawMessage(`{"select":null}`),
					"Homepage": nil, // a nil raw value is JSON null
				})
				return err
			},
			wantReq:  "PATCH /v1/pages/" + testPageID,
			wantBody: `{"properties":{"MQI":{"number":null},"Tags":{"multi_select":[]},"Lane":{"select":null},"Homepage":null}}`,
		},
		{
			name: "CreatePage",
			call: func(c *Client) error {
				_, err := c.CreatePage(t.Context(), Target{DatabaseID: testDBID}, map[string]json.RawMessage{
					"Module": json.RawMessage(`{"title":[{"text":{"content":"core"}}]}`),
					"Tags":   json.RawMessage(`{"multi_select":[]}`),
				})
				return err
			},
			wantReq:  "POST /v1/pages",
			wantBody: `{"parent":{"database_id":"` + testDBID + `"},"properties":{"Module":{"title":[{"text":{"content":"core"}}]},"Tags":{"multi_select":[]}}}`,
		},
		{
			name: "CreatePage with nil props sends an empty object",
			call: func(c *Client) error {
				_, err := c.CreatePage(t.Context(), Target{DatabaseID: testDBID}, nil)
				return err
			},
			wantReq:  "POST /v1/pages",
			wantBody: `{"parent":{"database_id":"` + testDBID + `"},"properties":{}}`,
		},
		{
			name: "UpdateDatabase",
			call: func(c *Client) error {
				_, err := c.UpdateSchema(t.Context(), Target{DatabaseID: testDBID}, map[string]json.RawMessage{
					"Lane": json.RawMessage(`{"select":{"options":[{"name":"L1"},{"name":"L2"}]}}`),
				})
				return err
			},
			wantReq:  "PATCH /v1/databases/" + testDBID,
			wantBody: `{"properties":{"Lane":{"select":{"options":[{"name":"L1"},{"name":"L2"}]}}}}`,
		},
		{
			name:     "ArchivePage true",
			call:     func(c *Client) error { _, err := c.TrashPage(t.Context(), testPageID, true); return err },
			wantReq:  "PATCH /v1/pages/" + testPageID,
			wantBody: `{"archived":true}`,
		},
		{
			name:     "ArchivePage false restores",
			call:     func(c *Client) error { _, err := c.TrashPage(t.Context(), testPageID, false); return err },
			wantReq:  "PATCH /v1/pages/" + testPageID,
			wantBody: `{"archived":false}`,
		},
		{
			name:     "Query without filter",
			call:     func(c *Client) error { _, err := c.Query(t.Context(), Target{DatabaseID: testDBID}, nil); return err },
			wantReq:  "POST /v1/databases/" + testDBID + "/query",
			wantBody: `{"page_size":100}`,
		},
		{
			name: "Query with a raw filter",
			call: func(c *Client) error {
				_, err := c.Query(t.Context(), Target{DatabaseID: testDBID}, json.RawMessage(`{"property":"Module","title":{"equals":""}}`))
				return err
			},
			wantReq:  "POST /v1/databases/" + testDBID + "/query",
			wantBody: `{"filter":{"property":"Module","title":{"equals":""}},"page_size":100}`,
		},
		{
			name:    "Me",
			call:    func(c *Client) error { _, err := c.Me(t.Context()); return err },
			wantReq: "GET /v1/users/me",
		},
		{
			name:    "Database",
			call:    func(c *Client) error { _, err := c.Schema(t.Context(), Target{DatabaseID: testDBID}); return err },
			wantReq: "GET /v1/databases/" + testDBID,
		},
		{
			name:    "DatabaseRaw",
			call:    func(c *Client) error { _, err := c.SchemaRaw(t.Context(), Target{DatabaseID: testDBID}); return err },
			wantReq: "GET /v1/databases/" + testDBID,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, nil)
			if err := tt.call(r.c); err != nil {
				t.Fatal(err)
			}
			reqs := r.fake.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			req := reqs[0]
			if got := req.Method + " " + req.Path; got != tt.wantReq {
				t.Errorf("request = %s, want %s", got, tt.wantReq)
			}
			if tt.wantBody == "" {
				if strings.TrimSpace(req.Body) != "" {
					t.Errorf("body = %q, want none", req.Body)
				}
			} else {
				if diff := cmp.Diff(jsonValue(t, tt.wantBody), jsonValue(t, req.Body)); diff != "" {
					t.Errorf("body (-want +got):\n%s", diff)
				}
				if ct := req.Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type = %q", ct)
				}
			}
			wantHeaders := map[string]string{"Authorization": "Bearer " + testToken.Reveal(), "Notion-Version": "2022-06-28"}
			gotHeaders := map[string]string{"Authorization": req.Header.Get("Authorization"), "Notion-Version": req.Header.Get("Notion-Version")}
			if diff := cmp.Diff(wantHeaders, gotHeaders); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBaseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		suffix   string // appended to the fake's URL
		prefix   string // path prefix the fake sees
		wantPath string
	}{
		{name: "plain", suffix: "", wantPath: "/v1/pages/" + testPageID},
		{name: "trailing slash", suffix: "/", wantPath: "/v1/pages/" + testPageID},
		{name: "trailing /v1", suffix: "/v1", wantPath: "/v1/pages/" + testPageID},
		{name: "path prefix", suffix: "/notion/", prefix: "/notion", wantPath: "/notion/v1/pages/" + testPageID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			f.prefix = tt.prefix
			c := New(testToken, Options{Version: Version20220628, BaseURL: f.srv.URL + tt.suffix})
			if _, err := c.Page(t.Context(), testPageID); err != nil { // go-notion path
				t.Fatal(err)
			}
			if _, err := c.UpdatePage(t.Context(), testPageID, nil); err != nil { // raw path
				t.Fatal(err)
			}
			var got []string
			for _, r := range f.requests() {
				got = append(got, r.Method+" "+r.Path)
			}
			want := []string{"GET " + tt.wantPath, "PATCH " + tt.wantPath}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBadBaseURL(t *testing.T) {
	t.Parallel()
	for _, base := range []string{"ftp://example.com", "no-scheme", "http://%zz"} {
		c := New(testToken, Options{Version: Version20220628, BaseURL: base})
		_, err := c.Page(t.Context(), testPageID)
		if err == nil || !strings.Contains(err.Error(), "base URL") {
			t.Errorf("BaseURL %q: err = %v, want a base URL error", base, err)
		}
	}
}

func TestQueryPagination(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	route := "POST /v1/databases/" + testDBID + "/query"
	list := func(cursor string, ids ...string) string {
		var pages []string
		for _, id := range ids {
			pages = append(pages, pageJSON(id))
		}
		next, more := "null", "false"
		if cursor != "" {
			next, more = `"`+cursor+`"`, "true"
		}
		return `{"object":"list","results":[` + strings.Join(pages, ",") + `],"next_cursor":` + next + `,"has_more":` + more + `}`
	}
	r.fake.on(route,
		fakeReply{body: list("c1", "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002")},
		fakeReply{status: 502}, // a transient failure mid-pagination is retried
		fakeReply{body: list("", "00000000-0000-4000-8000-000000000003")},
	)
	filter := json.RawMessage(`{"property":"Module","title":{"equals":"core"}}`)
	pages, err := r.c.Query(t.Context(), Target{DatabaseID: testDBID}, filter)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range pages {
		ids = append(ids, p.ID)
	}
	wantIDs := []string{"00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002", "00000000-0000-4000-8000-000000000003"}
	if diff := cmp.Diff(wantIDs, ids); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	var bodies []any
	for _, req := range r.fake.requests() {
		bodies = append(bodies, jsonValue(t, req.Body))
	}
	f := `"filter":{"property":"Module","title":{"equals":"core"}}`
	wantBodies := []any{
		jsonValue(t, `{`+f+`,"page_size":100}`),
		jsonValue(t, `{`+f+`,"page_size":100,"start_cursor":"c1"}`),
		jsonValue(t, `{`+f+`,"page_size":100,"start_cursor":"c1"}`),
	}
	if diff := cmp.Diff(wantBodies, bodies); diff != "" {
		t.Errorf("request bodies (-want +got):\n%s", diff)
	}
}

func TestQueryBadAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		filter  string
		body    string
		wantErr string
	}{
		{name: "has_more without cursor", body: `{"object":"list","results":[],"next_cursor":null,"has_more":true}`, wantErr: "next_cursor is missing"},
		{name: "repeating cursor", body: `{"object":"list","results":[],"next_cursor":"same","has_more":true}`, wantErr: "next_cursor is missing or repeats"},
		{name: "invalid filter", filter: `{"property":`, wantErr: "filter is not valid JSON"},
		{name: "undecodable page", body: `{"object":"list","results":[{"object":"page","id":"x"}],"next_cursor":null,"has_more":false}`, wantErr: "unknown page parent type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, nil)
			if tt.body != "" {
				r.fake.answer("POST /v1/databases/"+testDBID+"/query", tt.body)
			}
			_, err := r.c.Query(t.Context(), Target{DatabaseID: testDBID}, json.RawMessage(tt.filter))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// TestDecodeErrors: a 200 whose body cannot be decoded is an ambiguous
// failure that still names the request id (and the created id when present),
// for every call.
func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	const partial = `{"object":"page","id":"` + testPageID + `"}`
	tests := []struct {
		name  string
		route string
		call  func(*Client) error
		want  DecodeError
	}{
		{name: "partial page from create", route: "POST /v1/pages",
			call: func(c *Client) error {
				_, err := c.CreatePage(t.Context(), Target{DatabaseID: testDBID}, nil)
				return err
			},
			want: DecodeError{RequestID: "req-pages-1", ID: testPageID}},
		{name: "partial page from update", route: "PATCH /v1/pages/" + testPageID,
			call: func(c *Client) error { _, err := c.UpdatePage(t.Context(), testPageID, nil); return err },
			want: DecodeError{RequestID: "req-pages." + testPageID + "-1", ID: testPageID}},
		{name: "partial page from get", route: "GET /v1/pages/" + testPageID,
			call: func(c *Client) error { _, err := c.Page(t.Context(), testPageID); return err },
			want: DecodeError{RequestID: "req-pages." + testPageID + "-1", ID: testPageID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, nil)
			r.fake.answer(tt.route, partial)
			err := tt.call(r.c)
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v (%T), want a *DecodeError", err, err)
			}
			got := DecodeError{RequestID: de.RequestID, ID: de.ID}
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b error) bool { return true })); diff != "" {
				t.Errorf("DecodeError (-want +got):\n%s", diff)
			}
			if !IsAmbiguous(err) {
				t.Errorf("IsAmbiguous(%v) = false", err)
			}
			if n := r.fake.count(tt.route); n != 1 {
				t.Errorf("hits = %d, want 1 (a 200 is never retried)", n)
			}
		})
	}
}

func TestDecodedValues(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	u, err := r.c.Me(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	db, err := r.c.Schema(t.Context(), Target{DatabaseID: testDBID})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := r.c.SchemaRaw(t.Context(), Target{DatabaseID: testDBID})
	if err != nil {
		t.Fatal(err)
	}
	p, err := r.c.Page(t.Context(), testPageID)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{u.Name, string(u.Type), db.ID, string(db.Properties["Module"].Type), p.ID, p.DatabaseID}
	want := []string{"Sync bot", "bot", testDBID, "title", testPageID, testDBID}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decoded (-want +got):\n%s", diff)
	}
	// DatabaseRaw keeps what go-notion drops.
	if !strings.Contains(string(raw), `"public_url":null`) {
		t.Errorf("DatabaseRaw lost fields: %s", raw)
	}
}

func TestEmptyIDs(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	calls := map[string]func() error{
		"Database":       func() error { _, err := r.c.Schema(t.Context(), Target{}); return err },
		"DatabaseRaw":    func() error { _, err := r.c.SchemaRaw(t.Context(), Target{}); return err },
		"Query":          func() error { _, err := r.c.Query(t.Context(), Target{}, nil); return err },
		"Page":           func() error { _, err := r.c.Page(t.Context(), ""); return err },
		"ArchivePage":    func() error { _, err := r.c.TrashPage(t.Context(), "", true); return err },
		"CreatePage":     func() error { _, err := r.c.CreatePage(t.Context(), Target{}, nil); return err },
		"UpdatePage":     func() error { _, err := r.c.UpdatePage(t.Context(), "", nil); return err },
		"UpdateDatabase": func() error { _, err := r.c.UpdateSchema(t.Context(), Target{}, nil); return err },
	}
	for name, call := range calls {
		if err := call(); err == nil || !strings.Contains(err.Error(), "empty") {
			t.Errorf("%s(\"\"): err = %v, want an empty-id error", name, err)
		}
	}
	if n := len(r.fake.requests()); n != 0 {
		t.Errorf("%d requests sent for empty ids", n)
	}
}

func TestIDsArePathEscaped(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	r.fake.on("GET /v1/pages/../users/me", fakeReply{status: 404})
	_, err := r.c.Page(t.Context(), "../users/me")
	reqs := r.fake.requests()
	if len(reqs) != 1 || reqs[0].Path != "/v1/pages/../users/me" {
		t.Fatalf("requests = %+v", reqs)
	}
	if !IsNotFound(err) {
		t.Errorf("err = %v, want the 404 for the literal id", err)
	}
}

func TestAPIErrorText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  APIError
		want string
	}{
		{APIError{Status: 400, Code: "validation_error", Message: "Tags is expected to be multi_select.", RequestID: "abc"},
			"notion: validation_error (400): Tags is expected to be multi_select. [request_id abc]"},
		{APIError{Status: 429, Code: "rate_limited", Message: "slow down"}, "notion: rate_limited (429): slow down"},
		{APIError{Status: 502, HTML: true}, "notion: HTTP 502 Bad Gateway (non-JSON body)"},
		{APIError{Status: 529, HTML: true, RequestID: "r"}, "notion: HTTP 529 (non-JSON body) [request_id r]"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestParseAPIError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		header http.Header
		body   string
		want   APIError
	}{
		{name: "envelope with body request id", status: 400, body: `{"object":"error","status":400,"code":"validation_error","message":"m","request_id":"body-id"}`,
			want: APIError{Status: 400, Code: "validation_error", Message: "m", RequestID: "body-id"}},
		{name: "header request id wins", status: 404, header: http.Header{"X-Notion-Request-Id": {"hdr-id"}},
			body: `{"object":"error","status":404,"code":"object_not_found","message":"m","request_id":"body-id"}`,
			want: APIError{Status: 404, Code: "object_not_found", Message: "m", RequestID: "hdr-id"}},
		{name: "html", status: 502, body: `<html>bad gateway</html>`, want: APIError{Status: 502, HTML: true}},
		// JSON is not HTML even without "object":"error" (a proxy's JSON error);
		// its code and message are kept when it has them.
		{name: "json that is not an error envelope", status: 503, body: `{"foo":1}`, want: APIError{Status: 503}},
		{name: "json error without object", status: 502, body: `{"message":"Internal server error"}`,
			want: APIError{Status: 502, Message: "Internal server error"}},
		{name: "Retry-After seconds", status: 429, header: http.Header{"Retry-After": {"30"}},
			body: `{"object":"error","status":429,"code":"rate_limited","message":"m"}`,
			want: APIError{Status: 429, Code: "rate_limited", Message: "m", RetryAfter: 30e9}},
		{name: "Retry-After HTTP date", status: 529, header: http.Header{"Retry-After": {testNow().Add(90e9).Format(http.TimeFormat)}},
			body: `{"object":"error","status":529,"code":"service_overload","message":"m"}`,
			// http.TimeFormat has whole seconds; testNow has .123
			want: APIError{Status: 529, Code: "service_overload", Message: "m", RetryAfter: 89877e6}},
		{name: "Retry-After garbage ignored", status: 429, header: http.Header{"Retry-After": {"NaN"}},
			body: `{"object":"error","status":429,"code":"rate_limited","message":"m","additional_data":{"retry_after":4}}`,
			want: APIError{Status: 429, Code: "rate_limited", Message: "m", RetryAfter: 4e9, AdditionalData: json.RawMessage(`{"retry_after":4}`)}},
		// notion-api.md §6: the 429 names the limit it hit.
		{name: "rate limit reason", status: 429, header: http.Header{"Retry-After": {"75"}},
			body: `{"object":"error","status":429,"code":"rate_limited","message":"m","additional_data":{"rate_limit_reason":"workspace_rate_limit"}}`,
			want: APIError{Status: 429, Code: "rate_limited", Message: "m", RetryAfter: 75e9, RateLimitReason: "workspace_rate_limit",
				AdditionalData: json.RawMessage(`{"rate_limit_reason":"workspace_rate_limit"}`)}},
		{name: "negative Retry-After ignored", status: 429, header: http.Header{"Retry-After": {"-5"}}, body: `x`,
			want: APIError{Status: 429, HTML: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := tt.header
			if h == nil {
				h = http.Header{}
			}
			got := parseAPIError(tt.status, h, []byte(tt.body), testNow())
			if diff := cmp.Diff(tt.want, *got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestIsAmbiguousAndNotFound(t *testing.T) {
	t.Parallel()
	wrap := func(err error) error { return fmt.Errorf("create page in database x: %w", err) }
	tests := []struct {
		name          string
		err           error
		wantAmbiguous bool
		wantNotFound  bool
	}{
		{"nil", nil, false, false},
		{"400", wrap(&APIError{Status: 400, Code: "validation_error"}), false, false},
		{"404", wrap(&APIError{Status: 404, Code: "object_not_found"}), false, true},
		{"409", wrap(&APIError{Status: 409, Code: "conflict_error"}), true, false},
		{"429", wrap(&APIError{Status: 429, Code: "rate_limited"}), false, false},
		{"500", wrap(&APIError{Status: 500}), true, false},
		{"502 HTML", wrap(&APIError{Status: 502, HTML: true}), true, false},
		{"503", wrap(&APIError{Status: 503}), true, false},
		{"504", wrap(&APIError{Status: 504}), true, false},
		{"529", wrap(&APIError{Status: 529}), false, false},
		{"partial page", wrap(&DecodeError{Err: errors.New(`unknown page parent type ""`)}), true, false},
		{"reset after send", wrap(&netError{err: errors.New("EOF"), sent: true}), true, false},
		{"timeout", wrap(&netError{err: errors.New("deadline"), timeout: true}), true, false},
		{"refused before send", wrap(&netError{err: errors.New("connection refused")}), false, false},
		{"plain error", errors.New("boom"), false, false},
	}
	for _, tt := range tests {
		if got := IsAmbiguous(tt.err); got != tt.wantAmbiguous {
			t.Errorf("%s: IsAmbiguous = %v, want %v", tt.name, got, tt.wantAmbiguous)
		}
		if got := IsNotFound(tt.err); got != tt.wantNotFound {
			t.Errorf("%s: IsNotFound = %v, want %v", tt.name, got, tt.wantNotFound)
		}
	}
}

// TestConnectionRefused: nothing was sent, so even a create is retried (no
// duplicate is possible, notion-api.md §9) and its failure is not ambiguous;
// a read is retried until MaxRetries too.
func TestConnectionRefused(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	url := f.srv.URL
	f.srv.Close()
	rec := &recorder{}
	c := New(testToken, Options{Version: Version20220628, BaseURL: url, MaxRetries: 2, Sleep: rec.sleep, Now: testNow})
	_, err := c.CreatePage(t.Context(), Target{DatabaseID: testDBID}, nil)
	if err == nil || IsAmbiguous(err) || !strings.Contains(err.Error(), "give up after 3 attempts") {
		t.Errorf("create: err = %v, IsAmbiguous = %v; want a non-ambiguous give up after 3 attempts", err, IsAmbiguous(err))
	}
	_, err = c.Page(t.Context(), testPageID)
	if err == nil || !strings.Contains(err.Error(), "give up after 3 attempts") {
		t.Errorf("page: err = %v, want give up after 3 attempts", err)
	}
	if st := c.Stats(); st.Calls != 6 || st.ByStatus[0] != 6 || st.Retries != 4 {
		t.Errorf("stats = %+v", st)
	}
}

// TestCreateRetriedWhenNotSent: a create whose connection was refused was
// provably never sent, so retrying it cannot make a second row (notion-api.md
// §9); the retry reaches the server once and succeeds.
func TestCreateRetriedWhenNotSent(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	closed := httptest.NewServer(http.NotFoundHandler())
	refused := closed.Listener.Addr().String()
	closed.Close()
	var dials atomic.Int32
	base := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dials.Add(1) == 1 {
			addr = refused // the first connection attempt is refused
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	t.Cleanup(base.CloseIdleConnections)
	rec := &recorder{}
	c := New(testToken, Options{Version: Version20220628, BaseURL: f.srv.URL, Rate: float64(rate.Inf), Sleep: rec.sleep, Now: testNow,
		HTTPClient: &http.Client{Transport: base}})
	p, err := c.CreatePage(t.Context(), Target{DatabaseID: testDBID}, map[string]json.RawMessage{"Module": json.RawMessage(`{"title":[]}`)})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if p.ID != testPageID {
		t.Errorf("created %s, want %s", p.ID, testPageID)
	}
	if n := f.count("POST /v1/pages"); n != 1 {
		t.Errorf("server saw %d creates, want 1", n)
	}
	if st := c.Stats(); st.Calls != 2 || st.ByStatus[0] != 1 || st.Retries != 1 {
		t.Errorf("stats = %+v, want 2 calls (1 refused) and 1 retry", st)
	}
}

// TestTokenRedactedInAPIError: a server (or proxy) that echoes the token in its
// error message must not get it into our errors, logs or audit log; the
// token must never appear in any output (DESIGN.md).
func TestTokenRedactedInAPIError(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	body := `{"object":"error","status":401,"code":"unauthorized","message":"API token ` + testToken.Reveal() + ` is invalid."}`
	r.fake.on("GET /v1/users/me", fakeReply{status: 401, body: body})
	_, err := r.c.Me(t.Context())
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 401 {
		t.Fatalf("err = %v, want the 401", err)
	}
	if want := "API token *** is invalid."; ae.Message != want {
		t.Errorf("Message = %q, want %q", ae.Message, want)
	}
	if strings.Contains(err.Error(), testToken.Reveal()) || strings.Contains(fmt.Sprintf("%+v %#v", err, ae), testToken.Reveal()) {
		t.Errorf("error shows the token: %v", err)
	}
}

// TestResponseTooLarge: an answer over the size bound is a bad answer, not a
// network failure: a 200 is reported once as a *DecodeError (for a write the
// write happened, so it is ambiguous) and not retried five times; an error
// status keeps its own retry rule.
func TestResponseTooLarge(t *testing.T) {
	t.Parallel()
	big := `{"object":"page","id":"` + testPageID + `","pad":"` + strings.Repeat("x", 2048) + `"}`
	t.Run("200", func(t *testing.T) {
		t.Parallel()
		r := newRig(t, nil)
		r.c.tr.maxBody = 1024
		r.fake.answer("GET /v1/pages/p", big)
		_, err := r.c.Page(t.Context(), "p")
		var de *DecodeError
		if !errors.As(err, &de) || !IsAmbiguous(err) || !strings.Contains(err.Error(), "over 1024 bytes") {
			t.Errorf("err = %v, want a *DecodeError about the size", err)
		}
		if de != nil && de.RequestID != "req-pages.p-1" {
			t.Errorf("RequestID = %q, want req-pages.p-1", de.RequestID)
		}
		if n := r.fake.count("GET /v1/pages/p"); n != 1 {
			t.Errorf("%d attempts, want 1", n)
		}
		if !strings.Contains(r.audit.String(), " status=200 ") {
			t.Errorf("audit log lacks the 200:\n%s", r.audit.String())
		}
	})
	t.Run("502", func(t *testing.T) {
		t.Parallel()
		r := newRig(t, func(o *Options) { o.MaxRetries = 1 })
		r.c.tr.maxBody = 1024
		r.fake.on("GET /v1/pages/p", fakeReply{status: 502, html: true, body: "<html>" + strings.Repeat("x", 2048)})
		if _, err := r.c.Page(t.Context(), "p"); err != nil {
			t.Fatalf("err = %v, want success after one retry", err)
		}
		if n := r.fake.count("GET /v1/pages/p"); n != 2 {
			t.Errorf("%d attempts, want 2", n)
		}
	})
}

// TestQuerySkipsNonRows: a wiki database's query results can hold database
// objects (notion-api.md §2.4); they are no rows and are left out.
func TestQuerySkipsNonRows(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	r.fake.answer("POST /v1/databases/"+testDBID+"/query", `{"object":"list","has_more":false,"next_cursor":null,"results":[
		{"object":"database","id":"`+testDBID+`","title":[]},
		{"object":"page","id":"`+testPageID+`","created_time":"2024-05-01T10:15:00.000Z","parent":{"type":"database_id","database_id":"`+testDBID+`"},"properties":{}}]}`)
	pages, err := r.c.Query(t.Context(), Target{DatabaseID: testDBID}, nil)
	if err != nil || len(pages) != 1 || pages[0].ID != testPageID {
		t.Errorf("Query() = %+v, %v; want the one page", pages, err)
	}
}
