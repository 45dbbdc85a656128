package actiontest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"
)

// GitHub is one fake of the parts of GitHub's API the Action calls, so that each
// package's tests do not keep a copy: issue comments (list, create, edit), the
// pull request files list, workflow runs of a workflow file, GET /user and
// GraphQL's viewer. It answers as GitHub does: pages with Link headers, newest
// runs first, the same error shapes. It serves both URL shapes, github.com's
// (/repos/...) and GHES's (/api/v3/repos/..., /api/graphql).
//
// Set the exported fields before the first call of URL, Client or HTTPClient,
// which starts the server: the handlers read them without a lock.
type GitHub struct {
	// Owner and Repo name the one repository served; a request for another fails
	// the test.
	Owner, Repo string
	// Token is what every request must carry as "Authorization: Bearer"; "" checks
	// nothing.
	Token string

	// Self is the login GET /user answers; "" answers 403, as GitHub does for an
	// installation token (the Actions GITHUB_TOKEN).
	Self string
	// Viewer is the login GraphQL's viewer query answers; "" answers 403.
	Viewer string
	// Author is the login of the comments the token writes when Self is "";
	// default github-actions[bot]. AuthorType is their user type; default "Bot".
	Author, AuthorType string
	// FailCreate, FailEdit, FailFiles and FailRuns, when not 0, are the status
	// that creating a comment, editing one, listing a pull request's files and
	// listing workflow runs answer, with GitHub's "Resource not accessible by
	// integration" body.
	FailCreate, FailEdit, FailFiles, FailRuns int
	// RunsIgnoreFilters makes the runs list ignore its status and event
	// filters (the branch is still applied), so a test can check that the caller
	// does not trust the filters alone.
	RunsIgnoreFilters bool
	// Compare answers GET /repos/{o}/{r}/compare/{base}...{head}: the status
	// ("ahead", "identical", "behind", "diverged") for "base...head"; a pair it
	// does not hold answers 404, as GitHub does for an unknown commit.
	Compare map[string]string
	// RateLimited answers every request with GitHub's rate-limit 403
	// (X-RateLimit-Remaining: 0), which is not a missing permission.
	RateLimited bool

	t     testing.TB
	once  sync.Once
	srv   *httptest.Server
	mu    sync.Mutex
	reqs  []string
	sent  []string
	notes []Comment
	next  int64
	files map[int][]PullFile
	runs  []Run
}

// Comment is an issue (or pull request) comment the fake holds.
type Comment struct {
	ID    int64
	Issue int
	Body  string
	Login string
	Type  string // "User" or "Bot"
}

// PullFile is one entry of a pull request's files list.
type PullFile struct {
	Status           string // added, removed, modified, renamed, copied, changed, unchanged
	Filename         string
	PreviousFilename string // renamed and copied only
}

// Run is one workflow run. AddRuns takes them oldest first.
type Run struct {
	ID         int64
	Workflow   string // the workflow file name, e.g. notion-sync.yml
	Branch     string // head_branch
	Event      string // push, pull_request, schedule...
	Status     string // completed, in_progress, queued...; default completed
	Conclusion string // success, failure, cancelled...; "" while not completed
	HeadSHA    string
}

// PushRun is run id of sync.yml for a push to main at sha, ended with
// conclusion, or still in progress when conclusion is "".
func PushRun(id int64, conclusion, sha string) Run {
	r := Run{ID: id, Workflow: "sync.yml", Branch: "main", Event: "push", Conclusion: conclusion, HeadSHA: sha}
	if conclusion == "" {
		r.Status = "in_progress"
	}
	return r
}

// NewGitHub returns a fake for o/r that checks token on every request. The server
// starts on first use and stops when the test ends.
func NewGitHub(t testing.TB, token string) *GitHub {
	t.Helper()
	return &GitHub{t: t, Owner: "o", Repo: "r", Token: token, next: 1000, files: map[int][]PullFile{}}
}

// URL is the server's root; go-github's client wants URL()+"/api/v3/" (GHES) or
// URL()+"/".
func (g *GitHub) URL() string { g.start(); return g.srv.URL }

