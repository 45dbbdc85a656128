package app

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5"

	"github.com/lukhas/notion-sync-action/internal/hook"
)

// runMain runs one command with an environment of its own: an empty HOME and
// no system git config, so a test never reads (or writes into) the developer's
// global hooks folder.
func runMain(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runMainEnv(t, map[string]string{"HOME": t.TempDir(), "GIT_CONFIG_NOSYSTEM": "1"}, args...)
}

// runMainEnv runs one command with exactly the variables in vars.
func runMainEnv(t *testing.T, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(t.Context(), args, func(k string) string { return vars[k] }, &out, &errOut)
	return code, out.String(), errOut.String()
}

func readString(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestHookInstall: install writes an executable hook that runs the given binary,
// rewrites its own hook freely, refuses a foreign one unless --force (which keeps
// it as .bak), and uninstall removes only its own.
func TestHookInstall(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := git.PlainInit(dir, false); err != nil {
		t.Fatal(err)
	}
	hookPath := filepath.Join(dir, ".git", "hooks", "post-commit")
	fake := "/opt/tools/notion sync" // a space: the script must quote it

	code, out, errOut := runMain(t, "hook", "install", "--repo", dir, "--bin", fake)
	if code != ExitOK {
		t.Fatalf("install exit %d\n%s\n%s", code, out, errOut)
	}
	info, err := os.Stat(hookPath)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o755 {
		t.Errorf("hook mode %v, want 0755", got)
	}
	script := readString(t, hookPath)
	for _, want := range []string{
		"#!/bin/sh\n",
		hook.Marker,
		"notion_sync='/opt/tools/notion sync'",
		"git_dir='" + filepath.Join(dir, ".git") + "'",
		`base=$(git rev-parse -q --verify HEAD~1) || base=`,
		`set -- --changed --since "$base"`,
		`"$notion_sync" sync "$@" --async`,
		"📊 Module manifests changed, syncing to Notion...",
		`include='^((.*/)?module\.manifest\.json)$'`,
	} {
		if !strings.Contains(script, want) {
			t.Errorf("hook lacks %q:\n%s", want, script)
		}
	}
	exclude := filepath.Join(dir, ".git", "info", "exclude")
	for _, want := range []string{
		"✅ Installed post-commit hook: " + hookPath,
		"/opt/tools/notion sync sync --changed --since <the commit before it> --committed-only --async",
		"🙈 Added /artifacts/ to " + exclude,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("install output lacks %q:\n%s", want, out)
		}
	}

	code, out, _ = runMain(t, "hook", "install", "--repo", dir, "--bin", "other")
	if code != ExitOK || !strings.Contains(out, "✅ Updated post-commit hook") || !strings.Contains(out, "🙈 /artifacts/ is already in "+exclude) {
		t.Errorf("reinstall: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(hookPath + ".bak"); err == nil {
		t.Error("rewriting our own hook made a backup")
	}
	if n := strings.Count(readString(t, exclude), "\n/artifacts/\n"); n != 1 {
		t.Errorf("%s has /artifacts/ %d times after two installs, want once:\n%s", exclude, n, readString(t, exclude))
	}

	foreign := "#!/bin/sh\necho husky\n"
	writeFile(t, hookPath, foreign)
	code, _, errOut = runMain(t, "hook", "install", "--repo", dir)
	if code != ExitUsage || !strings.Contains(errOut, "was not installed by notion-sync: rerun with --force") {
		t.Errorf("install over a foreign hook: exit %d\n%s", code, errOut)
	}
	if got := readString(t, hookPath); got != foreign {
		t.Errorf("a refused install changed the hook:\n%s", got)
	}
	code, _, errOut = runMain(t, "hook", "uninstall", "--repo", dir)
	if code != ExitUsage || readString(t, hookPath) != foreign {
		t.Errorf("uninstall of a foreign hook: exit %d, %s", code, errOut)
	}

	code, out, errOut = runMain(t, "hook", "install", "--repo", dir, "--force", "--bin", fake)
	if code != ExitOK {
		t.Fatalf("install --force exit %d\n%s\n%s", code, out, errOut)
	}
	if got := readString(t, hookPath+".bak"); got != foreign {
		t.Errorf("backup = %q, want the foreign hook", got)
	}
	if !strings.Contains(readString(t, hookPath), hook.Marker) {
		t.Error("install --force did not write our hook")
	}
	if !strings.Contains(out, "💾 The previous hook is kept as "+hookPath+".bak") {
		t.Errorf("install --force output:\n%s", out)
	}

	code, out, _ = runMain(t, "hook", "uninstall", "--repo", dir)
	if code != ExitOK || !strings.Contains(out, "✅ Removed the notion-sync post-commit hook") || !strings.Contains(out, ".bak") {
		t.Errorf("uninstall: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(hookPath); err == nil {
		t.Error("uninstall left the hook")
	}
	if got := readString(t, hookPath+".bak"); got != foreign {
		t.Error("uninstall touched the backup")
	}
	if !strings.Contains(readString(t, exclude), "\n/artifacts/\n") {
		t.Error("uninstall removed /artifacts/ from info/exclude")
	}
	code, out, _ = runMain(t, "hook", "uninstall", "--repo", dir)
	if code != ExitOK || !strings.Contains(out, "nothing to remove") {
		t.Errorf("second uninstall: exit %d\n%s", code, out)
	}
}

// TestHookLocation: core.hooksPath is respected, and a --repo inside the
// worktree makes the hook match its manifests and run the sync there.
func TestHookLocation(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := repo.Config()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Raw.Section("core").SetOption("hooksPath", ".githooks")
	if err := repo.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "mono", "tools")
	writeFile(t, filepath.Join(sub, "notion.yml"), "version: 1\nmanifests:\n  include: [\"**/*.manifest.json\"]\n  exclude: []\n")
	code, out, errOut := runMain(t, "hook", "install", "--repo", sub, "--config", filepath.Join(sub, "notion.yml"), "--bin", "ns")
	if code != ExitOK {
		t.Fatalf("install exit %d\n%s\n%s", code, out, errOut)
	}
	script := readString(t, filepath.Join(dir, ".githooks", "post-commit"))
	for _, want := range []string{
		`include='^mono/tools/((.*/)?[^/]*\.manifest\.json)$'`,
		"cd 'mono/tools' || exit 0",
		"--async --config 'notion.yml'",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("hook lacks %q:\n%s", want, script)
		}
	}
	if strings.Contains(script, "exclude=") {
		t.Errorf("an empty exclude list still filters:\n%s", script)
	}
	if got := readString(t, filepath.Join(dir, ".git", "info", "exclude")); !strings.Contains(got, "\n/mono/tools/artifacts/\n") {
		t.Errorf("info/exclude lacks the artifacts folder of --repo:\n%s", got)
	}
	if _, err := os.Stat(filepath.Join(dir, ".git", "hooks", "post-commit")); err == nil {
		t.Error("hook written to .git/hooks although core.hooksPath is set")
	}
}

