package app

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	"github.com/google/go-cmp/cmp"

	"github.com/lukhas/notion-sync-action/internal/action"
	"github.com/lukhas/notion-sync-action/internal/config"
	"github.com/lukhas/notion-sync-action/internal/notion/notiontest"
	"github.com/lukhas/notion-sync-action/internal/report"
)

// ghToken is the github-token input of the tests; like the Notion token, it must
// never show.
const ghToken = "ghs_fakeGitHubToken0123456789"

// fakeGitHub is the part of GitHub's REST API the action calls: issue comments,
// pull request files, and GET /user (refused, as for an installation token). It
// serves under /api/v3 too, where go-github puts a GHES base URL.
type fakeGitHub struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	comments []fakeComment
	calls    []string // "METHOD path", comment writes only
	readOnly bool     // a fork's token: writes get 403
	files    []map[string]string
	listed   int // pull request files requests
}

type fakeComment struct {
	ID   int64
	Body string
}

func newFakeGitHub(t *testing.T) *fakeGitHub {
	t.Helper()
	g := &fakeGitHub{t: t}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /user", func(w http.ResponseWriter, r *http.Request) {
		g.write(w, http.StatusForbidden, map[string]string{"message": "Resource not accessible by integration"})
	})
	mux.HandleFunc("GET /repos/octo/mono/issues/{n}/comments", func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		defer g.mu.Unlock()
		var out []map[string]any
		for _, c := range g.comments {
			out = append(out, g.comment(r.PathValue("n"), c))
		}
		g.write(w, http.StatusOK, out)
	})
	mux.HandleFunc("POST /repos/octo/mono/issues/{n}/comments", func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		defer g.mu.Unlock()
		g.calls = append(g.calls, "POST "+r.URL.Path)
		if g.readOnly {
			g.write(w, http.StatusForbidden, map[string]string{"message": "Resource not accessible by integration"})
			return
		}
		var body struct{ Body string }
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			t.Errorf("create comment: %v", err)
		}
		c := fakeComment{ID: int64(100 + len(g.comments)), Body: body.Body}
		g.comments = append(g.comments, c)
		g.write(w, http.StatusCreated, g.comment(r.PathValue("n"), c))
	})
	mux.HandleFunc("PATCH /repos/octo/mono/issues/comments/{id}", func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		defer g.mu.Unlock()
		g.calls = append(g.calls, "PATCH "+r.URL.Path)
		id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
		var body struct{ Body string }
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			t.Errorf("edit comment: %v", err)
		}
		for i := range g.comments {
			if g.comments[i].ID == id {
				g.comments[i].Body = body.Body
				g.write(w, http.StatusOK, g.comment("7", g.comments[i]))
				return
			}
		}
		g.write(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
	})
	mux.HandleFunc("GET /repos/octo/mono/pulls/{n}/files", func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		defer g.mu.Unlock()
		g.listed++
		g.write(w, http.StatusOK, g.files)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("fake GitHub: unexpected %s %s", r.Method, r.URL)
		g.write(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
	})
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != "Bearer "+ghToken {
			t.Errorf("fake GitHub: Authorization = %q", got)
		}
		r.URL.Path = "/" + strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/api/v3"), "/")
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *fakeGitHub) comment(n string, c fakeComment) map[string]any {
	return map[string]any{
		"id": c.ID, "body": c.Body,
		"html_url": fmt.Sprintf("https://github.com/octo/mono/pull/%s#issuecomment-%d", n, c.ID),
		"user":     map[string]any{"login": "github-actions[bot]", "type": "Bot"},
	}
}

func (g *fakeGitHub) write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		g.t.Errorf("fake GitHub: %v", err)
	}
}

func (g *fakeGitHub) state() ([]fakeComment, []string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.comments), slices.Clone(g.calls)
}

// actionHarness is a workspace that is a git repository of the example
// manifests, an emulated database, a fake GitHub, and the runner's files.
type actionHarness struct {
	*harness
	git  *git.Repository
	gh   *fakeGitHub
	env  map[string]string
	dir  string
	runs int
}

// actionResult is what one run of the action left.
type actionResult struct {
	code            int
	stdout, stderr  string
	outputs         map[string]string
	outputFile      string
	summary         string
	commentsAtCheck []fakeComment
}

func newActionHarness(t *testing.T) *actionHarness {
	t.Helper()
	h := newHarness(t, notiontest.Options{})
	repo, err := git.PlainInit(h.repo, false)
	if err != nil {
		t.Fatal(err)
	}
	commitAll(t, repo, "initial")
	a := &actionHarness{harness: h, git: repo, gh: newFakeGitHub(t), dir: t.TempDir()}
	a.env = map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_WORKSPACE":    h.repo,
		"GITHUB_REPOSITORY":   "octo/mono",
		"GITHUB_API_URL":      a.gh.srv.URL,
		"GITHUB_SERVER_URL":   "https://github.com",
		"GITHUB_RUN_ID":       "42",
		"GITHUB_RUN_ATTEMPT":  "1",
		"GITHUB_JOB":          "notion",
		"NOTION_API_BASE_URL": h.srv.URL(),

		"INPUT_NOTION-TOKEN":    h.srv.Token(),
		"INPUT_DATABASE-ID":     h.db,
		"INPUT_GITHUB-TOKEN":    ghToken,
		"INPUT_RATE-LIMIT":      "1000",
		"INPUT_UPLOAD-ARTIFACT": "false",
	}
	return a
}

