package hook

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestInstallText: the report names the hook, what it runs and when, a kept
// hook, a shared folder and the exclude line, as it was added or found.
func TestInstallText(t *testing.T) {
	t.Parallel()
	loc := Location{Path: "/r/.git/hooks/post-commit", GitDir: "/r/.git"}
	spec := Spec{Bin: "notion-sync", Include: []string{"**/module.manifest.json"}}
	shared := Location{Path: "/home/u/hooks/post-commit", GitDir: "/r/.git", Scope: "global", Source: "/home/u/.gitconfig"}
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"new", InstallText(loc, spec, Installed{Pattern: "/artifacts/", Added: true}),
			"✅ Installed post-commit hook: /r/.git/hooks/post-commit\n" +
				"   Runs (in the background): notion-sync sync --changed --since <the commit before it> --committed-only --async\n" +
				"   When a commit changes: **/module.manifest.json\n" +
				"🙈 Added /artifacts/ to /r/.git/info/exclude, so git add -A leaves out the ledger, plan and logs the syncs write\n" +
				"   Run 'notion-sync hook install' again after changing manifests.include or manifests.exclude.\n"},
		{"replaced in a shared folder", InstallText(shared, Spec{Bin: "ns", Include: []string{"a/*.json"}, Exclude: []string{"a/x.json"}},
			Installed{Backup: "/home/u/hooks/post-commit.bak", Pattern: "/artifacts/"}),
			"✅ Installed post-commit hook: /home/u/hooks/post-commit\n" +
				"💾 The previous hook is kept as /home/u/hooks/post-commit.bak\n" +
				"🌐 It is in the global hooks folder (/home/u/.gitconfig): in any other repository it exits at once\n" +
				"   Runs (in the background): ns sync --changed --since <the commit before it> --committed-only --async\n" +
				"   When a commit changes: a/*.json (excluding a/x.json)\n" +
				"🙈 /artifacts/ is already in /r/.git/info/exclude\n" +
				"   Run 'notion-sync hook install' again after changing manifests.include or manifests.exclude.\n"},
		{"updated", strings.SplitAfter(InstallText(loc, spec, Installed{Updated: true}), "\n")[0],
			"✅ Updated post-commit hook: /r/.git/hooks/post-commit\n"},
		{"nothing to remove", UninstallText(loc, Uninstalled{}), "✅ No post-commit hook at /r/.git/hooks/post-commit: nothing to remove\n"},
		{"removed", UninstallText(loc, Uninstalled{Removed: true, Backup: "/r/.git/hooks/post-commit.bak"}),
			"✅ Removed the notion-sync post-commit hook: /r/.git/hooks/post-commit\n" +
				"💾 An earlier hook is kept at /r/.git/hooks/post-commit.bak: rename it to post-commit to use it again\n" +
				"   /r/.git/info/exclude keeps its artifacts line, so a ledger left behind is still not committed\n"},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, tt.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}

// TestCheckShared: only a shared folder without global is refused, as an
// *InputError that names --global and the repository's own hooks path.
func TestCheckShared(t *testing.T) {
	t.Parallel()
	shared := Location{Path: "/home/u/hooks/post-commit", Root: "/r", Scope: "global", Source: "/home/u/.gitconfig"}
	if err := shared.CheckShared(true); err != nil {
		t.Errorf("with global: %v", err)
	}
	if err := (Location{Path: "/r/.git/hooks/post-commit", Scope: "repository"}).CheckShared(false); err != nil {
		t.Errorf("the repository's own folder: %v", err)
	}
	err := shared.CheckShared(false)
	if _, ok := errors.AsType[*InputError](err); !ok || !strings.Contains(err.Error(), "Rerun with --global") ||
		!strings.Contains(err.Error(), "git -C /r config core.hooksPath .git/hooks") {
		t.Errorf("shared without global: %v", err)
	}
}
