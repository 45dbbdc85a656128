package action

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-github/v60/github"

	"github.com/lukhas/notion-sync-action/internal/gitdiff"
)

// FuzzEventPayload feeds arbitrary webhook payloads to the event parser, for
// each kind of event the action reads: it must never panic, and a pull
// request event it accepts must carry a pull request.
func FuzzEventPayload(f *testing.F) {
	for _, name := range []string{EventPush, "pull_request", "merge_group", "schedule"} {
		f.Add(name, []byte(`{}`))
	}
	f.Add("push", []byte(`{"before":"ab","after":"cd","forced":true}`))
	f.Add("pull_request", []byte(`{"number":9,"pull_request":{"head":{"sha":"ab","repo":{"full_name":"a/b"}},"base":{"sha":"cd","repo":null}}}`))
	f.Add("merge_group", []byte(`{"merge_group":{"head_sha":"ab","base_sha":"cd"}}`))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		ev := Event{Name: name}
		err := ev.parse(data)
		if err == nil && ev.IsPullRequest() && !ev.HasPullRequest {
			t.Fatalf("parse(%s) accepted a pull request event without a pull request: %+v", name, ev)
		}
		_ = ev.Owner() + ev.Repo()
	})
}

// FuzzPullRequestFiles feeds arbitrary answers of GitHub's files API to
// PullRequestFiles: it must never panic, and every change it returns must be
// one match accepts, sorted by path.
func FuzzPullRequestFiles(f *testing.F) {
	f.Add([]byte(`[{"filename":"a/module.manifest.json","status":"added"},{"filename":"b/module.manifest.json","previous_filename":"c/module.manifest.json","status":"renamed"}]`))
	f.Add([]byte(`[{"filename":"x","status":"removed"},{"status":"weird"}]`))
	f.Add([]byte(`{"message":"Not Found"}`))
	// One server for every input: a server per input costs more than the
	// parse being fuzzed. Inputs run one after another in each worker.
	var body atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body.Load().([]byte))
	}))
	f.Cleanup(srv.Close)
	gh := github.NewClient(srv.Client())
	u, _ := url.Parse(srv.URL + "/")
	gh.BaseURL = u
	f.Fuzz(func(t *testing.T, data []byte) {
		body.Store(data)
		match := func(p string) bool { return path.Base(p) == "module.manifest.json" }
		got, err := PullRequestFiles(t.Context(), gh, "o", "r", 1, match)
		if err != nil {
			return
		}
		for _, c := range got {
			if !match(c.Path) || (c.Kind == gitdiff.Renamed && !match(c.OldPath)) {
				t.Fatalf("PullRequestFiles() returned %+v, which match refuses", c)
			}
		}
		if !slices.IsSortedFunc(got, func(a, b gitdiff.Change) int { return strings.Compare(a.Path, b.Path) }) {
			t.Fatalf("PullRequestFiles() not sorted: %+v", got)
		}
	})
}