// head is the sha HEAD points at.
func (a *actionHarness) head() string {
	a.t.Helper()
	ref, err := a.git.Head()
	if err != nil {
		a.t.Fatal(err)
	}
	return ref.Hash().String()
}

// commit commits the workspace and returns the new sha.
func (a *actionHarness) commit(msg string) string {
	a.t.Helper()
	commitAll(a.t, a.git, msg)
	return a.head()
}

// payload reads a fixture of internal/action/testdata and sets fields on it.
func payload(t *testing.T, name string, set func(p map[string]any)) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "action", "testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatal(err)
	}
	if set != nil {
		set(p)
	}
	return p
}

func pushPayload(t *testing.T, before, after string, forced bool) map[string]any {
	return payload(t, "push", func(p map[string]any) {
		p["before"], p["after"], p["forced"] = before, after, forced
		p["created"] = before == strings.Repeat("0", 40)
	})
}

func prPayload(t *testing.T, number int, base, head, headRepo string) map[string]any {
	return payload(t, "pull_request", func(p map[string]any) {
		p["number"] = number
		pr := p["pull_request"].(map[string]any)
		pr["number"] = number
		pr["base"].(map[string]any)["sha"] = base
		pr["base"].(map[string]any)["repo"].(map[string]any)["full_name"] = "octo/mono"
		pr["head"].(map[string]any)["sha"] = head
		pr["head"].(map[string]any)["repo"].(map[string]any)["full_name"] = headRepo
	})
}

// run runs the action once for event with payload, with inputs on top of the
// harness's, and checks the invariants of every run: no token anywhere, and
// exactly the declared outputs.
func (a *actionHarness) run(event string, p map[string]any, inputs map[string]string) actionResult {
	a.t.Helper()
	a.runs++
	n := strconv.Itoa(a.runs)
	env := map[string]string{}
	for k, v := range a.env {
		env[k] = v
	}
	for k, v := range inputs {
		env["INPUT_"+strings.ToUpper(k)] = v
	}
	env["GITHUB_EVENT_NAME"] = event
	env["GITHUB_SHA"] = a.head()
	if p != nil {
		data, err := json.Marshal(p)
		if err != nil {
			a.t.Fatal(err)
		}
		env["GITHUB_EVENT_PATH"] = filepath.Join(a.dir, "event"+n+".json")
		if err := os.WriteFile(env["GITHUB_EVENT_PATH"], data, 0o644); err != nil {
			a.t.Fatal(err)
		}
	}
	res := actionResult{outputFile: filepath.Join(a.dir, "output"+n)}
	env["GITHUB_OUTPUT"] = res.outputFile
	env["GITHUB_STEP_SUMMARY"] = filepath.Join(a.dir, "summary"+n)
	for _, f := range []string{res.outputFile, env["GITHUB_STEP_SUMMARY"]} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			a.t.Fatal(err)
		}
	}
	var stdout, stderr bytes.Buffer
	res.code = Main(a.t.Context(), nil, func(k string) string { return env[k] }, &stdout, &stderr)
	res.stdout, res.stderr = stdout.String(), stderr.String()
	out, err := os.ReadFile(res.outputFile)
	if err != nil {
		a.t.Fatal(err)
	}
	res.outputs = parseOutputFile(a.t, string(out))
	summary, err := os.ReadFile(env["GITHUB_STEP_SUMMARY"])
	if err != nil {
		a.t.Fatal(err)
	}
	res.summary = string(summary)
	res.commentsAtCheck, _ = a.gh.state()
	a.checkSecrets(res, string(out))
	return res
}

// checkSecrets fails the test if a token shows anywhere a person or another
// step can read it. ::add-mask:: lines are the one place the runner must see
// them, and it never prints them.
func (a *actionHarness) checkSecrets(res actionResult, outputFile string) {
	a.t.Helper()
	var logged []string
	for _, l := range strings.Split(res.stdout, "\n") {
		if !strings.HasPrefix(l, "::add-mask::") {
			logged = append(logged, l)
		}
	}
	places := map[string]string{
		"stdout": strings.Join(logged, "\n"), "stderr": res.stderr,
		"GITHUB_OUTPUT": outputFile, "summary": res.summary,
	}
	for _, c := range res.commentsAtCheck {
		places["comment "+strconv.FormatInt(c.ID, 10)] = c.Body
	}
	for _, name := range []string{"notion_sync_plan.json", "notion_sync_ledger.jsonl", "notion_api_audit.log"} {
		if data, err := os.ReadFile(filepath.Join(a.repo, "artifacts", name)); err == nil {
			places[name] = string(data)
		}
	}
	for where, text := range places {
		for _, secret := range []string{a.srv.Token(), ghToken} {
			if strings.Contains(text, secret) {
				a.t.Errorf("a token appears in %s", where)
			}
		}
	}
	if res.code == ExitOK || res.code == ExitProblems {
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range res.outputs {
				if !yield(k) {
					return
				}
			}
		})
		if diff := cmp.Diff(slices.Sorted(slices.Values(actionOutputs)), keys); diff != "" {
			a.t.Errorf("outputs written (-want +got):\n%s", diff)
		}
	}
}

