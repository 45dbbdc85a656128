package action

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path"
	"strings"

	"github.com/google/go-github/v60/github"
)

// A push's diff base is the head commit of the last run of the same workflow on
// the same branch that concluded successfully (the pattern of nrwl/nx-set-shas),
// not the push event's `before`: a run that was cancelled while pending (a
// concurrency group keeps only the newest), failed half-way or was cancelled by
// hand leaves its push's changes unsynced, and diffing from the last success
// syncs them with the next push.

// ErrNoSuccessfulRun reports that the workflow has no successful push run on
// the branch yet (or none among the runs looked at): the caller falls back to
// the event's before.
var ErrNoSuccessfulRun = errors.New("no successful run of the workflow on the branch")

// ErrRunsForbidden reports GitHub's 403 on the workflow runs list: the token
// lacks `actions: read`. The caller warns once, naming the permission, and
// falls back to the event's before; it never fails the run for it.
var ErrRunsForbidden = errors.New("the token may not list workflow runs (grant `permissions: actions: read`)")

// maxRunPages bounds the runs LastSuccessfulRun reads: with GitHub's status
// filter the first page answers; the bound only matters if the filter is not
// applied, and keeps the work finite on a branch with thousands of runs.
const maxRunPages = 5

// WorkflowRuns is the part of GitHub's Actions API LastSuccessfulRun needs;
// go-github's *github.ActionsService has it.
type WorkflowRuns interface {
	ListWorkflowRunsByFileName(ctx context.Context, owner, repo, workflowFileName string, opts *github.ListWorkflowRunsOptions) (*github.WorkflowRuns, *github.Response, error)
}

// WorkflowRef is a parsed GITHUB_WORKFLOW_REF,
// "owner/repo/.github/workflows/x.yml@refs/heads/main". In a reusable workflow it
// names the caller's workflow, whose runs are the ones to look at.
type WorkflowRef struct {
	Owner, Repo string
	Path        string // .github/workflows/x.yml
	Ref         string // refs/heads/main
}

// File is the workflow's file name, which the runs API takes as the workflow id.
func (w WorkflowRef) File() string { return path.Base(w.Path) }

// ParseWorkflowRef parses GITHUB_WORKFLOW_REF.
func ParseWorkflowRef(s string) (WorkflowRef, error) {
	bad := func(why string) (WorkflowRef, error) {
		return WorkflowRef{}, fmt.Errorf("GITHUB_WORKFLOW_REF %q: %s; want owner/repo/.github/workflows/file.yml@ref", s, why)
	}
	// The ref always starts with refs/; a branch name may hold an @.
	p, rest, ok := strings.Cut(s, "@refs/")
	if !ok || rest == "" {
		return bad("no @ref")
	}
	ref := "refs/" + rest
	parts := strings.SplitN(p, "/", 3)
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return bad("no owner/repo")
	}
	wf := parts[2]
	if !strings.HasPrefix(wf, ".github/workflows/") || path.Clean(wf) != wf || strings.Count(wf, "/") != 2 {
		return bad("the workflow is not a file in .github/workflows")
	}
	if ext := path.Ext(wf); ext != ".yml" && ext != ".yaml" {
		return bad("the workflow file is not .yml or .yaml")
	}
	return WorkflowRef{Owner: parts[0], Repo: parts[1], Path: wf, Ref: ref}, nil
}

// RunQuery says whose runs LastSuccessfulRun looks at.
type RunQuery struct {
	Owner, Repo string
	// Workflow is the workflow file name (WorkflowRef.File).
	Workflow string
	// Branch is the pushed branch (GITHUB_REF_NAME).
	Branch string
	// ExcludeRunID is the current run (GITHUB_RUN_ID): a re-run of a run that
	// succeeded before must not diff from its own commit.
	ExcludeRunID int64
}

// LastSuccessfulRun returns the head commit of the newest push run of q.Workflow
// on q.Branch that concluded successfully. It asks GitHub for successful push
// runs of the branch and still checks each run's conclusion, event and branch
// itself, so a cancelled or failed run is never taken for a success.
//
// Errors: ErrNoSuccessfulRun when there is none; ErrRunsForbidden (wrapping
// GitHub's answer) on a 403 that is not a rate limit; any other error wrapped.
//
// GitHub API docs: https://docs.github.com/rest/actions/workflow-runs#list-workflow-runs-for-a-workflow
func LastSuccessfulRun(ctx context.Context, runs WorkflowRuns, q RunQuery) (string, error) {
	if q.Owner == "" || q.Repo == "" || q.Workflow == "" || q.Branch == "" {
		return "", fmt.Errorf("last successful run: owner, repo, workflow and branch are all needed (got %q/%q, %q, %q)", q.Owner, q.Repo, q.Workflow, q.Branch)
	}
	opts := &github.ListWorkflowRunsOptions{
		Branch:              q.Branch,
		Event:               "push",
		Status:              "success",
		ExcludePullRequests: true,
		ListOptions:         github.ListOptions{PerPage: 100},
	}
	for range maxRunPages {
		page, resp, err := runs.ListWorkflowRunsByFileName(ctx, q.Owner, q.Repo, q.Workflow, opts)
		if err != nil {
			var ghErr *github.ErrorResponse
			if errors.As(err, &ghErr) && ghErr.Response != nil && ghErr.Response.StatusCode == http.StatusForbidden {
				return "", fmt.Errorf("list runs of %s: %w: %w", q.Workflow, ErrRunsForbidden, err)
			}
			return "", fmt.Errorf("list runs of %s on %s: %w", q.Workflow, q.Branch, err)
		}
		for _, r := range page.WorkflowRuns {
			if r.GetID() == q.ExcludeRunID && q.ExcludeRunID != 0 {
				continue
			}
			if r.GetStatus() == "completed" && r.GetConclusion() == "success" &&
				r.GetEvent() == "push" && r.GetHeadBranch() == q.Branch && r.GetHeadSHA() != "" {
				return r.GetHeadSHA(), nil
			}
		}
		if resp == nil || resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	return "", fmt.Errorf("%s on %s: %w", q.Workflow, q.Branch, ErrNoSuccessfulRun)
}