// HTTPClient is an HTTP client for the server.
func (g *GitHub) HTTPClient() *http.Client { g.start(); return g.srv.Client() }

// Client is a go-github client for the server, GHES-style, with the token.
func (g *GitHub) Client() *github.Client {
	g.start()
	gh := github.NewClient(g.srv.Client())
	if g.Token != "" {
		gh = gh.WithAuthToken(g.Token)
	}
	u, err := url.Parse(g.srv.URL + "/api/v3/")
	if err != nil {
		g.t.Fatal(err)
	}
	gh.BaseURL = u
	return gh
}

// Seed adds comments by login (of type typ) to pull request issue, one per body.
func (g *GitHub) Seed(issue int, login, typ string, bodies ...string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, b := range bodies {
		g.next++
		g.notes = append(g.notes, Comment{ID: g.next, Issue: issue, Body: b, Login: login, Type: typ})
	}
}

// SetPullFiles sets the files pull request number changes, in GitHub's order.
func (g *GitHub) SetPullFiles(number int, files []PullFile) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.files[number] = files
}

// AddRuns adds workflow runs, oldest first.
func (g *GitHub) AddRuns(runs ...Run) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, r := range runs {
		if r.Status == "" {
			r.Status = "completed"
		}
		g.runs = append(g.runs, r)
	}
}

// Comments returns the comments held, in creation order.
func (g *GitHub) Comments() []Comment {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.notes)
}

// Requests returns every request served, as "METHOD /path?query", in order.
func (g *GitHub) Requests() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.reqs)
}

// Bodies returns the bodies of the comments created and edited, in order.
func (g *GitHub) Bodies() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.sent)
}

// CommentURL is the html_url the fake gives comment id on pull request issue.
func (g *GitHub) CommentURL(issue int, id int64) string {
	return fmt.Sprintf("https://github.example/%s/%s/pull/%d#issuecomment-%d", g.Owner, g.Repo, issue, id)
}

func (g *GitHub) start() {
	g.once.Do(func() {
		mux := http.NewServeMux()
		// Each route also under GHES's prefixes: /api/v3 for REST, /api for GraphQL.
		handle := func(method, path, prefix string, h http.HandlerFunc) {
			mux.HandleFunc(method+" "+path, h)
			mux.HandleFunc(method+" "+prefix+path, h)
		}
		handle("GET", "/user", "/api/v3", g.user)
		handle("POST", "/graphql", "/api", g.graphql)
		handle("GET", "/repos/{owner}/{repo}/issues/{n}/comments", "/api/v3", g.repo(g.listComments))
		handle("POST", "/repos/{owner}/{repo}/issues/{n}/comments", "/api/v3", g.repo(g.createComment))
		handle("PATCH", "/repos/{owner}/{repo}/issues/comments/{id}", "/api/v3", g.repo(g.editComment))
		handle("GET", "/repos/{owner}/{repo}/pulls/{n}/files", "/api/v3", g.repo(g.pullFiles))
		handle("GET", "/repos/{owner}/{repo}/actions/workflows/{file}/runs", "/api/v3", g.repo(g.listRuns))
		handle("GET", "/repos/{owner}/{repo}/compare/{basehead}", "/api/v3", g.repo(g.compare))
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			g.t.Errorf("fake GitHub: unexpected request %s %s", r.Method, r.URL)
			g.json(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		})
		g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			g.mu.Lock()
			g.reqs = append(g.reqs, r.Method+" "+r.URL.RequestURI())
			g.mu.Unlock()
			if g.Token != "" && r.Header.Get("Authorization") != "Bearer "+g.Token {
				g.t.Errorf("fake GitHub: %s %s: Authorization = %q", r.Method, r.URL.Path, r.Header.Get("Authorization"))
				g.json(w, http.StatusUnauthorized, map[string]string{"message": "Bad credentials"})
				return
			}
			if g.RateLimited {
				w.Header().Set("X-RateLimit-Limit", "1000")
				w.Header().Set("X-RateLimit-Remaining", "0")
				w.Header().Set("X-RateLimit-Reset", "4102444800")
				g.json(w, http.StatusForbidden, map[string]string{"message": "API rate limit exceeded for installation."})
				return
			}
			mux.ServeHTTP(w, r)
		}))
		g.t.Cleanup(g.srv.Close)
	})
}

