package action

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	"github.com/google/go-github/v60/github"

	"github.com/lukhas/notion-sync-action/internal/gitdiff"
	"github.com/lukhas/notion-sync-action/internal/prcomment"
	"github.com/lukhas/notion-sync-action/internal/secret"
)

// ChangeFinder finds the manifests a run syncs: the diff of the checkout from a
// base commit chosen by the event, fetched when the checkout is shallow, and
// GitHub's API where git cannot answer. Every choice it makes is said in a note
// for the job summary, so a full sync is never a surprise.
type ChangeFinder struct {
	Workspace string
	Event     Event
	// Before and After are the before and after inputs; "" defers to the event
	// and to the checked-out HEAD. Before wins over every other base.
	Before, After string
	// GitHub is the API client (nil without a github-token): the last successful
	// run, the commit comparison and a pull request's files.
	GitHub *github.Client
	// Token is the github-token; it goes with a fetch only to ServerURL's host.
	Token     secret.Token
	ServerURL string // GITHUB_SERVER_URL
	// WorkflowRef (GITHUB_WORKFLOW_REF), Branch (GITHUB_REF_NAME) and RunID
	// (GITHUB_RUN_ID) name the runs whose last success is the diff base of a push.
	WorkflowRef string
	Branch      string
	RunID       int64
	Log         *slog.Logger
}

// NewChangeFinder is the ChangeFinder of this run: the workspace, the event,
// the before, after and github-token inputs, and the runner's variables that
// name the server, the workflow, the branch and the run. Without a token (or
// with a GITHUB_API_URL it cannot use, with a warning) it has no API client.
func NewChangeFinder(getenv func(string) string, workspace string, ev Event, in Inputs, log *slog.Logger) ChangeFinder {
	f := ChangeFinder{
		Workspace: workspace, Event: ev, Before: in.Before, After: in.After,
		Token: in.GitHubToken, ServerURL: getenv("GITHUB_SERVER_URL"),
		WorkflowRef: getenv("GITHUB_WORKFLOW_REF"), Branch: getenv("GITHUB_REF_NAME"),
		Log: log,
	}
	f.RunID, _ = strconv.ParseInt(getenv("GITHUB_RUN_ID"), 10, 64)
	if in.GitHubToken != "" {
		gh, err := prcomment.NewGitHub(in.GitHubToken.Reveal(), getenv("GITHUB_API_URL"), nil)
		if err != nil {
			log.Warn("no GitHub API client", "reason", err)
		}
		f.GitHub = gh
	}
	return f
}

// Changes is what a ChangeFinder found.
type Changes struct {
	// Files are the changed manifests; nil means "sync every manifest".
	Files []gitdiff.Change
	// Notes say which base was used and why, for the job summary.
	Notes []string
	// Warning, when set, is a problem the workflow's author should fix (the
	// token lacks `actions: read`): the caller shows it once as an annotation,
	// since a log line goes unseen among the others.
	Warning string
}

