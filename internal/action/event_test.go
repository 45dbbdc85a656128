package action

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func eventEnv(name, path string) func(string) string {
	env := map[string]string{
		"GITHUB_EVENT_NAME": name, "GITHUB_EVENT_PATH": path,
		"GITHUB_REPOSITORY": "Codertocat/Hello-World", "GITHUB_SHA": "1111111111111111111111111111111111111111",
	}
	return func(k string) string { return env[k] }
}

func TestReadEvent(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fork := filepath.Join(dir, "fork.json")
	data, err := os.ReadFile(filepath.Join("testdata", "pull_request.json"))
	if err != nil {
		t.Fatal(err)
	}
	// The head repository of a fork has another full name.
	forked := strings.Replace(string(data), `"label": "Codertocat:changes",
      "ref": "changes",
      "sha": "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
      "repo": {
        "id": 186853002,
        "name": "Hello-World",
        "full_name": "Codertocat/Hello-World"`, `"label": "octo:changes",
      "ref": "changes",
      "sha": "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
      "repo": {
        "id": 1,
        "name": "Hello-World",
        "full_name": "octo/Hello-World"`, 1)
	if forked == string(data) {
		t.Fatal("the fork fixture was not rewritten")
	}
	if err := os.WriteFile(fork, []byte(forked), 0o644); err != nil {
		t.Fatal(err)
	}
	deletedFork := filepath.Join(dir, "deleted-fork.json")
	if err := os.WriteFile(deletedFork, []byte(`{"number":7,"pull_request":{"number":7,"head":{"sha":"ab","repo":null},"base":{"sha":"cd","repo":{"full_name":"Codertocat/Hello-World"}}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	review := filepath.Join(dir, "review.json")
	if err := os.WriteFile(review, []byte(`{"action":"submitted","review":{"id":1},"pull_request":{"number":9,"head":{"sha":"ab","repo":{"full_name":"Codertocat/Hello-World"}},"base":{"sha":"cd","repo":{"full_name":"Codertocat/Hello-World"}}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	mergeGroup := filepath.Join(dir, "merge_group.json")
	if err := os.WriteFile(mergeGroup, []byte(`{"action":"checks_requested","merge_group":{"head_sha":"ab","head_ref":"refs/heads/gh-readonly-queue/main/pr-1-cd","base_sha":"cd","base_ref":"refs/heads/main"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	mergeGroupless := filepath.Join(dir, "release.json")
	if err := os.WriteFile(mergeGroupless, []byte(`{"action":"published","release":{"tag_name":"v1"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	base := Event{Repository: "Codertocat/Hello-World", SHA: "1111111111111111111111111111111111111111"}
	with := func(e Event) Event {
		e.Repository, e.SHA = base.Repository, base.SHA
		return e
	}
	tests := []struct {
		name, event, path string
		want              Event
	}{
		{"new branch push", "push", "testdata/push.json", with(Event{Name: "push",
			Before: ZeroSHA, After: "6113728f27ae82c7b1a177c8d03f9e96e0adf246", Created: true})},
		{"pull request", "pull_request", "testdata/pull_request.json", with(Event{Name: "pull_request", HasPullRequest: true, Number: 2,
			BaseSHA: "f95f852bd8fca8fcc58a9a2d6c842781e32a215e", HeadSHA: "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
			HeadRepo: "Codertocat/Hello-World"})},
		{"pull request target", "pull_request_target", "testdata/pull_request.json", with(Event{Name: "pull_request_target", HasPullRequest: true, Number: 2,
			BaseSHA: "f95f852bd8fca8fcc58a9a2d6c842781e32a215e", HeadSHA: "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
			HeadRepo: "Codertocat/Hello-World"})},
		{"fork pull request", "pull_request", fork, with(Event{Name: "pull_request", HasPullRequest: true, Number: 2,
			BaseSHA: "f95f852bd8fca8fcc58a9a2d6c842781e32a215e", HeadSHA: "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
			HeadRepo: "octo/Hello-World", Fork: true})},
		{"deleted fork", "pull_request", deletedFork, with(Event{Name: "pull_request", HasPullRequest: true, Number: 7,
			BaseSHA: "cd", HeadSHA: "ab", Fork: true})},
		// pull_request_review carries the same pull_request object, without a top-level number.
		{"pull_request_review", "pull_request_review", review, with(Event{Name: "pull_request_review", HasPullRequest: true, Number: 9,
			BaseSHA: "cd", HeadSHA: "ab", HeadRepo: "Codertocat/Hello-World"})},
		{"merge_group", "merge_group", mergeGroup, with(Event{Name: "merge_group", BaseSHA: "cd", HeadSHA: "ab"})},
		{"release: nothing the action reads", "release", mergeGroupless, with(Event{Name: "release"})},
		{"workflow_dispatch", "workflow_dispatch", "testdata/workflow_dispatch.json", with(Event{Name: "workflow_dispatch"})},
		{"schedule", "schedule", "testdata/schedule.json", with(Event{Name: "schedule"})},
		{"schedule without payload file", "schedule", filepath.Join(dir, "missing.json"), with(Event{Name: "schedule"})},
		{"no event path", "workflow_dispatch", "", with(Event{Name: "workflow_dispatch"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ReadEvent(eventEnv(tt.event, tt.path))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ReadEvent() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadEventErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"before": 12`), 0o644); err != nil {
		t.Fatal(err)
	}
	noPR := filepath.Join(dir, "nopr.json")
	if err := os.WriteFile(noPR, []byte(`{"number": 3}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, event, path, want string
	}{
		{"push without path", "push", "", "GITHUB_EVENT_PATH is not set"},
		{"push with missing file", "push", filepath.Join(dir, "nope.json"), "no such file"},
		{"broken JSON", "push", bad, "read push event"},
		{"pull request without pull_request", "pull_request", noPR, "no pull_request object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ReadEvent(eventEnv(tt.event, tt.path))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ReadEvent() error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestEventOwnerRepo(t *testing.T) {
	t.Parallel()
	tests := []struct{ repo, owner, name string }{
		{"octo/hello", "octo", "hello"},
		{"", "", ""},
		{"octo", "", ""},
		{"a/b/c", "", ""},
		{"/b", "", ""},
	}
	for _, tt := range tests {
		ev := Event{Repository: tt.repo}
		if ev.Owner() != tt.owner || ev.Repo() != tt.name {
			t.Errorf("Event{Repository: %q}: Owner() = %q, Repo() = %q; want %q, %q", tt.repo, ev.Owner(), ev.Repo(), tt.owner, tt.name)
		}
	}
}
