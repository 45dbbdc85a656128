package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/go-git/go-git/v5"
	gitconfig "github.com/go-git/go-git/v5/plumbing/format/config"

	"github.com/lukhas/notion-sync-action/internal/config"
)

// hookMarker is the comment that marks a post-commit hook as ours: install
// rewrites such a hook freely and uninstall removes it; any other hook is left
// alone unless --force.
const hookMarker = "# Managed by notion-sync: 'notion-sync hook install' rewrites this file, 'notion-sync hook uninstall' removes it."

func runHook(ctx context.Context, e *env, args []string) error {
	usage := "hook install [--force] [--global] [--repo DIR] [--config F] [--bin PATH] | hook uninstall [--repo DIR]"
	if len(args) == 0 {
		return usagef("choose a hook command: %s", usage)
	}
	switch args[0] {
	case "install":
		return e.hookInstall(args[1:])
	case "uninstall":
		return e.hookUninstall(args[1:])
	case "-h", "-help", "--help", "help":
		fmt.Fprintf(e.stdout, "Usage: notion-sync %s\n\nRun 'notion-sync hook install --help' for its flags.\n", usage)
		return nil
	}
	return usagef("unknown hook command %q: use %s", args[0], usage)
}

// hookInstall writes the post-commit hook of the runbook (§6.2), calling this
// binary: after a commit that touched a manifest, it starts a background
// `sync --changed` from the commit before it.
func (e *env) hookInstall(args []string) error {
	flags := newFlagSet(e, "hook install", "hook install [--force] [--global] [--repo DIR] [--config F] [--bin PATH]")
	repo := flags.String("repo", ".", "repository root holding the manifests (may be a folder inside the git worktree)")
	configPath := flags.String("config", "", "config file whose manifests.include/exclude decide which commits sync (default .github/notion-sync.yml, else the built-in config)")
	force := flags.Bool("force", false, "replace a post-commit hook that notion-sync did not install, or installed for another repository (it is kept as post-commit.bak)")
	global := flags.Bool("global", false, "install even though core.hooksPath comes from the global (or system) git config, where every repository of the user looks; the hook still syncs only this one")
	bin := flags.String("bin", "", "the notion-sync command the hook runs (default: this binary's absolute path, or notion-sync from PATH when this is a go run build)")
	if err := parseFlags(flags, args); err != nil {
		return err
	}
	loc, err := locateHook(*repo, e.getenv)
	if err != nil {
		return err
	}
	if loc.shared() && !*global {
		return usagef("core.hooksPath is %s in %s (the %s git config), so a hook there runs in every repository that has no hooks path of its own. "+
			"Rerun with --global to install it there anyway (it syncs only when it runs in this repository), or give this repository a hooks folder of its own first: git -C %s config core.hooksPath .git/hooks",
			loc.hooksDir(), loc.source, loc.scope, shellWord(loc.root))
	}
	cfgArg, err := hookConfigArg(loc.repoDir, *configPath)
	if err != nil {
		return err
	}
	cfg, err := config.LoadDir(loc.repoDir, cfgArg)
	if err != nil {
		return usageError{fmt.Errorf("load config: %w", err)}
	}
	command := *bin
	if command == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find own binary: %w", err)
		}
		command = hookBinary(exe)
	}
	script, err := hookScript(hookSpec{bin: command, gitDir: loc.gitDir, dir: loc.rel, config: cfgArg, include: cfg.Include, exclude: cfg.Exclude})
	if err != nil {
		return usageError{err}
	}
	old, err := os.ReadFile(loc.path)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("read existing hook: %w", err)
	}
	ours := exists && bytes.Contains(old, []byte(hookMarker))
	other := ""
	if ours {
		if dir := hookGitDir(old); dir != "" && dir != loc.gitDir {
			other = dir
		}
	}
	backup := ""
	if exists && (!ours || other != "") {
		if !*force {
			kept := filepath.Base(freeName(loc.path + ".bak"))
			if other != "" {
				return usagef("%s is the notion-sync hook of another repository (%s): replacing it stops the syncs there. Rerun with --force to replace it anyway (it is kept as %s)", loc.path, other, kept)
			}
			return usagef("%s exists and was not installed by notion-sync: rerun with --force to replace it (it is kept as %s)", loc.path, kept)
		}
		backup = freeName(loc.path + ".bak")
		// A rename keeps the old hook exactly, symlink or mode included.
		if err := os.Rename(loc.path, backup); err != nil {
			return fmt.Errorf("keep the existing hook: %w", err)
		}
	}
	if err := writeExecutable(loc.path, script); err != nil {
		return err
	}
	pattern, added, err := excludeArtifacts(loc.gitDir, loc.rel)
	if err != nil {
		return err
	}
	verb := "Installed"
	if exists && backup == "" {
		verb = "Updated"
	}
	fmt.Fprintf(e.stdout, "✅ %s post-commit hook: %s\n", verb, loc.path)
	if backup != "" {
		fmt.Fprintf(e.stdout, "💾 The previous hook is kept as %s\n", backup)
	}
	if loc.shared() {
		fmt.Fprintf(e.stdout, "🌐 It is in the %s hooks folder (%s): in any other repository it exits at once\n", loc.scope, loc.source)
	}
	fmt.Fprintf(e.stdout, "   Runs (in the background): %s sync --changed --since <the commit before it> --committed-only --async\n", command)
	fmt.Fprintf(e.stdout, "   When a commit changes: %s", strings.Join(cfg.Include, ", "))
	if len(cfg.Exclude) > 0 {
		fmt.Fprintf(e.stdout, " (excluding %s)", strings.Join(cfg.Exclude, ", "))
	}
	fmt.Fprintln(e.stdout)
	exclude := filepath.Join(loc.gitDir, "info", "exclude")
	if added {
		fmt.Fprintf(e.stdout, "🙈 Added %s to %s, so git add -A leaves out the ledger, plan and logs the syncs write\n", pattern, exclude)
	} else {
		fmt.Fprintf(e.stdout, "🙈 %s is already in %s\n", pattern, exclude)
	}
	fmt.Fprintln(e.stdout, "   Run 'notion-sync hook install' again after changing manifests.include or manifests.exclude.")
	return nil
}