// parseOutputFile reads GITHUB_OUTPUT as the runner does
// (FileCommandManager.EnvFileKeyValuePairs).
func parseOutputFile(t *testing.T, data string) map[string]string {
	t.Helper()
	out := map[string]string{}
	lines := strings.Split(data, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if line == "" {
			continue
		}
		eq, hd := strings.Index(line, "="), strings.Index(line, "<<")
		switch {
		case eq >= 0 && (hd < 0 || eq < hd):
			out[line[:eq]] = line[eq+1:]
		case hd >= 0:
			key, delim := line[:hd], line[hd+2:]
			var val []string
			closed := false
			for i++; i < len(lines); i++ {
				if lines[i] == delim {
					closed = true
					break
				}
				val = append(val, lines[i])
			}
			if !closed {
				t.Fatalf("GITHUB_OUTPUT: matching delimiter not found for %q", key)
			}
			if _, dup := out[key]; dup {
				t.Errorf("GITHUB_OUTPUT: output %q written twice", key)
			}
			out[key] = strings.Join(val, "\n")
		default:
			t.Fatalf("GITHUB_OUTPUT: invalid line %q", line)
		}
	}
	return out
}

func (res actionResult) failf(t *testing.T, format string, a ...any) {
	t.Helper()
	t.Fatalf(format+"\nexit %d\nstdout:\n%s\nstderr:\n%s\nsummary:\n%s", append(a, res.code, res.stdout, res.stderr, res.summary)...)
}

// readPlan reads the plan file the plan-path output names.
func (a *actionHarness) readPlan(res actionResult) report.Plan {
	a.t.Helper()
	if res.outputs["plan-path"] == "" {
		res.failf(a.t, "no plan-path output")
	}
	p, err := report.ReadPlan(filepath.Join(a.repo, filepath.FromSlash(res.outputs["plan-path"])))
	if err != nil {
		a.t.Fatal(err)
	}
	return p
}

func planModules(p report.Plan) map[string]string {
	out := map[string]string{}
	for _, c := range p.Changes {
		out[c.Module] = c.Action
	}
	return out
}

func counts(res actionResult) map[string]string {
	out := map[string]string{}
	for _, k := range []string{"created", "updated", "archived", "unchanged", "failed", "has-changes"} {
		out[k] = res.outputs[k]
	}
	return out
}

func wantCounts(created, updated, archived, unchanged, failed int) map[string]string {
	return map[string]string{
		"created": strconv.Itoa(created), "updated": strconv.Itoa(updated), "archived": strconv.Itoa(archived),
		"unchanged": strconv.Itoa(unchanged), "failed": strconv.Itoa(failed),
		"has-changes": strconv.FormatBool(created+updated+archived > 0),
	}
}

// TestActionDispatchThenPush is the main path: workflow_dispatch syncs every
// manifest; a push with a real before syncs only the manifests it changed.
func TestActionDispatchThenPush(t *testing.T) {
	t.Parallel()
	a := newActionHarness(t)
	keys := exampleKeys(t)

	res := a.run("workflow_dispatch", payload(t, "workflow_dispatch", nil), nil)
	if res.code != ExitOK {
		res.failf(t, "workflow_dispatch")
	}
	if diff := cmp.Diff(wantCounts(len(keys), 0, 0, 0, 0), counts(res)); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
	want := map[string]string{"plan-path": "artifacts/notion_sync_plan.json", "ledger-path": "artifacts/notion_sync_ledger.jsonl", "comment-url": ""}
	for k, v := range want {
		if res.outputs[k] != v {
			t.Errorf("output %s = %q, want %q", k, res.outputs[k], v)
		}
	}
	if len(a.live()) != len(keys) {
		t.Errorf("%d pages after the full sync, want %d", len(a.live()), len(keys))
	}
	if !strings.Contains(res.summary, "## Notion sync") {
		t.Errorf("summary has no heading:\n%s", res.summary)
	}

	before := a.head()
	if err := editDescription(a.repo, "memory/module.manifest.json", "Rewritten memory"); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(a.repo, "dream")); err != nil {
		t.Fatal(err)
	}
	after := a.commit("edit memory, drop dream")
	a.srv.ResetRequests()
	res = a.run("push", pushPayload(t, before, after, false), nil)
	if res.code != ExitOK {
		res.failf(t, "push")
	}
	if diff := cmp.Diff(wantCounts(0, 1, 1, 0, 0), counts(res)); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"memory": "update", "dream": "archive"}, planModules(a.readPlan(res))); diff != "" {
		t.Errorf("plan (-want +got):\n%s", diff)
	}
	if got := a.live()["memory"].PlainText("Description"); got != "Rewritten memory" {
		t.Errorf("memory description = %q", got)
	}
	if n := a.srv.Count("POST", "/v1/databases/{id}/query"); n != 2 {
		t.Errorf("%d database queries, want 2 filtered ones (not a full read)", n)
	}
	if strings.Contains(res.summary, "Full sync") {
		t.Errorf("a push with a real before said it synced everything:\n%s", res.summary)
	}
	if !strings.Contains(res.stdout, "::group::Notion sync\n") || !strings.Contains(res.stdout, "::endgroup::\n") {
		t.Errorf("the sync's log is not grouped:\n%s", res.stdout)
	}
}