// repo checks that a request names the served repository.
func (g *GitHub) repo(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("owner") != g.Owner || r.PathValue("repo") != g.Repo {
			g.t.Errorf("fake GitHub: request for %s/%s, serving %s/%s", r.PathValue("owner"), r.PathValue("repo"), g.Owner, g.Repo)
			g.json(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
			return
		}
		h(w, r)
	}
}

func (g *GitHub) json(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		g.t.Errorf("fake GitHub: encode: %v", err)
	}
}

func (g *GitHub) denied(w http.ResponseWriter, status int, doc string) {
	g.json(w, status, map[string]string{
		"message":           "Resource not accessible by integration",
		"documentation_url": "https://docs.github.com/rest/" + doc,
	})
}

// page cuts items to the page r asks for (per_page default 30, at most 100, as
// GitHub does) and sets the Link header to the next page.
func page[T any](w http.ResponseWriter, r *http.Request, items []T) []T {
	perPage, err := strconv.Atoi(r.URL.Query().Get("per_page"))
	if err != nil || perPage <= 0 {
		perPage = 30
	}
	perPage = min(perPage, 100)
	n := 1
	if p, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && p > 0 {
		n = p
	}
	start := min((n-1)*perPage, len(items))
	end := min(start+perPage, len(items))
	if end < len(items) {
		next := *r.URL
		q := next.Query()
		q.Set("page", strconv.Itoa(n+1))
		next.RawQuery = q.Encode()
		w.Header().Set("Link", fmt.Sprintf(`<http://%s%s>; rel="next"`, r.Host, next.RequestURI()))
	}
	return items[start:end]
}

func (g *GitHub) user(w http.ResponseWriter, r *http.Request) {
	if g.Self == "" {
		g.denied(w, http.StatusForbidden, "users/users#get-the-authenticated-user")
		return
	}
	g.json(w, http.StatusOK, map[string]any{"login": g.Self, "type": "User"})
}

