package action

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/lukhas/notion-sync-action/internal/gitdiff"
)

// Run is what one run of the action does, resolved from the inputs and the
// event by Resolve.
type Run struct {
	// Mode is never ModeAuto.
	Mode Mode
	// Scope is ScopeChanged or ScopeAll for sync and plan; "" for the others.
	Scope Scope
	// DryRun: plan, write nothing to Notion (mode plan, the dry-run input, a
	// pull request with no Notion token, or a fork's pull request).
	DryRun bool
	// Offline: the plan is made from the manifests alone, as if the database
	// were empty, without reading Notion: there is no Notion token, or the
	// code is a fork's and must not steer a run that holds one.
	Offline bool
	// Comment: upsert the plan comment on the pull request. When Skip is set,
	// the comment says why nothing was planned, so that an earlier plan does
	// not stay up looking current.
	Comment bool
	// Skip, when not "", is why there is nothing to do (a push that deleted its
	// branch); the run writes the reason to the summary and succeeds.
	Skip string
	// Notes explain the choices made, for the summary.
	Notes []string
}

// Checkout is what the workspace's git checkout holds, as far as Resolve
// needs to know: pull_request_target checks out the base branch unless the
// workflow asks for the pull request's head.
type Checkout struct {
	// Head is the sha HEAD points at; "" when the workspace is not a git
	// checkout.
	Head string
	// MergeHead is HEAD's second parent when HEAD is a merge commit (GitHub's
	// refs/pull/N/merge); "" otherwise.
	MergeHead string
}

// ReadCheckout is what Resolve needs of the workspace's checkout: on
// pull_request_target, whether it holds the pull request's head. Other events
// need nothing, and a workspace that is not a git checkout holds nothing (with
// a warning).
func ReadCheckout(workspace string, ev Event, log *slog.Logger) Checkout {
	var co Checkout
	if ev.Name != EventPullRequestTarget {
		return co
	}
	repo, err := gitdiff.Open(workspace)
	if err != nil {
		log.Warn("the workspace is not a git checkout", "reason", err)
		return co
	}
	co.Head, _ = repo.Head()
	co.MergeHead, _ = repo.Resolve("HEAD^2")
	return co
}

// Holds reports whether the checkout is commit sha, or the merge commit GitHub
// makes of it: either way the files are that commit's.
func (c Checkout) Holds(sha string) bool {
	if sha == "" {
		return false
	}
	return strings.EqualFold(c.Head, sha) || strings.EqualFold(c.MergeHead, sha)
}

// ErrUnknownEvent is returned by Resolve for mode auto on an event it has no
// rule for: the caller stops with a usage error that asks for an explicit mode.
var ErrUnknownEvent = errors.New("mode auto does not know this event")