// TestActionPushFallsBackToFullSync covers the pushes whose before cannot be
// diffed: a new branch (zero before), a force-push, and a before the checkout
// lacks. Each syncs every manifest and says why in the summary.
func TestActionPushFallsBackToFullSync(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		before func(a *actionHarness) string
		forced bool
		note   string
	}{
		{"new branch", func(*actionHarness) string { return strings.Repeat("0", 40) }, false, "Full sync: the push created the branch"},
		{"force-push", func(a *actionHarness) string { return a.head() }, true, "Full sync: this push was forced"},
		{"before not in the checkout", func(*actionHarness) string { return "0123456789abcdef0123456789abcdef01234567" }, false,
			"Full sync: the base commit 0123456789ab is not in this checkout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newActionHarness(t)
			before := tt.before(a)
			if err := editDescription(a.repo, "memory/module.manifest.json", "Rewritten memory"); err != nil {
				t.Fatal(err)
			}
			after := a.commit("edit memory")
			res := a.run("push", pushPayload(t, before, after, tt.forced), nil)
			if res.code != ExitOK {
				res.failf(t, "push")
			}
			n := len(exampleKeys(t))
			if diff := cmp.Diff(wantCounts(n, 0, 0, 0, 0), counts(res)); diff != "" {
				t.Errorf("outputs (-want +got):\n%s", diff)
			}
			if !strings.Contains(res.summary, tt.note) {
				t.Errorf("summary does not say %q:\n%s", tt.note, res.summary)
			}
		})
	}
}

// TestActionPullRequest plans without writing to Notion and keeps one comment:
// created by the first run, edited by the next.
func TestActionPullRequest(t *testing.T) {
	t.Parallel()
	a := newActionHarness(t)
	if res := a.run("workflow_dispatch", nil, nil); res.code != ExitOK {
		res.failf(t, "initial sync")
	}
	base := a.head()
	if err := editDescription(a.repo, "memory/module.manifest.json", "Planned memory"); err != nil {
		t.Fatal(err)
	}
	head := a.commit("edit memory")
	a.srv.ResetRequests()
	res := a.run("pull_request", prPayload(t, 7, base, head, "octo/mono"), nil)
	if res.code != ExitOK {
		res.failf(t, "pull_request")
	}
	if n := a.writes(); n != 0 {
		t.Errorf("the plan wrote %d times to Notion", n)
	}
	if diff := cmp.Diff(wantCounts(0, 1, 0, 0, 0), counts(res)); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
	if res.outputs["ledger-path"] != "artifacts/notion_sync_ledger.jsonl" {
		// The ledger of the earlier sync is there; the plan added nothing to it.
		t.Errorf("ledger-path = %q", res.outputs["ledger-path"])
	}
	comments, calls := a.gh.state()
	if len(comments) != 1 || len(calls) != 1 || !strings.HasPrefix(calls[0], "POST ") {
		t.Fatalf("after the first run: comments %+v, calls %v; want one created", comments, calls)
	}
	first := comments[0]
	for _, want := range []string{"<!-- notion-sync config=built-in -->", "Notion sync plan", "memory", "https://github.com/octo/mono/actions/runs/42"} {
		if !strings.Contains(first.Body, want) {
			t.Errorf("comment lacks %q:\n%s", want, first.Body)
		}
	}
	if want := fmt.Sprintf("https://github.com/octo/mono/pull/7#issuecomment-%d", first.ID); res.outputs["comment-url"] != want {
		t.Errorf("comment-url = %q, want %q", res.outputs["comment-url"], want)
	}

	if err := editDescription(a.repo, "dream/module.manifest.json", "Planned dream"); err != nil {
		t.Fatal(err)
	}
	head = a.commit("edit dream")
	res = a.run("pull_request", prPayload(t, 7, base, head, "octo/mono"), nil)
	if res.code != ExitOK {
		res.failf(t, "second pull_request run")
	}
	comments, calls = a.gh.state()
	if len(comments) != 1 {
		t.Fatalf("%d comments after the second run, want the one edited", len(comments))
	}
	if diff := cmp.Diff([]string{"POST /repos/octo/mono/issues/7/comments", fmt.Sprintf("PATCH /repos/octo/mono/issues/comments/%d", first.ID)}, calls); diff != "" {
		t.Errorf("comment calls (-want +got):\n%s", diff)
	}
	if !strings.Contains(comments[0].Body, "dream") {
		t.Errorf("the edited comment does not show the new change:\n%s", comments[0].Body)
	}
	if n := a.writes(); n != 0 {
		t.Errorf("the plans wrote %d times to Notion", n)
	}
}