// gitEnv is the environment for git commands in tests: no user or system config.
func gitEnv(home string) []string {
	return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com"}
}

// fakeBinary writes a notion-sync stand-in that appends "<dir> <args>" to calls.
func fakeBinary(t *testing.T, path, calls string) {
	t.Helper()
	writeFile(t, path, "#!/bin/sh\necho \"$(pwd) $*\" >> '"+calls+"'\necho '✅ Notion sync queued (background)'\n")
	if err := os.Chmod(path, 0o755); err != nil {
		t.Fatal(err)
	}
}

func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not on PATH: the hook needs it", tool)
		}
	}
}

// TestHookScriptRuns runs the installed hook with sh (its shebang) after real
// commits, with a fake notion-sync that records how it was called: only commits
// that touch an included, not excluded manifest start a sync, from the commit
// before (read when the hook runs, not when the background sync does), or a full
// sync on the first commit. A real `git commit` runs it too; a rebase in
// progress, another repository and a missing binary skip it.
func TestHookScriptRuns(t *testing.T) {
	t.Parallel()
	needTools(t, "git", "sh", "grep", "tr")
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "repo")
	calls := filepath.Join(tmp, "calls.log")
	fake := filepath.Join(tmp, "bin", "fake-notion-sync")
	fakeBinary(t, fake, calls)
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runMain(t, "hook", "install", "--repo", dir, "--bin", fake)
	if code != ExitOK {
		t.Fatalf("install exit %d\n%s\n%s", code, out, errOut)
	}
	hookPath := filepath.Join(dir, ".git", "hooks", "post-commit")
	env := gitEnv(tmp)
	runHookIn := func(cwd string) string {
		t.Helper()
		cmd := exec.Command("sh", hookPath)
		cmd.Dir, cmd.Env = cwd, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("hook failed: %v\n%s", err, out)
		}
		return string(out)
	}
	runHook := func() string { t.Helper(); return runHookIn(dir) }
	lastCall := func() (int, string) {
		data, err := os.ReadFile(calls)
		if err != nil {
			return 0, ""
		}
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		return len(lines), lines[len(lines)-1]
	}
	steps := []struct {
		name   string
		write  map[string]string // path → content; "" deletes
		synced bool
	}{
		{"first commit with a manifest", map[string]string{"core/module.manifest.json": `{"module":"core"}`, "README.md": "hi"}, true},
		{"readme only", map[string]string{"README.md": "hello"}, false},
		{"manifest in a hidden folder", map[string]string{".archive/old/module.manifest.json": `{}`}, false},
		{"manifest under node_modules", map[string]string{"web/node_modules/x/module.manifest.json": `{}`}, false},
		{"a file named like a manifest", map[string]string{"docs/module.manifest.json.md": "x"}, false},
		{"manifest edited", map[string]string{"core/module.manifest.json": `{"module":"core","description":"x"}`}, true},
		{"manifest deleted", map[string]string{"core/module.manifest.json": ""}, true},
		{"manifest with a space in its path", map[string]string{"my mod/module.manifest.json": `{}`}, true},
		{"manifest with a quote in its path", map[string]string{`say "hi"/module.manifest.json`: `{}`}, true},
		{"manifest with a backslash in its path", map[string]string{`back\slash/module.manifest.json`: `{}`}, true},
		{"manifest with non-ASCII letters in its path", map[string]string{"modulé/module.manifest.json": `{}`}, true},
	}
	for i, s := range steps {
		for p, body := range s.write {
			if body == "" {
				if err := os.Remove(filepath.Join(dir, p)); err != nil {
					t.Fatal(err)
				}
				continue
			}
			writeFile(t, filepath.Join(dir, p), body)
		}
		parent := ""
		if i > 0 {
			parent = head(t, repo)
		}
		commitAll(t, repo, s.name)
		before, _ := lastCall()
		out := runHook()
		n, call := lastCall()
		if got := n - before; got != map[bool]int{true: 1, false: 0}[s.synced] {
			t.Errorf("%s: the binary ran %d times\n%s", s.name, got, out)
		}
		if s.synced && !strings.Contains(out, "📊 Module manifests changed, syncing to Notion...\n✅ Notion sync queued (background)") {
			t.Errorf("%s: hook output:\n%s", s.name, out)
		}
		if !s.synced && out != "" {
			t.Errorf("%s: hook printed %q for a commit without manifests", s.name, out)
		}
		if !s.synced {
			continue
		}
		want := dir + " sync --changed --since " + parent + " --committed-only --async"
		if parent == "" {
			want = dir + " sync --all --async"
		}
		if call != want {
			t.Errorf("%s: binary called as %q, want %q", s.name, call, want)
		}
	}

	// During a rebase the hook syncs nothing and says what to run after it.
	rebase := filepath.Join(dir, ".git", "rebase-merge")
	if err := os.Mkdir(rebase, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "core", "module.manifest.json"), `{"module":"core","v":1}`)
	commitAll(t, repo, "picked during a rebase")
	before, _ := lastCall()
	if out := runHook(); !strings.Contains(out, "skipped during a rebase") || !strings.Contains(out, "--since ORIG_HEAD") {
		t.Errorf("hook output during a rebase:\n%s", out)
	}
	if n, _ := lastCall(); n != before {
		t.Error("the hook synced during a rebase")
	}
	if err := os.Remove(rebase); err != nil {
		t.Fatal(err)
	}

	// Run from another repository (as a global hooks folder would), it does nothing.
	other := filepath.Join(tmp, "other")
	otherRepo, err := git.PlainInit(other, false)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(other, "x", "module.manifest.json"), `{}`)
	commitAll(t, otherRepo, "other")
	if out := runHookIn(other); out != "" {
		t.Errorf("hook run in another repository printed %q", out)
	}
	if n, _ := lastCall(); n != before {
		t.Error("the hook synced another repository")
	}

	// git itself finds and runs the hook, and the hook knows its repository.
	writeFile(t, filepath.Join(dir, "core", "module.manifest.json"), `{"module":"core"}`)
	parent := head(t, repo)
	add := exec.Command("git", "add", "-A")
	add.Dir, add.Env = dir, env
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("git add: %v\n%s", err, out)
	}
	cmd := exec.Command("git", "commit", "-q", "-m", "via git")
	cmd.Dir, cmd.Env = dir, env
	gitOut, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git commit: %v\n%s", err, gitOut)
	}
	if n, call := lastCall(); n != before+1 || call != dir+" sync --changed --since "+parent+" --committed-only --async" || !strings.Contains(string(gitOut), "📊 Module manifests changed") {
		t.Errorf("git commit did not run the hook as expected (last call %q):\n%s", call, gitOut)
	}

	// A binary that is gone skips the sync and never fails the commit.
	code, out, errOut = runMain(t, "hook", "install", "--repo", dir, "--bin", filepath.Join(tmp, "gone"))
	if code != ExitOK {
		t.Fatalf("reinstall exit %d\n%s\n%s", code, out, errOut)
	}
	writeFile(t, filepath.Join(dir, "core", "module.manifest.json"), `{"module":"core","v":2}`)
	commitAll(t, repo, "with the binary gone")
	if out := runHook(); !strings.Contains(out, "not found: Notion sync skipped") {
		t.Errorf("hook output with the binary gone:\n%s", out)
	}
}

