package action

import (
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
	push := Event{Name: EventPush, Before: "a", After: "b"}
	pr := Event{Name: EventPullRequest, Number: 5, BaseSHA: "a", HeadSHA: "b"}
	fork := Event{Name: EventPullRequest, Number: 5, Fork: true}
	noTokenNote := "No Notion token (pull requests from forks get no secrets): the plan shows the manifests' values as if the database were empty"
	tests := []struct {
		name string
		in   Inputs
		ev   Event
		want Run
	}{
		{"push syncs changed", auto, push, Run{Mode: ModeSync, Scope: ScopeChanged}},
		{"push that deleted the branch", auto, Event{Name: EventPush, Deleted: true}, Run{Mode: ModeSync, Scope: ScopeChanged,
			Skip: "the push deleted the branch: there is nothing to sync"}},
		{"workflow_dispatch syncs all", auto, Event{Name: EventWorkflowDispatch}, Run{Mode: ModeSync, Scope: ScopeAll}},
		{"schedule syncs all", auto, Event{Name: EventSchedule}, Run{Mode: ModeSync, Scope: ScopeAll}},
		{"other event syncs all, said", auto, Event{Name: "release"}, Run{Mode: ModeSync, Scope: ScopeAll,
			Notes: []string{"Event release: mode auto syncs every manifest"}}},
		{"pull request plans and comments", auto, pr, Run{Mode: ModePlan, Scope: ScopeChanged, DryRun: true, Comment: true}},
		{"pull_request_target too", auto, Event{Name: EventPullRequestTarget, Number: 5}, Run{Mode: ModePlan, Scope: ScopeChanged, DryRun: true, Comment: true}},
		{"comment off", with(func(in *Inputs) { in.Comment = false }), pr, Run{Mode: ModePlan, Scope: ScopeChanged, DryRun: true}},
		{"scope overrides", with(func(in *Inputs) { in.Scope = ScopeAll }), push, Run{Mode: ModeSync, Scope: ScopeAll}},
		{"scope changed on dispatch", with(func(in *Inputs) { in.Scope = ScopeChanged }), Event{Name: EventWorkflowDispatch}, Run{Mode: ModeSync, Scope: ScopeChanged}},
		{"dry-run push", with(func(in *Inputs) { in.DryRun = true }), push, Run{Mode: ModeSync, Scope: ScopeChanged, DryRun: true}},
		{"mode plan on push", with(func(in *Inputs) { in.Mode = ModePlan }), push, Run{Mode: ModePlan, Scope: ScopeChanged, DryRun: true}},
		{"mode sync on a pull request", with(func(in *Inputs) { in.Mode = ModeSync }), pr, Run{Mode: ModeSync, Scope: ScopeChanged, Comment: true}},
		{"fork without token plans offline", with(func(in *Inputs) { in.NotionToken = "" }), fork, Run{Mode: ModePlan, Scope: ScopeChanged,
			DryRun: true, Offline: true, Comment: true, Notes: []string{noTokenNote}}},
		{"sync on a pull request without token", with(func(in *Inputs) { in.NotionToken = ""; in.Mode = ModeSync }), fork, Run{Mode: ModeSync, Scope: ScopeChanged,
			DryRun: true, Offline: true, Comment: true, Notes: []string{"No Notion token on this pull request: planned instead of syncing", noTokenNote}}},
		{"push without token is not downgraded", with(func(in *Inputs) { in.NotionToken = "" }), push, Run{Mode: ModeSync, Scope: ScopeChanged}},
		{"verify has no scope", with(func(in *Inputs) { in.Mode = ModeVerify; in.Scope = ScopeChanged }), push, Run{Mode: ModeVerify}},
		{"health on a pull request", with(func(in *Inputs) { in.Mode = ModeHealth }), pr, Run{Mode: ModeHealth}},
		{"pull request without number: no comment", auto, Event{Name: EventPullRequest}, Run{Mode: ModePlan, Scope: ScopeChanged, DryRun: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, Resolve(tt.in, tt.ev)); diff != "" {
				t.Errorf("Resolve() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
