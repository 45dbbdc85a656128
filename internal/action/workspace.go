package action

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/lukhas/notion-sync-action/internal/safefile"
)

// DefaultWorkspace is where the runner mounts the workspace in a container
// action, and the container's working directory.
const DefaultWorkspace = "/github/workspace"

// Workspace returns GITHUB_WORKSPACE, or the working directory's "." when it is
// not set (a local run of the image).
func Workspace(getenv func(string) string) string {
	if ws := getenv("GITHUB_WORKSPACE"); ws != "" {
		return ws
	}
	return "."
}

// relPath cleans a workspace-relative path given as an input, refusing one
// that is absolute or leaves the workspace.
func relPath(p string) (string, error) {
	slash := filepath.ToSlash(p)
	if path.IsAbs(slash) || filepath.IsAbs(p) || filepath.VolumeName(p) != "" {
		return "", errors.New("is absolute")
	}
	clean := path.Clean(slash)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", errors.New("leaves the workspace")
	}
	if clean == "." {
		return "", errors.New("names the workspace itself, not a file")
	}
	return clean, nil
}

// Abs returns the file system path of rel, a path relative to workspace.
// Inputs are validated by ReadInputs; Abs still refuses a path that would
// leave the workspace, for callers that build paths of their own.
func Abs(workspace, rel string) (string, error) {
	clean, err := relPath(rel)
	if err != nil {
		return "", fmt.Errorf("resolve %q in the workspace: %s", rel, err)
	}
	return filepath.Join(workspace, filepath.FromSlash(clean)), nil
}

// Rel returns p relative to workspace with "/" separators: the form outputs
// must take, because the runner translates environment variables into the
// container but never translates outputs back out of it, so a
// /github/workspace/... path would not exist for the next step.
func Rel(workspace, p string) (string, error) {
	ws, err := filepath.Abs(workspace)
	if err != nil {
		return "", fmt.Errorf("make %s workspace-relative: %w", p, err)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("make %s workspace-relative: %w", p, err)
	}
	rel, err := filepath.Rel(ws, abs)
	if err != nil {
		return "", fmt.Errorf("make %s workspace-relative: %w", p, err)
	}
	rel = filepath.ToSlash(rel)
	if rel == ".." || strings.HasPrefix(rel, "../") {
		return "", fmt.Errorf("make %s workspace-relative: it is outside the workspace %s", p, workspace)
	}
	return rel, nil
}

// ErrNotOwnFile is wrapped by OwnFile's errors: something at or above a path
// the action writes is a symbolic link, or not a regular file or folder.
var ErrNotOwnFile = errors.New("not a plain file of the workspace")

// OwnFile checks p, a path inside workspace that the action writes (the
// ledger, the plan, the API audit log) or uploads, before it is written or
// read. The action runs as root, and the workspace holds what a commit put
// there: a pull request can commit artifacts/notion_sync_ledger.jsonl as a
// symbolic link to /proc/self/environ (the container's environment, tokens
// included) or to a runner file. Writing would go through the link, and an
// upload or an output would hand out its target. So OwnFile refuses, with an
// error wrapping ErrNotOwnFile, a path where any part below the workspace is
// a symbolic link, a folder part is not a folder, or the file is not a
// regular file. It reports whether the file exists; a missing file (or
// folder) is fine: the action creates plain ones.
//
// The workspace folder itself may be a link (a runner's work folder often is
// one); only what lies below it is checked. The check is safefile.Check, the
// one the CLI's writers make too.
func OwnFile(workspace, p string) (exists bool, err error) {
	exists, err = safefile.Check(workspace, p)
	if err != nil {
		return false, fmt.Errorf("%w: %w", ErrNotOwnFile, err)
	}
	return exists, nil
}

// OwnRel is p relative to workspace when p is a plain file of it (OwnFile),
// else "": an output must never name what a committed link points at.
func OwnRel(workspace, p string) string {
	if exists, err := OwnFile(workspace, p); err != nil || !exists {
		return ""
	}
	r, err := Rel(workspace, p)
	if err != nil {
		return p
	}
	return r
}

// CheckInside refuses name, a workspace-relative file the action reads (the
// config), when it is a symbolic link to a file outside the workspace (to
// /proc/self/environ, a runner file): it would be parsed, and parse errors
// quote what they read. A missing or broken file passes: its reader reports
// it.
func CheckInside(workspace, name string) error {
	real, err := filepath.EvalSymlinks(filepath.Join(workspace, filepath.FromSlash(name)))
	if err != nil {
		return nil
	}
	ws, err := filepath.EvalSymlinks(workspace)
	if err != nil {
		return nil
	}
	if _, err := Rel(ws, real); err != nil {
		return fmt.Errorf("%s: it is a symbolic link to a file outside the workspace", name)
	}
	return nil
}
