package prcomment

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-github/v60/github"
)

const (
	testToken = "ghs_testtoken0123456789"
	marker    = "<!-- notion-sync:plan -->"
	prNumber  = 7
)

// comment is a stored issue comment of the fake GitHub.
type comment struct {
	ID    int64
	Body  string
	Login string
	Type  string // "Bot" or "User"
}

// fakeGitHub serves the issue-comment endpoints of GitHub's REST API under /api/v3/, as
// GHES does, with the same pagination (Link headers) and error shapes.
type fakeGitHub struct {
	t        *testing.T
	srv      *httptest.Server
	self     string // login GET /user returns; "" answers 403 as to an installation token
	selfType string // "User" or "Bot": the author of comments we create
	viewer   string // login GraphQL's viewer returns; "" answers 403
	// author is the login of the comments we create when self is ""; default
	// github-actions[bot].
	author string

	mu       sync.Mutex
	comments []comment
	nextID   int64
	requests []string // "METHOD path?query"
	bodies   []string // bodies of POST and PATCH, in order
	failPOST int      // status to answer POST with, 0 = none
	failEdit int      // status to answer PATCH with, 0 = none
}

func newFakeGitHub(t *testing.T) *fakeGitHub {
	t.Helper()
	f := &fakeGitHub{t: t, selfType: "Bot", nextID: 1000, viewer: "github-actions"}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v3/user", f.user)
	mux.HandleFunc("POST /api/graphql", f.graphql)
	mux.HandleFunc("GET /api/v3/repos/o/r/issues/{n}/comments", f.list)
	mux.HandleFunc("POST /api/v3/repos/o/r/issues/{n}/comments", f.create)
	mux.HandleFunc("PATCH /api/v3/repos/o/r/issues/comments/{id}", f.edit)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s %s", r.Method, r.URL)
		http.NotFound(w, r)
	})
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != "Bearer "+testToken {
			t.Errorf("%s %s: Authorization = %q", r.Method, r.URL.Path, got)
		}
		f.mu.Lock()
		f.requests = append(f.requests, r.Method+" "+r.URL.RequestURI())
		f.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// client is a Client for o/r on the fake, built the way the Action builds it.
func (f *fakeGitHub) client(t *testing.T) *Client {
	t.Helper()
	gh, err := NewGitHub(testToken, f.srv.URL+"/api/v3", f.srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	return New(gh, "o", "r")
}

func (f *fakeGitHub) seed(login, typ string, bodies ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, b := range bodies {
		f.nextID++
		f.comments = append(f.comments, comment{ID: f.nextID, Body: b, Login: login, Type: typ})
	}
}

func (f *fakeGitHub) snapshot() ([]comment, []string, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]comment(nil), f.comments...), append([]string(nil), f.requests...), append([]string(nil), f.bodies...)
}

func (f *fakeGitHub) htmlURL(id int64) string {
	return fmt.Sprintf("https://github.example/o/r/pull/%d#issuecomment-%d", prNumber, id)
}

func (f *fakeGitHub) json(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		f.t.Error(err)
	}
}

func (f *fakeGitHub) denied(w http.ResponseWriter, status int) {
	f.json(w, status, map[string]string{
		"message":           "Resource not accessible by integration",
		"documentation_url": "https://docs.github.com/rest/issues/comments#create-an-issue-comment",
	})
}

func (f *fakeGitHub) render(c comment) map[string]any {
	return map[string]any{
		"id": c.ID, "body": c.Body, "html_url": f.htmlURL(c.ID),
		"user": map[string]any{"login": c.Login, "type": c.Type},
	}
}

func (f *fakeGitHub) user(w http.ResponseWriter, r *http.Request) {
	if f.self == "" {
		f.denied(w, http.StatusForbidden)
		return
	}
	f.json(w, http.StatusOK, map[string]any{"login": f.self, "type": "User"})
}