// Find returns the manifests changed between the run's base and head, keeping
// only the paths match accepts.
func (f ChangeFinder) Find(ctx context.Context, match func(string) bool) Changes {
	var notes []string
	var warning string
	full := func(why string) Changes { return Changes{Notes: append(notes, why), Warning: warning} }
	found := func(files []gitdiff.Change, more ...string) Changes {
		return Changes{Files: nonNil(files), Notes: append(notes, more...), Warning: warning}
	}
	repo, repoErr := gitdiff.Open(f.Workspace)
	if repo != nil {
		// A commit fetched by sha is held by a ref of ours until the end.
		defer func() {
			if err := repo.DropFetched(); err != nil {
				f.Log.Warn("cannot remove the ref of the fetched base commit", "reason", err)
			}
		}()
	}
	base, head := f.Before, f.After
	switch {
	case base != "":
		notes = append(notes, "Diff base: "+gitdiff.ShortSHA(base)+", the before input")
	case f.Event.IsPullRequest():
		base = f.Event.BaseSHA
	case f.Event.Name == EventMergeGroup && f.Event.BaseSHA != "":
		base = f.Event.BaseSHA
	default:
		// A push, or a run asked to sync the changed manifests: from the last
		// successful run, so the changes of runs that were cancelled or failed
		// are synced now.
		if repo != nil {
			var note string
			base, note, warning = f.lastSuccess(ctx, repo, head)
			notes = append(notes, note)
		}
		if base != "" {
			break
		}
		if f.Event.Name != EventPush {
			return full(fmt.Sprintf("Full sync: the %s event names no commit to diff from (set the before input for a changed-only sync)", cmp.Or(f.Event.Name, "(unknown)")))
		}
		if f.Event.Forced {
			return full("Full sync: this push was forced, so its before commit may be gone or unrelated")
		}
		base = f.Event.Before
		if base == "" || base == ZeroSHA {
			return full("Full sync: the push created the branch, so there is no before commit to diff from")
		}
		notes = append(notes, "Diff base: "+gitdiff.ShortSHA(base)+", the push's before commit")
	}
	if repoErr != nil {
		f.Log.Warn("the workspace is not a git checkout", "reason", repoErr)
	} else {
		changes, err := repo.Changed(base, head, match)
		if err == nil {
			f.Log.Info("changed manifests", "base", base, "head", cmp.Or(head, "HEAD"), "count", len(changes))
			return found(changes)
		}
		f.Log.Warn("cannot diff in the checkout", "base", base, "reason", err)
		if errors.Is(err, gitdiff.ErrNoBase) {
			if f.Event.IsPullRequest() && head == "" {
				// With fetch-depth: 2 on the merge commit, HEAD^1 is the base branch's tip.
				if changes, ok := mergeParentDiff(repo, f.Event.HeadSHA, match); ok {
					return found(changes)
				}
			}
			if f.fetch(ctx, repo, base) {
				if changes, err := repo.Changed(base, head, match); err == nil {
					f.Log.Info("fetched the base commit at depth 1", "base", base, "count", len(changes))
					return found(changes)
				}
			}
		}
	}
	if f.Event.IsPullRequest() {
		changes, err := f.pullRequestFiles(ctx, match)
		if err == nil {
			return found(changes, "Changed manifests from GitHub's pull request files API: the base commit "+gitdiff.ShortSHA(base)+" is not in this checkout")
		}
		f.Log.Warn("cannot list the pull request's files", "reason", err)
	}
	return full("Full sync: the base commit " + gitdiff.ShortSHA(base) + " is not in this checkout and could not be fetched (see the log); actions/checkout with fetch-depth: 0 avoids this")
}

// lastSuccess is the head commit of the last successful run of this workflow
// on this branch when it can be diffed from: present (or fetched) and an
// ancestor of head. Otherwise it returns "" and a note that says why the
// event's before is used instead, and, when the token lacks `actions: read`,
// the warning that asks for it.
func (f ChangeFinder) lastSuccess(ctx context.Context, repo *gitdiff.Repo, head string) (sha, note, warning string) {
	fallback := func(why string) (string, string, string) {
		return "", "Diff base: not the last successful run (" + why + ")", ""
	}
	if f.GitHub == nil {
		return fallback("no github-token to ask GitHub for it")
	}
	wf, err := ParseWorkflowRef(f.WorkflowRef)
	if err != nil || f.Branch == "" {
		return fallback("GITHUB_WORKFLOW_REF or GITHUB_REF_NAME is not set")
	}
	sha, err = LastSuccessfulRun(ctx, f.GitHub.Actions, RunQuery{
		Owner: wf.Owner, Repo: wf.Repo, Workflow: wf.File(), Branch: f.Branch, ExcludeRunID: f.RunID,
	})
	switch {
	case errors.Is(err, ErrRunsForbidden):
		_, note, _ := fallback("the token lacks `actions: read`")
		return "", note, "The github-token may not list workflow runs (403), so the diff base is not the last successful run and the changes of earlier runs that were cancelled or failed are not synced until a full sync. Grant the job `permissions: actions: read`."
	case errors.Is(err, ErrNoSuccessfulRun):
		return fallback("there is no successful run of " + wf.File() + " on " + f.Branch + " yet")
	case err != nil:
		f.Log.Warn("cannot read the workflow runs", "reason", err)
		return fallback("GitHub's workflow runs API failed: see the log")
	}
	if _, err := repo.Resolve(sha); err != nil && !f.fetch(ctx, repo, sha) {
		return fallback("its head " + gitdiff.ShortSHA(sha) + " could not be fetched")
	}
	ok, err := repo.IsAncestor(sha, head)
	if errors.Is(err, gitdiff.ErrUnknownAncestry) {
		ok, err = f.compare(ctx, wf, sha, head, repo)
	}
	switch {
	case err != nil:
		f.Log.Warn("cannot tell whether the last successful run's head is in the history", "sha", sha, "reason", err)
		return fallback("cannot tell whether its head " + gitdiff.ShortSHA(sha) + " is in this branch's history")
	case !ok:
		return fallback("its head " + gitdiff.ShortSHA(sha) + " is not in this branch's history, as after a force push")
	}
	return sha, "Diff base: " + gitdiff.ShortSHA(sha) + ", the head of the last successful run of " + wf.File() + " on " + f.Branch, ""
}

