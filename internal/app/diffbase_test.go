package app

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lukhas/notion-sync-action/internal/action/actiontest"
	"github.com/lukhas/notion-sync-action/internal/gitdiff"
)

// diffBaseWarning is how the ::warning of a run that may not read the workflow
// runs starts in the step's log (the title's colon escaped, as the runner wants).
const diffBaseWarning = "::warning title=notion-sync%3A diff base::"

// withWorkflowRuns gives the harness what a push needs to look up its last
// successful run: GITHUB_WORKFLOW_REF and GITHUB_REF_NAME (sync.yml on main),
// and a fake GitHub that set configures before its server starts, since the
// fake's handlers read its fields without a lock.
func (a *actionHarness) withWorkflowRuns(set func(*actiontest.GitHub)) {
	a.t.Helper()
	g := newGitHub(a.t)
	if set != nil {
		set(g)
	}
	a.gh = g
	a.env["GITHUB_API_URL"] = g.URL()
	a.env["GITHUB_WORKFLOW_REF"] = "octo/mono/.github/workflows/sync.yml@refs/heads/main"
	a.env["GITHUB_REF_NAME"] = "main"
}

// editCommit rewrites the description of module's manifest and commits it.
func (a *actionHarness) editCommit(module string) string {
	a.t.Helper()
	if err := editDescription(a.repo, module+"/module.manifest.json", "Rewritten "+module); err != nil {
		a.t.Fatal(err)
	}
	return a.commit("edit " + module)
}

// TestActionDiffBaseLastSuccessfulRun is a push's diff base end to end: the
// runs of the workflow named by GITHUB_WORKFLOW_REF are read, the last
// successful one is several commits back with a cancelled run after it, so the
// plan covers every commit since that run, not only the push's own.
func TestActionDiffBaseLastSuccessfulRun(t *testing.T) {
	t.Parallel()
	a := newActionHarness(t)
	a.withWorkflowRuns(nil)
	c0 := a.head()
	c1 := a.editCommit("dream")   // synced by run 39
	c2 := a.editCommit("memory")  // run 40 failed
	c3 := a.editCommit("emotion") // run 41 was cancelled while pending
	c4 := a.editCommit("identity")
	a.gh.AddRuns(actiontest.PushRun(38, "success", c0), actiontest.PushRun(39, "success", c1), actiontest.PushRun(40, "failure", c2),
		actiontest.PushRun(41, "cancelled", c3), actiontest.PushRun(42, "", c4))

	res := a.run("push", pushPayload(t, c3, c4, false), nil)
	if res.code != ExitOK {
		res.failf(t, "push")
	}
	want := map[string]string{"memory": "create", "emotion": "create", "identity": "create"}
	if diff := cmp.Diff(want, planModules(a.readPlan(res))); diff != "" {
		t.Errorf("plan (-want +got): the changes since the last successful run, c1..c4:\n%s", diff)
	}
	note := "Diff base: " + gitdiff.ShortSHA(c1) + ", the head of the last successful run of sync.yml on main"
	if !strings.Contains(res.summary, note) {
		t.Errorf("summary does not say %q:\n%s", note, res.summary)
	}
	if strings.Contains(res.stdout, diffBaseWarning) {
		t.Errorf("a diff-base warning on a run that could read the runs:\n%s", res.stdout)
	}
}

// TestActionDiffBaseForbidden: without `actions: read` the runs API answers
// 403; the push is diffed from its before, the run succeeds, and the step
// says so once as a ::warning that names the permission, besides the summary
// note.
func TestActionDiffBaseForbidden(t *testing.T) {
	t.Parallel()
	a := newActionHarness(t)
	a.withWorkflowRuns(func(g *actiontest.GitHub) { g.FailRuns = http.StatusForbidden })
	c0 := a.head()
	c1 := a.editCommit("dream")
	c2 := a.editCommit("memory")
	// Were the runs readable, this success would make the base c0: dream too.
	a.gh.AddRuns(actiontest.PushRun(41, "success", c0), actiontest.PushRun(42, "", c2))

	res := a.run("push", pushPayload(t, c1, c2, false), nil)
	if res.code != ExitOK {
		res.failf(t, "push")
	}
	var warnings []string
	for _, l := range strings.Split(res.stdout, "\n") {
		if strings.HasPrefix(l, diffBaseWarning) {
			warnings = append(warnings, l)
		}
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "actions: read") {
		t.Errorf("diff-base warnings %q, want exactly one naming `actions: read`\nstdout:\n%s", warnings, res.stdout)
	}
	if diff := cmp.Diff(map[string]string{"memory": "create"}, planModules(a.readPlan(res))); diff != "" {
		t.Errorf("plan (-want +got): the push's own change, from its before:\n%s", diff)
	}
	for _, note := range []string{
		"Diff base: not the last successful run (the token lacks", // the summary escapes the backticks
		"Diff base: " + gitdiff.ShortSHA(c1) + ", the push's before commit",
	} {
		if !strings.Contains(res.summary, note) {
			t.Errorf("summary does not say %q:\n%s", note, res.summary)
		}
	}
	asked := false
	for _, r := range a.gh.Requests() {
		asked = asked || strings.Contains(r, "/actions/workflows/sync.yml/runs")
	}
	if !asked {
		t.Errorf("the runs API was not asked: %q", a.gh.Requests())
	}
}