// graphql answers the one query the Action sends, viewer { login }.
func (g *GitHub) graphql(w http.ResponseWriter, r *http.Request) {
	var in struct{ Query string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || !strings.Contains(in.Query, "viewer") {
		g.t.Errorf("fake GitHub: graphql query %q, %v", in.Query, err)
	}
	if g.Viewer == "" {
		g.denied(w, http.StatusForbidden, "graphql")
		return
	}
	g.json(w, http.StatusOK, map[string]any{"data": map[string]any{"viewer": map[string]any{"login": g.Viewer}}})
}

func (g *GitHub) render(c Comment) map[string]any {
	return map[string]any{
		"id": c.ID, "body": c.Body, "html_url": g.CommentURL(c.Issue, c.ID),
		"user": map[string]any{"login": c.Login, "type": c.Type},
	}
}

func (g *GitHub) listComments(w http.ResponseWriter, r *http.Request) {
	issue, _ := strconv.Atoi(r.PathValue("n"))
	g.mu.Lock()
	var on []Comment
	for _, c := range g.notes {
		if c.Issue == issue {
			on = append(on, c)
		}
	}
	g.mu.Unlock()
	out := []map[string]any{}
	for _, c := range page(w, r, on) {
		out = append(out, g.render(c))
	}
	g.json(w, http.StatusOK, out)
}

// readBody reads a comment body and records it.
func (g *GitHub) readBody(r *http.Request) string {
	var in struct{ Body string }
	data, err := io.ReadAll(r.Body)
	if err == nil {
		err = json.Unmarshal(data, &in)
	}
	if err != nil {
		g.t.Errorf("fake GitHub: %s %s body: %v", r.Method, r.URL.Path, err)
	}
	g.mu.Lock()
	g.sent = append(g.sent, in.Body)
	g.mu.Unlock()
	return in.Body
}

func (g *GitHub) createComment(w http.ResponseWriter, r *http.Request) {
	body := g.readBody(r)
	if g.FailCreate != 0 {
		g.denied(w, g.FailCreate, "issues/comments#create-an-issue-comment")
		return
	}
	issue, _ := strconv.Atoi(r.PathValue("n"))
	login, typ := cmp.Or(g.Self, g.Author, "github-actions[bot]"), cmp.Or(g.AuthorType, "Bot")
	g.mu.Lock()
	g.next++
	c := Comment{ID: g.next, Issue: issue, Body: body, Login: login, Type: typ}
	g.notes = append(g.notes, c)
	g.mu.Unlock()
	g.json(w, http.StatusCreated, g.render(c))
}

func (g *GitHub) editComment(w http.ResponseWriter, r *http.Request) {
	body := g.readBody(r)
	if g.FailEdit != 0 {
		g.denied(w, g.FailEdit, "issues/comments#update-an-issue-comment")
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	g.mu.Lock()
	i := slices.IndexFunc(g.notes, func(c Comment) bool { return c.ID == id })
	var c Comment
	if i >= 0 {
		g.notes[i].Body = body
		c = g.notes[i]
	}
	g.mu.Unlock()
	if i < 0 {
		g.json(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return
	}
	g.json(w, http.StatusOK, g.render(c))
}

func (g *GitHub) pullFiles(w http.ResponseWriter, r *http.Request) {
	if g.FailFiles != 0 {
		g.denied(w, g.FailFiles, "pulls/pulls#list-pull-requests-files")
		return
	}
	n, _ := strconv.Atoi(r.PathValue("n"))
	g.mu.Lock()
	files := g.files[n]
	g.mu.Unlock()
	out := []map[string]string{}
	for _, f := range page(w, r, files) {
		m := map[string]string{"status": f.Status, "filename": f.Filename}
		if f.PreviousFilename != "" {
			m["previous_filename"] = f.PreviousFilename
		}
		out = append(out, m)
	}
	g.json(w, http.StatusOK, out)
}

// compare serves GET /repos/{o}/{r}/compare/{base}...{head} from Compare: the
// status alone, with no commits or files, which is all the Action reads.
func (g *GitHub) compare(w http.ResponseWriter, r *http.Request) {
	status, ok := g.Compare[r.PathValue("basehead")]
	if !ok {
		g.json(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return
	}
	g.json(w, http.StatusOK, map[string]any{"status": status, "commits": []any{}, "files": []any{}})
}

// listRuns serves GET /repos/{o}/{r}/actions/workflows/{file}/runs with the
// branch, event and status filters (status takes a status or a conclusion, as
// GitHub's does), newest run first.
func (g *GitHub) listRuns(w http.ResponseWriter, r *http.Request) {
	if g.FailRuns != 0 {
		g.denied(w, g.FailRuns, "actions/workflow-runs#list-workflow-runs-for-a-workflow")
		return
	}
	file := r.PathValue("file")
	q := r.URL.Query()
	g.mu.Lock()
	known := false
	var match []Run
	for i := len(g.runs) - 1; i >= 0; i-- {
		run := g.runs[i]
		if run.Workflow != file {
			continue
		}
		known = true
		if b := q.Get("branch"); b != "" && run.Branch != b {
			continue
		}
		if !g.RunsIgnoreFilters {
			if e := q.Get("event"); e != "" && run.Event != e {
				continue
			}
			if s := q.Get("status"); s != "" && run.Status != s && run.Conclusion != s {
				continue
			}
		}
		match = append(match, run)
	}
	g.mu.Unlock()
	if !known {
		g.json(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return
	}
	out := []map[string]any{}
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, run := range page(w, r, match) {
		var conclusion any
		if run.Conclusion != "" {
			conclusion = run.Conclusion
		}
		out = append(out, map[string]any{
			"id": run.ID, "name": "notion-sync", "head_branch": run.Branch, "head_sha": run.HeadSHA,
			"path": ".github/workflows/" + run.Workflow, "event": run.Event, "status": run.Status,
			"conclusion": conclusion, "run_number": run.ID,
			"created_at": created.Add(time.Duration(run.ID) * time.Minute).Format(time.RFC3339),
			"html_url":   fmt.Sprintf("https://github.example/%s/%s/actions/runs/%d", g.Owner, g.Repo, run.ID),
		})
	}
	g.json(w, http.StatusOK, map[string]any{"total_count": len(match), "workflow_runs": out})
}