// TestActionPullRequestFilesAPI checks the fallback for a shallow checkout:
// the base commit is missing, so the changed files come from GitHub's API.
func TestActionPullRequestFilesAPI(t *testing.T) {
	t.Parallel()
	a := newActionHarness(t)
	a.gh.files = []map[string]string{
		{"filename": "memory/module.manifest.json", "status": "modified"},
		{"filename": "README.md", "status": "modified"},
	}
	missing := "0123456789abcdef0123456789abcdef01234567"
	res := a.run("pull_request", prPayload(t, 7, missing, a.head(), "octo/mono"), map[string]string{"comment": "false"})
	if res.code != ExitOK {
		res.failf(t, "pull_request")
	}
	if diff := cmp.Diff(map[string]string{"memory": "create"}, planModules(a.readPlan(res))); diff != "" {
		t.Errorf("plan (-want +got):\n%s", diff)
	}
	if !strings.Contains(res.summary, "GitHub") || !strings.Contains(res.summary, "0123456789ab") {
		t.Errorf("summary does not say where the changes came from:\n%s", res.summary)
	}
	if _, calls := a.gh.state(); len(calls) != 0 {
		t.Errorf("comment: false, but %v", calls)
	}
}

// TestActionPullRequestMergeCommit checks the fetch-depth: 2 path: HEAD is the
// merge commit GitHub makes and the base sha is not in the checkout, so the
// diff runs from HEAD's first parent.
func TestActionPullRequestMergeCommit(t *testing.T) {
	t.Parallel()
	a := newActionHarness(t)
	base := a.head()
	if err := editDescription(a.repo, "quantum/module.manifest.json", "Merged quantum"); err != nil {
		t.Fatal(err)
	}
	head := a.commit("edit quantum")
	wt, err := a.git.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	sig := &object.Signature{Name: "t", Email: "t@example.com", When: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)}
	if _, err := wt.Commit("merge", &git.CommitOptions{Author: sig, AllowEmptyCommits: true,
		Parents: []plumbing.Hash{plumbing.NewHash(base), plumbing.NewHash(head)}}); err != nil {
		t.Fatal(err)
	}
	missing := "0123456789abcdef0123456789abcdef01234567"
	res := a.run("pull_request", prPayload(t, 7, missing, head, "octo/mono"), map[string]string{"comment": "false"})
	if res.code != ExitOK {
		res.failf(t, "pull_request")
	}
	if diff := cmp.Diff(map[string]string{"quantum": "create"}, planModules(a.readPlan(res))); diff != "" {
		t.Errorf("plan (-want +got):\n%s", diff)
	}
	a.gh.mu.Lock()
	listed := a.gh.listed
	a.gh.mu.Unlock()
	if listed != 0 {
		t.Errorf("the files API was called %d times; the merge commit was enough", listed)
	}
}

// TestActionForkPullRequest is a fork's pull request: no Notion secret and a
// read-only GitHub token. The plan comes from the manifests alone, Notion is
// never called, the refused comment is a warning, and the step passes.
func TestActionForkPullRequest(t *testing.T) {
	t.Parallel()
	a := newActionHarness(t)
	a.gh.readOnly = true
	base := a.head()
	if err := editDescription(a.repo, "memory/module.manifest.json", "Fork memory"); err != nil {
		t.Fatal(err)
	}
	head := a.commit("fork edit")
	a.srv.ResetRequests()
	res := a.run("pull_request", prPayload(t, 7, base, head, "someone/mono"), map[string]string{"notion-token": ""})
	if res.code != ExitOK {
		res.failf(t, "fork pull_request")
	}
	if n := len(a.srv.Requests()); n != 0 {
		t.Errorf("%d Notion requests without a token", n)
	}
	if diff := cmp.Diff(wantCounts(1, 0, 0, 0, 0), counts(res)); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
	if !strings.Contains(res.stdout, "::warning title=notion-sync%3A no PR comment::") || !strings.Contains(res.stdout, "read-only token") {
		t.Errorf("no warning about the refused comment:\n%s", res.stdout)
	}
	if !strings.Contains(res.summary, "No Notion token") || !strings.Contains(res.summary, "offline") {
		t.Errorf("summary does not say the plan is offline:\n%s", res.summary)
	}
	if res.outputs["comment-url"] != "" {
		t.Errorf("comment-url = %q for a refused comment", res.outputs["comment-url"])
	}
}

// TestActionOutputInjection puts text made to forge outputs and workflow
// commands into a manifest: the outputs stay exactly the declared ones, and
// the text is printed only while workflow commands are stopped.
func TestActionOutputInjection(t *testing.T) {
	t.Parallel()
	a := newActionHarness(t)
	evil := "x\n_GitHubActionsFileCommandDelimeter_\nfailed=0\nghadelimiter_00000000000000000000000000000000\nhas-changes=false\n::error::forged\n::add-mask::x"
	if err := editDescription(a.repo, "memory/module.manifest.json", evil); err != nil {
		t.Fatal(err)
	}
	a.commit("evil description")
	res := a.run("workflow_dispatch", nil, nil)
	if res.code != ExitOK {
		res.failf(t, "workflow_dispatch")
	}
	if diff := cmp.Diff(wantCounts(len(exampleKeys(t)), 0, 0, 0, 0), counts(res)); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
	for _, l := range strings.Split(res.stdout, "\n") {
		if strings.HasPrefix(l, "::error::forged") || l == "::add-mask::x" {
			t.Errorf("manifest text became a workflow command: %q", l)
		}
	}
	// The report, which shows manifest text, is printed with commands stopped.
	start := strings.Index(res.stdout, "::stop-commands::")
	if start < 0 {
		t.Fatalf("the report is not printed with workflow commands stopped:\n%s", res.stdout)
	}
	token := strings.SplitN(res.stdout[start+len("::stop-commands::"):], "\n", 2)[0]
	end := strings.Index(res.stdout, "::"+token+"::")
	if len(token) < 32 || end < start || !strings.Contains(res.stdout[start:end], "Syncing") {
		t.Errorf("the report is not between ::stop-commands:: and its resume:\n%s", res.stdout)
	}
}

