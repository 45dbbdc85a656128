package action

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-github/v60/github"

	"github.com/lukhas/notion-sync-action/internal/action/actiontest"
)

func TestParseWorkflowRef(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    WorkflowRef
		file    string
		wantErr string
	}{
		{in: "octo/mono/.github/workflows/notion-sync.yml@refs/heads/main",
			want: WorkflowRef{Owner: "octo", Repo: "mono", Path: ".github/workflows/notion-sync.yml", Ref: "refs/heads/main"}, file: "notion-sync.yml"},
		{in: "octo/mono/.github/workflows/sync.yaml@refs/pull/4/merge",
			want: WorkflowRef{Owner: "octo", Repo: "mono", Path: ".github/workflows/sync.yaml", Ref: "refs/pull/4/merge"}, file: "sync.yaml"},
		{in: "octo/mono/.github/workflows/a@b.yml@refs/heads/x@y",
			want: WorkflowRef{Owner: "octo", Repo: "mono", Path: ".github/workflows/a@b.yml", Ref: "refs/heads/x@y"}, file: "a@b.yml"},
		{in: "octo/mono/.github/workflows/x.yml@main", wantErr: "no @ref"},
		{in: "", wantErr: "no @ref"},
		{in: "octo/mono/.github/workflows/x.yml", wantErr: "no @ref"},
		{in: "octo/.github/workflows/x.yml@refs/heads/main", wantErr: "not a file in .github/workflows"},
		{in: "/mono/.github/workflows/x.yml@refs/heads/main", wantErr: "no owner/repo"},
		{in: "octo/mono/.github/workflows/sub/x.yml@refs/heads/main", wantErr: "not a file in .github/workflows"},
		{in: "octo/mono/.github/workflows/../x.yml@refs/heads/main", wantErr: "not a file in .github/workflows"},
		{in: "octo/mono/.github/workflows/x.json@refs/heads/main", wantErr: "not .yml or .yaml"},
	}
	for _, tt := range tests {
		got, err := ParseWorkflowRef(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "GITHUB_WORKFLOW_REF") {
				t.Errorf("ParseWorkflowRef(%q) error = %v, want one naming GITHUB_WORKFLOW_REF and %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseWorkflowRef(%q) error = %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseWorkflowRef(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
		if got.File() != tt.file {
			t.Errorf("File() = %q, want %q", got.File(), tt.file)
		}
	}
}

// history is a branch's runs, oldest first: the last success on main is run 3
// (sha ccc); after it a push was cancelled while pending, one failed half-way,
// one was cancelled by hand, and one is still running (the current run).
var history = []actiontest.Run{
	{ID: 1, Workflow: "notion-sync.yml", Branch: "main", Event: "push", Conclusion: "success", HeadSHA: "aaa"},
	{ID: 2, Workflow: "notion-sync.yml", Branch: "feature", Event: "push", Conclusion: "success", HeadSHA: "fff"},
	{ID: 3, Workflow: "notion-sync.yml", Branch: "main", Event: "push", Conclusion: "success", HeadSHA: "ccc"},
	{ID: 4, Workflow: "notion-sync.yml", Branch: "main", Event: "schedule", Conclusion: "success", HeadSHA: "sched"},
	{ID: 5, Workflow: "notion-sync.yml", Branch: "main", Event: "push", Conclusion: "cancelled", HeadSHA: "ddd"},
	{ID: 6, Workflow: "notion-sync.yml", Branch: "main", Event: "push", Conclusion: "failure", HeadSHA: "eee"},
	{ID: 7, Workflow: "notion-sync.yml", Branch: "main", Event: "workflow_dispatch", Conclusion: "success", HeadSHA: "disp"},
	{ID: 8, Workflow: "other.yml", Branch: "main", Event: "push", Conclusion: "success", HeadSHA: "other"},
	{ID: 9, Workflow: "notion-sync.yml", Branch: "main", Event: "push", Conclusion: "cancelled", HeadSHA: "ggg"},
	{ID: 10, Workflow: "notion-sync.yml", Branch: "main", Event: "push", Status: "in_progress", HeadSHA: "hhh"},
}

func TestLastSuccessfulRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		runs          []actiontest.Run
		ignoreFilters bool
		q             RunQuery
		want          string
		wantErr       error
	}{
		{name: "GitHub filters", runs: history, q: RunQuery{Workflow: "notion-sync.yml", Branch: "main", ExcludeRunID: 10}, want: "ccc"},
		{name: "filters ignored: conclusion, event and status checked here", runs: history, ignoreFilters: true,
			q: RunQuery{Workflow: "notion-sync.yml", Branch: "main", ExcludeRunID: 10}, want: "ccc"},
		{name: "another branch", runs: history, ignoreFilters: true, q: RunQuery{Workflow: "notion-sync.yml", Branch: "feature"}, want: "fff"},
		{name: "no success on the branch", runs: history, ignoreFilters: true, q: RunQuery{Workflow: "notion-sync.yml", Branch: "dev"}, wantErr: ErrNoSuccessfulRun},
		{name: "only failed and cancelled runs", ignoreFilters: true, runs: []actiontest.Run{
			{ID: 1, Workflow: "notion-sync.yml", Branch: "main", Event: "push", Conclusion: "failure", HeadSHA: "a"},
			{ID: 2, Workflow: "notion-sync.yml", Branch: "main", Event: "push", Conclusion: "cancelled", HeadSHA: "b"},
			{ID: 3, Workflow: "notion-sync.yml", Branch: "main", Event: "push", Conclusion: "timed_out", HeadSHA: "c"},
		}, q: RunQuery{Workflow: "notion-sync.yml", Branch: "main"}, wantErr: ErrNoSuccessfulRun},
		{name: "a re-run of the last success skips itself", runs: history, q: RunQuery{Workflow: "notion-sync.yml", Branch: "main", ExcludeRunID: 3}, want: "aaa"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			gh := actiontest.NewGitHub(t, "ghs_test")
			gh.RunsIgnoreFilters = tt.ignoreFilters
			gh.AddRuns(tt.runs...)
			q := tt.q
			q.Owner, q.Repo = "o", "r"
			got, err := LastSuccessfulRun(t.Context(), gh.Client().Actions, q)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("LastSuccessfulRun() error = %v, want %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("LastSuccessfulRun() = %q, want %q", got, tt.want)
			}
			reqs := gh.Requests()
			if len(reqs) == 0 || !strings.HasPrefix(reqs[0], "GET /api/v3/repos/o/r/actions/workflows/"+tt.q.Workflow+"/runs?") {
				t.Fatalf("requests = %v", reqs)
			}
			for _, want := range []string{"branch=" + tt.q.Branch, "event=push", "status=success", "per_page=100"} {
				if !strings.Contains(reqs[0], want) {
					t.Errorf("request %q lacks %q", reqs[0], want)
				}
			}
		})
	}
}

