package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/lukhas/notion-sync-action/internal/config"
	"github.com/lukhas/notion-sync-action/internal/engine"
	"github.com/lukhas/notion-sync-action/internal/hook"
)

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
	loc, err := hook.Locate(*repo, e.getenv)
	if err != nil {
		return hookError(err)
	}
	if loc.Shared() && !*global {
		return usagef("core.hooksPath is %s in %s (the %s git config), so a hook there runs in every repository that has no hooks path of its own. "+
			"Rerun with --global to install it there anyway (it syncs only when it runs in this repository), or give this repository a hooks folder of its own first: git -C %s config core.hooksPath .git/hooks",
			loc.HooksDir(), loc.Source, loc.Scope, hook.Word(loc.Root))
	}
	cfgArg, err := hook.ConfigArg(loc.RepoDir, *configPath)
	if err != nil {
		return err
	}
	cfg, err := config.LoadDir(loc.RepoDir, cfgArg)
	if err != nil {
		return &engine.UsageError{Err: fmt.Errorf("load config: %w", err)}
	}
	command := *bin
	if command == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find own binary: %w", err)
		}
		command = hook.Binary(exe)
	}
	script, err := hook.Script(hook.Spec{Bin: command, GitDir: loc.GitDir, Dir: loc.Rel, Config: cfgArg, Include: cfg.Include, Exclude: cfg.Exclude})
	if err != nil {
		return hookError(err)
	}
	res, err := hook.Install(loc, script, *force)
	if err != nil {
		return hookError(err)
	}
	verb := "Installed"
	if res.Updated {
		verb = "Updated"
	}
	fmt.Fprintf(e.stdout, "✅ %s post-commit hook: %s\n", verb, loc.Path)
	if res.Backup != "" {
		fmt.Fprintf(e.stdout, "💾 The previous hook is kept as %s\n", res.Backup)
	}
	if loc.Shared() {
		fmt.Fprintf(e.stdout, "🌐 It is in the %s hooks folder (%s): in any other repository it exits at once\n", loc.Scope, loc.Source)
	}
	fmt.Fprintf(e.stdout, "   Runs (in the background): %s sync --changed --since <the commit before it> --committed-only --async\n", command)
	fmt.Fprintf(e.stdout, "   When a commit changes: %s", strings.Join(cfg.Include, ", "))
	if len(cfg.Exclude) > 0 {
		fmt.Fprintf(e.stdout, " (excluding %s)", strings.Join(cfg.Exclude, ", "))
	}
	fmt.Fprintln(e.stdout)
	if res.Added {
		fmt.Fprintf(e.stdout, "🙈 Added %s to %s, so git add -A leaves out the ledger, plan and logs the syncs write\n", res.Pattern, loc.ExcludeFile())
	} else {
		fmt.Fprintf(e.stdout, "🙈 %s is already in %s\n", res.Pattern, loc.ExcludeFile())
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
	loc, err := hook.Locate(*repo, e.getenv)
	if err != nil {
		return hookError(err)
	}
	res, err := hook.Uninstall(loc)
	if err != nil {
		return hookError(err)
	}
	if !res.Removed {
		fmt.Fprintf(e.stdout, "✅ No post-commit hook at %s: nothing to remove\n", loc.Path)
		return nil
	}
	fmt.Fprintf(e.stdout, "✅ Removed the notion-sync post-commit hook: %s\n", loc.Path)
	if res.Backup != "" {
		fmt.Fprintf(e.stdout, "💾 An earlier hook is kept at %s: rename it to post-commit to use it again\n", res.Backup)
	}
	fmt.Fprintf(e.stdout, "   %s keeps its artifacts line, so a ledger left behind is still not committed\n", loc.ExcludeFile())
	return nil
}

// hookError makes the hook package's input errors (not a repository, a foreign
// hook without --force, a glob grep cannot read, ...) usage errors: exit 2, not 3.
func hookError(err error) error {
	if _, ok := errors.AsType[*hook.InputError](err); ok {
		return &engine.UsageError{Err: err}
	}
	return err
}
