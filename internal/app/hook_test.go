package app

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/go-git/go-git/v5"
	"github.com/google/go-cmp/cmp"
)

// runMain runs one command with an empty environment.
func runMain(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(t.Context(), args, func(string) string { return "" }, &out, &errOut)
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
	hook := filepath.Join(dir, ".git", "hooks", "post-commit")
	fake := "/opt/tools/notion sync" // a space: the script must quote it

	code, out, errOut := runMain(t, "hook", "install", "--repo", dir, "--bin", fake)
	if code != ExitOK {
		t.Fatalf("install exit %d\n%s\n%s", code, out, errOut)
	}
	info, err := os.Stat(hook)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o755 {
		t.Errorf("hook mode %v, want 0755", got)
	}
	script := readString(t, hook)
	for _, want := range []string{
		"#!/bin/sh\n",
		hookMarker,
		"notion_sync='/opt/tools/notion sync'",
		`"$notion_sync" sync --changed --since HEAD~1 --async`,
		"📊 Module manifests changed, syncing to Notion...",
		`include='^((.*/)?module\.manifest\.json)$'`,
	} {
		if !strings.Contains(script, want) {
			t.Errorf("hook lacks %q:\n%s", want, script)
		}
	}
	if !strings.Contains(out, "✅ Installed post-commit hook: "+hook) || !strings.Contains(out, "/opt/tools/notion sync sync --changed") {
		t.Errorf("install output:\n%s", out)
	}

	code, out, _ = runMain(t, "hook", "install", "--repo", dir, "--bin", "other")
	if code != ExitOK || !strings.Contains(out, "✅ Updated post-commit hook") {
		t.Errorf("reinstall: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(hook + ".bak"); err == nil {
		t.Error("rewriting our own hook made a backup")
	}

	foreign := "#!/bin/sh\necho husky\n"
	writeFile(t, hook, foreign)
	code, _, errOut = runMain(t, "hook", "install", "--repo", dir)
	if code != ExitUsage || !strings.Contains(errOut, "was not installed by notion-sync: rerun with --force") {
		t.Errorf("install over a foreign hook: exit %d\n%s", code, errOut)
	}
	if got := readString(t, hook); got != foreign {
		t.Errorf("a refused install changed the hook:\n%s", got)
	}
	code, _, errOut = runMain(t, "hook", "uninstall", "--repo", dir)
	if code != ExitUsage || readString(t, hook) != foreign {
		t.Errorf("uninstall of a foreign hook: exit %d, %s", code, errOut)
	}

	code, out, errOut = runMain(t, "hook", "install", "--repo", dir, "--force", "--bin", fake)
	if code != ExitOK {
		t.Fatalf("install --force exit %d\n%s\n%s", code, out, errOut)
	}
	if got := readString(t, hook+".bak"); got != foreign {
		t.Errorf("backup = %q, want the foreign hook", got)
	}
	if !strings.Contains(readString(t, hook), hookMarker) {
		t.Error("install --force did not write our hook")
	}
	if !strings.Contains(out, "💾 The previous hook is kept as "+hook+".bak") {
		t.Errorf("install --force output:\n%s", out)
	}

	code, out, _ = runMain(t, "hook", "uninstall", "--repo", dir)
	if code != ExitOK || !strings.Contains(out, "✅ Removed the notion-sync post-commit hook") || !strings.Contains(out, ".bak") {
		t.Errorf("uninstall: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(hook); err == nil {
		t.Error("uninstall left the hook")
	}
	if got := readString(t, hook+".bak"); got != foreign {
		t.Error("uninstall touched the backup")
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
	if _, err := os.Stat(filepath.Join(dir, ".git", "hooks", "post-commit")); err == nil {
		t.Error("hook written to .git/hooks although core.hooksPath is set")
	}
}

// TestHookScriptRuns runs the installed hook with bash after real commits, with
// a fake notion-sync that records how it was called: only commits that touch an
// included, not excluded manifest start a sync. A real `git commit` runs it too.
func TestHookScriptRuns(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"git", "bash", "grep"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not on PATH: the hook needs it", tool)
		}
	}
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "repo")
	calls := filepath.Join(tmp, "calls.log")
	fake := filepath.Join(tmp, "bin", "fake-notion-sync")
	writeFile(t, fake, "#!/bin/sh\necho \"$(pwd) $*\" >> '"+calls+"'\necho '✅ Notion sync queued (background)'\n")
	if err := os.Chmod(fake, 0o755); err != nil {
		t.Fatal(err)
	}
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runMain(t, "hook", "install", "--repo", dir, "--bin", fake)
	if code != ExitOK {
		t.Fatalf("install exit %d\n%s\n%s", code, out, errOut)
	}
	hook := filepath.Join(dir, ".git", "hooks", "post-commit")
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + tmp, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com"}
	runHook := func() string {
		t.Helper()
		cmd := exec.Command("bash", hook)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("hook failed: %v\n%s", err, out)
		}
		return string(out)
	}
	callCount := func() int {
		data, err := os.ReadFile(calls)
		if err != nil {
			return 0
		}
		return bytes.Count(data, []byte("\n"))
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
	}
	for _, s := range steps {
		for p, body := range s.write {
			if body == "" {
				if err := os.Remove(filepath.Join(dir, p)); err != nil {
					t.Fatal(err)
				}
				continue
			}
			writeFile(t, filepath.Join(dir, p), body)
		}
		commitAll(t, repo, s.name)
		before := callCount()
		out := runHook()
		if got := callCount() - before; got != map[bool]int{true: 1, false: 0}[s.synced] {
			t.Errorf("%s: the binary ran %d times\n%s", s.name, got, out)
		}
		if s.synced && !strings.Contains(out, "📊 Module manifests changed, syncing to Notion...\n✅ Notion sync queued (background)") {
			t.Errorf("%s: hook output:\n%s", s.name, out)
		}
		if !s.synced && out != "" {
			t.Errorf("%s: hook printed %q for a commit without manifests", s.name, out)
		}
	}
	log := readString(t, calls)
	if want := dir + " sync --changed --since HEAD~1 --async\n"; !strings.HasPrefix(log, want) {
		t.Errorf("binary called as %q, want %q", log, want)
	}

	// git itself finds and runs the hook.
	writeFile(t, filepath.Join(dir, "core", "module.manifest.json"), `{"module":"core"}`)
	before := callCount()
	cmd := exec.Command("git", "commit", "-q", "-a", "--no-verify", "-m", "via git")
	cmd.Dir, cmd.Env = dir, env
	add := exec.Command("git", "add", "-A")
	add.Dir, add.Env = dir, env
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("git add: %v\n%s", err, out)
	}
	gitOut, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git commit: %v\n%s", err, gitOut)
	}
	if callCount() != before+1 || !strings.Contains(string(gitOut), "📊 Module manifests changed") {
		t.Errorf("git commit did not run the hook:\n%s", gitOut)
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

func TestHookBinary(t *testing.T) {
	t.Parallel()
	tests := []struct{ exe, want string }{
		{"/usr/local/bin/notion-sync", "/usr/local/bin/notion-sync"},
		{"/home/ana/go/bin/notion-sync", "/home/ana/go/bin/notion-sync"},
		{"/tmp/go-build1234/b001/exe/notion-sync", "notion-sync"},
		{"/tmp/go-build567/b042/app.test", "notion-sync"},
	}
	for _, tt := range tests {
		if got := hookBinary(tt.exe); got != tt.want {
			t.Errorf("hookBinary(%q) = %q, want %q", tt.exe, got, tt.want)
		}
	}
}

// TestGlobRegexp checks the hook's glob translation against doublestar itself,
// on the default config's globs and the other forms the syntax allows.
func TestGlobRegexp(t *testing.T) {
	t.Parallel()
	globs := []string{
		"**/module.manifest.json", "**/.*/**", "**/node_modules/**", "**/dist/**",
		"**", "*", "a/**", "a/**/b", "modules/*/manifest.json", "src/**/*.json",
		"{core,labs}/**/module.manifest.json", "x?y/[a-c]*.json", "x/[!a]b", "x/[^a]b",
		"**/*.{json,yaml}", `lit\*eral`, "a.b+c(d)|e$^", "some{thing{new,},}", "a**b/c",
	}
	paths := []string{
		"module.manifest.json", "a/module.manifest.json", "a/b/module.manifest.json",
		".archive/module.manifest.json", "x/.hidden/y/module.manifest.json", ".h", "a/.h",
		"node_modules/module.manifest.json", "web/node_modules/x", "dist", "a/dist", "dist/x",
		"a", "a/b", "a/c/b", "a/c/d/b", "ab", "a/x/y", "modules/m/manifest.json", "modules/m/n/manifest.json",
		"src/x.json", "src/a/b/x.json", "srcx.json", "core/x/module.manifest.json", "labs/module.manifest.json",
		"other/module.manifest.json", "xay/b1.json", "xzy/b1.json", "x/y/z/b.json", "x/ab", "x/bb", "x//b", "x/b",
		"p.json", "p.yaml", "d/p.yml", `lit*eral`, "litXeral", "a.b+c(d)|e$^", "aXb+c(d)|e$^",
		"something", "somethingnew", "some", "someth", "aXXb/c", "ab/c", "a/b/c",
	}
	for _, g := range globs {
		re, err := globRegexp(g)
		if err != nil {
			t.Errorf("globRegexp(%q): %v", g, err)
			continue
		}
		rx, err := regexp.Compile("^(" + re + ")$")
		if err != nil {
			t.Errorf("globRegexp(%q) = %q does not compile: %v", g, re, err)
			continue
		}
		for _, p := range paths {
			want, err := doublestar.Match(g, p)
			if err != nil {
				t.Fatalf("doublestar.Match(%q): %v", g, err)
			}
			if got := rx.MatchString(p); got != want {
				t.Errorf("glob %q (regexp %q) on %q: %v, doublestar says %v", g, re, p, got, want)
			}
		}
	}
	for _, bad := range []string{"a[b", "a{b", `x[\]]`} {
		if re, err := globRegexp(bad); err == nil {
			t.Errorf("globRegexp(%q) = %q, want an error", bad, re)
		}
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
	if diff := cmp.Diff("'it'\\''s'", shellQuote("it's")); diff != "" {
		t.Errorf("shellQuote mismatch (-want +got):\n%s", diff)
	}
}