// compare asks GitHub whether base is an ancestor of head, for a shallow
// checkout whose history cannot tell.
func (f ChangeFinder) compare(ctx context.Context, wf WorkflowRef, base, head string, repo *gitdiff.Repo) (bool, error) {
	headSHA, err := repo.Resolve(cmp.Or(head, "HEAD"))
	if err != nil {
		return false, err
	}
	c, _, err := f.GitHub.Repositories.CompareCommits(ctx, wf.Owner, wf.Repo, base, headSHA, &github.ListOptions{PerPage: 1})
	if err != nil {
		return false, fmt.Errorf("compare %s...%s: %w", gitdiff.ShortSHA(base), gitdiff.ShortSHA(headSHA), err)
	}
	switch c.GetStatus() {
	case "ahead", "identical":
		return true, nil
	}
	return false, nil
}

// fetch fetches sha at depth 1 from origin when the checkout is shallow. The
// github-token goes with it only to the run's own GitHub server.
func (f ChangeFinder) fetch(ctx context.Context, repo *gitdiff.Repo, sha string) bool {
	if shallow, err := repo.Shallow(); err != nil || !shallow {
		return false
	}
	remote, err := repo.RemoteURL("origin")
	if err != nil {
		f.Log.Warn("cannot fetch the base commit", "reason", err)
		return false
	}
	if err := repo.FetchCommit(ctx, "origin", sha, f.fetchAuth(remote)); err != nil {
		f.Log.Warn("cannot fetch the base commit", "base", sha, "reason", err)
		return false
	}
	return true
}

// fetchAuth is the github-token as git credentials (x-access-token, as the
// runner uses it), for an https remote on the run's GitHub server only.
func (f ChangeFinder) fetchAuth(remote string) transport.AuthMethod {
	if f.Token == "" {
		return nil
	}
	ru, err := url.Parse(remote)
	if err != nil || ru.Scheme != "https" {
		return nil
	}
	su, err := url.Parse(cmp.Or(f.ServerURL, "https://github.com"))
	if err != nil || !strings.EqualFold(ru.Host, su.Host) {
		return nil
	}
	return &githttp.BasicAuth{Username: "x-access-token", Password: f.Token.Reveal()}
}

// mergeParentDiff diffs HEAD^1..HEAD when HEAD is the merge commit GitHub
// makes for a pull request (its second parent is the head commit).
func mergeParentDiff(repo *gitdiff.Repo, headSHA string, match func(string) bool) ([]gitdiff.Change, bool) {
	if headSHA == "" {
		return nil, false
	}
	second, err := repo.Resolve("HEAD^2")
	if err != nil || !strings.EqualFold(second, headSHA) {
		return nil, false
	}
	first, err := repo.Resolve("HEAD^1")
	if err != nil {
		return nil, false
	}
	changes, err := repo.Changed(first, "", match)
	return changes, err == nil
}

// pullRequestFiles lists the pull request's changed manifests through GitHub's API.
func (f ChangeFinder) pullRequestFiles(ctx context.Context, match func(string) bool) ([]gitdiff.Change, error) {
	if f.GitHub == nil {
		return nil, errors.New("no github-token")
	}
	if f.Event.Owner() == "" || f.Event.Number == 0 {
		return nil, errors.New("no repository or pull request number in the event")
	}
	return PullRequestFiles(ctx, f.GitHub, f.Event.Owner(), f.Event.Repo(), f.Event.Number, match)
}

func nonNil(c []gitdiff.Change) []gitdiff.Change {
	if c == nil {
		return []gitdiff.Change{}
	}
	return c
}
