package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

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
	if err := loc.CheckShared(*global); err != nil {
		return hookError(err)
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
	spec := hook.Spec{Bin: command, GitDir: loc.GitDir, Dir: loc.Rel, Config: cfgArg, Include: cfg.Include, Exclude: cfg.Exclude}
	script, err := hook.Script(spec)
	if err != nil {
		return hookError(err)
	}
	res, err := hook.Install(loc, script, *force)
	if err != nil {
		return hookError(err)
	}
	_, err = io.WriteString(e.stdout, hook.InstallText(loc, spec, res))
	return err
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
	_, err = io.WriteString(e.stdout, hook.UninstallText(loc, res))
	return err
}

// hookError makes the hook package's input errors (not a repository, a foreign
// hook without --force, a glob grep cannot read, ...) usage errors: exit 2, not 3.
func hookError(err error) error {
	if _, ok := errors.AsType[*hook.InputError](err); ok {
		return &engine.UsageError{Err: err}
	}
	return err
}