// hookUninstall removes our post-commit hook; a hook someone else wrote, or ours
// installed for another repository (in a shared hooks folder), stays.
func (e *env) hookUninstall(args []string) error {
	flags := newFlagSet(e, "hook uninstall", "hook uninstall [--repo DIR]")
	repo := flags.String("repo", ".", "repository (or a folder inside it)")
	if err := parseFlags(flags, args); err != nil {
		return err
	}
	loc, err := locateHook(*repo, e.getenv)
	if err != nil {
		return err
	}
	old, err := os.ReadFile(loc.path)
	if errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(e.stdout, "✅ No post-commit hook at %s: nothing to remove\n", loc.path)
		return nil
	}
	if err != nil {
		return fmt.Errorf("read existing hook: %w", err)
	}
	if !bytes.Contains(old, []byte(hookMarker)) {
		return usagef("%s was not installed by notion-sync: left alone", loc.path)
	}
	if dir := hookGitDir(old); dir != "" && dir != loc.gitDir {
		return usagef("%s is the notion-sync hook of another repository (%s): left alone; run notion-sync hook uninstall there", loc.path, dir)
	}
	if err := os.Remove(loc.path); err != nil {
		return fmt.Errorf("remove hook: %w", err)
	}
	fmt.Fprintf(e.stdout, "✅ Removed the notion-sync post-commit hook: %s\n", loc.path)
	if _, err := os.Lstat(loc.path + ".bak"); err == nil {
		fmt.Fprintf(e.stdout, "💾 An earlier hook is kept at %s.bak: rename it to post-commit to use it again\n", loc.path)
	}
	fmt.Fprintf(e.stdout, "   %s keeps its artifacts line, so a ledger left behind is still not committed\n", filepath.Join(loc.gitDir, "info", "exclude"))
	return nil
}

// hookLocation is where the hook goes and how the repository folder relates to
// the worktree, whose root is where git runs hooks.
type hookLocation struct {
	path    string // the post-commit file
	root    string // the worktree root, absolute
	gitDir  string // the repository's git directory (shared by its worktrees), absolute
	repoDir string // the --repo folder, absolute
	rel     string // repoDir relative to the worktree root, "/" separators; "." at the root
	scope   string // where core.hooksPath is set: "repository", "global", "system"; "" when it is not
	source  string // the config file that sets it
}

