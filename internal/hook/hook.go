// Package hook installs and removes the post-commit hook of the runbook (§6.2
// of DESIGN.md): after a commit that touched a manifest, the hook starts a
// background `notion-sync sync --changed` from the commit before it.
//
// It exists so that the git knowledge the hook needs stays out of the command
// wiring in internal/app: where git looks for hooks (core.hooksPath in the
// repository, global or system config, linked worktrees), how to tell our hook
// from someone else's (Marker, and the repository it names), how the config's
// manifest globs become a grep -E pattern, the script itself, and writing it
// without ever losing a hook the user had, and what install and uninstall tell
// the user (InstallText, UninstallText). The package reads the environment
// only through the getenv it is given, never os.Getenv, so tests can point git's
// config files at a temporary folder and stay parallel.
//
// Error texts are those the notion-sync CLI prints, and name its flags
// (--repo, --force); errors a user fixes are *InputError.
package hook

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Marker is the comment that marks a post-commit hook as ours: Install
// rewrites such a hook freely and Uninstall removes it; any other hook is left
// alone unless forced.
const Marker = "# Managed by notion-sync: 'notion-sync hook install' rewrites this file, 'notion-sync hook uninstall' removes it."

// InputError is a failure the user fixes (another folder, --force, a fixed git
// config or glob) rather than a failing disk or git: the CLI exits with its
// bad-usage code for it instead of the fatal one. Callers branch on it with
// errors.As; its text is the wrapped error's.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }

// Unwrap returns the error that says what is wrong.
func (e *InputError) Unwrap() error { return e.Err }

func inputf(format string, a ...any) error { return &InputError{fmt.Errorf(format, a...)} }

// Installed is what Install did, for the caller to report.
type Installed struct {
	// Updated is true when an earlier notion-sync hook of the same repository
	// was rewritten (no backup needed); false for a new hook or a replaced one.
	Updated bool
	// Backup is where a replaced hook was kept (post-commit.bak, or .bak.1, ...
	// when that exists); "" when nothing was replaced.
	Backup string
	// Pattern is the artifacts line of info/exclude (Location.ExcludeFile).
	Pattern string
	// Added is false when Pattern was in info/exclude already.
	Added bool
}

// Install writes script as the post-commit hook at loc.Path. A hook carrying
// Marker for the same repository is rewritten; any other hook (someone else's,
// or ours for another repository sharing the hooks folder) is refused with an
// *InputError unless force, and with force it is renamed to a free .bak name
// first, so it is kept exactly. It then adds the artifacts folder the hook's
// syncs write to the repository's info/exclude, so `git add -A` does not commit
// the ledger.
func Install(loc Location, script []byte, force bool) (Installed, error) {
	old, err := os.ReadFile(loc.Path)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return Installed{}, fmt.Errorf("read existing hook: %w", err)
	}
	ours := exists && bytes.Contains(old, []byte(Marker))
	other := ""
	if ours {
		if dir := Owner(old); dir != "" && dir != loc.GitDir {
			other = dir
		}
	}
	backup := ""
	if exists && (!ours || other != "") {
		if !force {
			kept := filepath.Base(freeName(loc.Path + ".bak"))
			if other != "" {
				return Installed{}, inputf("%s is the notion-sync hook of another repository (%s): replacing it stops the syncs there. Rerun with --force to replace it anyway (it is kept as %s)", loc.Path, other, kept)
			}
			return Installed{}, inputf("%s exists and was not installed by notion-sync: rerun with --force to replace it (it is kept as %s)", loc.Path, kept)
		}
		backup = freeName(loc.Path + ".bak")
		// A rename keeps the old hook exactly, symlink or mode included.
		if err := os.Rename(loc.Path, backup); err != nil {
			return Installed{}, fmt.Errorf("keep the existing hook: %w", err)
		}
	}
	if err := writeExecutable(loc.Path, script); err != nil {
		return Installed{}, err
	}
	pattern, added, err := excludeArtifacts(loc.GitDir, loc.Rel)
	if err != nil {
		return Installed{}, err
	}
	return Installed{Updated: exists && backup == "", Backup: backup, Pattern: pattern, Added: added}, nil
}

// Uninstalled is what Uninstall did, for the caller to report.
type Uninstalled struct {
	// Removed is false when there was no hook at the location.
	Removed bool
	// Backup is the post-commit.bak an earlier Install kept, when it is still
	// there; "" otherwise.
	Backup string
}

// Uninstall removes our post-commit hook at loc.Path. A hook someone else
// wrote, or ours installed for another repository (in a shared hooks folder),
// stays, with an *InputError. info/exclude keeps its artifacts line, so a
// ledger left behind is still not committed.
func Uninstall(loc Location) (Uninstalled, error) {
	old, err := os.ReadFile(loc.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return Uninstalled{}, nil
	}
	if err != nil {
		return Uninstalled{}, fmt.Errorf("read existing hook: %w", err)
	}
	if !bytes.Contains(old, []byte(Marker)) {
		return Uninstalled{}, inputf("%s was not installed by notion-sync: left alone", loc.Path)
	}
	if dir := Owner(old); dir != "" && dir != loc.GitDir {
		return Uninstalled{}, inputf("%s is the notion-sync hook of another repository (%s): left alone; run notion-sync hook uninstall there", loc.Path, dir)
	}
	if err := os.Remove(loc.Path); err != nil {
		return Uninstalled{}, fmt.Errorf("remove hook: %w", err)
	}
	res := Uninstalled{Removed: true}
	if _, err := os.Lstat(loc.Path + ".bak"); err == nil {
		res.Backup = loc.Path + ".bak"
	}
	return res, nil
}

// excludeArtifacts adds the artifacts folder the hook's syncs write (ledger,
// plan, logs) to the repository's info/exclude. It returns the pattern and
// whether it was added (false: the line was there already); the file is
// otherwise left as it was.
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

// ConfigArg is the --config the hook passes on, relative to the repository
// folder repoDir the hook works in: a configPath typed on the command line is
// relative to where it was typed (the process's working directory), failing
// that to the repository (as sync reads it). "" stays "" (the default config).
func ConfigArg(repoDir, configPath string) (string, error) {
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

// Binary is the command the hook runs, given the running binary exe: exe
// itself, an absolute path, so the hook works whatever PATH git runs it with;
// but a binary that `go run` or `go test` built lives in a go-build temporary
// folder that is deleted when it exits, and then the hook calls notion-sync
// from PATH.
func Binary(exe string) string {
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