// Resolve decides what the run does. With mode auto:
//   - push syncs the changed manifests; workflow_dispatch and schedule sync
//     all of them;
//   - a pull request (pull_request, pull_request_target, or any event whose
//     payload carries one, such as pull_request_review) plans and comments;
//     merge_group plans: none of them ever writes to Notion;
//   - pull_request_target plans only when the checkout is the pull request's
//     head (or its merge commit): by default it checks out the base branch,
//     whose diff from the base is empty, and a "nothing to sync" plan would be
//     a lie. Otherwise the run is skipped with the reason and the fix;
//   - any other event is refused (ErrUnknownEvent): a guessed full sync could
//     write to Notion from a run nobody meant to sync.
//
// The scope input overrides the event's scope; dry-run turns a sync into a plan.
//
// A fork's pull request always plans offline, whatever the mode asks and even
// when a Notion token is present (pull_request_target has secrets): the
// manifests and the config are the contributor's, and must not steer reads of
// the database into a public log. Modes other than sync and plan are skipped
// on it for the same reason. A pull request without a Notion token also plans
// offline: the step must not fail for a contributor who cannot have the secret.
// The comment is skipped where the token is read-only (a fork's pull request,
// except on pull_request_target), since GitHub would refuse it.
func Resolve(in Inputs, ev Event, co Checkout) (Run, error) {
	r := Run{Mode: in.Mode, DryRun: in.DryRun}
	auto := in.Mode == ModeAuto
	scope := ScopeAll
	switch {
	case ev.Name == EventPush:
		scope = ScopeChanged
		if auto {
			r.Mode = ModeSync
		}
		if ev.Deleted {
			r.Skip = "the push deleted the branch: there is nothing to sync"
		}
	case ev.IsPullRequest():
		scope = ScopeChanged
		if auto {
			r.Mode = ModePlan
		}
		if ev.Name == EventPullRequestTarget && !co.Holds(ev.HeadSHA) {
			what := fmt.Sprintf("pull_request_target checks out the base branch: the checkout (%s) is not the pull request's head %s, so its manifests are not the pull request's",
				cmp.Or(gitdiff.ShortSHA(co.Head), "not a git checkout"), cmp.Or(gitdiff.ShortSHA(ev.HeadSHA), "(unknown)"))
			if auto {
				r.Skip = what + ". Nothing was planned. To plan the pull request, check out its head (actions/checkout with ref: ${{ github.event.pull_request.head.sha }}): the action reads the manifests and runs none of the pull request's code"
			} else if r.Mode == ModeSync || r.Mode == ModePlan {
				r.Notes = append(r.Notes, what)
			}
		}
	case ev.Name == EventMergeGroup:
		scope = ScopeChanged
		if auto {
			r.Mode = ModePlan
		}
	case ev.Name == EventWorkflowDispatch, ev.Name == EventSchedule:
		if auto {
			r.Mode = ModeSync
		}
	default:
		if auto {
			return Run{}, fmt.Errorf("event %s: %w; set the mode input (sync, plan, verify, audit, preflight, health or schema-apply) for it", cmp.Or(ev.Name, "(none)"), ErrUnknownEvent)
		}
	}
	untrusted := ev.IsPullRequest() && ev.Fork
	if r.Mode != ModeSync && r.Mode != ModePlan {
		if untrusted && r.Skip == "" {
			r.Skip = fmt.Sprintf("mode %s is not run on a fork's pull request: it reads Notion, and the manifests and config are the contributor's", r.Mode)
		}
		if r.Mode == ModeSchemaApply && !r.DryRun && (ev.IsPullRequest() || ev.Name == EventMergeGroup) {
			// The config and manifests are not merged yet: show what the
			// merge would add, and add it from the push that merges it.
			r.DryRun = true
			r.Notes = append(r.Notes, "schema-apply on a pull request or merge queue: a dry run, the schema is changed only once the config is merged")
		}
		return r, nil
	}
	r.Scope = scope
	if in.Scope != ScopeAuto && in.Scope != "" {
		r.Scope = in.Scope
	}
	if r.Mode == ModePlan {
		r.DryRun = true
	}
	switch {
	case untrusted:
		if !r.DryRun {
			r.Notes = append(r.Notes, "Pull request from a fork: planned instead of syncing")
		}
		r.DryRun, r.Offline = true, true
		r.Notes = append(r.Notes, "Pull request from a fork: its manifests are untrusted, so the plan is made from them alone, without reading Notion (every module shows as if the database were empty)")
	case in.NotionToken == "" && ev.IsPullRequest():
		if !r.DryRun {
			r.Notes = append(r.Notes, "No Notion token on this pull request: planned instead of syncing")
		}
		r.DryRun, r.Offline = true, true
		r.Notes = append(r.Notes, "No Notion token: the plan shows the manifests' values as if the database were empty")
	}
	r.Comment = in.Comment && ev.IsPullRequest() && ev.Number > 0
	if r.Comment && ev.ReadOnlyToken() {
		r.Comment = false
		r.Notes = append(r.Notes, "Pull request from a fork: GitHub gives this run a read-only token, so the plan is not posted as a comment (post it from a workflow_run workflow: see docs/action.md)")
	}
	return r, nil
}