// shared reports whether the hooks folder is one every repository of the user
// looks in: core.hooksPath from the global or system config.
func (l hookLocation) shared() bool { return l.scope == "global" || l.scope == "system" }

func (l hookLocation) hooksDir() string { return filepath.Dir(l.path) }

// locateHook finds the hooks folder of the repository containing dir: git's
// core.hooksPath when set (in the repository's config, else the user's global
// one, else the system's), else the hooks folder of the git directory, which a
// linked worktree shares with its main repository. The user's config files are
// found through getenv (HOME, XDG_CONFIG_HOME, GIT_CONFIG_GLOBAL, ...), never the
// process environment, so tests can point them at a temporary folder.
func locateHook(dir string, getenv func(string) string) (hookLocation, error) {
	abs, err := filepath.Abs(dir)
	if err == nil {
		abs, err = filepath.EvalSymlinks(abs)
	}
	if err != nil {
		return hookLocation{}, usagef("--repo %s: %v", dir, err)
	}
	repo, err := git.PlainOpenWithOptions(abs, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if err != nil {
		return hookLocation{}, usagef("hook install needs a git repository: %s: %v", dir, err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		return hookLocation{}, usagef("hook install needs a repository with a worktree: %s: %v", dir, err)
	}
	root := wt.Filesystem.Root()
	if r, err := filepath.EvalSymlinks(root); err == nil {
		root = r
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil {
		return hookLocation{}, fmt.Errorf("locate %s in its worktree: %w", dir, err)
	}
	gitDir, err := commonGitDir(root)
	if err != nil {
		return hookLocation{}, err
	}
	if r, err := filepath.EvalSymlinks(gitDir); err == nil {
		gitDir = r
	}
	loc := hookLocation{root: root, gitDir: gitDir, repoDir: abs, rel: filepath.ToSlash(rel)}
	hooks := ""
	hooks, loc.scope, loc.source, err = hooksPath(repo, getenv)
	if err != nil {
		return hookLocation{}, err
	}
	switch {
	case hooks == "":
		hooks = filepath.Join(gitDir, "hooks")
	case strings.HasPrefix(hooks, "~/"):
		home := getenv("HOME")
		if home == "" {
			return hookLocation{}, usagef("core.hooksPath %s (in %s) starts with ~/, but HOME is not set", hooks, loc.source)
		}
		hooks = filepath.Join(home, hooks[2:])
	case !filepath.IsAbs(hooks):
		// Git runs hooks from the worktree root, so a relative path is from there.
		hooks = filepath.Join(root, hooks)
	}
	loc.path = filepath.Join(hooks, "post-commit")
	return loc, nil
}

// hooksPath is core.hooksPath as git reads it: the repository's config first,
// then the user's (~/.gitconfig, then $XDG_CONFIG_HOME/git/config, or only
// $GIT_CONFIG_GLOBAL when set), then the system's (unless GIT_CONFIG_NOSYSTEM).
// It returns the value, the scope that set it and the file; "" when none does.
// include.path directives are not followed.
func hooksPath(repo *git.Repository, getenv func(string) string) (path, scope, source string, err error) {
	if cfg, err := repo.Config(); err == nil && cfg.Raw != nil {
		if p := cfg.Raw.Section("core").Option("hooksPath"); p != "" {
			return p, "repository", "the repository's .git/config", nil
		}
	}
	var global []string
	if f := getenv("GIT_CONFIG_GLOBAL"); f != "" {
		global = []string{f}
	} else {
		home := getenv("HOME")
		if home != "" {
			global = append(global, filepath.Join(home, ".gitconfig"))
		}
		if xdg := getenv("XDG_CONFIG_HOME"); xdg != "" {
			global = append(global, filepath.Join(xdg, "git", "config"))
		} else if home != "" {
			global = append(global, filepath.Join(home, ".config", "git", "config"))
		}
	}
	for _, f := range global {
		p, err := configOption(f, "core", "hooksPath")
		if err != nil || p != "" {
			return p, "global", f, err
		}
	}
	if v := strings.ToLower(getenv("GIT_CONFIG_NOSYSTEM")); v != "" && v != "0" && v != "false" && v != "no" {
		return "", "", "", nil
	}
	system := getenv("GIT_CONFIG_SYSTEM")
	if system == "" {
		system = "/etc/gitconfig"
	}
	p, err := configOption(system, "core", "hooksPath")
	if err != nil || p != "" {
		return p, "system", system, err
	}
	return "", "", "", nil
}

// configOption reads one option of a git config file; "" when the file or the
// option does not exist.
func configOption(path, section, option string) (string, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read git config %s: %w", path, err)
	}
	defer f.Close()
	cfg := gitconfig.New()
	if err := gitconfig.NewDecoder(f).Decode(cfg); err != nil {
		return "", usagef("read git config %s: %v", path, err)
	}
	return cfg.Section(section).Option(option), nil
}

// commonGitDir returns the git directory of the worktree at root: .git itself,
// or for a linked worktree (a .git file) the main repository's, where hooks live.
func commonGitDir(root string) (string, error) {
	dotGit := filepath.Join(root, ".git")
	info, err := os.Stat(dotGit)
	if err != nil {
		return "", fmt.Errorf("find git directory: %w", err)
	}
	if info.IsDir() {
		return dotGit, nil
	}
	data, err := os.ReadFile(dotGit)
	if err != nil {
		return "", fmt.Errorf("find git directory: %w", err)
	}
	gitDir, ok := strings.CutPrefix(strings.TrimSpace(string(data)), "gitdir:")
	if !ok {
		return "", fmt.Errorf("find git directory: %s is neither a folder nor a gitdir file", dotGit)
	}
	gitDir = strings.TrimSpace(gitDir)
	if !filepath.IsAbs(gitDir) {
		gitDir = filepath.Join(root, gitDir)
	}
	if common, err := os.ReadFile(filepath.Join(gitDir, "commondir")); err == nil {
		c := strings.TrimSpace(string(common))
		if !filepath.IsAbs(c) {
			c = filepath.Join(gitDir, c)
		}
		return filepath.Clean(c), nil
	}
	return gitDir, nil
}

// excludeArtifacts adds the artifacts folder the hook's syncs write (ledger,
// plan, logs) to the repository's info/exclude, so that `git add -A` does not
// commit the ledger. It returns the pattern and whether it was added (false: the
// line was there already); the file is otherwise left as it was.
func excludeArtifacts(gitDir, rel string) (string, bool, error) {
	pattern := "/artifacts/"
	if rel != "." && rel != "" {
		pattern = "/" + gitignoreEscape(rel) + "/artifacts/"
	}
	path := filepath.Join(gitDir, "info", "exclude")
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", false, fmt.Errorf("read %s: %w", path, err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == pattern {
			return pattern, false, nil
		}
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		data = append(data, '\n')
	}
	data = append(data, "# notion-sync hook: the ledger, plan and logs its syncs write\n"+pattern+"\n"...)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", false, fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return "", false, fmt.Errorf("write %s: %w", path, err)
	}
	return pattern, true, nil
}