// graphql answers the one query the client sends, viewer { login }.
func (f *fakeGitHub) graphql(w http.ResponseWriter, r *http.Request) {
	var in struct{ Query string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || !strings.Contains(in.Query, "viewer") {
		f.t.Errorf("graphql query %q, %v", in.Query, err)
	}
	if f.viewer == "" {
		f.denied(w, http.StatusForbidden)
		return
	}
	f.json(w, http.StatusOK, map[string]any{"data": map[string]any{"viewer": map[string]any{"login": f.viewer}}})
}

func (f *fakeGitHub) list(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("n") != strconv.Itoa(prNumber) {
		f.t.Errorf("list comments of #%s", r.PathValue("n"))
	}
	perPage, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	if perPage != 100 {
		f.t.Errorf("list comments with per_page=%q, want 100", r.URL.Query().Get("per_page"))
		perPage = 30
	}
	page := 1
	if p := r.URL.Query().Get("page"); p != "" {
		page, _ = strconv.Atoi(p)
	}
	f.mu.Lock()
	all := append([]comment(nil), f.comments...)
	f.mu.Unlock()
	start := min((page-1)*perPage, len(all))
	end := min(start+perPage, len(all))
	out := []map[string]any{}
	for _, c := range all[start:end] {
		out = append(out, f.render(c))
	}
	if end < len(all) {
		next := fmt.Sprintf("%s%s?per_page=%d&page=%d", f.srv.URL, r.URL.Path, perPage, page+1)
		w.Header().Set("Link", `<`+next+`>; rel="next"`)
	}
	f.json(w, http.StatusOK, out)
}

func (f *fakeGitHub) readBody(r *http.Request) string {
	var in struct{ Body string }
	data, err := io.ReadAll(r.Body)
	if err != nil {
		f.t.Error(err)
	}
	if err := json.Unmarshal(data, &in); err != nil {
		f.t.Errorf("decode %s body: %v", r.Method, err)
	}
	f.mu.Lock()
	f.bodies = append(f.bodies, in.Body)
	f.mu.Unlock()
	return in.Body
}

func (f *fakeGitHub) create(w http.ResponseWriter, r *http.Request) {
	body := f.readBody(r)
	if f.failPOST != 0 {
		f.denied(w, f.failPOST)
		return
	}
	login := f.self
	if login == "" {
		login = f.author
	}
	if login == "" {
		login = "github-actions[bot]"
	}
	f.mu.Lock()
	f.nextID++
	c := comment{ID: f.nextID, Body: body, Login: login, Type: f.selfType}
	f.comments = append(f.comments, c)
	f.mu.Unlock()
	f.json(w, http.StatusCreated, f.render(c))
}

func (f *fakeGitHub) edit(w http.ResponseWriter, r *http.Request) {
	body := f.readBody(r)
	if f.failEdit != 0 {
		f.denied(w, f.failEdit)
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	f.mu.Lock()
	var found *comment
	for i := range f.comments {
		if f.comments[i].ID == id {
			f.comments[i].Body = body
			c := f.comments[i]
			found = &c
		}
	}
	f.mu.Unlock()
	if found == nil {
		f.json(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return
	}
	f.json(w, http.StatusOK, f.render(*found))
}

func TestUpsertCreates(t *testing.T) {
	t.Parallel()
	f := newFakeGitHub(t)
	f.seed("someone", "User", "LGTM", "please fix "+strings.Repeat("x", 10))
	body := marker + "\n## Notion sync plan\n\n| a \\| b |\n"
	got, err := f.client(t).Upsert(t.Context(), prNumber, marker, body)
	if err != nil {
		t.Fatalf("Upsert() error = %v", err)
	}
	comments, requests, bodies := f.snapshot()
	if diff := cmp.Diff(f.htmlURL(1003), got); diff != "" {
		t.Errorf("Upsert() url mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{body}, bodies); diff != "" {
		t.Errorf("posted bodies mismatch (-want +got):\n%s", diff)
	}
	wantRequests := []string{
		"GET /api/v3/user",
		"POST /api/graphql",
		"GET /api/v3/repos/o/r/issues/7/comments?per_page=100",
		"POST /api/v3/repos/o/r/issues/7/comments",
	}
	if diff := cmp.Diff(wantRequests, requests); diff != "" {
		t.Errorf("requests mismatch (-want +got):\n%s", diff)
	}
	if len(comments) != 3 {
		t.Errorf("got %d comments, want 3", len(comments))
	}
}

// TestUpsertUpdatesInPlace runs the Action three times on one pull request: one comment,
// edited, never a second one; an unchanged body is not sent again.
func TestUpsertUpdatesInPlace(t *testing.T) {
	t.Parallel()
	f := newFakeGitHub(t)
	c := f.client(t)
	var urls []string
	for _, body := range []string{marker + "\nplan 1", marker + "\nplan 2", marker + "\nplan 2"} {
		u, err := c.Upsert(t.Context(), prNumber, marker, body)
		if err != nil {
			t.Fatalf("Upsert() error = %v", err)
		}
		urls = append(urls, u)
	}
	comments, requests, bodies := f.snapshot()
	want := []comment{{ID: 1001, Body: marker + "\nplan 2", Login: "github-actions[bot]", Type: "Bot"}}
	if diff := cmp.Diff(want, comments); diff != "" {
		t.Errorf("comments mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{f.htmlURL(1001), f.htmlURL(1001), f.htmlURL(1001)}, urls); diff != "" {
		t.Errorf("urls mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{marker + "\nplan 1", marker + "\nplan 2"}, bodies); diff != "" {
		t.Errorf("sent bodies mismatch (-want +got):\n%s", diff)
	}
	var writes []string
	for _, r := range requests {
		if !strings.HasPrefix(r, "GET ") && r != "POST /api/graphql" {
			writes = append(writes, r)
		}
	}
	wantWrites := []string{"POST /api/v3/repos/o/r/issues/7/comments", "PATCH /api/v3/repos/o/r/issues/comments/1001"}
	if diff := cmp.Diff(wantWrites, writes); diff != "" {
		t.Errorf("writes mismatch (-want +got):\n%s", diff)
	}
}

// TestUpsertPaginates puts our comments on pages 1 and 3 of 250: the newest, on page 3,
// is edited; reading only the first page would have created a duplicate.
func TestUpsertPaginates(t *testing.T) {
	t.Parallel()
	f := newFakeGitHub(t)
	f.seed("github-actions[bot]", "Bot", marker+"\nold plan from an older version")
	for i := range 220 {
		f.seed("someone", "User", fmt.Sprintf("comment %d", i))
	}
	f.seed("github-actions[bot]", "Bot", marker+"\nlast plan")
	f.seed("someone", "User", "more", "and more")
	for i := range 25 {
		f.seed("other-app[bot]", "Bot", fmt.Sprintf("unrelated bot %d", i))
	}

	got, err := f.client(t).Upsert(t.Context(), prNumber, marker, marker+"\nnew plan")
	if err != nil {
		t.Fatalf("Upsert() error = %v", err)
	}
	comments, requests, _ := f.snapshot()
	if diff := cmp.Diff(f.htmlURL(1222), got); diff != "" {
		t.Errorf("Upsert() url mismatch (-want +got):\n%s", diff)
	}
	wantRequests := []string{
		"GET /api/v3/user",
		"POST /api/graphql",
		"GET /api/v3/repos/o/r/issues/7/comments?per_page=100",
		"GET /api/v3/repos/o/r/issues/7/comments?page=2&per_page=100",
		"GET /api/v3/repos/o/r/issues/7/comments?page=3&per_page=100",
		"PATCH /api/v3/repos/o/r/issues/comments/1222",
	}
	if diff := cmp.Diff(wantRequests, requests); diff != "" {
		t.Errorf("requests mismatch (-want +got):\n%s", diff)
	}
	if len(comments) != 249 {
		t.Errorf("got %d comments, want 249 (none added)", len(comments))
	}
	if comments[0].Body != marker+"\nold plan from an older version" {
		t.Errorf("the older marked comment was changed: %q", comments[0].Body)
	}
}

// TestUpsertAuthor checks whose comments count: a contributor's comment that carries the
// marker is never overwritten.
func TestUpsertAuthor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		self      string // the token's user; "" = an installation token
		viewer    string // GraphQL's viewer; "" = refused
		author    string // who our comments are by, when self is ""
		seed      []comment
		wantWrite string
	}{
		{
			name:      "another bot's marker is not ours",
			viewer:    "github-actions",
			seed:      []comment{{Login: "mallory-app[bot]", Type: "Bot", Body: marker + " planted by another app"}},
			wantWrite: "POST /api/v3/repos/o/r/issues/7/comments",
		},
		{
			name:      "GraphQL refused: only github-actions[bot] counts",
			seed:      []comment{{Login: "github-actions[bot]", Type: "Bot", Body: marker + " ours"}, {Login: "mallory-app[bot]", Type: "Bot", Body: marker + " planted"}},
			wantWrite: "PATCH /api/v3/repos/o/r/issues/comments/1001",
		},
		{
			name:      "a GitHub App's token: its own bot, found through GraphQL",
			viewer:    "release-app",
			author:    "release-app[bot]",
			seed:      []comment{{Login: "release-app[bot]", Type: "Bot", Body: marker + " ours"}, {Login: "github-actions[bot]", Type: "Bot", Body: marker + " not ours"}},
			wantWrite: "PATCH /api/v3/repos/o/r/issues/comments/1001",
		},
		{
			name:      "GraphQL names the bot with its suffix",
			viewer:    "release-app[bot]",
			author:    "release-app[bot]",
			seed:      []comment{{Login: "github-actions[bot]", Type: "Bot", Body: marker + " not ours"}, {Login: "release-app[bot]", Type: "Bot", Body: marker + " ours"}},
			wantWrite: "PATCH /api/v3/repos/o/r/issues/comments/1002",
		},
		{
			name:      "a user named like the app is not the app's bot",
			viewer:    "release-app",
			author:    "release-app[bot]",
			seed:      []comment{{Login: "release-app", Type: "User", Body: marker + " planted"}},
			wantWrite: "POST /api/v3/repos/o/r/issues/7/comments",
		},
		{
			name:      "planted marker by a contributor",
			seed:      []comment{{Login: "github-actions[bot]", Type: "Bot", Body: marker + " ours"}, {Login: "mallory", Type: "User", Body: marker + " planted"}},
			wantWrite: "PATCH /api/v3/repos/o/r/issues/comments/1001",
		},
		{
			name:      "only a planted marker",
			seed:      []comment{{Login: "mallory", Type: "User", Body: marker + " planted"}},
			wantWrite: "POST /api/v3/repos/o/r/issues/7/comments",
		},
		{
			name:      "personal token: the token's user",
			self:      "release-bot",
			seed:      []comment{{Login: "release-bot", Type: "User", Body: marker + " ours"}, {Login: "github-actions[bot]", Type: "Bot", Body: marker + " not ours"}},
			wantWrite: "PATCH /api/v3/repos/o/r/issues/comments/1001",
		},
		{
			name:      "personal token: a bot's comment is not ours",
			self:      "release-bot",
			seed:      []comment{{Login: "github-actions[bot]", Type: "Bot", Body: marker + " not ours"}},
			wantWrite: "POST /api/v3/repos/o/r/issues/7/comments",
		},
		{
			name:      "marker missing",
			seed:      []comment{{Login: "github-actions[bot]", Type: "Bot", Body: "<!-- other-tool -->"}},
			wantWrite: "POST /api/v3/repos/o/r/issues/7/comments",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeGitHub(t)
			f.self, f.viewer, f.author = tt.self, tt.viewer, tt.author
			for _, c := range tt.seed {
				f.seed(c.Login, c.Type, c.Body)
			}
			if _, err := f.client(t).Upsert(t.Context(), prNumber, marker, marker+"\nnew"); err != nil {
				t.Fatalf("Upsert() error = %v", err)
			}
			comments, requests, _ := f.snapshot()
			if got := requests[len(requests)-1]; got != tt.wantWrite {
				t.Errorf("write = %q, want %q", got, tt.wantWrite)
			}
			for _, c := range comments {
				if strings.Contains(c.Body, "planted") && c.Body != tt.seed[slices.IndexFunc(tt.seed, func(s comment) bool { return s.Login == c.Login })].Body {
					t.Errorf("a planted comment was overwritten: %q", c.Body)
				}
			}
		})
	}
}

// TestUpsertForkPermission is a fork's pull request: the read-only token lists comments
// but cannot write.
func TestUpsertForkPermission(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusForbidden, http.StatusNotFound} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			f := newFakeGitHub(t)
			f.failPOST = status
			_, err := f.client(t).Upsert(t.Context(), prNumber, marker, marker+"\nplan")
			if err == nil {
				t.Fatal("Upsert() error = nil, want a permission error")
			}
			if !IsPermission(err) {
				t.Errorf("IsPermission(%v) = false, want true", err)
			}
			if !strings.Contains(err.Error(), "Resource not accessible by integration") {
				t.Errorf("error %q does not say why", err)
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("error contains the token: %v", err)
			}
		})
	}
}

