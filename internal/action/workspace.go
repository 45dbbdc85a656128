package action

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strings"
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