// gitignoreEscape escapes the characters a gitignore pattern reads as globs.
func gitignoreEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// hookConfigArg is the --config the hook passes on, relative to the repository
// folder the hook works in: a path typed on the command line is relative to
// where it was typed, failing that to the repository (as sync reads it).
func hookConfigArg(repoDir, configPath string) (string, error) {
	if configPath == "" {
		return "", nil
	}
	p := configPath
	if !filepath.IsAbs(p) {
		if _, err := os.Stat(p); err != nil {
			return filepath.ToSlash(p), nil // relative to the repository already
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return "", fmt.Errorf("resolve --config %s: %w", configPath, err)
		}
		p = abs
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	if rel, err := filepath.Rel(repoDir, p); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel), nil
	}
	return p, nil
}

// hookBinary is the command the hook runs: the running binary by its absolute
// path, so the hook works whatever PATH git runs it with; but a binary that
// `go run` or `go test` built lives in a go-build temporary folder that is
// deleted when it exits, and then the hook calls notion-sync from PATH.
func hookBinary(exe string) string {
	for _, part := range strings.Split(filepath.ToSlash(exe), "/") {
		if strings.HasPrefix(part, "go-build") {
			return "notion-sync"
		}
	}
	return exe
}

// freeName returns name, or name.1, name.2, ... : the first that does not exist,
// so a backup never overwrites an earlier one.
func freeName(name string) string {
	candidate := name
	for i := 1; ; i++ {
		if _, err := os.Lstat(candidate); errors.Is(err, fs.ErrNotExist) {
			return candidate
		}
		candidate = fmt.Sprintf("%s.%d", name, i)
	}
}