// TestHookGlobalHooksPath: a core.hooksPath from the user's global config (found
// through HOME, XDG_CONFIG_HOME or GIT_CONFIG_GLOBAL, as git finds it) is refused
// without --global; with it the hook goes there, runs the sync only in its own
// repository, and another repository's install and uninstall leave it alone.
func TestHookGlobalHooksPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		config func(home string) (file string, vars map[string]string)
	}{
		{"~/.gitconfig", func(home string) (string, map[string]string) {
			return filepath.Join(home, ".gitconfig"), map[string]string{}
		}},
		{"XDG_CONFIG_HOME", func(home string) (string, map[string]string) {
			xdg := filepath.Join(home, "xdg")
			return filepath.Join(xdg, "git", "config"), map[string]string{"XDG_CONFIG_HOME": xdg}
		}},
		{"~/.config/git/config", func(home string) (string, map[string]string) {
			return filepath.Join(home, ".config", "git", "config"), map[string]string{}
		}},
		{"GIT_CONFIG_GLOBAL", func(home string) (string, map[string]string) {
			f := filepath.Join(home, "elsewhere.ini")
			return f, map[string]string{"GIT_CONFIG_GLOBAL": f}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tmp := t.TempDir()
			home := filepath.Join(tmp, "home")
			file, vars := tt.config(home)
			vars["HOME"], vars["GIT_CONFIG_NOSYSTEM"] = home, "1"
			writeFile(t, file, "[user]\n\tname = t\n[core]\n\thooksPath = ~/global-hooks\n")
			mine, theirs := filepath.Join(tmp, "mine"), filepath.Join(tmp, "theirs")
			for _, d := range []string{mine, theirs} {
				if _, err := git.PlainInit(d, false); err != nil {
					t.Fatal(err)
				}
			}
			hookPath := filepath.Join(home, "global-hooks", "post-commit")

			code, out, errOut := runMainEnv(t, vars, "hook", "install", "--repo", mine, "--bin", "ns")
			if code != ExitUsage || !strings.Contains(errOut, "core.hooksPath is "+filepath.Join(home, "global-hooks")+" in "+file) ||
				!strings.Contains(errOut, "--global") {
				t.Errorf("install into a global hooks path without --global: exit %d\n%s\n%s", code, out, errOut)
			}
			if _, err := os.Stat(filepath.Dir(hookPath)); err == nil {
				t.Error("a refused install created the global hooks folder")
			}

			code, out, errOut = runMainEnv(t, vars, "hook", "install", "--repo", mine, "--bin", "ns", "--global")
			if code != ExitOK || !strings.Contains(out, "✅ Installed post-commit hook: "+hookPath) || !strings.Contains(out, "🌐 It is in the global hooks folder") {
				t.Fatalf("install --global: exit %d\n%s\n%s", code, out, errOut)
			}
			if got := hook.Owner([]byte(readString(t, hookPath))); got != filepath.Join(mine, ".git") {
				t.Errorf("the hook names repository %q, want %q", got, filepath.Join(mine, ".git"))
			}

			code, _, errOut = runMainEnv(t, vars, "hook", "install", "--repo", theirs, "--bin", "ns", "--global")
			if code != ExitUsage || !strings.Contains(errOut, "is the notion-sync hook of another repository ("+filepath.Join(mine, ".git")+")") {
				t.Errorf("install over another repository's hook: exit %d\n%s", code, errOut)
			}
			code, _, errOut = runMainEnv(t, vars, "hook", "uninstall", "--repo", theirs)
			if code != ExitUsage || !strings.Contains(errOut, "another repository") {
				t.Errorf("uninstall of another repository's hook: exit %d\n%s", code, errOut)
			}
			if got := hook.Owner([]byte(readString(t, hookPath))); got != filepath.Join(mine, ".git") {
				t.Errorf("another repository's install or uninstall changed the hook (now for %q)", got)
			}

			// A repository hooks path of its own wins over the global one.
			r, err := git.PlainOpen(theirs)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := r.Config()
			if err != nil {
				t.Fatal(err)
			}
			cfg.Raw.Section("core").SetOption("hooksPath", ".git/hooks")
			if err := r.SetConfig(cfg); err != nil {
				t.Fatal(err)
			}
			code, out, errOut = runMainEnv(t, vars, "hook", "install", "--repo", theirs, "--bin", "ns")
			if code != ExitOK || !strings.Contains(out, filepath.Join(theirs, ".git", "hooks", "post-commit")) {
				t.Errorf("install with a repository hooks path: exit %d\n%s\n%s", code, out, errOut)
			}

			code, out, errOut = runMainEnv(t, vars, "hook", "uninstall", "--repo", mine)
			if code != ExitOK || !strings.Contains(out, "✅ Removed") {
				t.Errorf("uninstall by its own repository: exit %d\n%s\n%s", code, out, errOut)
			}
		})
	}
}