// TestUpsertEditDenied is an old comment of ours GitHub will not let the token edit: we
// write our own instead of failing every run.
func TestUpsertEditDenied(t *testing.T) {
	t.Parallel()
	f := newFakeGitHub(t)
	f.seed("github-actions[bot]", "Bot", marker+"\nold")
	f.failEdit = http.StatusForbidden
	got, err := f.client(t).Upsert(t.Context(), prNumber, marker, marker+"\nnew")
	if err != nil {
		t.Fatalf("Upsert() error = %v", err)
	}
	comments, _, _ := f.snapshot()
	if diff := cmp.Diff(f.htmlURL(1002), got); diff != "" {
		t.Errorf("Upsert() url mismatch (-want +got):\n%s", diff)
	}
	if len(comments) != 2 || comments[1].Body != marker+"\nnew" {
		t.Errorf("comments = %+v, want the old one and a new one", comments)
	}
}

func TestUpsertServerError(t *testing.T) {
	t.Parallel()
	f := newFakeGitHub(t)
	f.failPOST = http.StatusInternalServerError
	_, err := f.client(t).Upsert(t.Context(), prNumber, marker, marker+"\nplan")
	if err == nil {
		t.Fatal("Upsert() error = nil")
	}
	if IsPermission(err) {
		t.Errorf("IsPermission(%v) = true for a 500", err)
	}
	if strings.Contains(err.Error(), testToken) {
		t.Errorf("error contains the token: %v", err)
	}
}

func TestUpsertRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		number  int
		marker  string
		body    string
		wantErr string
	}{
		{"empty marker", prNumber, " ", "body", "empty marker"},
		{"no pull request", 0, marker, "body", "invalid pull request number 0"},
		{"too long", prNumber, marker, marker + strings.Repeat("é", MaxBody), "GitHub allows 65536"},
		{"too long once the marker is added", prNumber, marker, strings.Repeat("x", MaxBody-len(marker)), "body is 65537 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeGitHub(t)
			_, err := f.client(t).Upsert(t.Context(), tt.number, tt.marker, tt.body)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Upsert() error = %v, want %q", err, tt.wantErr)
			}
			if _, requests, _ := f.snapshot(); len(requests) != 0 {
				t.Errorf("requests sent: %v", requests)
			}
		})
	}
}

// TestUpsertAddsMarker checks that a body without the marker still gets found next time.
func TestUpsertAddsMarker(t *testing.T) {
	t.Parallel()
	f := newFakeGitHub(t)
	c := f.client(t)
	for range 2 {
		if _, err := c.Upsert(t.Context(), prNumber, marker, "## plan"); err != nil {
			t.Fatal(err)
		}
	}
	comments, _, bodies := f.snapshot()
	if diff := cmp.Diff([]string{marker + "\n## plan"}, bodies); diff != "" {
		t.Errorf("sent bodies mismatch (-want +got):\n%s", diff)
	}
	if len(comments) != 1 {
		t.Errorf("got %d comments, want 1", len(comments))
	}
}