// TestActionFailedManifest checks annotations and fail-on-error: a broken
// manifest is an error annotation at its line and exit 1, or with
// fail-on-error: false a warning and exit 0.
func TestActionFailedManifest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		failOnError string
		code        int
		kind        string
	}{
		{"", ExitProblems, "error"},
		{"false", ExitOK, "warning"},
	}
	for _, tt := range tests {
		t.Run("fail-on-error="+tt.failOnError, func(t *testing.T) {
			t.Parallel()
			a := newActionHarness(t)
			broken := filepath.Join(a.repo, "broken", "module.manifest.json")
			if err := os.MkdirAll(filepath.Dir(broken), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(broken, []byte("{\n  \"module\": \"broken\",\n  \"tags\": [\"a\",]\n}\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			a.commit("broken manifest")
			res := a.run("workflow_dispatch", nil, map[string]string{"fail-on-error": tt.failOnError})
			if res.code != tt.code {
				res.failf(t, "want exit %d", tt.code)
			}
			if res.outputs["failed"] != "1" {
				t.Errorf("failed = %q, want 1", res.outputs["failed"])
			}
			want := "::" + tt.kind + " col="
			var line string
			for _, l := range strings.Split(res.stdout, "\n") {
				if strings.HasPrefix(l, want) && strings.Contains(l, "file=broken/module.manifest.json,line=3,") {
					line = l
				}
			}
			if line == "" {
				t.Errorf("no %s annotation at broken/module.manifest.json line 3:\n%s", tt.kind, res.stdout)
			}
			if strings.Contains(line, "::broken/module.manifest.json:3") {
				t.Errorf("the annotation repeats the place in its message: %s", line)
			}
		})
	}
}

func TestActionBadInputs(t *testing.T) {
	t.Parallel()
	a := newActionHarness(t)
	a.srv.ResetRequests()
	res := a.run("push", pushPayload(t, a.head(), a.head(), false), map[string]string{"mode": "deploy", "batch-delay": "soon"})
	if res.code != ExitUsage {
		res.failf(t, "want exit %d", ExitUsage)
	}
	for _, want := range []string{"::error title=notion-sync%3A bad input::input mode: \"deploy\" is not one of", "::error title=notion-sync%3A bad input::input batch-delay:"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, res.stdout)
		}
	}
	if n := len(a.srv.Requests()); n != 0 {
		t.Errorf("%d Notion requests with bad inputs", n)
	}
	if !strings.HasPrefix(res.stdout, "::add-mask::") {
		t.Errorf("the tokens are not masked first:\n%s", res.stdout)
	}
}

func TestActionNoOutputFile(t *testing.T) {
	t.Parallel()
	a := newActionHarness(t)
	delete(a.env, "GITHUB_OUTPUT")
	env := func(k string) string {
		if k == "GITHUB_OUTPUT" {
			return ""
		}
		return a.env[k]
	}
	var stdout, stderr bytes.Buffer
	code := Main(t.Context(), nil, env, &stdout, &stderr)
	if code != ExitFatal || !strings.Contains(stderr.String(), "GITHUB_OUTPUT is not set") {
		t.Errorf("exit %d, stderr %q; want %d and the reason", code, stderr.String(), ExitFatal)
	}
	if n := len(a.srv.Requests()); n != 0 {
		t.Errorf("%d Notion requests without an output file", n)
	}
}

// TestActionNoToken is a push with no Notion secret: a usage error that names
// the input, not the CLI's variables.
func TestActionNoToken(t *testing.T) {
	t.Parallel()
	a := newActionHarness(t)
	res := a.run("push", pushPayload(t, a.head(), a.head(), false), map[string]string{"notion-token": ""})
	if res.code != ExitUsage || !strings.Contains(res.stderr, "notion-token input") {
		res.failf(t, "want exit %d naming the notion-token input", ExitUsage)
	}
	if !strings.Contains(res.summary, "Notion sync failed") {
		t.Errorf("summary does not say the run failed:\n%s", res.summary)
	}
}

// TestActionModes runs the read-only modes through the CLI's commands.
func TestActionModes(t *testing.T) {
	t.Parallel()
	a := newActionHarness(t)
	if res := a.run("workflow_dispatch", nil, nil); res.code != ExitOK {
		res.failf(t, "sync")
	}
	tests := []struct {
		mode, want string
		code       int
	}{
		{"verify", "## Notion verify", ExitOK},
		{"preflight", "Pre-flight", ExitProblems}, // the example manifests are not hydrated
		{"health", "## Notion health", ExitOK},
		{"audit", "## Notion audit", ExitOK},
	}
	for _, tt := range tests {
		a.srv.ResetRequests()
		res := a.run("workflow_dispatch", nil, map[string]string{"mode": tt.mode})
		if res.code != tt.code || !strings.Contains(res.summary, tt.want) {
			res.failf(t, "mode %s: want exit %d and %q in the summary", tt.mode, tt.code, tt.want)
		}
		if n := a.writes(); n != 0 {
			t.Errorf("mode %s wrote %d times to Notion", tt.mode, n)
		}
	}
}

