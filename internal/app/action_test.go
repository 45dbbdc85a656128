package app

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/google/go-cmp/cmp"

	"github.com/lukhas/notion-sync-action/internal/action"
	"github.com/lukhas/notion-sync-action/internal/action/actiontest"
	"github.com/lukhas/notion-sync-action/internal/artifact/artifacttest"
	"github.com/lukhas/notion-sync-action/internal/notion/emulator"
	"github.com/lukhas/notion-sync-action/internal/report"
)

// ghToken is the github-token input of the tests; like the Notion token, it must
// never show.
const ghToken = "ghs_fakeGitHubToken0123456789"

// newGitHub is the fake GitHub of the action's tests: octo/mono, the token
// ghToken, an installation token (GET /user refused) whose GraphQL viewer is
// github-actions.
func newGitHub(t *testing.T) *actiontest.GitHub {
	g := actiontest.NewGitHub(t, ghToken)
	g.Owner, g.Repo, g.Viewer = "octo", "mono", "github-actions"
	return g
}

// ghState is the comments the fake holds and the comment writes it served
// ("METHOD path").
func ghState(g *actiontest.GitHub) ([]actiontest.Comment, []string) {
	var writes []string
	for _, r := range g.Requests() {
		if (strings.HasPrefix(r, "POST ") || strings.HasPrefix(r, "PATCH ")) && strings.Contains(r, "/comments") {
			// The GHES prefix go-github puts before the path is not part of the call.
			writes = append(writes, strings.Replace(r, " /api/v3/", " /", 1))
		}
	}
	return g.Comments(), writes
}

// actionHarness is a workspace that is a git repository of the example
// manifests, an emulated database, a fake GitHub, and the runner's files.
type actionHarness struct {
	*harness
	git  *git.Repository
	gh   *actiontest.GitHub
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
	commentsAtCheck []actiontest.Comment
}