// TestHookGlobalRealGit: with a global core.hooksPath, a real `git commit` runs
// the hook in every repository, and only the one it was installed for syncs.
func TestHookGlobalRealGit(t *testing.T) {
	t.Parallel()
	needTools(t, "git", "sh", "grep", "tr")
	tmp := t.TempDir()
	home := filepath.Join(tmp, "home")
	global := filepath.Join(home, ".gitconfig")
	writeFile(t, global, "[core]\n\thooksPath = "+filepath.Join(home, "hooks")+"\n")
	calls := filepath.Join(tmp, "calls.log")
	fake := filepath.Join(tmp, "bin", "ns")
	fakeBinary(t, fake, calls)
	mine, theirs := filepath.Join(tmp, "mine"), filepath.Join(tmp, "theirs")
	env := append(gitEnv(home), "GIT_CONFIG_GLOBAL="+global) // the later value wins
	for _, d := range []string{mine, theirs} {
		if _, err := git.PlainInit(d, false); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errOut := runMainEnv(t, map[string]string{"HOME": home, "GIT_CONFIG_NOSYSTEM": "1"},
		"hook", "install", "--repo", mine, "--bin", fake, "--global")
	if code != ExitOK {
		t.Fatalf("install --global: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, d := range []string{theirs, mine} {
		writeFile(t, filepath.Join(d, "m", "module.manifest.json"), `{}`)
		for _, args := range [][]string{{"add", "-A"}, {"commit", "-q", "-m", "x"}} {
			cmd := exec.Command("git", args...)
			cmd.Dir, cmd.Env = d, env
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("git %v in %s: %v\n%s", args, d, err, out)
			}
		}
	}
	got := ""
	if data, err := os.ReadFile(calls); err == nil {
		got = string(data)
	}
	if want := mine + " sync --all --async\n"; got != want {
		t.Errorf("syncs started: %q, want only %q", got, want)
	}
}

func TestHookUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args     []string
		wantCode int
		want     string
	}{
		{[]string{"hook"}, ExitUsage, "choose a hook command"},
		{[]string{"hook", "frobnicate"}, ExitUsage, `unknown hook command "frobnicate"`},
		{[]string{"hook", "install", "--repo", "/nonexistent/nowhere"}, ExitUsage, "--repo /nonexistent/nowhere"},
		{[]string{"hook", "install", "--repo", t.TempDir()}, ExitUsage, "needs a git repository"},
		{[]string{"hook", "--help"}, ExitOK, "Usage: notion-sync hook install"},
	}
	for _, tt := range tests {
		code, out, errOut := runMain(t, tt.args...)
		if code != tt.wantCode || !strings.Contains(out+errOut, tt.want) {
			t.Errorf("%v: exit %d, output %q; want %d and %q", tt.args, code, out+errOut, tt.wantCode, tt.want)
		}
	}
}
