package action

import (
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lukhas/notion-sync-action/internal/action/actiontest"
	"github.com/lukhas/notion-sync-action/internal/gitdiff"
)

// gitHistory is a repository with one commit per step, each adding or changing one
// manifest, pushed to a bare origin that lets a client fetch any commit by sha
// (as GitHub does), and a depth-1 clone of its tip (as actions/checkout leaves).
type gitHistory struct {
	origin, clone string
	shas          []string // one per commit, oldest first
}

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func newGitHistory(t *testing.T, modules ...string) gitHistory {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git binary: the shallow clone is made with git")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	git(t, dir, "init", "-q", "-b", "main", src)
	var h gitHistory
	for i, m := range modules {
		p := filepath.Join(src, m, "module.manifest.json")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(`{"module":"`+m+`","step":`+string(rune('0'+i))+`}`), 0o644); err != nil {
			t.Fatal(err)
		}
		git(t, src, "add", "-A")
		git(t, src, "commit", "-q", "-m", "step "+m)
		h.shas = append(h.shas, git(t, src, "rev-parse", "HEAD"))
	}
	h.origin = filepath.Join(dir, "origin.git")
	git(t, dir, "clone", "-q", "--bare", src, h.origin)
	git(t, h.origin, "config", "uploadpack.allowReachableSHA1InWant", "true")
	h.clone = filepath.Join(dir, "work")
	git(t, dir, "clone", "-q", "--depth", "1", "file://"+h.origin, h.clone)
	return h
}

func paths(c []gitdiff.Change) []string {
	var out []string
	for _, ch := range c {
		out = append(out, ch.Path)
	}
	slices.Sort(out)
	return out
}

// TestChangeFinderLastSuccessfulRun: a push's diff base is the head of the last
// successful run, several commits back in a shallow clone, so the changes of the
// pushes whose runs were cancelled or failed are synced too; every fallback is
// said in a note.
func TestChangeFinderLastSuccessfulRun(t *testing.T) {
	t.Parallel()
	h := newGitHistory(t, "a", "b", "c", "d", "e")
	okRun, failedRun, cancelledRun := h.shas[1], h.shas[2], h.shas[3]
	runs := []actiontest.Run{
		{ID: 1, Workflow: "sync.yml", Branch: "main", Event: "push", Status: "completed", Conclusion: "success", HeadSHA: h.shas[0]},
		{ID: 2, Workflow: "sync.yml", Branch: "main", Event: "push", Status: "completed", Conclusion: "success", HeadSHA: okRun},
		{ID: 3, Workflow: "sync.yml", Branch: "main", Event: "push", Status: "completed", Conclusion: "failure", HeadSHA: failedRun},
		{ID: 4, Workflow: "sync.yml", Branch: "main", Event: "push", Status: "completed", Conclusion: "cancelled", HeadSHA: cancelledRun},
		{ID: 5, Workflow: "sync.yml", Branch: "main", Event: "push", Status: "in_progress", HeadSHA: h.shas[4]},
	}
	push := Event{Name: EventPush, Repository: "o/r", Before: h.shas[3], After: h.shas[4]}
	tests := []struct {
		name      string
		setup     func(*actiontest.GitHub)
		before    string
		event     Event
		noGitHub  bool
		wantFiles []string // nil: a full sync
		wantNote  string
	}{
		{name: "last success several commits back", event: push,
			setup:     func(g *actiontest.GitHub) { g.Compare = map[string]string{okRun + "..." + h.shas[4]: "ahead"} },
			wantFiles: []string{"c/module.manifest.json", "d/module.manifest.json", "e/module.manifest.json"},
			wantNote:  "the head of the last successful run of sync.yml on main"},
		{name: "filters ignored by the API: cancelled and failed runs still skipped", event: push,
			setup: func(g *actiontest.GitHub) {
				g.RunsIgnoreFilters = true
				g.Compare = map[string]string{okRun + "..." + h.shas[4]: "ahead"}
			},
			wantFiles: []string{"c/module.manifest.json", "d/module.manifest.json", "e/module.manifest.json"},
			wantNote:  "last successful run"},
		{name: "no actions: read → the push's before", event: push,
			setup:     func(g *actiontest.GitHub) { g.FailRuns = 403 },
			wantFiles: []string{"e/module.manifest.json"}, wantNote: "the token lacks `actions: read`"},
		{name: "force push: the last success is not an ancestor", event: Event{Name: EventPush, Repository: "o/r", Before: h.shas[3], Forced: true},
			setup:    func(g *actiontest.GitHub) { g.Compare = map[string]string{okRun + "..." + h.shas[4]: "diverged"} },
			wantNote: "Full sync: this push was forced"},
		{name: "the before input wins", event: push, before: h.shas[2],
			setup:     func(g *actiontest.GitHub) { g.FailRuns = 500 },
			wantFiles: []string{"d/module.manifest.json", "e/module.manifest.json"}, wantNote: "the before input"},
		{name: "no github-token → the push's before", event: push, noGitHub: true,
			wantFiles: []string{"e/module.manifest.json"}, wantNote: "no github-token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clone := filepath.Join(t.TempDir(), "work")
			git(t, filepath.Dir(clone), "clone", "-q", "--depth", "1", "file://"+h.origin, clone)
			gh := actiontest.NewGitHub(t, "ghs_x")
			gh.AddRuns(runs...)
			if tt.setup != nil {
				tt.setup(gh)
			}
			f := ChangeFinder{
				Workspace: clone, Event: tt.event, Before: tt.before,
				WorkflowRef: "o/r/.github/workflows/sync.yml@refs/heads/main", Branch: "main", RunID: 5,
				Log: slog.New(slog.DiscardHandler),
			}
			if !tt.noGitHub {
				f.GitHub = gh.Client()
			}
			got := f.Find(t.Context(), func(p string) bool { return strings.HasSuffix(p, "module.manifest.json") })
			if tt.wantFiles == nil && got.Files != nil {
				t.Errorf("files %v, want a full sync", paths(got.Files))
			}
			if tt.wantFiles != nil {
				if diff := cmp.Diff(tt.wantFiles, paths(got.Files)); diff != "" {
					t.Errorf("files (-want +got):\n%s", diff)
				}
			}
			if joined := strings.Join(got.Notes, "\n"); !strings.Contains(joined, tt.wantNote) {
				t.Errorf("notes %q lack %q", joined, tt.wantNote)
			}
		})
	}
}
