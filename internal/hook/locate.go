package hook

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5"
	gitconfig "github.com/go-git/go-git/v5/plumbing/format/config"
)

// Location is where the hook goes and how the repository folder relates to the
// worktree, whose root is where git runs hooks. Locate fills it; the zero value
// is not a location.
type Location struct {
	Path    string // the post-commit file
	Root    string // the worktree root, absolute
	GitDir  string // the repository's git directory (shared by its worktrees), absolute
	RepoDir string // the folder Locate was given, absolute
	Rel     string // RepoDir relative to the worktree root, "/" separators; "." at the root
	Scope   string // where core.hooksPath is set: "repository", "global", "system"; "" when it is not
	Source  string // the config file (or, for the repository, a description of it) that sets it
}

// Shared reports whether the hooks folder is one every repository of the user
// looks in: core.hooksPath from the global or system config. A hook there must
// check which repository it runs in, and installing it affects them all.
func (l Location) Shared() bool { return l.Scope == "global" || l.Scope == "system" }

// CheckShared refuses a shared hooks folder (Shared), with an *InputError
// naming the fix, unless global: a hook there runs in every repository that
// has no hooks path of its own.
func (l Location) CheckShared(global bool) error {
	if !l.Shared() || global {
		return nil
	}
	return inputf("core.hooksPath is %s in %s (the %s git config), so a hook there runs in every repository that has no hooks path of its own. "+
		"Rerun with --global to install it there anyway (it syncs only when it runs in this repository), or give this repository a hooks folder of its own first: git -C %s config core.hooksPath .git/hooks",
		l.HooksDir(), l.Source, l.Scope, Word(l.Root))
}

// HooksDir is the folder holding the hook.
func (l Location) HooksDir() string { return filepath.Dir(l.Path) }

// ExcludeFile is the repository's info/exclude, where Install adds the
// artifacts folder.
func (l Location) ExcludeFile() string { return filepath.Join(l.GitDir, "info", "exclude") }

// Locate finds the hooks folder of the repository containing dir: git's
// core.hooksPath when set (in the repository's config, else the user's global
// one, else the system's), else the hooks folder of the git directory, which a
// linked worktree shares with its main repository. The user's config files are
// found through getenv (HOME, XDG_CONFIG_HOME, GIT_CONFIG_GLOBAL,
// GIT_CONFIG_NOSYSTEM, GIT_CONFIG_SYSTEM), never the process environment, so
// tests can point them at a temporary folder. A dir that is not in a git
// worktree, an unreadable git config and a ~/ hooks path without HOME are
// *InputError; the messages call dir --repo, the flag it comes from.
func Locate(dir string, getenv func(string) string) (Location, error) {
	abs, err := filepath.Abs(dir)
	if err == nil {
		abs, err = filepath.EvalSymlinks(abs)
	}
	if err != nil {
		return Location{}, inputf("--repo %s: %v", dir, err)
	}
	repo, err := git.PlainOpenWithOptions(abs, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if err != nil {
		return Location{}, inputf("hook install needs a git repository: %s: %v", dir, err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		return Location{}, inputf("hook install needs a repository with a worktree: %s: %v", dir, err)
	}
	root := wt.Filesystem.Root()
	if r, err := filepath.EvalSymlinks(root); err == nil {
		root = r
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil {
		return Location{}, fmt.Errorf("locate %s in its worktree: %w", dir, err)
	}
	gitDir, err := commonGitDir(root)
	if err != nil {
		return Location{}, err
	}
	if r, err := filepath.EvalSymlinks(gitDir); err == nil {
		gitDir = r
	}
	loc := Location{Root: root, GitDir: gitDir, RepoDir: abs, Rel: filepath.ToSlash(rel)}
	hooks := ""
	hooks, loc.Scope, loc.Source, err = hooksPath(repo, getenv)
	if err != nil {
		return Location{}, err
	}
	switch {
	case hooks == "":
		hooks = filepath.Join(gitDir, "hooks")
	case strings.HasPrefix(hooks, "~/"):
		home := getenv("HOME")
		if home == "" {
			return Location{}, inputf("core.hooksPath %s (in %s) starts with ~/, but HOME is not set", hooks, loc.Source)
		}
		hooks = filepath.Join(home, hooks[2:])
	case !filepath.IsAbs(hooks):
		// Git runs hooks from the worktree root, so a relative path is from there.
		hooks = filepath.Join(root, hooks)
	}
	loc.Path = filepath.Join(hooks, "post-commit")
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
		return "", inputf("read git config %s: %v", path, err)
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