// writeExecutable replaces path with data, mode 0755, through a temporary file
// and a rename, so git never runs a half-written hook.
func writeExecutable(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create hooks folder: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".post-commit-*")
	if err != nil {
		return fmt.Errorf("write hook: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write hook: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write hook: %w", err)
	}
	// Chmod, not the create mode, so the umask cannot take the execute bits away.
	if err := os.Chmod(tmp.Name(), 0o755); err != nil {
		return fmt.Errorf("write hook: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write hook: %w", err)
	}
	return nil
}

// hookSpec is what the hook script needs to know.
type hookSpec struct {
	bin              string   // the notion-sync command
	gitDir           string   // the repository's git directory: the hook runs only there
	dir              string   // the repository folder, relative to the worktree root
	config           string   // --config to pass on; "" for the default
	include, exclude []string // the config's manifest globs, repo-relative
}

// hookGitDirLine is the script line naming the repository the hook belongs to;
// install and uninstall read it back to recognise another repository's hook in
// a shared hooks folder.
var hookGitDirLine = regexp.MustCompile(`(?m)^git_dir='((?:[^']|'\\'')*)'$`)

// hookGitDir returns the git directory a hook we wrote belongs to; "" for a hook
// written before hooks named it.
func hookGitDir(script []byte) string {
	m := hookGitDirLine.FindSubmatch(script)
	if m == nil {
		return ""
	}
	return strings.ReplaceAll(string(m[1]), `'\''`, "'")
}

