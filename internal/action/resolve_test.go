package action

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestResolve(t *testing.T) {
	t.Parallel()
	auto := Inputs{Mode: ModeAuto, Scope: ScopeAuto, NotionToken: "t", Comment: true}
	with := func(f func(*Inputs)) Inputs {
		in := auto
		f(&in)
		return in
	}
	noToken := with(func(in *Inputs) { in.NotionToken = "" })
	push := Event{Name: EventPush, Before: "a", After: "b"}
	pr := Event{Name: EventPullRequest, Number: 5, BaseSHA: "a", HeadSHA: "b"}
	// A fork's pull_request: the token is read-only, and here a Notion token is
	// present anyway (a repository that passes secrets to forks): the fork is
	// what decides, not the token.
	fork := Event{Name: EventPullRequest, Number: 5, BaseSHA: "a", HeadSHA: "b", HeadRepo: "someone/mono", Fork: true}
	target := Event{Name: EventPullRequestTarget, Number: 5, BaseSHA: "a", HeadSHA: "b"}
	targetFork := target
	targetFork.HeadRepo, targetFork.Fork = "someone/mono", true
	review := Event{Name: "pull_request_review", HasPullRequest: true, Number: 5, BaseSHA: "a", HeadSHA: "b"}
	reviewFork := review
	reviewFork.Fork = true
	headOut := Checkout{Head: "b"}
	mergeOut := Checkout{Head: "m", MergeHead: "b"}
	baseOut := Checkout{Head: "0123456789abcdef0123"}

	const (
		forkNote        = "Pull request from a fork: its manifests are untrusted, so the plan is made from them alone, without reading Notion (every module shows as if the database were empty)"
		forkSyncNote    = "Pull request from a fork: planned instead of syncing"
		readOnlyNote    = "Pull request from a fork: GitHub gives this run a read-only token, so the plan is not posted as a comment (post it from a workflow_run workflow: see docs/action.md)"
		noTokenNote     = "No Notion token: the plan shows the manifests' values as if the database were empty"
		noTokenSync     = "No Notion token on this pull request: planned instead of syncing"
		targetWhat      = "pull_request_target checks out the base branch: the checkout (0123456789ab) is not the pull request's head b, so its manifests are not the pull request's"
		schemaApplyNote = "schema-apply on a pull request or merge queue: a dry run, the schema is changed only once the config is merged"
		targetSkipFix   = ". Nothing was planned. To plan the pull request, check out its head (actions/checkout with ref: ${{ github.event.pull_request.head.sha }}): the action reads the manifests and runs none of the pull request's code"
	)
	tests := []struct {
		name string
		in   Inputs
		ev   Event
		co   Checkout
		want Run
	}{
		{"push syncs changed", auto, push, headOut, Run{Mode: ModeSync, Scope: ScopeChanged}},
		{"push that deleted the branch", auto, Event{Name: EventPush, Deleted: true}, Checkout{}, Run{Mode: ModeSync, Scope: ScopeChanged,
			Skip: "the push deleted the branch: there is nothing to sync"}},
		{"workflow_dispatch syncs all", auto, Event{Name: EventWorkflowDispatch}, headOut, Run{Mode: ModeSync, Scope: ScopeAll}},
		{"schedule syncs all", auto, Event{Name: EventSchedule}, headOut, Run{Mode: ModeSync, Scope: ScopeAll}},
		{"other event with an explicit mode", with(func(in *Inputs) { in.Mode = ModeSync }), Event{Name: "release"}, headOut, Run{Mode: ModeSync, Scope: ScopeAll}},
		{"pull request plans and comments", auto, pr, mergeOut, Run{Mode: ModePlan, Scope: ScopeChanged, DryRun: true, Comment: true}},
		{"comment off", with(func(in *Inputs) { in.Comment = false }), pr, mergeOut, Run{Mode: ModePlan, Scope: ScopeChanged, DryRun: true}},
		{"scope overrides", with(func(in *Inputs) { in.Scope = ScopeAll }), push, headOut, Run{Mode: ModeSync, Scope: ScopeAll}},
		{"scope changed on dispatch", with(func(in *Inputs) { in.Scope = ScopeChanged }), Event{Name: EventWorkflowDispatch}, headOut, Run{Mode: ModeSync, Scope: ScopeChanged}},
		{"dry-run push", with(func(in *Inputs) { in.DryRun = true }), push, headOut, Run{Mode: ModeSync, Scope: ScopeChanged, DryRun: true}},
		{"mode plan on push", with(func(in *Inputs) { in.Mode = ModePlan }), push, headOut, Run{Mode: ModePlan, Scope: ScopeChanged, DryRun: true}},
		{"mode sync on a pull request", with(func(in *Inputs) { in.Mode = ModeSync }), pr, mergeOut, Run{Mode: ModeSync, Scope: ScopeChanged, Comment: true}},
		{"same-repository pull request without token plans offline", noToken, pr, mergeOut, Run{Mode: ModePlan, Scope: ScopeChanged,
			DryRun: true, Offline: true, Comment: true, Notes: []string{noTokenNote}}},
		{"sync on a pull request without token", with(func(in *Inputs) { in.NotionToken = ""; in.Mode = ModeSync }), pr, mergeOut, Run{Mode: ModeSync, Scope: ScopeChanged,
			DryRun: true, Offline: true, Comment: true, Notes: []string{noTokenSync, noTokenNote}}},
		{"push without token is not downgraded", noToken, push, headOut, Run{Mode: ModeSync, Scope: ScopeChanged}},
		{"verify has no scope", with(func(in *Inputs) { in.Mode = ModeVerify; in.Scope = ScopeChanged }), push, headOut, Run{Mode: ModeVerify}},
		{"health on a pull request", with(func(in *Inputs) { in.Mode = ModeHealth }), pr, mergeOut, Run{Mode: ModeHealth}},
		{"schema-apply on push writes", with(func(in *Inputs) { in.Mode = ModeSchemaApply }), push, headOut, Run{Mode: ModeSchemaApply}},
		{"schema-apply on a pull request is a dry run", with(func(in *Inputs) { in.Mode = ModeSchemaApply }), pr, mergeOut, Run{Mode: ModeSchemaApply, DryRun: true, Notes: []string{schemaApplyNote}}},
		{"schema-apply in a merge queue is a dry run", with(func(in *Inputs) { in.Mode = ModeSchemaApply }), Event{Name: EventMergeGroup}, headOut, Run{Mode: ModeSchemaApply, DryRun: true, Notes: []string{schemaApplyNote}}},
		{"schema-apply with dry-run on dispatch", with(func(in *Inputs) { in.Mode = ModeSchemaApply; in.DryRun = true }), Event{Name: EventWorkflowDispatch}, headOut, Run{Mode: ModeSchemaApply, DryRun: true}},
		{"schema-apply on a fork is skipped", with(func(in *Inputs) { in.Mode = ModeSchemaApply }), fork, mergeOut, Run{Mode: ModeSchemaApply, DryRun: true, Notes: []string{schemaApplyNote},
			Skip: "mode schema-apply is not run on a fork's pull request: it reads Notion, and the manifests and config are the contributor's"}},
		{"pull request without number: no comment", auto, Event{Name: EventPullRequest}, mergeOut, Run{Mode: ModePlan, Scope: ScopeChanged, DryRun: true}},

		// Forks: offline whatever the token, no comment on a read-only token.
		{"fork with a Notion token still plans offline, no comment", auto, fork, mergeOut, Run{Mode: ModePlan, Scope: ScopeChanged,
			DryRun: true, Offline: true, Notes: []string{forkNote, readOnlyNote}}},
		{"fork without a Notion token", noToken, fork, mergeOut, Run{Mode: ModePlan, Scope: ScopeChanged,
			DryRun: true, Offline: true, Notes: []string{forkNote, readOnlyNote}}},
		{"mode sync on a fork plans offline", with(func(in *Inputs) { in.Mode = ModeSync }), fork, mergeOut, Run{Mode: ModeSync, Scope: ScopeChanged,
			DryRun: true, Offline: true, Notes: []string{forkSyncNote, forkNote, readOnlyNote}}},
		{"mode verify on a fork is skipped", with(func(in *Inputs) { in.Mode = ModeVerify }), fork, mergeOut, Run{Mode: ModeVerify,
			Skip: "mode verify is not run on a fork's pull request: it reads Notion, and the manifests and config are the contributor's"}},
		{"fork review event: read-only token too", auto, reviewFork, mergeOut, Run{Mode: ModePlan, Scope: ScopeChanged,
			DryRun: true, Offline: true, Notes: []string{forkNote, readOnlyNote}}},

		// pull_request_target: plan only the pull request's own files.
		{"pull_request_target on the base branch is skipped, with a comment saying so", auto, target, baseOut, Run{Mode: ModePlan, Scope: ScopeChanged,
			DryRun: true, Comment: true, Skip: targetWhat + targetSkipFix}},
		{"pull_request_target without a git checkout is skipped", auto, target, Checkout{}, Run{Mode: ModePlan, Scope: ScopeChanged,
			DryRun: true, Comment: true, Skip: strings.Replace(targetWhat, "(0123456789ab)", "(not a git checkout)", 1) + targetSkipFix}},
		{"pull_request_target with the head checked out plans", auto, target, headOut, Run{Mode: ModePlan, Scope: ScopeChanged, DryRun: true, Comment: true}},
		{"pull_request_target with the merge commit checked out plans", auto, target, mergeOut, Run{Mode: ModePlan, Scope: ScopeChanged, DryRun: true, Comment: true}},
		{"pull_request_target with an explicit mode is noted, not skipped", with(func(in *Inputs) { in.Mode = ModePlan }), target, baseOut, Run{Mode: ModePlan, Scope: ScopeChanged,
			DryRun: true, Comment: true, Notes: []string{targetWhat}}},
		{"pull_request_target from a fork: offline, but the token can comment", auto, targetFork, headOut, Run{Mode: ModePlan, Scope: ScopeChanged,
			DryRun: true, Offline: true, Comment: true, Notes: []string{forkNote}}},

		// Other events that carry a pull request, and merge queues: plan, never write.
		{"pull_request_review plans and comments", auto, review, mergeOut, Run{Mode: ModePlan, Scope: ScopeChanged, DryRun: true, Comment: true}},
		{"merge_group plans", auto, Event{Name: EventMergeGroup, BaseSHA: "a", HeadSHA: "b"}, headOut, Run{Mode: ModePlan, Scope: ScopeChanged, DryRun: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Resolve(tt.in, tt.ev, tt.co)
			if err != nil {
				t.Fatalf("Resolve() error: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Resolve() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestResolveUnknownEvent: mode auto refuses an event it has no rule for,
// rather than guess a full sync.
func TestResolveUnknownEvent(t *testing.T) {
	t.Parallel()
	in := Inputs{Mode: ModeAuto, Scope: ScopeAuto, NotionToken: "t", Comment: true}
	for _, name := range []string{"release", "issue_comment", "workflow_run", ""} {
		_, err := Resolve(in, Event{Name: name}, Checkout{Head: "a"})
		if !errors.Is(err, ErrUnknownEvent) || !strings.Contains(err.Error(), "set the mode input") {
			t.Errorf("Resolve(%q) error = %v, want ErrUnknownEvent asking for a mode", name, err)
		}
	}
}

// TestReadCheckout: only pull_request_target reads the checkout; a clone gives
// its HEAD (no merge parent), a folder that is no checkout nothing, with a
// warning.
func TestReadCheckout(t *testing.T) {
	t.Parallel()
	h := newGitHistory(t, "a")
	var log bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&log, nil))
	prt := Event{Name: EventPullRequestTarget}
	if got := ReadCheckout(h.clone, Event{Name: "pull_request"}, logger); got != (Checkout{}) {
		t.Errorf("pull_request: %+v, want nothing read", got)
	}
	if got := ReadCheckout(h.clone, prt, logger); got != (Checkout{Head: h.shas[0]}) {
		t.Errorf("pull_request_target on a clone: %+v, want Head %s", got, h.shas[0])
	}
	if got := ReadCheckout(t.TempDir(), prt, logger); got != (Checkout{}) || !strings.Contains(log.String(), "not a git checkout") {
		t.Errorf("pull_request_target on a plain folder: %+v, log %q", got, log.String())
	}
}