func TestIsPermission(t *testing.T) {
	t.Parallel()
	resp := func(status int, header http.Header) *http.Response {
		return &http.Response{StatusCode: status, Header: header, Request: &http.Request{Method: "POST"}}
	}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain", errors.New("403"), false},
		{"403", &github.ErrorResponse{Response: resp(403, nil)}, true},
		{"404 wrapped", fmt.Errorf("create comment: %w", &github.ErrorResponse{Response: resp(404, nil)}), true},
		{"401", &github.ErrorResponse{Response: resp(401, nil)}, false},
		{"422", &github.ErrorResponse{Response: resp(422, nil)}, false},
		{"no response", &github.ErrorResponse{}, false},
		{"rate limit", &github.RateLimitError{Response: resp(403, nil)}, false},
		{"secondary rate limit", &github.AbuseRateLimitError{Response: resp(403, nil)}, false},
	}
	for _, tt := range tests {
		if got := IsPermission(tt.err); got != tt.want {
			t.Errorf("IsPermission(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestIsPermissionRateLimit sends a real rate-limited 403: go-github makes it a
// RateLimitError, which is not a permission problem.
func TestIsPermissionRateLimit(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", "4102444800")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"message":"API rate limit exceeded"}`)
	}))
	t.Cleanup(srv.Close)
	gh, err := NewGitHub(testToken, srv.URL, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	_, err = New(gh, "o", "r").Upsert(t.Context(), prNumber, marker, "x")
	if err == nil || IsPermission(err) {
		t.Errorf("Upsert() error = %v, IsPermission = %v; want a rate-limit error", err, IsPermission(err))
	}
}

func TestNewGitHub(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		token      string
		apiURL     string
		wantBase   string
		wantUpload string
		wantErr    string
	}{
		{name: "github.com", token: "t", apiURL: "https://api.github.com", wantBase: "https://api.github.com/", wantUpload: "https://uploads.github.com/"},
		{name: "github.com slash", token: "t", apiURL: "https://api.github.com/", wantBase: "https://api.github.com/", wantUpload: "https://uploads.github.com/"},
		{name: "unset", token: "t", apiURL: "", wantBase: "https://api.github.com/", wantUpload: "https://uploads.github.com/"},
		{name: "GHES", token: "t", apiURL: "https://ghes.example.com/api/v3", wantBase: "https://ghes.example.com/api/v3/", wantUpload: "https://ghes.example.com/api/uploads/"},
		{name: "GHES without suffix", token: "t", apiURL: "https://ghes.example.com", wantBase: "https://ghes.example.com/api/v3/", wantUpload: "https://ghes.example.com/api/uploads/"},
		{name: "GHE.com", token: "t", apiURL: "https://api.octo.ghe.com", wantBase: "https://api.octo.ghe.com/", wantUpload: "https://api.octo.ghe.com/api/uploads/"},
		{name: "empty token", token: " ", apiURL: "https://api.github.com", wantErr: "empty token"},
		{name: "bad URL", token: "t", apiURL: "ghes.example.com/api/v3", wantErr: "invalid API URL"},
		{name: "bad scheme", token: "t", apiURL: "ftp://ghes.example.com", wantErr: "invalid API URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			gh, err := NewGitHub(tt.token, tt.apiURL, nil)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("NewGitHub() error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewGitHub() error = %v", err)
			}
			got := []string{gh.BaseURL.String(), gh.UploadURL.String()}
			if diff := cmp.Diff([]string{tt.wantBase, tt.wantUpload}, got); diff != "" {
				t.Errorf("URLs mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestNewGitHubGHESPrefix sends a real request through a GHES-style URL given without
// /api/v3, as some runners set GITHUB_API_URL: it still reaches /api/v3/.
func TestNewGitHubGHESPrefix(t *testing.T) {
	t.Parallel()
	f := newFakeGitHub(t)
	gh, err := NewGitHub(testToken, f.srv.URL+"/", f.srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(gh, "o", "r").Upsert(t.Context(), prNumber, marker, "x"); err != nil {
		t.Fatalf("Upsert() error = %v", err)
	}
	_, requests, _ := f.snapshot()
	for _, r := range requests {
		if !strings.Contains(r, " /api/v3/") && r != "POST /api/graphql" {
			t.Errorf("request %q is not under /api/v3/ (or GHES's /api/graphql)", r)
		}
	}
}
