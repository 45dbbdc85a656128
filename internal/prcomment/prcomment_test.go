package prcomment

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-github/v60/github"

	"github.com/lukhas/notion-sync-action/internal/action/actiontest"
)

const (
	testToken = "ghs_testtoken0123456789"
	marker    = "<!-- notion-sync:plan -->"
	prNumber  = 7
)

// comment is a stored comment of the fake GitHub.
type comment = actiontest.Comment

// newFakeGitHub is the shared fake GitHub, as an installation token sees it:
// GET /user refused, GraphQL's viewer github-actions.
func newFakeGitHub(t *testing.T) *actiontest.GitHub {
	t.Helper()
	f := actiontest.NewGitHub(t, testToken)
	f.Viewer = "github-actions"
	return f
}

// client is a Client for o/r on the fake, built the way the Action builds it,
// GHES-style under /api/v3.
func client(t *testing.T, f *actiontest.GitHub) *Client {
	t.Helper()
	gh, err := NewGitHub(testToken, f.URL()+"/api/v3", f.HTTPClient())
	if err != nil {
		t.Fatal(err)
	}
	return New(gh, "o", "r")
}

// snapshot is what the fake holds and saw.
func snapshot(f *actiontest.GitHub) ([]comment, []string, []string) {
	return f.Comments(), f.Requests(), f.Bodies()
}

func TestUpsertCreates(t *testing.T) {
	t.Parallel()
	f := newFakeGitHub(t)
	f.Seed(prNumber, "someone", "User", "LGTM", "please fix "+strings.Repeat("x", 10))
	body := marker + "\n## Notion sync plan\n\n| a \\| b |\n"
	got, err := client(t, f).Upsert(t.Context(), prNumber, marker, body)
	if err != nil {
		t.Fatalf("Upsert() error = %v", err)
	}
	comments, requests, bodies := snapshot(f)
	if diff := cmp.Diff(f.CommentURL(prNumber, 1003), got); diff != "" {
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
	c := client(t, f)
	var urls []string
	for _, body := range []string{marker + "\nplan 1", marker + "\nplan 2", marker + "\nplan 2"} {
		u, err := c.Upsert(t.Context(), prNumber, marker, body)
		if err != nil {
			t.Fatalf("Upsert() error = %v", err)
		}
		urls = append(urls, u)
	}
	comments, requests, bodies := snapshot(f)
	want := []comment{{ID: 1001, Issue: prNumber, Body: marker + "\nplan 2", Login: "github-actions[bot]", Type: "Bot"}}
	if diff := cmp.Diff(want, comments); diff != "" {
		t.Errorf("comments mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{f.CommentURL(prNumber, 1001), f.CommentURL(prNumber, 1001), f.CommentURL(prNumber, 1001)}, urls); diff != "" {
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
	f.Seed(prNumber, "github-actions[bot]", "Bot", marker+"\nold plan from an older version")
	for i := range 220 {
		f.Seed(prNumber, "someone", "User", fmt.Sprintf("comment %d", i))
	}
	f.Seed(prNumber, "github-actions[bot]", "Bot", marker+"\nlast plan")
	f.Seed(prNumber, "someone", "User", "more", "and more")
	for i := range 25 {
		f.Seed(prNumber, "other-app[bot]", "Bot", fmt.Sprintf("unrelated bot %d", i))
	}

	got, err := client(t, f).Upsert(t.Context(), prNumber, marker, marker+"\nnew plan")
	if err != nil {
		t.Fatalf("Upsert() error = %v", err)
	}
	comments, requests, _ := snapshot(f)
	if diff := cmp.Diff(f.CommentURL(prNumber, 1222), got); diff != "" {
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
			f.Self, f.Viewer, f.Author = tt.self, tt.viewer, tt.author
			for _, c := range tt.seed {
				f.Seed(prNumber, c.Login, c.Type, c.Body)
			}
			if _, err := client(t, f).Upsert(t.Context(), prNumber, marker, marker+"\nnew"); err != nil {
				t.Fatalf("Upsert() error = %v", err)
			}
			comments, requests, _ := snapshot(f)
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
			f.FailCreate = status
			_, err := client(t, f).Upsert(t.Context(), prNumber, marker, marker+"\nplan")
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
	f.Seed(prNumber, "github-actions[bot]", "Bot", marker+"\nold")
	f.FailEdit = http.StatusForbidden
	got, err := client(t, f).Upsert(t.Context(), prNumber, marker, marker+"\nnew")
	if err != nil {
		t.Fatalf("Upsert() error = %v", err)
	}
	comments, _, _ := snapshot(f)
	if diff := cmp.Diff(f.CommentURL(prNumber, 1002), got); diff != "" {
		t.Errorf("Upsert() url mismatch (-want +got):\n%s", diff)
	}
	if len(comments) != 2 || comments[1].Body != marker+"\nnew" {
		t.Errorf("comments = %+v, want the old one and a new one", comments)
	}
}

func TestUpsertServerError(t *testing.T) {
	t.Parallel()
	f := newFakeGitHub(t)
	f.FailCreate = http.StatusInternalServerError
	_, err := client(t, f).Upsert(t.Context(), prNumber, marker, marker+"\nplan")
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
			_, err := client(t, f).Upsert(t.Context(), tt.number, tt.marker, tt.body)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Upsert() error = %v, want %q", err, tt.wantErr)
			}
			if _, requests, _ := snapshot(f); len(requests) != 0 {
				t.Errorf("requests sent: %v", requests)
			}
		})
	}
}

// TestUpsertAddsMarker checks that a body without the marker still gets found next time.
func TestUpsertAddsMarker(t *testing.T) {
	t.Parallel()
	f := newFakeGitHub(t)
	c := client(t, f)
	for range 2 {
		if _, err := c.Upsert(t.Context(), prNumber, marker, "## plan"); err != nil {
			t.Fatal(err)
		}
	}
	comments, _, bodies := snapshot(f)
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
	f := newFakeGitHub(t)
	f.RateLimited = true
	gh, err := NewGitHub(testToken, f.URL(), f.HTTPClient())
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
	gh, err := NewGitHub(testToken, f.URL()+"/", f.HTTPClient())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(gh, "o", "r").Upsert(t.Context(), prNumber, marker, "x"); err != nil {
		t.Fatalf("Upsert() error = %v", err)
	}
	_, requests, _ := snapshot(f)
	for _, r := range requests {
		if !strings.Contains(r, " /api/v3/") && r != "POST /api/graphql" {
			t.Errorf("request %q is not under /api/v3/ (or GHES's /api/graphql)", r)
		}
	}
}
