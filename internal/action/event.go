package action

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/google/go-github/v60/github"
)

// Event names the action knows. Any other event whose payload carries a
// pull_request object (pull_request_review, pull_request_review_comment...)
// is read as a pull request; with mode auto, Resolve refuses the rest, since
// guessing a sync for an event it does not know could write to Notion from a
// run nobody meant to sync.
const (
	EventPush              = "push"
	EventPullRequest       = "pull_request"
	EventPullRequestTarget = "pull_request_target"
	EventMergeGroup        = "merge_group"
	EventWorkflowDispatch  = "workflow_dispatch"
	EventSchedule          = "schedule"
)

// ZeroSHA is the `before` of a push that created its branch.
const ZeroSHA = "0000000000000000000000000000000000000000"

// Event is what the action needs of the webhook payload that triggered the run
// (GITHUB_EVENT_PATH) and of the run's GITHUB_* variables. The zero value is an
// event with no name and no commits, read as "sync everything".
type Event struct {
	Name       string // GITHUB_EVENT_NAME
	Repository string // GITHUB_REPOSITORY, "owner/name"
	SHA        string // GITHUB_SHA

	// push
	Before  string // the tip before the push; ZeroSHA when the push created the branch
	After   string // the tip after the push
	Forced  bool   // a force-push: Before need not be an ancestor of After, or exist at all
	Created bool   // the push created the ref
	Deleted bool   // the push deleted the ref (After is ZeroSHA)

	// pull_request, pull_request_target, and any event whose payload carries
	// a pull_request object (HasPullRequest); merge_group fills BaseSHA and
	// HeadSHA from merge_group.base_sha and head_sha.
	HasPullRequest bool   // the payload carries a pull_request object
	Number         int    // the pull request's number
	BaseSHA        string // pull_request.base.sha
	HeadSHA        string // pull_request.head.sha
	HeadRepo       string // pull_request.head.repo.full_name; "" when the fork was deleted
	// Fork: the head lives in another repository. Its code is untrusted, and
	// on every event but pull_request_target the run gets no secrets and a
	// read-only token.
	Fork bool
}

// IsPullRequest reports whether the event is about a pull request: pull_request,
// pull_request_target, or another event whose payload carries one
// (pull_request_review...).
func (e Event) IsPullRequest() bool {
	return e.Name == EventPullRequest || e.Name == EventPullRequestTarget || e.HasPullRequest
}

// ReadOnlyToken reports whether GitHub gives this run a read-only GITHUB_TOKEN:
// every event of a fork's pull request except pull_request_target, which runs
// in the base repository's context with its usual rights.
func (e Event) ReadOnlyToken() bool {
	return e.IsPullRequest() && e.Fork && e.Name != EventPullRequestTarget
}

// Owner and Repo split Repository; both are "" when it is not "owner/name".
func (e Event) Owner() string { o, _ := e.split(); return o }

// Repo returns the repository's name without its owner.
func (e Event) Repo() string { _, r := e.split(); return r }

func (e Event) split() (string, string) {
	o, r, ok := strings.Cut(e.Repository, "/")
	if !ok || o == "" || r == "" || strings.Contains(r, "/") {
		return "", ""
	}
	return o, r
}

// ReadEvent reads the event from GITHUB_EVENT_NAME and the payload file at
// GITHUB_EVENT_PATH. A missing payload file is not an error for events whose
// payload the action does not need (schedule payloads hold little more than
// the cron line); for push and pull_request it is, since the commits to diff
// come from it.
func ReadEvent(getenv func(string) string) (Event, error) {
	ev := Event{
		Name:       getenv("GITHUB_EVENT_NAME"),
		Repository: getenv("GITHUB_REPOSITORY"),
		SHA:        getenv("GITHUB_SHA"),
	}
	path := getenv("GITHUB_EVENT_PATH")
	needed := ev.Name == EventPush || ev.IsPullRequest()
	if path == "" {
		if needed {
			return ev, fmt.Errorf("read %s event: GITHUB_EVENT_PATH is not set", ev.Name)
		}
		return ev, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && !needed {
		return ev, nil
	}
	if err != nil {
		return ev, fmt.Errorf("read %s event: %w", ev.Name, err)
	}
	if err := ev.parse(data); err != nil {
		return ev, fmt.Errorf("read %s event %s: %w", ev.Name, path, err)
	}
	return ev, nil
}

// parse fills the fields of the event's kind from its payload.
func (ev *Event) parse(data []byte) error {
	if ev.Name == EventPush {
		var p github.PushEvent
		if err := json.Unmarshal(data, &p); err != nil {
			return err
		}
		ev.Before, ev.After = p.GetBefore(), p.GetAfter()
		ev.Forced, ev.Created, ev.Deleted = p.GetForced(), p.GetCreated(), p.GetDeleted()
		return nil
	}
	// Every other payload is looked at for a pull request or a merge group:
	// pull_request_review and its kin carry the same pull_request object.
	var p struct {
		Number      int                 `json:"number"`
		PullRequest *github.PullRequest `json:"pull_request"`
		MergeGroup  *github.MergeGroup  `json:"merge_group"`
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	switch pr := p.PullRequest; {
	case pr != nil:
		ev.HasPullRequest = true
		ev.Number = p.Number
		if ev.Number == 0 {
			ev.Number = pr.GetNumber()
		}
		ev.BaseSHA, ev.HeadSHA = pr.GetBase().GetSHA(), pr.GetHead().GetSHA()
		ev.HeadRepo = pr.GetHead().GetRepo().GetFullName()
		base := pr.GetBase().GetRepo().GetFullName()
		if base == "" {
			base = ev.Repository
		}
		// head.repo.fork says whether the head repository is a fork of anything,
		// which a same-repository branch of a forked project also is; what decides
		// secrets and token rights is whether the head lives in another repository.
		// A deleted fork leaves head.repo null: treat it as a fork.
		ev.Fork = ev.HeadRepo == "" || !strings.EqualFold(ev.HeadRepo, base)
		if ev.Repository == "" {
			ev.Repository = base
		}
	case ev.IsPullRequest():
		return errors.New("no pull_request object in the payload")
	case ev.Name == EventMergeGroup && p.MergeGroup != nil:
		ev.BaseSHA, ev.HeadSHA = p.MergeGroup.GetBaseSHA(), p.MergeGroup.GetHeadSHA()
	}
	return nil
}
