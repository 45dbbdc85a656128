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
	src, origin, clone string
	shas               []string // one per commit, oldest first
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
	h := gitHistory{src: src}
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

// branch commits a manifest of module on a new branch name off commit from and
// pushes the branch to origin: a commit origin serves that is not in main's
// history, as a force push leaves the head of an earlier run.
func (h gitHistory) branch(t *testing.T, name, from, module string) string {
	t.Helper()
	git(t, h.src, "checkout", "-q", "-b", name, from)
	p := filepath.Join(h.src, module, "module.manifest.json")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(`{"module":"`+module+`"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	git(t, h.src, "add", "-A")
	git(t, h.src, "commit", "-q", "-m", "side "+module)
	sha := git(t, h.src, "rev-parse", "HEAD")
	git(t, h.src, "checkout", "-q", "main")
	git(t, h.src, "push", "-q", h.origin, name)
	return sha
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
// said in a note, and the one the workflow's author must fix (403) in a warning.
func TestChangeFinderLastSuccessfulRun(t *testing.T) {
	t.Parallel()
	h := newGitHistory(t, "a", "b", "c", "d", "e")
	// side is a commit origin has off b, outside main's history.
	side := h.branch(t, "side", h.shas[1], "x")
	okRun, failedRun, cancelledRun, head := h.shas[1], h.shas[2], h.shas[3], h.shas[4]
	run := actiontest.PushRun
	runs := []actiontest.Run{
		run(1, "success", h.shas[0]), run(2, "success", okRun), run(3, "failure", failedRun),
		run(4, "cancelled", cancelledRun), run(5, "", head),
	}
	// withSuccess is runs whose last success has the head sha.
	withSuccess := func(sha string) []actiontest.Run {
		return []actiontest.Run{run(1, "success", h.shas[0]), run(2, "success", sha), run(3, "cancelled", cancelledRun), run(5, "", head)}
	}
	push := Event{Name: EventPush, Repository: "o/r", Before: h.shas[3], After: head}
	// pushBefore is the note of a push diffed from its own before, d.
	pushBefore := "Diff base: " + gitdiff.ShortSHA(h.shas[3]) + ", the push's before commit"
	onlyE := []string{"e/module.manifest.json"}
	tests := []struct {
		name  string
		runs  []actiontest.Run // nil: runs
		setup func(*actiontest.GitHub)
		// before is the before input.
		before   string
		event    Event
		noGitHub bool
		// fullClone clones origin's whole history rather than its tip.
		fullClone   bool
		wantFiles   []string // nil: a full sync
		wantNotes   []string
		wantWarning string // "": none
		// wantNoRuns: the runs API must not be asked.
		wantNoRuns bool
	}{
		{name: "last success several commits back", event: push,
			setup:     func(g *actiontest.GitHub) { g.Compare = map[string]string{okRun + "..." + head: "ahead"} },
			wantFiles: []string{"c/module.manifest.json", "d/module.manifest.json", "e/module.manifest.json"},
			wantNotes: []string{"Diff base: " + gitdiff.ShortSHA(okRun) + ", the head of the last successful run of sync.yml on main"}},
		{name: "filters ignored by the API: cancelled and failed runs still skipped", event: push,
			setup: func(g *actiontest.GitHub) {
				g.RunsIgnoreFilters = true
				g.Compare = map[string]string{okRun + "..." + head: "ahead"}
			},
			wantFiles: []string{"c/module.manifest.json", "d/module.manifest.json", "e/module.manifest.json"},
			wantNotes: []string{"last successful run"}},
		{name: "no actions: read → the push's before, and a warning", event: push,
			setup:       func(g *actiontest.GitHub) { g.FailRuns = 403 },
			wantFiles:   onlyE,
			wantNotes:   []string{"Diff base: not the last successful run (the token lacks `actions: read`)", pushBefore},
			wantWarning: "`permissions: actions: read`"},
		{name: "runs API fails → the push's before", event: push,
			setup:     func(g *actiontest.GitHub) { g.FailRuns = 502 },
			wantFiles: onlyE,
			wantNotes: []string{"Diff base: not the last successful run (GitHub's workflow runs API failed: see the log)", pushBefore}},
		{name: "only failed and cancelled runs → the push's before", event: push,
			// The newest finished run (c) would give d and e.
			runs: []actiontest.Run{run(3, "cancelled", cancelledRun), run(4, "failure", failedRun), run(5, "", head)},
			setup: func(g *actiontest.GitHub) {
				g.Compare = map[string]string{failedRun + "..." + head: "ahead", cancelledRun + "..." + head: "ahead"}
			},
			wantFiles: onlyE,
			wantNotes: []string{"Diff base: not the last successful run (there is no successful run of sync.yml on main yet)", pushBefore}},
		{name: "the last success's head is not on origin → the push's before", event: push,
			runs:      withSuccess("0123456789abcdef0123456789abcdef01234567"),
			wantFiles: onlyE,
			wantNotes: []string{"Diff base: not the last successful run (its head 0123456789ab could not be fetched)", pushBefore}},
		{name: "compare API fails in a shallow clone → the push's before", event: push,
			// Compare holds nothing: GitHub's 404.
			wantFiles: onlyE,
			wantNotes: []string{"Diff base: not the last successful run (cannot tell whether its head " + gitdiff.ShortSHA(okRun) + " is in this branch's history)", pushBefore}},
		{name: "not forced, compare says diverged → the push's before", event: push,
			runs:      withSuccess(side),
			setup:     func(g *actiontest.GitHub) { g.Compare = map[string]string{side + "..." + head: "diverged"} },
			wantFiles: onlyE,
			wantNotes: []string{"Diff base: not the last successful run (its head " + gitdiff.ShortSHA(side) + " is not in this branch's history, as after a force push)", pushBefore}},
		{name: "not forced, full clone: not an ancestor → the push's before", event: push, fullClone: true,
			// Compare holds nothing: the clone's own history answers.
			runs:      withSuccess(side),
			wantFiles: onlyE,
			wantNotes: []string{"Diff base: not the last successful run (its head " + gitdiff.ShortSHA(side) + " is not in this branch's history, as after a force push)", pushBefore}},
		{name: "force push: the last success is not an ancestor", event: Event{Name: EventPush, Repository: "o/r", Before: h.shas[3], Forced: true},
			setup:     func(g *actiontest.GitHub) { g.Compare = map[string]string{okRun + "..." + head: "diverged"} },
			wantNotes: []string{"Full sync: this push was forced"}},
		{name: "the before input wins over a usable last success", event: push, before: h.shas[2],
			// Were the runs asked, the last success (b) would be the base: c, d, e.
			setup:      func(g *actiontest.GitHub) { g.Compare = map[string]string{okRun + "..." + head: "ahead"} },
			wantFiles:  []string{"d/module.manifest.json", "e/module.manifest.json"},
			wantNotes:  []string{"Diff base: " + gitdiff.ShortSHA(h.shas[2]) + ", the before input"},
			wantNoRuns: true},
		{name: "no github-token → the push's before", event: push, noGitHub: true,
			wantFiles: onlyE, wantNotes: []string{"no github-token", pushBefore}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clone := filepath.Join(t.TempDir(), "work")
			args := []string{"clone", "-q", "--depth", "1", "file://" + h.origin, clone}
			if tt.fullClone {
				args = []string{"clone", "-q", "file://" + h.origin, clone}
			}
			git(t, filepath.Dir(clone), args...)
			gh := actiontest.NewGitHub(t, "ghs_x")
			if tt.runs != nil {
				gh.AddRuns(tt.runs...)
			} else {
				gh.AddRuns(runs...)
			}
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
			joined := strings.Join(got.Notes, "\n")
			for _, want := range tt.wantNotes {
				if !strings.Contains(joined, want) {
					t.Errorf("notes %q lack %q", joined, want)
				}
			}
			if tt.wantWarning == "" && got.Warning != "" || !strings.Contains(got.Warning, tt.wantWarning) {
				t.Errorf("warning %q, want one with %q", got.Warning, tt.wantWarning)
			}
			if tt.wantNoRuns {
				for _, r := range gh.Requests() {
					if strings.Contains(r, "/actions/workflows/") {
						t.Errorf("asked GitHub for the runs (%s) though the before input is set", r)
					}
				}
			}
		})
	}
}
