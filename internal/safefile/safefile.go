// Package safefile opens and writes the files the tool itself produces (the
// ledger, the plan, the API audit log, the async log, lock files, schema and
// audit outputs, manifests it edits) without ever writing through a symbolic
// link.
//
// Those files live in a repository, and a repository holds whatever a commit
// put there: artifacts/notion_sync_ledger.jsonl committed as a link to
// ~/.bashrc would have every ledger line appended to the shell's start-up
// file, and a link to /proc/self/environ would have the Action hand out its
// environment. So every function here takes a root (the repository, the
// workspace, or the folder of an output the user named) and refuses a path
// where any part below root is a symbolic link, a folder part is not a folder,
// or the file is not a regular file. The root itself may be a link: a
// runner's work folder often is one.
//
// The check is done twice: with Lstat on every part first, for an error that
// names the part and the fix; then the open itself goes through an os.Root
// with O_NOFOLLOW, so a link swapped in between the check and the open cannot
// lead out of root, and a link swapped in at the file itself is not written
// through. (os.Root still follows a link swapped in at a folder part when it
// stays inside root: the file then lands elsewhere inside the repository.)
package safefile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrNotPlain is wrapped by every refusal: something at or above the path is
// a symbolic link, or not a regular file or folder, or the path leaves root.
var ErrNotPlain = errors.New("not a plain file inside its folder")

// Check reports whether path (absolute, or relative to the working folder,
// and inside root) exists, and refuses, with an error wrapping ErrNotPlain
// that names the offending part and the fix, a path where any part below root
// is a symbolic link, a folder part is not a folder, or the file is not a
// regular file. A missing file or folder is fine: the writers here create
// plain ones.
func Check(root, path string) (exists bool, err error) {
	rel, err := relTo(root, path)
	if err != nil {
		return false, err
	}
	parts := strings.Split(rel, "/")
	cur := root
	for i, part := range parts {
		cur = filepath.Join(cur, part)
		at := strings.Join(parts[:i+1], "/")
		st, err := os.Lstat(cur)
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("check %s: %w", path, err)
		}
		last := i == len(parts)-1
		switch {
		case st.Mode()&fs.ModeSymlink != 0:
			return false, fmt.Errorf("refuse to write %s: %w: %s is a symbolic link, and the tool writes only plain files, so that a committed link cannot send its writes elsewhere: remove the link (git rm it) or choose another path", path, ErrNotPlain, filepath.Join(root, filepath.FromSlash(at)))
		case !last && !st.IsDir():
			return false, fmt.Errorf("refuse to write %s: %w: %s is not a folder", path, ErrNotPlain, filepath.Join(root, filepath.FromSlash(at)))
		case last && !st.Mode().IsRegular():
			return false, fmt.Errorf("refuse to write %s: %w: it is not a regular file (%s): remove it or choose another path", path, ErrNotPlain, st.Mode().Type())
		}
	}
	return true, nil
}

// relTo returns path relative to root with "/" separators, refusing one that
// is root itself or lies outside it.
func relTo(root, path string) (string, error) {
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return "", fmt.Errorf("check %s: %w", path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("check %s: %w", path, err)
	}
	rel, err := filepath.Rel(absRoot, abs)
	if err != nil {
		return "", fmt.Errorf("check %s: %w", path, err)
	}
	rel = filepath.ToSlash(rel)
	switch {
	case rel == ".":
		return "", fmt.Errorf("refuse to write %s: %w: it is the folder %s itself", path, ErrNotPlain, root)
	case rel == ".." || strings.HasPrefix(rel, "../"):
		return "", fmt.Errorf("refuse to write %s: %w: it is outside %s", path, ErrNotPlain, root)
	}
	return rel, nil
}

// OpenFile checks path (see Check), creates its missing folders when flag has
// os.O_CREATE, and opens it with flag and perm through an os.Root at root,
// adding O_NOFOLLOW. root itself is created when missing.
func OpenFile(root, path string, flag int, perm fs.FileMode) (*os.File, error) {
	r, rel, err := open(root, path, flag&os.O_CREATE != 0)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	f, err := r.OpenFile(rel, flag|noFollow, perm)
	if err != nil {
		return nil, openError(path, err)
	}
	// O_NOFOLLOW guards the last part; a FIFO or device put there in the
	// meantime is opened without blocking (O_NONBLOCK) and refused here.
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
		return nil, fmt.Errorf("refuse to write %s: %w: it is not a regular file (%s)", path, ErrNotPlain, st.Mode().Type())
	}
	return f, nil
}

// OpenAppend opens path for appending, creating it (0644) and its folders when
// missing: the form of the API audit log and the async sync log.
func OpenAppend(root, path string) (*os.File, error) {
	return OpenFile(root, path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
}

// OpenLock opens (creating) the lock file at path for flock.
func OpenLock(root, path string) (*os.File, error) {
	return OpenFile(root, path, os.O_RDWR|os.O_CREATE, 0o644)
}

// WriteFile replaces path with data atomically: a new temporary file in the
// same folder, synced, given perm, then renamed over path, so a reader or a
// crash sees the old file or the new one, never half of one. Missing folders
// are created. The rename replaces path itself; it is refused before anything
// is written when path or a folder above it is a link.
func WriteFile(root, path string, data []byte, perm fs.FileMode) (err error) {
	r, rel, err := open(root, path, true)
	if err != nil {
		return err
	}
	defer r.Close()
	var suffix [8]byte
	_, _ = rand.Read(suffix[:])
	dir, base := filepath.Split(filepath.FromSlash(rel))
	tmpRel := filepath.Join(dir, "."+base+"."+hex.EncodeToString(suffix[:])+".tmp")
	tmp, err := r.OpenFile(tmpRel, os.O_WRONLY|os.O_CREATE|os.O_EXCL|noFollow, 0o600)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = r.Remove(tmpRel)
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	// Chmod on the open file, not by name: the name could be swapped.
	if err := tmp.Chmod(perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := r.Rename(tmpRel, filepath.FromSlash(rel)); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// open checks path, creates root and (when mkdir) the folders between root
// and path, and returns an os.Root at root with path relative to it.
func open(root, path string, mkdir bool) (*os.Root, string, error) {
	if _, err := Check(root, path); err != nil {
		return nil, "", err
	}
	rel, err := relTo(root, path)
	if err != nil {
		return nil, "", err
	}
	if mkdir {
		if err := os.MkdirAll(root, 0o755); err != nil {
			return nil, "", fmt.Errorf("create folder for %s: %w", path, err)
		}
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, "", fmt.Errorf("open %s: %w", path, err)
	}
	if dir := filepath.Dir(filepath.FromSlash(rel)); mkdir && dir != "." {
		if err := r.MkdirAll(dir, 0o755); err != nil {
			r.Close()
			return nil, "", fmt.Errorf("create folder for %s: %w", path, err)
		}
	}
	return r, filepath.FromSlash(rel), nil
}

// openError turns the error of an open that met a link (O_NOFOLLOW gives
// ELOOP, os.Root an escape error) into a refusal naming the fix.
func openError(path string, err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("open %s: %w", path, err)
	}
	if isLoop(err) || strings.Contains(err.Error(), "escapes from parent") {
		return fmt.Errorf("refuse to write %s: %w: it became a symbolic link while it was opened: remove the link", path, ErrNotPlain)
	}
	return fmt.Errorf("open %s: %w", path, err)
}