// TestActionArtifactUnavailable: without the runner's results service the
// upload is a warning and the files stay in the workspace.
func TestActionArtifactUnavailable(t *testing.T) {
	t.Parallel()
	a := newActionHarness(t)
	res := a.run("workflow_dispatch", nil, map[string]string{"upload-artifact": "true"})
	if res.code != ExitOK {
		res.failf(t, "sync")
	}
	if !strings.Contains(res.stdout, "::warning title=notion-sync%3A no artifact::ACTIONS_RESULTS_URL or ACTIONS_RUNTIME_TOKEN is missing") {
		t.Errorf("no warning about the artifact:\n%s", res.stdout)
	}
	if _, err := os.Stat(filepath.Join(a.repo, "artifacts", "notion_sync_ledger.jsonl")); err != nil {
		t.Errorf("the ledger is not in the workspace: %v", err)
	}
}

func TestActionBranchDeleted(t *testing.T) {
	t.Parallel()
	a := newActionHarness(t)
	p := pushPayload(t, a.head(), strings.Repeat("0", 40), false)
	p["deleted"] = true
	a.srv.ResetRequests()
	res := a.run("push", p, nil)
	if res.code != ExitOK || !strings.Contains(res.summary, "deleted the branch") {
		res.failf(t, "deleted branch")
	}
	if n := len(a.srv.Requests()); n != 0 {
		t.Errorf("%d Notion requests for a deleted branch", n)
	}
}

func TestCommentMarker(t *testing.T) {
	t.Parallel()
	tests := []struct{ file, want string }{
		{"", "<!-- notion-sync config=built-in -->"},
		{".github/notion-sync.yml", "<!-- notion-sync config=.github/notion-sync.yml -->"},
		{"ci/a-->b\n.yml", "<!-- notion-sync config=ci/a___b .yml -->"},
	}
	for _, tt := range tests {
		if got := commentMarker(&config.Config{File: tt.file}); got != tt.want {
			t.Errorf("commentMarker(%q) = %q, want %q", tt.file, got, tt.want)
		}
	}
}

func TestCodeBlock(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain\n", "```text\nplain\n```\n"},
		{"a ``` b", "````text\na ``` b\n````\n"},
	}
	for _, tt := range tests {
		if got := codeBlock(tt.in); got != tt.want {
			t.Errorf("codeBlock(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestActionShallowPush is actions/checkout's default, fetch-depth: 1: the
// push's before commit is not in the checkout, so the action fetches it at
// depth 1 from origin and diffs, rather than syncing everything.
func TestActionShallowPush(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git binary: go-git's file transport runs git-upload-pack")
	}
	a := newActionHarness(t)
	before := a.head()
	if err := editDescription(a.repo, "memory/module.manifest.json", "Rewritten memory"); err != nil {
		t.Fatal(err)
	}
	after := a.commit("edit memory")

	origin := filepath.Join(t.TempDir(), "origin.git")
	bare, err := git.PlainClone(origin, true, &git.CloneOptions{URL: a.repo})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := bare.Config()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Raw.Section("uploadpack").SetOption("allowReachableSHA1InWant", "true") // as GitHub allows
	if err := bare.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	checkout := filepath.Join(t.TempDir(), "workspace")
	shallow, err := git.PlainClone(checkout, false, &git.CloneOptions{URL: origin, Depth: 1})
	if err != nil {
		t.Fatal(err)
	}
	a.git, a.repo, a.env["GITHUB_WORKSPACE"] = shallow, checkout, checkout

	res := a.run("push", pushPayload(t, before, after, false), nil)
	if res.code != ExitOK {
		res.failf(t, "push")
	}
	if diff := cmp.Diff(map[string]string{"memory": "create"}, planModules(a.readPlan(res))); diff != "" {
		t.Errorf("plan (-want +got):\n%s", diff)
	}
	if strings.Contains(res.summary, "Full sync") {
		t.Errorf("the shallow push synced everything:\n%s", res.summary)
	}
}

func TestFetchAuth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		server, remote, token string
		auth                  bool
	}{
		{"", "https://github.com/octo/mono", ghToken, true},
		{"https://github.com", "https://github.com/octo/mono.git", ghToken, true},
		{"https://ghe.example.com", "https://ghe.example.com/octo/mono", ghToken, true},
		{"https://github.com", "https://evil.example.com/octo/mono", ghToken, false},
		{"https://github.com", "http://github.com/octo/mono", ghToken, false},
		{"https://github.com", "/tmp/origin.git", ghToken, false},
		{"https://github.com", "https://github.com/octo/mono", "", false},
	}
	for _, tt := range tests {
		a := &actionRun{e: &env{getenv: func(k string) string {
			if k == "GITHUB_SERVER_URL" {
				return tt.server
			}
			return ""
		}}, in: action.Inputs{GitHubToken: action.Secret(tt.token)}}
		got := a.fetchAuth(tt.remote)
		if (got != nil) != tt.auth {
			t.Errorf("fetchAuth(%q) on %q = %v, want credentials: %v", tt.remote, tt.server, got, tt.auth)
		}
		if b, ok := got.(*githttp.BasicAuth); ok && (b.Username != "x-access-token" || b.Password != ghToken) {
			t.Errorf("fetchAuth(%q) user %q", tt.remote, b.Username)
		}
	}
}