// TestLastSuccessfulRunPages puts the last success behind 150 failed runs (the
// filter not applied): it is found on page 2. Past maxRunPages pages the search
// stops.
func TestLastSuccessfulRunPages(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		failed int
		want   string
		pages  int
	}{{150, "old", 2}, {maxRunPages*100 + 10, "", maxRunPages}} {
		t.Run(fmt.Sprint(tt.failed), func(t *testing.T) {
			t.Parallel()
			gh := actiontest.NewGitHub(t, "ghs_test")
			gh.RunsIgnoreFilters = true
			gh.AddRuns(actiontest.Run{ID: 1, Workflow: "w.yml", Branch: "main", Event: "push", Conclusion: "success", HeadSHA: "old"})
			for i := range tt.failed {
				gh.AddRuns(actiontest.Run{ID: int64(i + 2), Workflow: "w.yml", Branch: "main", Event: "push", Conclusion: "failure", HeadSHA: "x"})
			}
			got, err := LastSuccessfulRun(t.Context(), gh.Client().Actions, RunQuery{Owner: "o", Repo: "r", Workflow: "w.yml", Branch: "main"})
			if tt.want == "" && !errors.Is(err, ErrNoSuccessfulRun) {
				t.Errorf("error = %v, want ErrNoSuccessfulRun", err)
			}
			if got != tt.want {
				t.Errorf("LastSuccessfulRun() = %q, %v; want %q", got, err, tt.want)
			}
			if n := len(gh.Requests()); n != tt.pages {
				t.Errorf("%d requests, want %d", n, tt.pages)
			}
		})
	}
}

func TestLastSuccessfulRunErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		status        int
		workflow      string
		wantForbidden bool
		wantText      string
	}{
		{name: "no actions: read", status: http.StatusForbidden, workflow: "notion-sync.yml", wantForbidden: true, wantText: "actions: read"},
		{name: "server error", status: http.StatusInternalServerError, workflow: "notion-sync.yml", wantText: "list runs of notion-sync.yml on main"},
		{name: "unknown workflow", workflow: "gone.yml", wantText: "404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			gh := actiontest.NewGitHub(t, "ghs_test")
			gh.FailRuns = tt.status
			gh.AddRuns(history...)
			_, err := LastSuccessfulRun(t.Context(), gh.Client().Actions, RunQuery{Owner: "o", Repo: "r", Workflow: tt.workflow, Branch: "main"})
			if err == nil {
				t.Fatal("LastSuccessfulRun() error = nil")
			}
			if got := errors.Is(err, ErrRunsForbidden); got != tt.wantForbidden {
				t.Errorf("errors.Is(%v, ErrRunsForbidden) = %v, want %v", err, got, tt.wantForbidden)
			}
			if errors.Is(err, ErrNoSuccessfulRun) {
				t.Errorf("error %v reads as no successful run", err)
			}
			var ghErr *github.ErrorResponse
			if !errors.As(err, &ghErr) {
				t.Errorf("error %v does not wrap GitHub's answer", err)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q lacks %q", err, tt.wantText)
			}
			if strings.Contains(err.Error(), "ghs_test") {
				t.Errorf("error shows the token: %v", err)
			}
		})
	}
}

// TestLastSuccessfulRunRateLimit: a rate-limited 403 is not a missing permission.
func TestLastSuccessfulRunRateLimit(t *testing.T) {
	t.Parallel()
	gh := actiontest.NewGitHub(t, "ghs_test")
	gh.RateLimited = true
	_, err := LastSuccessfulRun(t.Context(), gh.Client().Actions, RunQuery{Owner: "o", Repo: "r", Workflow: "w.yml", Branch: "main"})
	var rl *github.RateLimitError
	if !errors.As(err, &rl) {
		t.Errorf("error = %v, want go-github's RateLimitError", err)
	}
	if err == nil || errors.Is(err, ErrRunsForbidden) {
		t.Errorf("error = %v, want a rate-limit error that is not ErrRunsForbidden", err)
	}
}

func TestLastSuccessfulRunNeedsQuery(t *testing.T) {
	t.Parallel()
	_, err := LastSuccessfulRun(t.Context(), nil, RunQuery{Owner: "o", Repo: "r", Workflow: "w.yml"})
	if err == nil || !strings.Contains(err.Error(), "branch") {
		t.Errorf("error = %v, want one naming the missing branch", err)
	}
}
