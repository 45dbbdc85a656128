package gitdiff

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// gitCLI runs the git binary in dir, as a developer's repository is made.
func gitCLI(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=T", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=T", "GIT_COMMITTER_EMAIL=t@example.com")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// TestOddPaths: folders whose names hold a tab, a newline, a quote, a
// backslash or non-ASCII bytes (all of which git allows, and quotes in its
// text output) must work in the commit diff and the worktree diff alike.
func TestOddPaths(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git binary")
	}
	dirs := []string{"a\tb", "c\nd", `e"f`, `g\h`, "ü ñ", "sp ace"}
	root := t.TempDir()
	gitCLI(t, root, "init", "-q")
	write := func(body string) {
		for _, d := range dirs {
			if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(root, d, "module.manifest.json"), []byte(`{"module":"`+body+`"}`), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	write("one")
	gitCLI(t, root, "add", "-A")
	gitCLI(t, root, "commit", "-qm", "one")
	write("two")
	r, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	var want []Change
	for _, d := range []string{"a\tb", "c\nd", `e"f`, `g\h`, "sp ace", "ü ñ"} {
		want = append(want, Change{Kind: Modified, Path: d + "/module.manifest.json", OldPath: d + "/module.manifest.json"})
	}
	got, err := r.WorkingChanges(isManifest)
	if diff := cmp.Diff(want, got); err != nil || diff != "" {
		t.Errorf("WorkingChanges() error %v, changes (-want +got):\n%s", err, diff)
	}
	gitCLI(t, root, "commit", "-qam", "two")
	got, err = r.Changed("HEAD~1", "HEAD", isManifest)
	if diff := cmp.Diff(want, got); err != nil || diff != "" {
		t.Errorf("Changed() error %v, changes (-want +got):\n%s", err, diff)
	}
}