func newActionHarness(t *testing.T) *actionHarness {
	t.Helper()
	h := newHarness(t, emulator.Options{})
	repo := h.initGit()
	commitAll(t, repo, "initial")
	a := &actionHarness{harness: h, git: repo, gh: newGitHub(t), dir: t.TempDir()}
	a.env = map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_WORKSPACE":    h.repo,
		"GITHUB_REPOSITORY":   "octo/mono",
		"GITHUB_API_URL":      a.gh.URL(),
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

// planPullRequest syncs the workspace, lets change edit it, commits, and plans
// that commit as pull request 7 from the synced one, which it returns as base.
// The plan must succeed without writing to Notion.
func (a *actionHarness) planPullRequest(change func()) (base string, res actionResult) {
	a.t.Helper()
	if res := a.run("workflow_dispatch", nil, nil); res.code != ExitOK {
		res.failf(a.t, "initial sync")
	}
	base = a.head()
	change()
	head := a.commit("change for the pull request")
	a.srv.ResetRequests()
	res = a.run("pull_request", prPayload(a.t, 7, base, head, "octo/mono"), nil)
	if res.code != ExitOK {
		res.failf(a.t, "pull_request")
	}
	if n := a.writes(); n != 0 {
		a.t.Errorf("the plan wrote %d times to Notion", n)
	}
	return base, res
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
	outputs, err := actiontest.Outputs(string(out))
	if err != nil {
		a.t.Fatalf("GITHUB_OUTPUT: %v", err)
	}
	res.outputs = outputs
	summary, err := os.ReadFile(env["GITHUB_STEP_SUMMARY"])
	if err != nil {
		a.t.Fatal(err)
	}
	res.summary = string(summary)
	res.commentsAtCheck, _ = ghState(a.gh)
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
		if diff := cmp.Diff(slices.Sorted(slices.Values(action.Outputs())), keys); diff != "" {
			a.t.Errorf("outputs written (-want +got):\n%s", diff)
		}
	}
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
		out[c.Module] = string(c.Action)
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
	if n := a.srv.Count("POST", "/v1/databases/{id}/query") + a.srv.Count("POST", "/v1/data_sources/{id}/query"); n != 2 {
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
	base, res := a.planPullRequest(func() {
		if err := editDescription(a.repo, "memory/module.manifest.json", "Planned memory"); err != nil {
			t.Fatal(err)
		}
	})
	if diff := cmp.Diff(wantCounts(0, 1, 0, 0, 0), counts(res)); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
	if res.outputs["ledger-path"] != "artifacts/notion_sync_ledger.jsonl" {
		// The ledger of the earlier sync is there; the plan added nothing to it.
		t.Errorf("ledger-path = %q", res.outputs["ledger-path"])
	}
	comments, calls := ghState(a.gh)
	if len(comments) != 1 || len(calls) != 1 || !strings.HasPrefix(calls[0], "POST ") {
		t.Fatalf("after the first run: comments %+v, calls %v; want one created", comments, calls)
	}
	first := comments[0]
	marker := "<!-- notion-sync config=built-in db=" + strings.ReplaceAll(a.db, "-", "")[:8] + " job=notion -->"
	for _, want := range []string{marker, "Notion sync plan", "memory", "https://github.com/octo/mono/actions/runs/42"} {
		if !strings.Contains(first.Body, want) {
			t.Errorf("comment lacks %q:\n%s", want, first.Body)
		}
	}
	if want := a.gh.CommentURL(7, first.ID); res.outputs["comment-url"] != want {
		t.Errorf("comment-url = %q, want %q", res.outputs["comment-url"], want)
	}

	if err := editDescription(a.repo, "dream/module.manifest.json", "Planned dream"); err != nil {
		t.Fatal(err)
	}
	head := a.commit("edit dream")
	res = a.run("pull_request", prPayload(t, 7, base, head, "octo/mono"), nil)
	if res.code != ExitOK {
		res.failf(t, "second pull_request run")
	}
	comments, calls = ghState(a.gh)
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
	a.gh.SetPullFiles(7, []actiontest.PullFile{
		{Filename: "memory/module.manifest.json", Status: "modified"},
		{Filename: "README.md", Status: "modified"},
	})
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
	if _, calls := ghState(a.gh); len(calls) != 0 {
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
	listed := 0
	for _, r := range a.gh.Requests() {
		if strings.Contains(r, "/pulls/") {
			listed++
		}
	}
	if listed != 0 {
		t.Errorf("the files API was called %d times; the merge commit was enough", listed)
	}
}

// TestActionForkPullRequest is a fork's pull request, on pull_request (no
// secret in the usual case, a read-only token) and with a Notion token that a
// repository passes anyway: either way the plan comes from the manifests
// alone, Notion is never called, no comment is tried (the token cannot write
// one), and the step passes.
func TestActionForkPullRequest(t *testing.T) {
	t.Parallel()
	for _, token := range []string{"", "with a Notion token"} {
		t.Run("notion-token="+token, func(t *testing.T) {
			t.Parallel()
			a := newActionHarness(t)
			a.gh.FailCreate, a.gh.FailEdit = http.StatusForbidden, http.StatusForbidden
			base := a.head()
			if err := editDescription(a.repo, "memory/module.manifest.json", "Fork memory"); err != nil {
				t.Fatal(err)
			}
			head := a.commit("fork edit")
			a.srv.ResetRequests()
			inputs := map[string]string{}
			if token == "" {
				inputs["notion-token"] = ""
			}
			res := a.run("pull_request", prPayload(t, 7, base, head, "someone/mono"), inputs)
			if res.code != ExitOK {
				res.failf(t, "fork pull_request")
			}
			if n := len(a.srv.Requests()); n != 0 {
				t.Errorf("%d Notion requests on a fork's pull request", n)
			}
			if diff := cmp.Diff(wantCounts(1, 0, 0, 0, 0), counts(res)); diff != "" {
				t.Errorf("outputs (-want +got):\n%s", diff)
			}
			if _, calls := ghState(a.gh); len(calls) != 0 {
				t.Errorf("a comment was tried with a read-only token: %v", calls)
			}
			for _, want := range []string{"Pull request from a fork: its manifests are untrusted", "read-only token, so the plan is not posted", "(offline)"} {
				if !strings.Contains(res.summary, want) {
					t.Errorf("summary does not say %q:\n%s", want, res.summary)
				}
			}
			if res.outputs["comment-url"] != "" {
				t.Errorf("comment-url = %q without a comment", res.outputs["comment-url"])
			}
		})
	}
}

// TestActionPullRequestTarget: pull_request_target checks out the base
// branch unless the workflow asks for the head. On the base, a plan would
// diff nothing and claim "nothing to sync": the run plans nothing, warns, and
// says so in the comment. With the head checked out, a fork's pull request
// plans offline (even with the secret pull_request_target gets) and, the
// token being writable, comments.
func TestActionPullRequestTarget(t *testing.T) {
	t.Parallel()
	t.Run("base branch checked out", func(t *testing.T) {
		t.Parallel()
		a := newActionHarness(t)
		base := a.head()
		// The pull request's head is a commit this checkout does not have.
		head := "0123456789abcdef0123456789abcdef01234567"
		a.srv.ResetRequests()
		res := a.run("pull_request_target", prPayload(t, 7, base, head, "octo/mono"), nil)
		if res.code != ExitOK {
			res.failf(t, "pull_request_target")
		}
		if n := len(a.srv.Requests()); n != 0 {
			t.Errorf("%d Notion requests for a skipped plan", n)
		}
		if strings.Contains(res.summary, "Nothing to sync") || res.outputs["plan-path"] != "" {
			t.Errorf("the base branch was planned as the pull request (plan-path %q):\n%s", res.outputs["plan-path"], res.summary)
		}
		if !strings.Contains(res.summary, "pull_request_target checks out the base branch") || !strings.Contains(res.summary, "ref: ${{ github.event.pull_request.head.sha }}") {
			t.Errorf("summary does not say why nor how to fix it:\n%s", res.summary)
		}
		if !slices.ContainsFunc(actiontest.Commands(res.stdout), func(c actiontest.Command) bool {
			return c.Name == "warning" && c.Props["title"] == "notion-sync: nothing planned"
		}) {
			t.Errorf("no warning:\n%s", res.stdout)
		}
		comments, _ := ghState(a.gh)
		if len(comments) != 1 || !strings.Contains(comments[0].Body, "Notion sync plan skipped") || !strings.Contains(comments[0].Body, "<!-- notion-sync config=built-in db=") {
			t.Errorf("comments = %+v, want one saying the plan was skipped", comments)
		}
	})
	t.Run("fork head checked out", func(t *testing.T) {
		t.Parallel()
		a := newActionHarness(t)
		base := a.head()
		if err := editDescription(a.repo, "memory/module.manifest.json", "Target memory"); err != nil {
			t.Fatal(err)
		}
		head := a.commit("fork edit")
		a.srv.ResetRequests()
		res := a.run("pull_request_target", prPayload(t, 7, base, head, "someone/mono"), nil)
		if res.code != ExitOK {
			res.failf(t, "pull_request_target")
		}
		if n := len(a.srv.Requests()); n != 0 {
			t.Errorf("%d Notion requests with a fork's code checked out", n)
		}
		if diff := cmp.Diff(map[string]string{"memory": "create"}, planModules(a.readPlan(res))); diff != "" {
			t.Errorf("plan (-want +got):\n%s", diff)
		}
		if comments, _ := ghState(a.gh); len(comments) != 1 || !strings.Contains(comments[0].Body, "Target memory") {
			t.Errorf("comments = %+v, want the plan", comments)
		}
	})
}

// TestActionOtherEvents: mode auto plans (never writes) on events that carry
// a pull request and on merge queues, and refuses events it has no rule for
// rather than guess a full sync.
func TestActionOtherEvents(t *testing.T) {
	t.Parallel()
	t.Run("pull_request_review plans", func(t *testing.T) {
		t.Parallel()
		a := newActionHarness(t)
		base := a.head()
		if err := editDescription(a.repo, "memory/module.manifest.json", "Reviewed memory"); err != nil {
			t.Fatal(err)
		}
		head := a.commit("edit")
		p := prPayload(t, 7, base, head, "octo/mono")
		delete(p, "number") // review payloads have none at the top
		a.srv.ResetRequests()
		res := a.run("pull_request_review", p, nil)
		if res.code != ExitOK {
			res.failf(t, "pull_request_review")
		}
		if n := a.writes(); n != 0 {
			t.Errorf("%d writes to Notion from a review event", n)
		}
		if diff := cmp.Diff(map[string]string{"memory": "create"}, planModules(a.readPlan(res))); diff != "" {
			t.Errorf("plan (-want +got):\n%s", diff)
		}
		if comments, _ := ghState(a.gh); len(comments) != 1 {
			t.Errorf("%d comments, want the plan", len(comments))
		}
	})
	t.Run("merge_group plans", func(t *testing.T) {
		t.Parallel()
		a := newActionHarness(t)
		base := a.head()
		if err := editDescription(a.repo, "dream/module.manifest.json", "Queued dream"); err != nil {
			t.Fatal(err)
		}
		head := a.commit("edit")
		a.srv.ResetRequests()
		res := a.run("merge_group", map[string]any{"action": "checks_requested", "merge_group": map[string]any{"base_sha": base, "head_sha": head}}, nil)
		if res.code != ExitOK {
			res.failf(t, "merge_group")
		}
		if n := a.writes(); n != 0 {
			t.Errorf("%d writes to Notion from a merge queue", n)
		}
		if diff := cmp.Diff(map[string]string{"dream": "create"}, planModules(a.readPlan(res))); diff != "" {
			t.Errorf("plan (-want +got):\n%s", diff)
		}
	})
	t.Run("unknown event is refused", func(t *testing.T) {
		t.Parallel()
		a := newActionHarness(t)
		a.srv.ResetRequests()
		res := a.run("release", map[string]any{"action": "published"}, nil)
		if res.code != ExitUsage || !strings.Contains(res.stdout, "event release: mode auto does not know this event; set the mode input") {
			res.failf(t, "want exit %d asking for a mode", ExitUsage)
		}
		if n := len(a.srv.Requests()); n != 0 {
			t.Errorf("%d Notion requests for an unknown event", n)
		}
		if res2 := a.run("release", map[string]any{"action": "published"}, map[string]string{"mode": "sync"}); res2.code != ExitOK || a.writes() == 0 {
			res2.failf(t, "an explicit mode sync on release must sync")
		}
	})
}

// TestActionPlanFailureComment: a plan that fails replaces the earlier plan
// comment with one saying so, for the pull request's head commit.
func TestActionPlanFailureComment(t *testing.T) {
	t.Parallel()
	a := newActionHarness(t)
	base := a.head()
	if err := editDescription(a.repo, "memory/module.manifest.json", "Planned memory"); err != nil {
		t.Fatal(err)
	}
	head := a.commit("edit memory")
	if res := a.run("pull_request", prPayload(t, 7, base, head, "octo/mono"), nil); res.code != ExitOK {
		res.failf(t, "first plan")
	}
	cfg := filepath.Join(a.repo, ".github", "notion-sync.yml")
	if err := os.MkdirAll(filepath.Dir(cfg), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte("version: 1\non_delete: explode @admin\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	head = a.commit("break the config")
	res := a.run("pull_request", prPayload(t, 7, base, head, "octo/mono"), nil)
	if res.code != ExitUsage {
		res.failf(t, "want exit %d for a bad config", ExitUsage)
	}
	comments, calls := ghState(a.gh)
	if len(comments) != 2 {
		// The config file is part of the marker: the failure lands in a comment
		// for it, and the old one for the built-in config is left.
		t.Fatalf("%d comments, want the earlier plan and the failure: %v", len(comments), calls)
	}
	got := comments[1].Body
	for _, want := range []string{"<!-- notion-sync config=.github/notion-sync.yml db=", "Notion sync plan failed", "The plan failed for commit " + head, "on\\_delete", "@\u200badmin", "https://github.com/octo/mono/actions/runs/42"} {
		if !strings.Contains(got, want) {
			t.Errorf("failure comment lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(res.stdout, "notion-sync notion-sync") {
		t.Errorf("the error is prefixed twice:\n%s", res.stdout)
	}
}

// TestActionPlanFailureReplacesComment: with the same config the failure has
// the plan's marker, so it edits the plan comment in place: no stale plan
// stays up looking current.
func TestActionPlanFailureReplacesComment(t *testing.T) {
	t.Parallel()
	a := newActionHarness(t)
	base := a.head()
	if err := editDescription(a.repo, "memory/module.manifest.json", "Planned memory"); err != nil {
		t.Fatal(err)
	}
	head := a.commit("edit memory")
	if res := a.run("pull_request", prPayload(t, 7, base, head, "octo/mono"), nil); res.code != ExitOK {
		res.failf(t, "first plan")
	}
	// Notion is unreachable now: the plan cannot read the database.
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	a.env["NOTION_API_BASE_URL"] = closed.URL
	res := a.run("pull_request", prPayload(t, 7, base, head, "octo/mono"), map[string]string{"max-retries": "0"})
	if res.code != ExitFatal {
		res.failf(t, "want exit %d with Notion unreachable", ExitFatal)
	}
	comments, calls := ghState(a.gh)
	if len(comments) != 1 || len(calls) != 2 || !strings.HasPrefix(calls[1], "PATCH ") {
		t.Fatalf("comments %+v, calls %v; want the one comment edited", comments, calls)
	}
	body := comments[0].Body
	for _, want := range []string{"Notion sync plan failed", "The plan failed for commit " + head} {
		if !strings.Contains(body, want) {
			t.Errorf("comment lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "Planned memory") {
		t.Errorf("the stale plan is still shown:\n%s", body)
	}
	if res.outputs["comment-url"] == "" {
		t.Error("no comment-url for the failure comment")
	}
}

// TestActionCommentPerJob: two jobs (or matrix legs over databases) keep a
// comment each; the footer names the pull request's head, not the merge
// commit the checkout holds.
func TestActionCommentPerJob(t *testing.T) {
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
	merge, err := wt.Commit("merge", &git.CommitOptions{Author: sig, AllowEmptyCommits: true,
		Parents: []plumbing.Hash{plumbing.NewHash(base), plumbing.NewHash(head)}})
	if err != nil {
		t.Fatal(err)
	}
	for _, job := range []string{"notion-a", "notion-b", "notion-a"} {
		a.env["GITHUB_JOB"] = job
		if res := a.run("pull_request", prPayload(t, 7, base, head, "octo/mono"), nil); res.code != ExitOK {
			res.failf(t, "job %s", job)
		}
	}
	comments, _ := ghState(a.gh)
	if len(comments) != 2 {
		t.Fatalf("%d comments, want one per job", len(comments))
	}
	for i, job := range []string{"notion-a", "notion-b"} {
		body := comments[i].Body
		if !strings.Contains(body, " job="+job+" -->") {
			t.Errorf("comment %d does not carry job %s:\n%s", i, job, body)
		}
		if !strings.Contains(body, "commit "+head) || strings.Contains(body, merge.String()) {
			t.Errorf("comment %d does not name the head %s (merge %s):\n%s", i, head, merge, body)
		}
	}
}

// assertNoForgedCommands reads stdout and stderr as the runner does: every
// command they issue must be one of the action's own, whatever the
// repository's text held.
func assertNoForgedCommands(t *testing.T, res actionResult, secrets ...string) {
	t.Helper()
	if cmds := actiontest.Commands(res.stderr); len(cmds) != 0 {
		t.Errorf("stderr issues workflow commands: %+v", cmds)
	}
	hex32 := regexp.MustCompile(`^[0-9a-f]{32}$`)
	for _, c := range actiontest.Commands(res.stdout) {
		ok := false
		switch c.Name {
		case "add-mask":
			ok = slices.Contains(secrets, c.Data)
		case "stop-commands":
			ok = hex32.MatchString(c.Data)
		case "group", "endgroup", "debug":
			ok = !strings.Contains(c.Line, "forged")
		case "error", "warning", "notice":
			title := c.Props["title"]
			ok = strings.HasPrefix(title, "notion-sync") || strings.HasPrefix(title, "Notion sync failed: ")
		default:
			ok = hex32.MatchString(c.Name) && c.Data == "" // a resume
		}
		if !ok {
			t.Errorf("a forged workflow command: %q", c.Line)
		}
	}
}

// TestActionOutputInjection puts text made to forge outputs and workflow
// commands where the action prints it: a manifest value (the report, the
// log) and a config key (an error message). The outputs stay exactly the
// declared ones, and neither stdout nor stderr issues a command the action
// did not write itself, as the runner reads them.
func TestActionOutputInjection(t *testing.T) {
	t.Parallel()
	t.Run("manifest value", func(t *testing.T) {
		t.Parallel()
		a := newActionHarness(t)
		evil := "x\n_GitHubActionsFileCommandDelimeter_\nfailed=0\nghadelimiter_00000000000000000000000000000000\nhas-changes=false\n::error::forged\n::add-mask::x\r::warning title=forged::forged\nlog ##[error]forged"
		if err := editDescription(a.repo, "memory/module.manifest.json", evil); err != nil {
			t.Fatal(err)
		}
		a.commit("evil description")
		res := a.run("workflow_dispatch", nil, map[string]string{"rate-limit": "1000"})
		if res.code != ExitOK {
			res.failf(t, "workflow_dispatch")
		}
		if diff := cmp.Diff(wantCounts(len(exampleKeys(t)), 0, 0, 0, 0), counts(res)); diff != "" {
			t.Errorf("outputs (-want +got):\n%s", diff)
		}
		if !strings.Contains(res.stdout, "Syncing") {
			t.Errorf("the report is not in the log:\n%s", res.stdout)
		}
		assertNoForgedCommands(t, res, a.srv.Token(), ghToken)
	})
	t.Run("config key in an error", func(t *testing.T) {
		t.Parallel()
		a := newActionHarness(t)
		cfg := filepath.Join(a.repo, ".github", "notion-sync.yml")
		if err := os.MkdirAll(filepath.Dir(cfg), 0o755); err != nil {
			t.Fatal(err)
		}
		yaml := "version: 1\nproperties:\n  \"X\\n::error title=forged::forged\\r::add-mask::x\\n##[warning]forged\": {type: bogus, from: description}\n"
		if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		a.commit("evil config")
		res := a.run("workflow_dispatch", nil, nil)
		if res.code != ExitUsage {
			res.failf(t, "want exit %d for the bad config", ExitUsage)
		}
		if !strings.Contains(res.stdout, "\nnotion-sync: load config") || strings.Contains(res.stdout, "notion-sync notion-sync") {
			t.Errorf("the error is not printed once, prefixed once:\n%s", res.stdout)
		}
		if !strings.Contains(res.stdout, "\n::error title=forged::forged") {
			// The key's text reached the log as it is: the test would prove nothing otherwise.
			t.Fatalf("the config key is not in the log as written:\n%s", res.stdout)
		}
		assertNoForgedCommands(t, res, a.srv.Token(), ghToken)
	})
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
	if code != ExitFatal || !strings.Contains(stdout.String(), "GITHUB_OUTPUT is not set") {
		t.Errorf("exit %d, stdout %q; want %d and the reason", code, stdout.String(), ExitFatal)
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
	if res.code != ExitUsage || !strings.Contains(res.stdout, "\nnotion-sync: no Notion token: pass it as the notion-token input") {
		res.failf(t, "want exit %d naming the notion-token input, once prefixed", ExitUsage)
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
		mode, want    string
		code          int
		discrepancies string // the output; "" where the mode has none
	}{
		{"verify", "## Notion verify", ExitOK, "0"},
		{"preflight", "Pre-flight", ExitProblems, ""}, // the example manifests are not hydrated
		{"health", "## Notion health", ExitOK, ""},
		{"audit", "## Notion audit", ExitOK, "0"},
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
		if got := res.outputs["discrepancies"]; got != tt.discrepancies {
			t.Errorf("mode %s: discrepancies output %q, want %q", tt.mode, got, tt.discrepancies)
		}
	}
}

// TestActionCommandFailure: a read-only mode that cannot run says so once in
// the log, and in the summary with the error fenced on lines of its own.
func TestActionCommandFailure(t *testing.T) {
	t.Parallel()
	a := newActionHarness(t)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	a.env["NOTION_API_BASE_URL"] = closed.URL
	res := a.run("workflow_dispatch", nil, map[string]string{"mode": "verify", "max-retries": "0"})
	if res.code != ExitFatal {
		res.failf(t, "want exit %d with Notion unreachable", ExitFatal)
	}
	if !strings.Contains(res.summary, "\n**❌ Failed:**\n\n```text\n") {
		t.Errorf("the error's fence does not start a line of its own:\n%s", res.summary)
	}
	if n := strings.Count(res.stdout, "\nnotion-sync verify: "); n != 1 || strings.Contains(res.stdout, "notion-sync notion-sync") {
		t.Errorf("the error is printed %d times, or prefixed twice:\n%s", n, res.stdout)
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
	// The fetch's temporary ref is gone: the checkout holds no ref of ours.
	refs, err := shallow.References()
	if err != nil {
		t.Fatal(err)
	}
	_ = refs.ForEach(func(ref *plumbing.Reference) error {
		if strings.HasPrefix(ref.Name().String(), "refs/notion-sync/") {
			t.Errorf("ref %s left in the checkout", ref.Name())
		}
		return nil
	})
}

// TestActionArtifactUpload uploads the ledger, the plan and the API audit log
// as one artifact named for the job, to the shared fake results service: the
// signed URL's signature is masked before anything else and never printed, and
// the outputs name the artifact. A refused upload (409: the name is taken in
// this run) is a warning and the files stay in the workspace.
func TestActionArtifactUpload(t *testing.T) {
	t.Parallel()
	for _, conflict := range []bool{false, true} {
		t.Run(fmt.Sprintf("conflict=%v", conflict), func(t *testing.T) {
			t.Parallel()
			a := newActionHarness(t)
			results := artifacttest.New(t)
			if conflict {
				results.Fail["CreateArtifact"] = []int{http.StatusConflict}
				results.FailMsg = "an artifact with this name already exists on the workflow run"
			}
			a.env["ACTIONS_RESULTS_URL"] = results.ResultsURL()
			a.env["ACTIONS_RUNTIME_TOKEN"] = artifacttest.RuntimeToken
			res := a.run("workflow_dispatch", nil, map[string]string{"upload-artifact": "true"})
			if res.code != ExitOK {
				res.failf(t, "sync")
			}
			calls, _, blob := results.Snapshot()
			type call struct{ Method, Auth, Name, RunID string }
			var got []call
			for _, c := range calls {
				name, _ := c.Body["name"].(string)
				runID, _ := c.Body["workflow_run_backend_id"].(string)
				got = append(got, call{c.Method, c.Auth, name, runID})
			}
			want := []call{{"CreateArtifact", "Bearer " + artifacttest.RuntimeToken, "notion-sync-notion-1", artifacttest.RunID}}
			if !conflict {
				want = append(want, call{"FinalizeArtifact", "Bearer " + artifacttest.RuntimeToken, "notion-sync-notion-1", artifacttest.RunID})
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("results service calls (-want +got):\n%s", diff)
			}
			var logged []string
			for _, l := range strings.Split(res.stdout, "\n") {
				if strings.HasPrefix(l, "::add-mask::") {
					continue // the one place it must be: the runner masks it from then on
				}
				logged = append(logged, l)
			}
			for _, out := range []string{strings.Join(logged, "\n"), res.stderr, res.summary} {
				if strings.Contains(out, artifacttest.RuntimeToken) || strings.Contains(out, artifacttest.SASSecret) {
					t.Error("the runtime token or the signed URL's signature shows")
				}
			}
			if conflict {
				if !strings.Contains(res.stdout, "::warning title=notion-sync%3A no artifact::upload artifact notion-sync-notion-1") ||
					!strings.Contains(res.stdout, "the files stay at artifacts/notion_sync_plan.json, artifacts/notion_sync_ledger.jsonl") {
					t.Errorf("no warning for the refused upload:\n%s", res.stdout)
				}
				return
			}
			// The runner unescapes a command's data: %25 is %, %0D and %0A CR and LF.
			unescape := strings.NewReplacer("%0D", "\r", "%0A", "\n", "%25", "%")
			var masked []string
			for _, c := range actiontest.Commands(res.stdout) {
				if data := unescape.Replace(c.Data); c.Name == "add-mask" && strings.Contains(data, artifacttest.SASSecret) {
					masked = append(masked, data)
				}
			}
			if diff := cmp.Diff([]string{artifacttest.SASSignature, artifacttest.SASSignatureEscaped}, masked); diff != "" {
				t.Errorf("the upload URL's signature masks (-want +got):\n%s", diff)
			}
			zr, err := zip.NewReader(bytes.NewReader(blob), int64(len(blob)))
			if err != nil {
				t.Fatalf("uploaded blob is not a zip: %v", err)
			}
			var files []string
			for _, f := range zr.File {
				files = append(files, f.Name)
			}
			slices.Sort(files)
			if diff := cmp.Diff([]string{"notion_api_audit.log", "notion_sync_ledger.jsonl", "notion_sync_plan.json"}, files); diff != "" {
				t.Errorf("files in the artifact (-want +got):\n%s", diff)
			}
			if strings.Contains(res.stdout, "no artifact") {
				t.Errorf("a warning for a good upload:\n%s", res.stdout)
			}
			if res.outputs["artifact-id"] != "42" || !strings.HasSuffix(res.outputs["artifact-url"], "/actions/runs/"+a.env["GITHUB_RUN_ID"]+"/artifacts/42") {
				t.Errorf("artifact-id %q, artifact-url %q", res.outputs["artifact-id"], res.outputs["artifact-url"])
			}
		})
	}
}

// fakeSecret stands for what /proc/self/environ holds: a pull request that
// commits a link to it at the ledger's path must not get it uploaded,
// written through, or named.
const fakeSecret = "NOTION_TOKEN=secret_FAKE_environ_0123456789"

// plantLink makes the workspace path rel a symbolic link to target.
func plantLink(t *testing.T, ws, rel, target string) {
	t.Helper()
	link := filepath.Join(ws, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
}

// TestActionRefusesPlantedLinks plants links where the action writes: the
// ledger of a dry run (which writes none, so the link would survive to the
// upload), the API audit log of a sync, and the artifacts folder itself.
// Each run stops with exit 2 before touching Notion, writes nothing through
// the link, uploads nothing and names nothing.
func TestActionRefusesPlantedLinks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, event, rel string
		dir              bool // the link points at a folder
	}{
		{"dry-run ledger", "pull_request", "artifacts/notion_sync_ledger.jsonl", false},
		{"sync audit log", "workflow_dispatch", "artifacts/notion_api_audit.log", false},
		{"sync ledger", "workflow_dispatch", "artifacts/notion_sync_ledger.jsonl", false},
		{"artifacts folder", "workflow_dispatch", "artifacts", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newActionHarness(t)
			outside := t.TempDir()
			target := filepath.Join(outside, "environ")
			if err := os.WriteFile(target, []byte(fakeSecret), 0o600); err != nil {
				t.Fatal(err)
			}
			if tt.dir {
				plantLink(t, a.repo, tt.rel, outside)
			} else {
				plantLink(t, a.repo, tt.rel, target)
			}
			results := artifacttest.New(t)
			a.env["ACTIONS_RESULTS_URL"] = results.ResultsURL()
			a.env["ACTIONS_RUNTIME_TOKEN"] = artifacttest.RuntimeToken
			base := a.head()
			head := a.commit("plant a link")
			var p map[string]any
			if tt.event == "pull_request" {
				p = prPayload(t, 7, base, head, "octo/mono")
			}
			a.srv.ResetRequests()
			res := a.run(tt.event, p, map[string]string{"upload-artifact": "true", "comment": "false"})
			if res.code != ExitUsage || !strings.Contains(res.stdout, "is a symbolic link") {
				res.failf(t, "want exit %d refusing the link", ExitUsage)
			}
			if n := len(a.srv.Requests()); n != 0 {
				t.Errorf("%d Notion requests despite the link", n)
			}
			if calls, blob, _ := results.Snapshot(); len(calls)+len(blob) != 0 {
				t.Errorf("an artifact was started: %d results service calls, %d blob requests", len(calls), len(blob))
			}
			out, err := os.ReadFile(res.outputFile)
			if err != nil {
				t.Fatal(err)
			}
			for where, text := range map[string]string{"stdout": res.stdout, "stderr": res.stderr, "summary": res.summary, "outputs": string(out)} {
				if strings.Contains(text, "secret_FAKE") {
					t.Errorf("the link's target shows in %s", where)
				}
			}
			for _, k := range []string{"ledger-path", "plan-path"} {
				if res.outputs[k] != "" {
					t.Errorf("output %s = %q", k, res.outputs[k])
				}
			}
			entries, err := os.ReadDir(outside)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := os.ReadFile(target); err != nil || string(got) != fakeSecret || len(entries) != 1 {
				t.Errorf("written through the link: target %q, %d files in its folder", got, len(entries))
			}
		})
	}
}

// TestActionRefusesConfigLink: a config committed as a link out of the
// workspace is not read, so no parse error can quote its target.
func TestActionRefusesConfigLink(t *testing.T) {
	t.Parallel()
	a := newActionHarness(t)
	target := filepath.Join(t.TempDir(), "environ.yml")
	if err := os.WriteFile(target, []byte("version: 1\nsecret_FAKE_key: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	plantLink(t, a.repo, ".github/notion-sync.yml", target)
	a.commit("link the config")
	a.srv.ResetRequests()
	res := a.run("workflow_dispatch", nil, nil)
	if res.code != ExitUsage || !strings.Contains(res.stdout, "refuse config .github/notion-sync.yml: it is a symbolic link to a file outside the workspace") {
		res.failf(t, "want exit %d refusing the config link", ExitUsage)
	}
	if strings.Contains(res.stdout+res.stderr+res.summary, "secret_FAKE") {
		t.Error("the link's target shows")
	}
	if n := len(a.srv.Requests()); n != 0 {
		t.Errorf("%d Notion requests", n)
	}
}

// TestActionUploadSkipsLinks is the second line of defence, should a link
// appear after the check: upload takes only plain files of the workspace (the
// path outputs' part is action's TestOwnRel).
func TestActionUploadSkipsLinks(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	target := filepath.Join(t.TempDir(), "environ")
	if err := os.WriteFile(target, []byte(fakeSecret), 0o600); err != nil {
		t.Fatal(err)
	}
	plan := filepath.Join(ws, "artifacts", "notion_sync_plan.json")
	if err := os.MkdirAll(filepath.Dir(plan), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(plan, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	plantLink(t, ws, "artifacts/notion_sync_ledger.jsonl", target)
	ledger := filepath.Join(ws, "artifacts", "notion_sync_ledger.jsonl")
	results := artifacttest.New(t)
	vars := map[string]string{"ACTIONS_RESULTS_URL": results.ResultsURL(), "ACTIONS_RUNTIME_TOKEN": artifacttest.RuntimeToken, "GITHUB_JOB": "j"}
	getenv := func(k string) string { return vars[k] }
	var stdout bytes.Buffer
	r := action.NewRunner(getenv, &stdout)
	a := &actionRun{r: r, in: action.Inputs{UploadArtifact: true}, ws: ws, outputs: map[string]string{}}
	a.e = textEnv(t.Context(), &env{getenv: getenv, stdout: &stdout, stderr: &stdout, log: slog.New(slog.DiscardHandler)}, r.Text())
	a.upload(t.Context(), plan, ledger)
	r.Flush()
	_, _, blob := results.Snapshot()
	zr, err := zip.NewReader(bytes.NewReader(blob), int64(len(blob)))
	if err != nil {
		t.Fatalf("no zip uploaded: %v\n%s", err, stdout.String())
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if diff := cmp.Diff([]string{"notion_sync_plan.json"}, names); diff != "" {
		t.Errorf("files in the artifact (-want +got):\n%s", diff)
	}
	if !strings.Contains(stdout.String(), "::warning title=notion-sync%3A not uploaded::") || strings.Contains(stdout.String(), "secret_FAKE") {
		t.Errorf("no warning for the link, or its target shows:\n%s", stdout.String())
	}
}

// auditMonthRE matches the month in the audit report's file name.
var auditMonthRE = regexp.MustCompile(`notion_audit_[0-9]{6}\.json`)

// TestActionModesFindDrift: verify and audit count what they find in the
// discrepancies output. Verify exits 1 under fail-on-error (a warning without
// it); audit, a report, succeeds. Both name their files, the audit report
// included, in artifact-files for a workflow that uploads them itself.
func TestActionModesFindDrift(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mode, failOnError string
		wantCode          int
	}{
		{"verify", "true", ExitProblems},
		{"verify", "false", ExitOK},
		{"audit", "true", ExitOK}, // a report: it never fails for what it found
		{"audit", "false", ExitOK},
	}
	for _, tt := range tests {
		t.Run(tt.mode+" fail-on-error "+tt.failOnError, func(t *testing.T) {
			t.Parallel()
			a := newActionHarness(t)
			res := a.run("workflow_dispatch", nil, nil)
			if res.code != ExitOK {
				res.failf(t, "sync")
			}
			wantFiles := "artifacts/notion_sync_plan.json\nartifacts/notion_sync_ledger.jsonl\nartifacts/notion_api_audit.log"
			if got := res.outputs["artifact-files"]; got != wantFiles {
				t.Errorf("sync: artifact-files %q, want %q", got, wantFiles)
			}
			editInNotion(t, a.harness, a.live()["consciousness"].ID, `{"properties":{"MQI":{"number":50}}}`)
			res = a.run("workflow_dispatch", nil, map[string]string{"mode": tt.mode, "fail-on-error": tt.failOnError})
			if res.code != tt.wantCode {
				res.failf(t, "want exit %d", tt.wantCode)
			}
			if got := res.outputs["discrepancies"]; got != "1" {
				t.Errorf("discrepancies output %q, want 1 (the drifted MQI)", got)
			}
			wantFiles = "artifacts/notion_sync_ledger.jsonl\nartifacts/notion_api_audit.log"
			if tt.mode == "audit" {
				wantFiles += "\nartifacts/notion_audit_YYYYMM.json"
			}
			// The audit report is named for the month the run saw.
			got := auditMonthRE.ReplaceAllString(res.outputs["artifact-files"], "notion_audit_YYYYMM.json")
			if got != wantFiles {
				t.Errorf("artifact-files %q, want %q", res.outputs["artifact-files"], wantFiles)
			}
			for _, f := range strings.Split(res.outputs["artifact-files"], "\n") {
				if _, err := os.Stat(filepath.Join(a.repo, f)); err != nil {
					t.Errorf("artifact-files names %s: %v", f, err)
				}
			}
		})
	}
}