// fakeResults is the Actions results service and its blob store, as far as an
// artifact upload goes: CreateArtifact, Put Block, Put Block List,
// FinalizeArtifact.
type fakeResults struct {
	srv      *httptest.Server
	conflict bool // CreateArtifact answers 409, as for a name already taken

	mu     sync.Mutex
	names  []string
	blocks map[string][]byte
	blob   []byte
}

// runtimeToken is an unsigned JWT with the scope the results service reads.
const runtimeToken = "eyJhbGciOiJub25lIn0.eyJzY3AiOiJBY3Rpb25zLlJlc3VsdHM6cnVuMTpqb2IxIn0.c2ln"

func newFakeResults(t *testing.T) *fakeResults {
	t.Helper()
	f := &fakeResults{blocks: map[string][]byte{}}
	const svc = "/twirp/github.actions.results.api.v1.ArtifactService/"
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+svc+"CreateArtifact", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+runtimeToken {
			t.Errorf("results service: Authorization = %q", r.Header.Get("Authorization"))
		}
		var req struct {
			Name  string `json:"name"`
			RunID string `json:"workflow_run_backend_id"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			t.Errorf("CreateArtifact: %v", err)
		}
		if req.RunID != "run1" {
			t.Errorf("CreateArtifact: run id %q, want the token's", req.RunID)
		}
		f.mu.Lock()
		f.names = append(f.names, req.Name)
		f.mu.Unlock()
		if f.conflict {
			w.WriteHeader(http.StatusConflict)
			_, _ = w.Write([]byte(`{"code":"already_exists","msg":"an artifact with this name already exists on the workflow run"}`))
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "signed_upload_url": f.srv.URL + "/blob/art?sig=s3cret"})
	})
	mux.HandleFunc("PUT /blob/art", func(w http.ResponseWriter, r *http.Request) {
		body := new(bytes.Buffer)
		if _, err := body.ReadFrom(r.Body); err != nil {
			t.Error(err)
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		switch r.URL.Query().Get("comp") {
		case "block":
			f.blocks[r.URL.Query().Get("blockid")] = body.Bytes()
		case "blocklist":
			f.blob = nil
			for _, part := range strings.Split(body.String(), "<Latest>")[1:] {
				id, _, _ := strings.Cut(part, "</Latest>")
				f.blob = append(f.blob, f.blocks[id]...)
			}
		default:
			t.Errorf("blob store: unexpected comp %q", r.URL.Query().Get("comp"))
		}
		w.WriteHeader(http.StatusCreated)
	})
	mux.HandleFunc("POST "+svc+"FinalizeArtifact", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "artifact_id": "7"})
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// TestActionArtifactUpload uploads the ledger, the plan and the API audit log
// as one artifact named for the job; a refused upload is a warning and the
// files stay in the workspace.
func TestActionArtifactUpload(t *testing.T) {
	t.Parallel()
	for _, conflict := range []bool{false, true} {
		t.Run(fmt.Sprintf("conflict=%v", conflict), func(t *testing.T) {
			t.Parallel()
			a := newActionHarness(t)
			results := newFakeResults(t)
			results.conflict = conflict
			a.env["ACTIONS_RESULTS_URL"] = results.srv.URL + "/"
			a.env["ACTIONS_RUNTIME_TOKEN"] = runtimeToken
			res := a.run("workflow_dispatch", nil, map[string]string{"upload-artifact": "true"})
			if res.code != ExitOK {
				res.failf(t, "sync")
			}
			if diff := cmp.Diff([]string{"notion-sync-notion-1"}, results.names); diff != "" {
				t.Errorf("artifact names (-want +got):\n%s", diff)
			}
			for _, out := range []string{res.stdout, res.stderr, res.summary} {
				if strings.Contains(out, runtimeToken) || strings.Contains(out, "s3cret") {
					t.Error("the runtime token or the signed URL shows")
				}
			}
			if conflict {
				if !strings.Contains(res.stdout, "::warning title=notion-sync%3A no artifact::upload artifact notion-sync-notion-1") ||
					!strings.Contains(res.stdout, "the files stay at artifacts/notion_sync_plan.json, artifacts/notion_sync_ledger.jsonl") {
					t.Errorf("no warning for the refused upload:\n%s", res.stdout)
				}
				return
			}
			zr, err := zip.NewReader(bytes.NewReader(results.blob), int64(len(results.blob)))
			if err != nil {
				t.Fatalf("uploaded blob is not a zip: %v", err)
			}
			var names []string
			for _, f := range zr.File {
				names = append(names, f.Name)
			}
			slices.Sort(names)
			if diff := cmp.Diff([]string{"notion_api_audit.log", "notion_sync_ledger.jsonl", "notion_sync_plan.json"}, names); diff != "" {
				t.Errorf("files in the artifact (-want +got):\n%s", diff)
			}
			if strings.Contains(res.stdout, "no artifact") {
				t.Errorf("a warning for a good upload:\n%s", res.stdout)
			}
		})
	}
}