// hookScript renders the post-commit hook: the runbook's script (§6.2), with the
// config's globs instead of a grep for module.manifest.json, so the hook starts
// the binary only after a commit that touched a manifest the sync would read.
// The globs are translated to extended regular expressions for grep -E, so
// the check costs no process start of our own. The script is plain POSIX sh.
func hookScript(s hookSpec) ([]byte, error) {
	prefix := ""
	if s.dir != "." && s.dir != "" {
		prefix = regexp.QuoteMeta(s.dir) + "/"
	}
	include, err := globsRegexp(prefix, s.include)
	if err != nil {
		return nil, fmt.Errorf("translate manifests.include for the hook: %w", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `#!/bin/sh
%s
# Syncs the manifests a commit touched to Notion, in the background, as the
# runbook's post-commit hook does. The patterns below come from manifests.include
# and manifests.exclude of the config when the hook was installed.

notion_sync=%s
git_dir=%s
include=%s
`, hookMarker, shellQuote(s.bin), shellQuote(s.gitDir), shellQuote(include))
	filter := ""
	if len(s.exclude) > 0 {
		exclude, err := globsRegexp(prefix, s.exclude)
		if err != nil {
			return nil, fmt.Errorf("translate manifests.exclude for the hook: %w", err)
		}
		fmt.Fprintf(&b, "exclude=%s\n", shellQuote(exclude))
		filter = ` | grep -Ev -- "$exclude"`
	}
	fmt.Fprintf(&b, `
# Only in the repository the hook was installed for (and its worktrees): a
# core.hooksPath in the global git config runs this file in every repository.
[ "$(cd "$(git rev-parse --git-common-dir 2>/dev/null)" 2>/dev/null && pwd -P)" = "$git_dir" ] || exit 0

# The commit before this one, read now: the sync runs in the background, when
# more commits may have come (cherry-pick, am, a script committing in a loop).
# None on the repository's first commit.
base=$(git rev-parse -q --verify HEAD~1) || base=

# -z: paths exactly as stored, even with quotes, backslashes or non-ASCII letters.
changed_files=$(git diff-tree -z -r --name-only --no-commit-id --root HEAD | tr '\0' '\n')
if ! printf '%%s\n' "$changed_files" | grep -E -- "$include"%s | grep -q .; then
  exit 0
fi

# While git replays commits (rebase, am, a cherry-pick or revert of several),
# syncing each one is wasted work, and no post-commit hook runs when it is done
# (a rebase ends with post-rewrite): the line below says what to run then.
for state in rebase-merge rebase-apply sequencer; do
  if [ -e "$(git rev-parse --git-path "$state")" ]; then
    echo "⏭️  Notion sync skipped during a rebase, am or cherry-pick; when it is done, run: notion-sync sync --changed --since ORIG_HEAD (or notion-sync sync --all)" >&2
    exit 0
  fi
done

if ! command -v "$notion_sync" >/dev/null 2>&1; then
  echo "⚠️  $notion_sync not found: Notion sync skipped (reinstall with: notion-sync hook install)" >&2
  exit 0
fi

echo "📊 Module manifests changed, syncing to Notion..."
`, filter)
	if prefix != "" {
		fmt.Fprintf(&b, "cd %s || exit 0\n", shellQuote(s.dir))
	}
	args := ""
	if s.config != "" {
		args = " --config " + shellQuote(s.config)
	}
	// sync --async prints the runbook's "✅ Notion sync queued (background…" line
	// itself, with the pid and the log file.
	fmt.Fprintf(&b, `if [ -n "$base" ]; then
  set -- --changed --since "$base" --committed-only
else
  set -- --all # the repository's first commit: every manifest in it is new
fi
"$notion_sync" sync "$@" --async%s ||
  echo "❌ Notion sync could not be queued; run: notion-sync sync $*" >&2
exit 0
`, args)
	return []byte(b.String()), nil
}

// shellQuote quotes s for sh: in single quotes, where each quote of s closes the
// quoting, is written escaped, and reopens it.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// globsRegexp is one anchored extended regular expression matching a path when
// prefix followed by any of globs matches it.
func globsRegexp(prefix string, globs []string) (string, error) {
	alts := make([]string, 0, len(globs))
	for _, g := range globs {
		re, err := globRegexp(g)
		if err != nil {
			return "", err
		}
		alts = append(alts, re)
	}
	return "^" + prefix + "(" + strings.Join(alts, "|") + ")$", nil
}

// globRegexp translates one doublestar glob (the syntax of manifests.include)
// into an extended regular expression, unanchored. It uses only syntax that
// POSIX grep -E and Go's regexp read alike, so tests can check it against
// doublestar.Match. Character classes with backslashes are refused rather
// than guessed.
func globRegexp(glob string) (string, error) {
	var b strings.Builder
	depth := 0 // open braces
	segStart := func(i int) bool { return i == 0 || glob[i-1] == '/' }
	for i := 0; i < len(glob); i++ {
		c := glob[i]
		switch {
		case c == '*' && i+1 < len(glob) && glob[i+1] == '*' && segStart(i) && (i+2 == len(glob) || glob[i+2] == '/'):
			// ** as a whole segment: any number of folders.
			switch {
			case i+2 == len(glob) && i == 0:
				b.WriteString(".*")
			case i+2 == len(glob):
				// "a/**" matches a itself and everything under it: the "/" already
				// written becomes optional along with what follows.
				s := strings.TrimSuffix(b.String(), "/")
				b.Reset()
				b.WriteString(s)
				b.WriteString("(/.*)?")
			default:
				b.WriteString("(.*/)?")
				i += 2 // past "**/"
				continue
			}
			i++
		case c == '*':
			for i+1 < len(glob) && glob[i+1] == '*' {
				i++
			}
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		case c == '[':
			end := strings.IndexByte(glob[i+1:], ']')
			if end < 0 {
				return "", fmt.Errorf("glob %q: unclosed [", glob)
			}
			class := glob[i+1 : i+1+end]
			if end == 0 && i+2 < len(glob) {
				return "", fmt.Errorf("glob %q: a class starting with ] cannot be translated", glob)
			}
			if strings.ContainsAny(class, `\[`) {
				return "", fmt.Errorf("glob %q: a class with \\ or [ cannot be translated", glob)
			}
			if rest, ok := strings.CutPrefix(class, "!"); ok {
				class = "^" + rest
			}
			b.WriteString("[" + class + "]")
			i += end + 1
		case c == '{':
			depth++
			b.WriteString("(")
		case c == '}' && depth > 0:
			depth--
			b.WriteString(")")
		case c == ',' && depth > 0:
			b.WriteString("|")
		case c == '\\' && i+1 < len(glob):
			i++
			b.WriteString(regexp.QuoteMeta(glob[i : i+1]))
		default:
			b.WriteString(regexp.QuoteMeta(glob[i : i+1]))
		}
	}
	if depth > 0 {
		return "", fmt.Errorf("glob %q: unclosed {", glob)
	}
	return b.String(), nil
}
