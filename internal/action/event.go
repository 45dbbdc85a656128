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

// Event names the action reacts to. Others are accepted and treated like
// workflow_dispatch (a full sync in mode auto).
const (
	EventPush              = "push"
	EventPullRequest       = "pull_request"
	EventPullRequestTarget = "pull_request_target"
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

	// pull_request and pull_request_target
	Number   int    // the pull request's number
	BaseSHA  string // pull_request.base.sha
	HeadSHA  string // pull_request.head.sha
	HeadRepo string // pull_request.head.repo.full_name; "" when the fork was deleted
	Fork     bool   // the head lives in another repository: the run gets no secrets and a read-only token
}

// IsPullRequest reports whether the event is pull_request or pull_request_target.
func (e Event) IsPullRequest() bool {
	return e.Name == EventPullRequest || e.Name == EventPullRequestTarget
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
	switch {
	case ev.Name == EventPush:
		var p github.PushEvent
		if err := json.Unmarshal(data, &p); err != nil {
			return err
		}
		ev.Before, ev.After = p.GetBefore(), p.GetAfter()
		ev.Forced, ev.Created, ev.Deleted = p.GetForced(), p.GetCreated(), p.GetDeleted()
	case ev.IsPullRequest():
		var p github.PullRequestEvent
		if err := json.Unmarshal(data, &p); err != nil {
			return err
		}
		pr := p.GetPullRequest()
		if pr == nil {
			return errors.New("no pull_request object in the payload")
		}
		ev.Number = p.GetNumber()
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
	}
	return nil
}
