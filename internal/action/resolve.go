package action

import "fmt"

// Run is what one run of the action does, resolved from the inputs and the
// event by Resolve.
type Run struct {
	// Mode is never ModeAuto.
	Mode Mode
	// Scope is ScopeChanged or ScopeAll for sync and plan; "" for the others.
	Scope Scope
	// DryRun: plan, write nothing to Notion (mode plan, the dry-run input, or a
	// pull request with no Notion token).
	DryRun bool
	// Offline: there is no Notion token, so the plan is made from the
	// manifests alone, as if the database were empty.
	Offline bool
	// Comment: upsert the plan comment on the pull request.
	Comment bool
	// Skip, when not "", is why there is nothing to do (a push that deleted its
	// branch); the run writes the reason to the summary and succeeds.
	Skip string
	// Notes explain the choices made, for the summary.
	Notes []string
}

// Resolve decides what the run does. With mode auto: a push syncs the changed
// manifests, workflow_dispatch and schedule (and any other event) sync all of
// them, and a pull request plans (a dry run) and comments. The scope input
// overrides the event's scope; dry-run turns a sync into a plan.
//
// A pull request without a Notion token (fork pull requests get no secrets)
// always plans offline, whatever the mode asks: the step must not fail for a
// contributor who cannot have the secret.
func Resolve(in Inputs, ev Event) Run {
	r := Run{Mode: in.Mode, DryRun: in.DryRun}
	scope := ScopeAll
	switch {
	case ev.Name == EventPush:
		scope = ScopeChanged
		if r.Mode == ModeAuto {
			r.Mode = ModeSync
		}
		if ev.Deleted {
			r.Skip = "the push deleted the branch: there is nothing to sync"
		}
	case ev.IsPullRequest():
		scope = ScopeChanged
		if r.Mode == ModeAuto {
			r.Mode = ModePlan
		}
	case ev.Name == EventWorkflowDispatch, ev.Name == EventSchedule:
		if r.Mode == ModeAuto {
			r.Mode = ModeSync
		}
	default:
		if r.Mode == ModeAuto {
			r.Mode = ModeSync
			name := ev.Name
			if name == "" {
				name = "(none)"
			}
			r.Notes = append(r.Notes, fmt.Sprintf("Event %s: mode auto syncs every manifest", name))
		}
	}
	if r.Mode != ModeSync && r.Mode != ModePlan {
		r.Scope = ""
		return r
	}
	r.Scope = scope
	if in.Scope != ScopeAuto && in.Scope != "" {
		r.Scope = in.Scope
	}
	if r.Mode == ModePlan {
		r.DryRun = true
	}
	if in.NotionToken == "" && ev.IsPullRequest() {
		if r.Mode == ModeSync && !r.DryRun {
			r.Notes = append(r.Notes, "No Notion token on this pull request: planned instead of syncing")
		}
		r.DryRun, r.Offline = true, true
		r.Notes = append(r.Notes, "No Notion token (pull requests from forks get no secrets): the plan shows the manifests' values as if the database were empty")
	}
	r.Comment = in.Comment && ev.IsPullRequest() && ev.Number > 0
	return r
}
